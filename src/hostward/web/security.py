"""Transport-level defences applied to every response and request, before any route runs.

Headers (OWASP secure headers): a strict Content-Security-Policy (our own scripts and styles only, nothing
inline, no plugins, no framing, no <base>), HSTS when served over TLS, nosniff, no referrer leaks, no server
banner. Request bodies are limited in size, whether announced by Content-Length or streamed in chunks.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostward.digits import is_digits

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
MAX_BODY_BYTES = 64 * 1024


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, tls: bool, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.tls = tls
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not is_digits(declared) or int(declared) > self.max_body_bytes):
            await _reject(send, 413, b"request body too large")
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    # same-origin, not no-referrer: under no-referrer Chromium sends "Origin: null" on our own
                    # form posts, which the Origin check must refuse (login, logout and every form broke);
                    # same-origin still sends no referrer to any other site.
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if self.tls:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            await _reject(send, 413, b"request body too large")


class BodyTooLarge(Exception):
    """A chunked body grew past the limit while being read."""


async def _reject(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-security-policy", CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text})

"""Plain-language corrections of the usual NTP misreadings, for ``hostward ntp status --explain``."""

from __future__ import annotations

from hostward.ntp.status import TimeHealth

SECONDS_PER_DAY = 86_400

MISCONCEPTIONS = (
    (
        "Offset and delay are different things.",
        "An NTP exchange has four timestamps: T1 we send, T2 the server receives, T3 it replies, T4 we receive. "
        "The offset θ = ((T2 − T1) + (T3 − T4)) / 2 is how far the server's clock is ahead of ours; the round-trip "
        "delay δ = (T4 − T1) − (T3 − T2) is network time only. The delay bounds the error of the offset (by δ/2, "
        "if the paths are very asymmetric) but is not itself an offset: a 40 ms delay does not mean the clock is "
        "40 ms wrong.",
    ),
    (
        "Signs differ between tools.",
        "hostward prints θ = server − local: positive means this host is behind. chronyc's 'Last sample' column "
        "is local − source, the negative of θ; 'chronyc tracking' says 'slow' or 'fast' in words (slow = behind) "
        "and its CSV form is positive when slow. Compare numbers only after checking which convention they use.",
    ),
    (
        "ppm is a rate, not an offset.",
        "1 ppm = 1 µs per second = 86.4 ms per day (not 86.4 s, not 1 ms). A clock with a 20 ppm frequency error "
        "drifts 1.7 s a day if nothing corrects it. The frequency in the drift file and in adjtimex is the "
        "correction the daemon applies, not an error still present in the time.",
    ),
    (
        "iburst only speeds up the start.",
        "iburst sends a quick burst (4-8 packets about 2 s apart) when a server is first contacted, so the first "
        "estimate comes in seconds instead of minutes. It does not poll faster afterwards and does not make the "
        "clock more accurate; 'burst' (every poll) is the abusive one that public pools ask you not to use.",
    ),
    (
        "'Synchronised' is a claim, with an error bound.",
        "The kernel's synchronised flag only says a daemon told it so recently; maxerror is the worst case and "
        "esterror the daemon's estimate. The kernel raises maxerror by 500 µs each second and declares the clock "
        "unsynchronised at 16 s if no daemon refreshes it.",
    ),
    (
        "More servers, not two.",
        "With two servers that disagree nobody can tell which one is wrong. With three, one falseticker is "
        "outvoted; four tolerates one failure while still outvoting one falseticker (RFC 5905 §11.2.1 needs a "
        "majority clique).",
    ),
    (
        "Slewing versus stepping.",
        "A daemon normally slews: it runs the clock slightly fast or slow until the error is gone. ntpd slews at "
        "most 500 ppm, so a 1 s error takes over half an hour; chrony slews faster (maxslewrate). Steps are "
        "avoided because they break programs that measure durations with the wall clock: chrony steps only "
        "as its makestep directive allows (usually the first few updates after start); ntpd steps whenever an "
        "offset above 128 ms persists for its stepout interval (300 s), unless started with -x.",
    ),
)


def explain(health: TimeHealth) -> list[str]:
    """The general corrections followed by the host's own numbers, worked out."""
    lines = [f"{title} {body}" for title, body in MISCONCEPTIONS]
    kernel = health.kernel
    if kernel is not None and kernel.frequency_ppm == 0 and not health.daemons:
        lines.append(
            "On this host the kernel applies no frequency correction (0 ppm) because no daemon set one: that "
            "is not a measurement of drift. The oscillator's real error is unknown until a daemon learns it."
        )
    elif kernel is not None:
        lines.append(
            f"On this host the kernel applies {kernel.frequency_ppm:+.3f} ppm: without it the clock would drift "
            f"{abs(kernel.frequency_seconds_per_day) * 1000:.1f} ms per day. Maximum error "
            f"{kernel.maxerror_seconds * 1000:.3f} ms, estimated error {kernel.esterror_seconds * 1000:.3f} ms."
        )
    if health.drift is not None:
        d = health.drift
        skew = f" ± {d.skew_ppm:.3f}" if d.skew_ppm is not None else ""
        lines.append(
            f"The drift file {d.path} holds {d.frequency_ppm:+.3f}{skew} ppm, i.e. "
            f"{abs(d.seconds_per_day) * 1000:.1f} ms per day, "
            f"{abs(d.frequency_ppm) * 1e-6 * SECONDS_PER_DAY * 365:.1f} s per year."
        )
    return lines

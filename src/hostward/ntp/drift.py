"""The drift file: where a time daemon keeps the clock's frequency error between restarts.

Every quartz oscillator runs a little fast or slow (typically within ±50 ppm, and it moves with
temperature). The daemon learns that error, corrects for it, and saves it so that after a reboot it does
not have to learn it again for hours. 1 ppm = 1 µs per second = 86.4 ms per day = 31.5 s per year.
  * chrony: two numbers, the frequency in ppm and its estimated error ("skew") in ppm; same sign as the
    Frequency of ``chronyc -c tracking`` (negative: the uncorrected clock runs slow);
  * ntpd/NTPsec: one number, the frequency correction in ppm;
  * systemd-timesyncd keeps no drift file (its /var/lib/systemd/timesync/clock only records the last time).
"""

from __future__ import annotations

import glob
from pathlib import Path

from hostward.errors import ParseError
from hostward.frozen import frozen

SECONDS_PER_DAY = 86_400
CHRONY_CONFIGS = (Path("/etc/chrony/chrony.conf"), Path("/etc/chrony.conf"))
NTP_CONFIGS = (Path("/etc/ntpsec/ntp.conf"), Path("/etc/ntp.conf"))
DEFAULT_DRIFT = {"chronyd": Path("/var/lib/chrony/chrony.drift"), "ntpd": Path("/var/lib/ntp/ntp.drift")}


@frozen
class DriftInfo:
    path: Path
    daemon: str  # "chronyd" or "ntpd"
    frequency_ppm: float
    skew_ppm: float | None  # chrony only
    age_seconds: float | None

    @property
    def seconds_per_day(self) -> float:
        """What the frequency error alone would do to the clock in a day if nothing corrected it."""
        return self.frequency_ppm * 1e-6 * SECONDS_PER_DAY


def parse_drift(text: str, daemon: str, path: Path, age_seconds: float | None = None) -> DriftInfo:
    fields = text.split()
    try:
        if daemon == "chronyd":
            if len(fields) != 2:
                raise ValueError(f"expected 'frequency skew', got {len(fields)} field(s)")
            return DriftInfo(path, daemon, float(fields[0]), float(fields[1]), age_seconds)
        if len(fields) != 1:
            raise ValueError(f"expected one number, got {len(fields)} field(s)")
        return DriftInfo(path, daemon, float(fields[0]), None, age_seconds)
    except ValueError as exc:
        raise ParseError(f"{path}: {exc}") from exc


def configured_drift_path(config_text: str) -> Path | None:
    """The path of the last ``driftfile`` directive (chrony and ntpd share the keyword), if any."""
    found = None
    for line in config_text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] == "driftfile":
            found = Path(words[1])
    return found


def config_texts(paths: tuple[Path, ...]) -> list[str]:
    texts = []
    for path in paths:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        texts.append(text)
        # chrony's confdir/include may hold the driftfile directive too (Debian ships confdir conf.d).
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if len(words) >= 2 and words[0] in ("confdir", "include"):
                pattern = words[1] + ("/*.conf" if words[0] == "confdir" else "")
                for extra in sorted(glob.glob(pattern)):
                    try:
                        texts.append(Path(extra).read_text(errors="replace"))
                    except OSError:
                        continue
    return texts


def find_drift_file(daemon: str, config_paths: tuple[Path, ...] | None = None) -> Path | None:
    """Where ``daemon``'s drift file should be, from its configuration, else the Debian default."""
    if config_paths is None:
        config_paths = CHRONY_CONFIGS if daemon == "chronyd" else NTP_CONFIGS
    path = None
    for text in config_texts(config_paths):
        path = configured_drift_path(text) or path
    return path or DEFAULT_DRIFT.get(daemon)


def read_drift(daemon: str, path: Path, now_unix: float) -> DriftInfo | None:
    """Parse the drift file, or None when it does not exist (yet)."""
    try:
        text = path.read_text()
        age = now_unix - path.stat().st_mtime
    except OSError:
        return None
    return parse_drift(text, daemon, path, age)

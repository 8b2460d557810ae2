"""DATA_DIR/web when the data directory cannot hold it (a file given as the data directory, a path through a
file): the web commands say so in one line, as for any bad configuration, not with a traceback."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import require_root

from hostward.errors import ConfigError, StoreError, UnsafePath
from hostward.web.accounts import Accounts
from hostward.web.audit import AuditLog
from hostward.web.state import web_dir


def _run(data_dir: Path, command: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostward", "web", "--data-dir", str(data_dir), *command],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _web(data_dir: Path, command: list[str]) -> tuple[int, list[str]]:
    """``hostward web --data-dir DATA_DIR COMMAND``: its exit code and standard error's lines."""
    done = _run(data_dir, command)
    return done.returncode, done.stderr.splitlines()


def _web_out(data_dir: Path, command: list[str]) -> tuple[int, str, list[str]]:
    done = _run(data_dir, command)
    return done.returncode, done.stdout, done.stderr.splitlines()


def test_a_file_as_the_data_directory_is_a_config_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file\n")
    with pytest.raises(ConfigError, match=r"cannot use .*/data/web for the dashboard's state: Not a dir"):
        web_dir(not_a_dir)
    with pytest.raises(ConfigError, match="Not a directory"):
        web_dir(not_a_dir / "below")


@pytest.mark.parametrize("command", [["user", "list"], ["serve"]])
def test_web_commands_say_it_in_one_line(tmp_path: Path, command: list[str]) -> None:
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file\n")
    assert _web(not_a_dir, command) == (
        2,
        [f"hostward web: cannot use {not_a_dir}/web for the dashboard's state: Not a directory"],
    )
    assert not_a_dir.read_text() == "a file\n"


def _in_web_dir(tmp_path: Path) -> Path:
    web = tmp_path / "data" / "web"
    web.mkdir(parents=True, mode=0o700)
    return web / "accounts.db"


def test_a_damaged_database_is_named_in_one_line(tmp_path: Path) -> None:
    db = _in_web_dir(tmp_path)
    db.write_bytes(b"not sqlite at all\n" * 300)
    with pytest.raises(
        ConfigError, match=r"accounts\.db: file is not a database \(the dashboard's database\)"
    ):
        Accounts(db).count()
    assert _web(tmp_path / "data", ["user", "list"]) == (
        2,
        [f"hostward web: {db}: file is not a database (the dashboard's database)"],
    )


@pytest.mark.parametrize("kind", ["symlink", "dangling symlink", "directory"])
def test_a_database_path_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    """sqlite follows a link (and would write its schema and journal where it points): refused, not opened."""
    db = _in_web_dir(tmp_path)
    target = tmp_path / "elsewhere.db"
    if kind == "directory":
        db.mkdir()
    else:
        if kind == "symlink":
            target.write_bytes(b"")
        db.symlink_to(target)
    with pytest.raises(ConfigError, match="is not a regular file"):
        Accounts(db).count()
    assert not target.exists() or target.read_bytes() == b""  # nothing written through the link
    code, lines = _web(tmp_path / "data", ["user", "list"])
    assert code == 2 and lines == [
        f"hostward web: {db} is not a regular file (a symlink is not accepted): move it away"
    ]


LISTINGS = [["user", "list"], ["audit", "verify"]]


@pytest.mark.parametrize("command", LISTINGS)
def test_a_listing_in_a_missing_data_directory_is_one_line_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    """A mistyped --data-dir: the old code made DATA_DIR, DATA_DIR/web and an empty accounts.db there."""
    missing = tmp_path / "typo"
    assert _web_out(missing, command) == (
        2,
        "",
        [f"hostward web: the data directory {missing} does not exist (or is not a directory)"],
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", LISTINGS)
@pytest.mark.parametrize("web_exists", [False, True])
def test_a_listing_with_no_state_yet_says_so_and_creates_nothing(
    tmp_path: Path, command: list[str], web_exists: bool
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    if web_exists:
        (data / "web").mkdir(mode=0o700)
    what = "no accounts yet" if command[0] == "user" else "no audit log yet"
    name = "accounts.db" if command[0] == "user" else "audit.jsonl"
    assert _web_out(data, command) == (0, "", [f"{what}: {data}/web/{name} does not exist"])
    assert [p.name for p in data.rglob("*")] == (["web"] if web_exists else [])


def test_a_listing_refuses_a_web_directory_that_is_a_link(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (data / "web").symlink_to(elsewhere)
    assert _web_out(data, ["user", "list"]) == (
        2,
        "",
        [f"hostward web: {data}/web is not a directory (a symlink is not accepted)"],
    )
    assert list(elsewhere.iterdir()) == []


def test_writing_commands_still_create_the_state(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = _run(data, ["user", "add", "ann", "--password-stdin"], "a long enough passphrase 1\n")
    assert (done.returncode, done.stderr) == (0, "")
    assert (data / "web").stat().st_mode & 0o777 == 0o700
    assert (data / "web" / "accounts.db").stat().st_mode & 0o777 == 0o600
    code, out, err = _web_out(data, ["user", "list"])
    assert (code, out.split(), err) == (0, ["ann", "viewer", "no", "2FA", "active"], [])


@pytest.mark.parametrize("planted", ["link", "other owner"])
def test_a_writer_refuses_a_web_directory_that_is_a_link_or_not_ours(tmp_path: Path, planted: str) -> None:
    """`user add` (the writers' web_dir): DATA_DIR/web a link to a private directory, or a directory of another
    user, is refused in one line and nothing is written there."""
    data = tmp_path / "data"
    data.mkdir(mode=0o750)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if planted == "link":
        (data / "web").symlink_to(elsewhere)
        refused = data / "web"
        why = f"{refused} is not a directory (a symlink is not accepted)"
    else:
        require_root()
        refused = data / "web"
        refused.mkdir(mode=0o700)
        os.chown(refused, 65534, 65534)
        why = f"{refused} is owned by uid 65534, not by this user: refusing to use it"
    with pytest.raises(ConfigError, match=re.escape(why)):
        web_dir(data)
    done = _run(data, ["user", "add", "ann", "--password-stdin"], "a long enough passphrase 1\n")
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (2, "", [f"hostward web: {why}"])
    assert list(elsewhere.iterdir()) == [] and list(refused.iterdir()) == []


def test_the_state_directories_get_their_modes_whatever_the_umask(tmp_path: Path) -> None:
    """DATA_DIR 0750 as the recorder makes it (its group reads the day files), DATA_DIR/web 0700. The old code's
    mkdir left both to the umask: under umask 077 the data directory was 0700."""
    old = os.umask(0o077)
    try:
        web = web_dir(tmp_path / "data" / "below")
    finally:
        os.umask(old)
    modes = [stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "data", web.parent, web)]
    assert modes == [0o750, 0o750, 0o700]


def test_a_web_directory_others_could_replace_is_refused(tmp_path: Path) -> None:
    """A data directory its group may write: a member could move DATA_DIR/web away and plant names there. Refused
    in one line as the recorder refuses it (the old code used it)."""
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o770)
    with pytest.raises(
        UnsafePath,
        match=re.escape(
            f"refusing the dashboard's state directory {data}/web: its parent {data} is writable"
        ),
    ):
        web_dir(data)
    done = _run(data, ["user", "add", "ann", "--password-stdin"], "a long enough passphrase 1\n")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [
        f"hostward web: refusing the dashboard's state directory {data}/web: its parent {data} is writable by "
        f"its group (chmod go-w {data})"
    ]
    assert list(data.iterdir()) == []  # nothing was written there, nor left made (see the test below)


@pytest.mark.parametrize("side", ["-wal", "-shm", "-journal"])
@pytest.mark.parametrize("fresh", [True, False])
def test_a_link_as_sqlites_side_file_is_refused(tmp_path: Path, side: str, fresh: bool) -> None:
    """A link planted as accounts.db-wal (-shm, -journal) is refused in one line before sqlite opens anything,
    as one planted as accounts.db is; the target is untouched. (The old code let sqlite deal with it: this
    sqlite unlinked a -wal link and made its own, and said "unable to open database file" for a -shm one.)"""
    db = _in_web_dir(tmp_path)
    if not fresh:
        Accounts(db).count()
        for name in ("-wal", "-shm", "-journal"):
            db.with_name(db.name + name).unlink(missing_ok=True)
    target = tmp_path / "elsewhere"
    target.write_bytes(b"precious\n")
    planted = db.with_name(db.name + side)
    planted.symlink_to(target)
    with pytest.raises(ConfigError, match=rf"{planted} is not a regular file \(a symlink is not accepted\)"):
        Accounts(db).add("ann", "viewer", "a long enough passphrase 1")
    assert target.read_bytes() == b"precious\n"
    assert planted.is_symlink()
    listed = _web(tmp_path / "data", ["user", "list"])
    if fresh:  # no database yet: the listing opens nothing
        assert listed == (0, [f"no accounts yet: {db} does not exist"])
    else:
        assert listed == (
            2,
            [f"hostward web: {planted} is not a regular file (a symlink is not accepted): move it away"],
        )
    assert target.read_bytes() == b"precious\n"


@pytest.mark.parametrize("kind", ["fifo", "other owner", "database of another owner"])
def test_a_side_file_that_is_no_file_of_ours_is_refused(tmp_path: Path, kind: str) -> None:
    db = _in_web_dir(tmp_path)
    Accounts(db).count()
    wal = db.with_name("accounts.db-wal")
    wal.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(wal, 0o600)
        expected = "is not a regular file"
    else:
        require_root()
        owned = db if kind.startswith("database") else wal
        owned.touch()
        os.chown(owned, 65534, 65534)
        expected = "is owned by uid 65534, not by this user: move it away"
    with pytest.raises(ConfigError, match=expected):
        Accounts(db).count()


def _plant(log: Path, planted: str, tmp_path: Path) -> tuple[str, socket.socket | None]:
    """A link to a file outside, a FIFO or a bound socket at the log's name; what the refusal says."""
    if planted == "link":
        secret = tmp_path / "secret"
        secret.write_text("not an audit entry\n")
        log.symlink_to(secret)
        return "it is a symbolic link", None
    if planted == "fifo":
        os.mkfifo(log)
        return "it is not a regular file", None
    bound = socket.socket(socket.AF_UNIX)
    bound.bind(str(log))
    return "No such device or address", bound


PLANTED = ["link", "fifo", "socket"]


@pytest.mark.parametrize("planted", PLANTED)
def test_audit_verify_refuses_a_planted_log(tmp_path: Path, planted: str) -> None:
    """The log is written through O_NOFOLLOW; verify read through a link (any file's lines judged and named as
    audit entries), hung on a FIFO and gave a traceback on a socket. Each is one line now."""
    data = tmp_path / "data"
    (data / "web").mkdir(parents=True, mode=0o700)
    log = data / "web" / "audit.jsonl"
    why, bound = _plant(log, planted, tmp_path)
    try:
        assert _web_out(data, ["audit", "verify"]) == (
            1,
            "",
            [f"hostward web: refusing to read {log}: {why}"],
        )
    finally:
        if bound is not None:
            bound.close()


@pytest.mark.parametrize("planted", PLANTED)
def test_the_dashboards_audit_log_refuses_a_planted_log(tmp_path: Path, planted: str) -> None:
    """The dashboard's own reads (the chain's last hash before an append, the admin page's entries) went through a
    link and hung on a FIFO, holding the log's lock for every later audited request."""
    web = tmp_path / "web"
    web.mkdir(mode=0o700)
    log = web / "audit.jsonl"
    why, bound = _plant(log, planted, tmp_path)
    try:
        with pytest.raises(UnsafePath, match=f"refusing to read {log}: {why}"):
            AuditLog(log).newest(1)
        with pytest.raises(StoreError, match=str(log)):  # UnsafePath is one
            AuditLog(log).append(action="login")
    finally:
        if bound is not None:
            bound.close()
    if planted == "link":
        assert (tmp_path / "secret").read_text() == "not an audit entry\n"


def _tree(root: Path) -> list[tuple[str, int, int, str]]:
    """Every name under ``root``: its path, mode, owner and where it links to (lstat: links are not followed)."""
    out = []
    for directory, names, files in os.walk(root):
        for name in sorted(names + files):
            path = Path(directory) / name
            info = os.lstat(path)
            target = os.readlink(path) if path.is_symlink() else ""
            out.append((str(path.relative_to(root)), info.st_mode, info.st_uid, target))
    return sorted(out)


@pytest.mark.parametrize(
    "refused",
    ["group-writable", "another user's", "a link to a group-writable one", "missing, below a shared one"],
)
def test_a_refused_data_directory_is_left_as_it_was(tmp_path: Path, refused: str) -> None:
    """web_dir refuses a data directory others control only once it has made what it needs; what it made
    (DATA_DIR/web, DATA_DIR and the directories above it that were missing) is removed again, so a refused
    call leaves no empty directory behind. The old code left DATA_DIR/web (and DATA_DIR) there."""
    data = tmp_path / "data"
    if refused == "group-writable":
        data.mkdir()
        data.chmod(0o770)
    elif refused == "another user's":
        require_root()
        data.mkdir(mode=0o750)
        os.chown(data, 65534, 65534)
    elif refused == "a link to a group-writable one":
        shared = tmp_path / "shared"
        shared.mkdir()
        shared.chmod(0o770)
        data.symlink_to(shared)
    else:
        shared = tmp_path / "shared"
        shared.mkdir()
        shared.chmod(0o770)
        data = shared / "hostward" / "data"
    before = _tree(tmp_path)
    with pytest.raises(UnsafePath, match=re.escape(f"refusing the dashboard's state directory {data}/web: ")):
        web_dir(data)
    assert _tree(tmp_path) == before
    done = _run(data, ["user", "add", "ann", "--password-stdin"], "a long enough passphrase 1\n")
    assert (done.returncode, done.stdout, len(done.stderr.splitlines())) == (1, "", 1)
    assert _tree(tmp_path) == before

"""The benches' way of running a child (bench/_peers.run_child, used by bench/sa_read.py): its standard error is
read while it runs, so a child that writes more than a pipe holds before exiting is measured, not waited on
forever (the old sa_read.py reaped first and read after: such a child and the bench both hung)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"

LOUD = "import sys; sys.stderr.write('x' * (1 << 20) + 'last words'); sys.exit(3)"


def _in_bench(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(BENCH)!r})\n{code}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_child_writing_a_megabyte_to_stderr_is_measured() -> None:
    done = _in_bench(
        "import os\nfrom _peers import run_child\n"
        f"code, cpu, err = run_child([sys.executable, '-c', {LOUD!r}], dict(os.environ))\n"
        "print(code, cpu > 0, len(err), err[-5:])"
    )
    assert done.stdout.split() == ["3", "True", str((1 << 20) + 10), "words"], done.stderr


def test_sa_read_names_a_failing_loud_child() -> None:
    done = _in_bench(
        f"import os\nfrom sa_read import run\nrun([sys.executable, '-c', {LOUD!r}], dict(os.environ))"
    )
    assert done.returncode == 1
    assert done.stderr.rstrip().endswith("xxxxlast words") and " failed: " in done.stderr


def test_startup_and_plot_day_name_a_failing_loud_child() -> None:
    for module in ("startup", "plot_day"):
        done = _in_bench(
            f"import os\nfrom {module} import cpu_of\ncpu_of([sys.executable, '-c', {LOUD!r}], dict(os.environ))"
        )
        assert done.returncode == 1, (module, done.stderr[-300:])
        assert done.stderr.rstrip().endswith("xxxxlast words") and " failed" in done.stderr, module

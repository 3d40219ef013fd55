"""Benchmark: the test suite's time as `.ci/run` runs it (`python -m pytest`), and its CPU.

Each run is `python -m pytest -q -n N` (N workers of pytest-xdist; 0: one process). Printed per
run: wall seconds, user+sys CPU seconds of pytest and of every process it waited for (workers,
the formkit processes tests start), and the load average before it, since the machine may be
shared: wall time there depends on what else runs, CPU time much less. `--baseline-rev REV` also
runs the suite of a git revision (unpacked with `git archive` into a temporary folder) with the
same worker counts, runs alternating, so both see the same conditions.

Run from a checkout:  python benchmarks/suite.py [--workers 2 0] [--repeat 2] [--baseline-rev REV]
                      [-- PYTEST-ARGS...]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def checkout(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def children_cpu() -> float:
    """CPU seconds of the processes this one has waited for (nan on Windows: no `resource`)."""
    try:
        import resource
    except ImportError:
        return math.nan
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan  # POSIX only


def run(code: Path, workers: int, extra: list[str]) -> tuple[float, float, str]:
    """One run of the suite in `code`: (wall s, CPU s, pytest's summary line)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers), *extra]
    env = {**os.environ, "PYTHONPATH": str(code)}
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    lines = done.stdout.splitlines()
    summary = next((line.strip("= ") for line in reversed(lines) if re.search(r"\d+ (passed|failed|error)", line)),
                   f"exit {done.returncode}")
    failures = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]  # pytest's -ra summary
    return wall, cpu, "\n".join([summary, *failures])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 0], help="worker counts to run (0: one process)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--baseline-rev", help="also run the suite of this git revision")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest (e.g. tests/test_pull.py)")
    args = parser.parse_args()
    # Started in the background (`... &`), this process ignores Ctrl-C, and so would every process
    # the suite starts: a test that stops `formkit serve` with SIGINT would wait in vain.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with tempfile.TemporaryDirectory() as tmp:
        codes = {"this checkout": REPO}
        if args.baseline_rev:
            label = "rev " + subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", args.baseline_rev],
                                            check=True, capture_output=True, text=True).stdout.strip()
            codes[label] = checkout(args.baseline_rev, Path(tmp))
        print(f"{'code':<16} {'workers':>7} {'load':>5} {'wall s':>7} {'CPU s':>6}  pytest")
        for _ in range(args.repeat):
            for workers in args.workers:
                for label, code in codes.items():
                    load = load_average()
                    wall, cpu, summary = run(code, workers, args.pytest_args)
                    print(f"{label:<16} {workers:>7} {load:>5.1f} {wall:>7.1f} {cpu:>6.1f}  {summary}", flush=True)


if __name__ == "__main__":
    main()

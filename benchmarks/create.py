"""Benchmark: `formkit create` for 200, 1,000 and 3,321 communes on the embedded backend.

For each size: the Forms API calls per commune (counted by the server, target 3), the Drive calls
(target 1: the permission that lets anyone with the link answer), the wall time,
the time per commune in each tenth of the run (flat: the last tenth within 1.2x the first, since
a step's state write costs the same at any size), and a re-run with nothing to do.
Run from a checkout:  python benchmarks/create.py [--communes 200 1000 3321]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from synthetic import province_toml  # noqa: E402  (benchmarks/synthetic.py)

from formkit.localserver import LocalGoogle  # noqa: E402


def run_create(communes: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        (root / "formkit.toml").write_text(province_toml(communes), encoding="utf-8")
        with LocalGoogle(Path(tmp) / "google.sqlite", testing=True).start() as server:
            auth = {"Authorization": f"Bearer {server.token}"}
            env = {**os.environ, "FORMKIT_GOOGLE_ENDPOINT": server.base_url, "FORMKIT_GOOGLE_TOKEN": server.token,
                   "PYTHONPATH": str(REPO), "LANGUAGE": "en",  # the lines read below are the English ones
                   "PYTHONUNBUFFERED": "1"}  # each commune's line arrives when it is done
            command = [sys.executable, "-m", "formkit", "create", "-w", str(root)]
            started = time.perf_counter()
            done: list[float] = []  # when each commune's "published" line arrived
            with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) as process:
                assert process.stdout is not None and process.stderr is not None  # both are PIPEs
                for line in process.stdout:
                    if ": published" in line:
                        done.append(time.perf_counter())
                error = process.stderr.read()
            elapsed = time.perf_counter() - started
            if process.returncode != 0 or len(done) != communes:
                sys.exit(f"create failed ({process.returncode}, {len(done)} of {communes} published):\n{error}")
            calls = requests.get(f"{server.base_url}/formkit/v1/calls", timeout=10, headers=auth).json()
            rerun_started = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            rerun = time.perf_counter() - rerun_started
            calls_after = requests.get(f"{server.base_url}/formkit/v1/calls", timeout=10, headers=auth).json()
            state_size = (root / "state" / "forms.json").stat().st_size
            journal_left = (root / "state" / "forms.journal").exists()
    tenth = communes // 10
    deciles = [(done[(k + 1) * tenth - 1] - done[k * tenth - 1 if k else 0]) / (tenth - (0 if k else 1))
               for k in range(10)]
    return {"elapsed": elapsed, "deciles": deciles, "calls": calls, "rerun": rerun,
            "rerun_calls": sum(calls_after.values()) - sum(calls.values()), "state_size": state_size,
            "journal_left": journal_left}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, nargs="+", default=[200, 1000, 3321])
    args = parser.parse_args()
    for communes in args.communes:
        result = run_create(communes)
        forms_calls = sum(v for k, v in result["calls"].items() if k.startswith("forms."))
        drive_calls = sum(v for k, v in result["calls"].items() if k.startswith("drive."))
        deciles = result["deciles"]
        print(f"communes:                     {communes}")
        print(f"Forms API calls per commune:  {forms_calls / communes:.2f}  (target 3; "
              f"{', '.join(f'{k} {v}' for k, v in sorted(result['calls'].items()))})")
        print(f"Drive API calls per commune:  {drive_calls / communes:.2f}  "
              "(target 1: anyone with the link may answer)")
        print(f"wall time:                    {result['elapsed']:.1f} s  "
              f"({communes / result['elapsed']:.1f} communes/s)")
        print(f"ms per commune, by tenth:     {' '.join(f'{d * 1000:.0f}' for d in deciles)}")
        print(f"last tenth / first tenth:     {deciles[-1] / deciles[0]:.2f}  (target <= 1.2)")
        print(f"state:                        forms.json {result['state_size'] / 1e6:.1f} MB, "
              f"journal left behind: {'yes' if result['journal_left'] else 'no'}")
        print(f"re-run (nothing to do):       {result['rerun']:.2f} s, {result['rerun_calls']} calls")
        print()


if __name__ == "__main__":
    main()

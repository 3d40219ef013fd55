"""Benchmark: `formkit create` for 200 communes on the embedded backend.

Prints the Forms API calls per commune (counted by the server, target 3), the Drive calls (target 1:
the permission that lets anyone with the link answer) and the wall time.
Run from a checkout:  python benchmarks/create.py [--communes 200]
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

from formkit.localserver import LocalGoogle  # noqa: E402
from synthetic import province_toml  # noqa: E402  (benchmarks/synthetic.py)

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        (root / "formkit.toml").write_text(province_toml(args.communes), encoding="utf-8")
        with LocalGoogle(Path(tmp) / "google.sqlite", testing=True).start() as server:
            auth = {"Authorization": f"Bearer {server.token}"}
            env = {**os.environ, "FORMKIT_GOOGLE_ENDPOINT": server.base_url, "FORMKIT_GOOGLE_TOKEN": server.token,
                   "PYTHONPATH": str(REPO)}
            command = [sys.executable, "-m", "formkit", "create", "-w", str(root)]
            started = time.perf_counter()
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if result.returncode != 0:
                sys.exit(f"create failed ({result.returncode}):\n{result.stderr}")
            calls = requests.get(f"{server.base_url}/formkit/v1/calls", timeout=10, headers=auth).json()
            rerun_started = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            rerun = time.perf_counter() - rerun_started
            calls_after = requests.get(f"{server.base_url}/formkit/v1/calls", timeout=10, headers=auth).json()
    forms_calls = sum(v for k, v in calls.items() if k.startswith("forms."))
    drive_calls = sum(v for k, v in calls.items() if k.startswith("drive."))
    print(f"communes:                     {args.communes}")
    print(f"Google API calls:             {forms_calls + drive_calls} ({', '.join(f'{k} {v}' for k, v in sorted(calls.items()))})")
    print(f"Forms API calls per commune:  {forms_calls / args.communes:.2f}  (target 3)")
    print(f"Drive API calls per commune:  {drive_calls / args.communes:.2f}  (target 1: anyone with the link may answer)")
    print(f"Google API calls per commune: {(forms_calls + drive_calls) / args.communes:.2f}  (target 4)")
    print(f"wall time:                    {elapsed:.2f} s  ({args.communes / elapsed:.1f} communes/s)")
    print(f"re-run (nothing to do):       {rerun:.2f} s, {sum(calls_after.values()) - sum(calls.values())} calls")


if __name__ == "__main__":
    main()

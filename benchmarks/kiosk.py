"""Benchmark: how many ratings a second one office PC takes from 10 counter tablets at once.

Each simulated tablet is paired with its own code, then sends ratings as the page does — one
request per finished rating, a tablet-made id each, one in ten sent twice (an answer lost on the
way back) — for --seconds seconds or --ratings ratings per tablet, whichever comes first. Loopback
only; the per-device rate limit is raised for the measurement (a real counter is held to about one
rating every 6 s). Prints ratings acknowledged per second, and checks that acknowledged = stored:
every acknowledged id is in the store once, nothing more.
Run from a checkout:  python benchmarks/kiosk.py [--tablets 10] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from formkit.kiosk import manage  # noqa: E402
from formkit.kiosk.limits import Limit  # noqa: E402
from formkit.kiosk.server import KioskServer  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402
from formkit.workspace.example import write_example_workspace  # noqa: E402

UNLIMITED = Limit(10 ** 9, 10 ** 9)
ANSWERS = [{"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, {"1.1": "Bình thường", "1.2": "Dễ hiểu", "1.3": "Kém"}]


def tablet(port: int, code: str, deadline: float, limit: int, acked: list, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        data = json.loads(response.read())
        connection.close()  # the server answers HTTP/1.0: one request per connection, as the page's fetch
        return response.status, data

    status, body = post("/api/pair", {"code": code})
    token = body["token"]
    n = 0
    while time.monotonic() < deadline and n < limit:
        rating = {"id": str(uuid.uuid4()), "at": int(time.time() * 1000), "answers": ANSWERS[n % 2],
                  "receipt": "", "comment": "", "officer": None}
        for _attempt in range(2 if n % 10 == 0 else 1):
            try:
                status, body = post("/api/ratings", {"ratings": [rating]}, token)
            except OSError as exc:
                errors.append(repr(exc))
                continue
            if status == 200:
                acked.extend(body["acked"])
            else:
                errors.append(status)
        n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--ratings", type=int, default=2000, help="At most this many ratings per tablet.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        write_example_workspace(root)
        ws = load_workspace(root, check_photos=False)
        codes = [manage.pair(ws, "hoa-thanh", f"Quầy {i + 1}", "can-bo-3", "intake", None)[1]
                 for i in range(args.tablets)]
        server = KioskServer(ws, "127.0.0.1", 0, rate_limits={"ratings": UNLIMITED, "requests": UNLIMITED}).start()
        acked: list[str] = []
        errors: list = []
        started = time.monotonic()
        threads = [threading.Thread(target=tablet, args=(server.port, code, started + args.seconds, args.ratings,
                                                         acked, errors)) for code in codes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        server.stop()
        with sqlite3.connect(ws.responses_file) as db:
            stored = [key.rsplit("|", 1)[1] for (key,) in db.execute(
                "SELECT key FROM responses WHERE channel = 'quầy'")]
    unique = set(acked)
    print(f"tablets: {args.tablets}, {elapsed:.1f} s")
    print(f"ratings acknowledged: {len(unique)} ({len(acked) - len(unique)} resends acknowledged again)")
    print(f"stored: {len(stored)}, of them acknowledged: {len(unique & set(stored))}, "
          f"stored twice: {len(stored) - len(set(stored))}, errors: {len(errors)}")
    print(f"ratings per second: {len(unique) / elapsed:.0f}")
    ok = set(stored) == unique and len(stored) == len(set(stored)) and not errors
    print("acknowledged = stored: " + ("yes" if ok else "NO"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

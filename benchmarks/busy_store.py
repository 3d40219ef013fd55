"""How long one command holds the response store from another, against BUSY_WAIT (how long every
formkit connection waits for it, responses/store.py) — the figure that constant is chosen to outlast.

    python benchmarks/busy_store.py [--rows 50000] [--stored 200000]

Fills a store with --stored synthetic responses, then, while a pull's
largest transaction (one store.add of BATCH_ROWS rows, responses/pull.py) runs in a thread,
times what a second connection meets: a writer (`formkit kiosk` committing a rating) waits for
the whole transaction; then how long a `retention` VACUUM of that store holds it. Prints each
against BUSY_WAIT. Takes about half a minute at the defaults.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from synthetic import province_toml  # noqa: E402  (benchmarks/synthetic.py)

from formkit.responses.coding import scale_questions  # noqa: E402
from formkit.responses.pull import BATCH_ROWS  # noqa: E402
from formkit.responses.store import BUSY_WAIT, VIETNAM, ResponseRow, ResponseStore  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402


def rows(ws, commune, n: int, start: datetime, rng: random.Random) -> list[ResponseRow]:
    """n responses answering every scale question, one a minute from `start`, one in ten with a comment."""
    questions = [(q.id, q.fixed_options) for q in scale_questions(ws.template)]
    comment = ws.template.by_role("comment")
    made = []
    for k in range(n):
        answers = {qid: rng.choice(options) for qid, options in questions}
        if comment is not None and k % 10 == 0:
            answers[comment.id] = "Phòng chờ hơi nóng, đề nghị lắp thêm quạt."
        made.append(ResponseRow(commune.id, f"form-{commune.id}", "api", ws.template.id, ws.template.version,
                                start + timedelta(minutes=k), answers, commune.officers[k % 2].id))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=BATCH_ROWS, help="rows of the pull's transaction")
    parser.add_argument("--stored", type=int, default=200_000, help="responses already in the store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        root.mkdir()
        (root / "formkit.toml").write_text(province_toml(2, officers=2), encoding="utf-8")
        ws = load_workspace(root)
        rng = random.Random(2026)
        old, new = (rows(ws, ws.communes[i], n, datetime(2025 + i, 1, 1, tzinfo=VIETNAM), rng)
                    for i, n in enumerate((args.stored, args.rows)))
        path = ws.state_dir / "responses.sqlite"
        with ResponseStore(path) as store:
            store.add(old, ws.template)
        print(f"store: {args.stored:,} responses, {path.stat().st_size / 2**20:.0f} MiB; BUSY_WAIT {BUSY_WAIT:g} s")

        started = threading.Event()
        timing: dict[str, float] = {}

        def pull() -> None:
            with ResponseStore(path) as store:
                started.set()
                begin = time.perf_counter()
                store.add(new, ws.template)
                timing["pull"] = time.perf_counter() - begin

        thread = threading.Thread(target=pull)
        thread.start()
        started.wait()
        time.sleep(0.2)  # the pull is inside its transaction (coding rows, inserting)
        with closing(sqlite3.connect(path, timeout=BUSY_WAIT, isolation_level=None)) as kiosk:
            begin = time.perf_counter()
            kiosk.execute("BEGIN IMMEDIATE")  # what the kiosk's writer needs to commit a rating
            waited = time.perf_counter() - begin
            kiosk.execute("ROLLBACK")
        thread.join()
        print(f"pull: store.add of {args.rows:,} rows took {timing['pull']:.1f} s "
              f"({timing['pull'] / BUSY_WAIT:.0%} of BUSY_WAIT)")
        print(f"kiosk: a rating's commit waited {waited:.1f} s for it ({waited / BUSY_WAIT:.0%} of BUSY_WAIT)")

        with closing(sqlite3.connect(path, isolation_level=None)) as db:
            begin = time.perf_counter()
            db.execute("VACUUM")
            vacuum = time.perf_counter() - begin
        size = path.stat().st_size / 2**20
        print(f"retention: VACUUM of {args.stored + args.rows:,} responses ({size:.0f} MiB) held the store "
              f"{vacuum:.1f} s ({vacuum / BUSY_WAIT:.0%} of BUSY_WAIT)")


if __name__ == "__main__":
    main()

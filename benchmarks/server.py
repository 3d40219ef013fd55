"""Benchmark: the embedded backend under load — citizens submitting while officials list responses.

One spreadsheet with a tab per commune (3,321: the nation), every commune's form linked to it;
two forms hold 6,000 responses each for the readers. The server runs as a subprocess on
127.0.0.1; writer processes post answers through the respondent page (keep-alive connections),
reader processes list 5,000-response pages (forms.responses.list), each loop bounded by a count and
a time. Printed per run: submissions/s, reader latency, and what was acknowledged against what
the store holds afterwards (responses, and rows in the linked tabs).

Runs, side by side: 8 writers with no reader (the baseline), 8 writers with 2 readers listing as
fast as they can (the target: >= 500 submissions/s, nothing lost), the same with the readers at
Google's read quota for responses.list (450 a minute per project, so no real client reads faster),
and, with no reader and the same 10 forms answered, a spreadsheet of 3,321 tabs against one of 10
(a submission's cost must not depend on the number of tabs: compare the server CPU per
submission, which other work on the machine does not change; it is counted from the start of
each run, not what starting the server took). `--baseline-rev REV` also runs the 2-reader case on
the server code of a git revision (e.g. the one before this benchmark) for comparison.

Run from a checkout:  python benchmarks/server.py [--tabs 3321] [--seconds 10] [--baseline-rev REV]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / "out" / "server"
LISTED_FORMS, LISTED_RESPONSES = 2, 6000
SMALL = 10  # tabs in the spreadsheet the big one is compared with
NO_LIMIT = 10**12  # cells: see seed()
QUOTA = 450  # forms.responses.list calls per minute per project that Google allows: readers at that pace


# Seeding (also run as a subprocess with another revision's code on its PYTHONPATH) -------------
def seed(db: Path, tabs: int) -> None:
    """Forms for `tabs` communes, linked to one spreadsheet, written straight into a store."""
    sys.path.insert(0, str(HERE))
    from synthetic import province_toml

    from formkit.forms.formspec import build_bodies
    from formkit.localserver import forms_api, forms_model, linking
    from formkit.localserver.store import Store
    from formkit.workspace.config import load_workspace

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "formkit.toml").write_text(province_toml(tabs), encoding="utf-8")
        ws = load_workspace(Path(tmp))
    store = Store(db)
    # The nation's 3,321 form-made tabs need some 12 million cells, past Google's 10,000,000 (formkit
    # spreads communes over spreadsheets: forms/linking.py). This measures what a submission costs
    # against the number of tabs, so the limit is lifted here and in the server (Server.lift_limit).
    store.cell_limit = NO_LIMIT
    spreadsheet_id = ""
    with store.transaction():
        for n, commune in enumerate(ws.communes):
            bodies = build_bodies(ws.template, commune, ws.unit, f"{n:06x}")
            doc = forms_model.new_form(bodies.create["info"]["title"], bodies.create["info"]["documentTitle"], True)
            forms_model.apply_requests(doc, bodies.batch_update["requests"])
            # as create's permissions.create leaves it: anyone with the link may answer
            doc["permissions"] = [{"id": "anyoneWithLink", "type": "anyone", "role": "reader", "view": "published"}]
            answer = linking.link(store, doc, spreadsheet_id, "Khảo sát (câu trả lời)", commune.sheet_tab)
            spreadsheet_id = answer["spreadsheetId"]
            forms_api.save(store, doc)
    store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The backend in its own process (its own interpreter: the clients do not share its GIL)."""

    def __init__(self, db: Path, code: Path) -> None:
        self.port = _free_port()
        # testing=True lifts the respondent page's per-address rate limit (every writer here is
        # 127.0.0.1); an older revision (--baseline-rev) has no such parameter and no limit.
        launch = ("import inspect, sys; from formkit.localserver import LocalGoogle; "
                  "kw = {'testing': True} if 'testing' in inspect.signature(LocalGoogle).parameters else {}; "
                  f"LocalGoogle(sys.argv[1], port={self.port}, **kw).serve_forever()")
        self.process = subprocess.Popen([sys.executable, "-c", launch, str(db)], cwd=code,  # "" on sys.path: code
                                        env={**os.environ, "PYTHONPATH": str(code)})
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                token = db.parent / "api-token"  # the API's bearer token (none on older revisions)
                self.auth = {"Authorization": f"Bearer {token.read_text().strip()}"} if token.exists() else {}
                self.lift_limit()
                return
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)

    def lift_limit(self) -> None:
        """The cell limit lifted, as in seed(); a revision without the limit has no such endpoint (404)."""
        connection = self.connection()
        connection.request("PUT", "/formkit/v1/limits", body=json.dumps({"cells": NO_LIMIT}),
                           headers={**self.auth, "Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def cpu_seconds(self) -> float | None:
        """User and system CPU the server has used so far (Linux), whatever else the machine runs."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _forms(db: Path) -> list[dict]:
    with sqlite3.connect(db) as con:
        return [json.loads(d) for (d,) in con.execute("SELECT data FROM documents WHERE kind = 'form' ORDER BY seq")]


def answers(doc: dict, rng: random.Random) -> bytes:
    """A valid submission: every choice question answered (so every section's required ones are)."""
    pairs = []
    for item in doc["items"]:
        question = (item.get("questionItem") or {}).get("question")
        if not question:
            continue
        choice = question.get("choiceQuestion")
        if choice:
            pairs.append((f"entry.{int(question['questionId'], 16)}", rng.choice(choice["options"])["value"]))
        elif question.get("required"):
            pairs.append((f"entry.{int(question['questionId'], 16)}", "Không có"))
    return urlencode(pairs).encode()


def prepare(tabs: int, code: Path, label: str) -> Path:
    """A seeded store for this code and size, cached: seeding 3,321 linked forms takes a while."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"{label}-{tabs}.sqlite"
    if not cached.exists():
        print(f"seeding {tabs} linked forms with the {label} code (once, cached in {CACHE}) …", flush=True)
        work = cached.with_suffix(".tmp")
        for leftover in CACHE.glob(work.name + "*"):
            leftover.unlink()
        subprocess.run([sys.executable, __file__, "--seed", str(work), "--tabs", str(tabs)], check=True, cwd=code,
                       env={**os.environ, "PYTHONPATH": str(code)})
        _fill_listed_forms(work, code)
        os.replace(work, cached)
        for leftover in CACHE.glob(work.name + "-*"):
            leftover.unlink()
    return cached


def _fill_listed_forms(db: Path, code: Path) -> None:
    """6,000 responses in each listed form: one real submission, cloned (the readers' pages)."""
    server = Server(db, code)
    try:
        for doc in _forms(db)[:LISTED_FORMS]:
            connection = server.connection()
            connection.request("POST", f"/forms/d/e/{doc['publishedId']}/formResponse",
                               answers(doc, random.Random(1)), {"Content-Type": "application/x-www-form-urlencoded"})
            assert connection.getresponse().read() and True
    finally:
        server.stop()
    con = sqlite3.connect(db)
    with con:
        for doc in _forms(db)[:LISTED_FORMS]:
            t_us, data = con.execute("SELECT t_us, data FROM responses WHERE form_id = ?", (doc["formId"],)).fetchone()
            response = json.loads(data)
            rows = []
            for i in range(LISTED_RESPONSES - 1):
                response["responseId"] = f"bench{doc['formId'][:6]}{i:07d}"
                rows.append((response["responseId"], doc["formId"], t_us - i * 1_000_000,
                             json.dumps(response, ensure_ascii=False, separators=(",", ":"))))
            con.executemany("INSERT INTO responses (response_id, form_id, t_us, data) VALUES (?, ?, ?, ?)", rows)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the cached file is copied alone: everything in it
    con.close()


def _stored(db: Path) -> tuple[int, int]:
    """(responses, data rows in the linked tabs) in the store."""
    with sqlite3.connect(db) as con:
        responses = con.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        rows = con.execute("SELECT COUNT(*) FROM cells WHERE col = 0 AND row > 0").fetchone()[0]
    return responses, rows


def load_run(seeded: Path, code: Path, writers: int, readers: int, seconds: float, per_writer: int,
             pages_per_minute: float = 0, forms: int | None = None) -> dict:
    """One run; the writers answer the first `forms` forms only, when given."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "google.sqlite"
        shutil.copy(seeded, db)
        docs = _forms(db)
        before = _stored(db)
        server = Server(db, code)
        go, readers_done = multiprocessing.Event(), multiprocessing.Event()
        stop_at = multiprocessing.Value("d", 0.0)
        counts: multiprocessing.Queue = multiprocessing.Queue()
        pages: multiprocessing.Queue = multiprocessing.Queue()
        writing = []
        for k in range(writers):  # processes too: the clients' own work does not share one GIL
            rng = random.Random(k)
            chosen = [rng.choice(docs[:forms]) for _ in range(200)]
            posts = [(f"/forms/d/e/{doc['publishedId']}/formResponse", answers(doc, rng)) for doc in chosen]
            writing.append(multiprocessing.Process(target=_write,
                                                   args=(server.port, posts, per_writer, go, stop_at, counts)))
        listed = [docs[k % min(LISTED_FORMS, len(docs))]["formId"] for k in range(readers)]
        interval = readers * 60 / pages_per_minute if pages_per_minute else 0.0
        reading = [multiprocessing.Process(target=_read, args=(server.port, server.auth, form_id, go, stop_at,
                                                               readers_done, pages, interval)) for form_id in listed]
        for process in writing + reading:
            process.start()
        time.sleep(1)  # every client connected and waiting
        cpu_before = server.cpu_seconds()  # what starting took (the store opened, forms compiled) is not counted
        started = time.perf_counter()
        stop_at.value = started + seconds
        go.set()
        totals = [counts.get() for _ in writing]
        readers_done.set()
        results = [pages.get() for _ in reading]
        for process in writing + reading:
            process.join()
        cpu_after = server.cpu_seconds()
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        server.stop()
        after = _stored(db)
    acknowledged, refused = sum(t[0] for t in totals), sum(t[1] for t in totals)
    elapsed = max(t[2] for t in totals) - started  # until the last writer stopped
    latencies = [lat for result in results for lat, _, _, _ in result]
    return {"acknowledged": acknowledged, "refused": refused, "elapsed": elapsed,
            "stored": after[0] - before[0], "sheet_rows": after[1] - before[1], "latencies": latencies,
            "pages": [page[1:] for result in results for page in result], "server_cpu": cpu}


def _write(port: int, posts: list[tuple[str, bytes]], count: int, go, stop_at, out) -> None:
    """A writer: submissions one after another (cycling through `posts`), until `count` or the time
    is up; reports (acknowledged, refused, when it stopped)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    acknowledged = refused = 0
    go.wait()
    for n in range(count):
        if time.perf_counter() > stop_at.value:
            break
        path, body = posts[n % len(posts)]
        connection.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        reply = connection.getresponse()
        reply.read()
        if reply.status == 200:
            acknowledged += 1
        else:
            refused += 1
    out.put((acknowledged, refused, time.perf_counter()))


def _read(port: int, auth: dict, form_id: str, go, stop_at, done, out, interval: float) -> None:
    """A reader: 5,000-response pages of one form, one every `interval` seconds (0: one after
    another), until the writers stop."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    go.wait()
    pages = []
    next_at = time.perf_counter()
    while time.perf_counter() < stop_at.value and not done.is_set():
        time.sleep(max(0.0, next_at - time.perf_counter()))
        started = next_at = time.perf_counter()
        next_at += interval
        connection.request("GET", f"/v1/forms/{form_id}/responses?pageSize=5000", headers=auth)
        reply = connection.getresponse()
        body = reply.read()
        pages.append((time.perf_counter() - started, reply.status, body.count(b'"responseId"'), len(body)))
    out.put(pages)


def report(name: str, result: dict) -> float:
    rate = result["acknowledged"] / result["elapsed"]
    line = (f"{name:<34} {rate:7.0f} submissions/s   acknowledged {result['acknowledged']}, stored "
            f"{result['stored']}, sheet rows {result['sheet_rows']}, refused {result['refused']}")
    if result["latencies"]:
        lat = sorted(result["latencies"])
        good = all(status == 200 and count == 5000 for status, count, _ in result["pages"])
        line += (f"\n{'':<34} reader: {len(lat)} pages of 5,000 ({result['pages'][0][2] / 1e6:.1f} MB"
                 f"{'' if good else ', SOME WRONG'}), latency median {statistics.median(lat) * 1000:.0f} ms, "
                 f"max {lat[-1] * 1000:.0f} ms")
    if result["server_cpu"] is not None:
        line += (f"\n{'':<34} server CPU {result['server_cpu']:.1f} s in {result['elapsed']:.1f} s "
                 f"({result['server_cpu'] * 1000 / max(1, result['acknowledged']):.2f} ms per submission, readers' "
                 "work included)")
    lost = result["acknowledged"] - result["stored"]
    intact = lost == 0 and result["sheet_rows"] == result["stored"]
    line += f"\n{'':<34} {'nothing lost' if intact else f'LOST: {lost}'}"
    print(line, flush=True)
    return rate


def _code_at(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "formkit", "templates"], check=True,
                             capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=3321)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0, help="time bound of each run")
    parser.add_argument("--per-writer", type=int, default=2000, help="count bound of each writer")
    parser.add_argument("--baseline-rev", help="also run the readers' case on this git revision's server code")
    parser.add_argument("--seed", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        return seed(args.seed, args.tabs)
    bounds = (args.seconds, args.per_writer)
    big, small = prepare(args.tabs, REPO, "current"), prepare(SMALL, REPO, "current")
    print(f"load average before the runs: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs "
          "(other work on the machine lowers every figure below alike)")
    print(f"{args.writers} writers, {args.readers} readers, at most {args.seconds:g} s or {args.per_writer} "
          "submissions per writer; server in its own process\n")
    alone_run = load_run(big, REPO, args.writers, 0, *bounds)
    alone = report(f"{args.tabs} tabs, no reader (baseline)", alone_run)
    loaded = report(f"{args.tabs} tabs, {args.readers} readers",
                    load_run(big, REPO, args.writers, args.readers, *bounds))
    paced = report(f"{args.tabs} tabs, {args.readers} readers at quota", load_run(
        big, REPO, args.writers, args.readers, *bounds, pages_per_minute=QUOTA))
    big_run = load_run(big, REPO, args.writers, 0, *bounds, forms=SMALL)
    many = report(f"{args.tabs} tabs, {SMALL} forms answered", big_run)
    small_run = load_run(small, REPO, args.writers, 0, *bounds)
    single = report(f"{SMALL} tabs, {SMALL} forms answered", small_run)
    print(f"\nwith readers / without:            {loaded / alone:.2f} (as fast as they can), "
          f"{paced / alone:.2f} (at quota)")
    if big_run["server_cpu"] and small_run["server_cpu"]:
        per = [r["server_cpu"] / max(1, r["acknowledged"]) for r in (big_run, small_run)]
        print(f"{args.tabs} tabs / {SMALL} tabs:               {many / single:.2f} submissions/s, "
              f"{per[0] / per[1]:.2f} server CPU per submission  (1.00: independent of the number of tabs)")
    print(f"target:                            >= 500 submissions/s with readers: "
          f"{'met' if loaded >= 500 else 'NOT met'} as fast as they can read, "
          f"{'met' if paced >= 500 else 'NOT met'} at Google's quota ({QUOTA} pages/min)")
    if args.baseline_rev:
        with tempfile.TemporaryDirectory() as tmp:
            code = _code_at(args.baseline_rev, Path(tmp))
            label = "rev-" + subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", args.baseline_rev],
                                            check=True, capture_output=True, text=True).stdout.strip()
            seeded = prepare(args.tabs, code, label)
            old = report(f"{label}: {args.tabs} tabs, {args.readers} readers",
                         load_run(seeded, code, args.writers, args.readers, *bounds))
            print(f"\nthis code / {label}:                {loaded / old:.1f}x")


if __name__ == "__main__":
    main()

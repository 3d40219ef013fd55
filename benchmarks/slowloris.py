"""Benchmark: citizens answering while the embedded backend is attacked with slow and half-open
connections (issue 23 #10). Bounded: it stops itself after --seconds of attack.

The server runs as a subprocess on 127.0.0.1 with one published form. First citizens alone (2
threads: open the form, post an answer, each on a new connection) for a few seconds: the baseline.
Then, for --seconds, the attack: --half-open connections that send a request line and nothing more,
and --slow connections that send one header line every 4 s (slow-loris), while the same citizens
go on. Printed: citizens' latency (median, 95th percentile, worst) and failures with and without
the attack, the server's threads at the peak (Linux: /proc), and how long the server let a
slow-loris connection live.

Run from a checkout:  python benchmarks/slowloris.py [--seconds 15] [--half-open 2000] [--slow 50]
                      [--code DIR]   (the server's code from another checkout, e.g. the base commit)
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from server import Server, _forms, answers  # noqa: E402  (benchmarks/server.py: the same server and form)


def server_threads(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class Citizens:
    """Threads that open the form and post an answer, each on a new connection, until stopped."""

    def __init__(self, port: int, doc: dict, threads: int = 2) -> None:
        self.port, self.doc = port, doc
        self.latencies: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        path = urlsplit(self.doc["responderUri"]).path
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                for method, target, body in (("GET", path, None),
                                             ("POST", path.replace("/viewform", "/formResponse"),
                                              answers(self.doc, rng))):
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    headers = {"Content-Type": "application/x-www-form-urlencoded",
                               "Origin": f"http://127.0.0.1:{self.port}"} if body else {}
                    connection.request(method, target, body, headers)
                    reply = connection.getresponse()
                    reply.read()
                    connection.close()
                    if reply.status != 200:
                        raise OSError(f"HTTP {reply.status}")
                self.latencies.append(time.perf_counter() - started)
            except OSError:
                self.failures += 1
                time.sleep(0.1)

    def run_for(self, seconds: float) -> Citizens:
        for thread in self._threads:
            thread.start()
        time.sleep(seconds)
        self._stop.set()
        for thread in self._threads:
            thread.join(15)
        return self

    def summary(self) -> str:
        if not self.latencies:
            return f"0 answered, {self.failures} failed"
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        median, worst = statistics.median(ordered), ordered[-1]
        return (f"{len(ordered)} answered, {self.failures} failed; page+answer median {median * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms, worst {worst * 1000:.0f} ms")


def closed(conn: socket.socket) -> bool:
    """Whether the server has closed this connection (without waiting)."""
    conn.setblocking(False)
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        conn.setblocking(True)


def attack(port: int, half_open: int, slow: int, seconds: float, pid: int) -> dict:
    """Open the connections, keep the slow ones trickling, sample the server's threads."""
    peak_threads, opened, refused = 0, [], 0
    slow_conns: list[tuple[socket.socket, float]] = []
    for n in range(half_open + slow):
        try:
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(b"GET /forms/d/e/x/viewform HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        except OSError:
            refused += 1
            continue
        if n >= half_open:  # the slow ones last: not the first to give way when too many wait
            slow_conns.append((conn, time.monotonic()))
        else:
            opened.append(conn)
    ends = time.monotonic() + seconds
    lived: list[float] = []
    line = 0
    next_line = time.monotonic() + 4
    while time.monotonic() < ends:
        peak_threads = max(peak_threads, server_threads(pid) or 0)
        still = []
        for conn, since in slow_conns:
            if closed(conn):
                lived.append(time.monotonic() - since)
                conn.close()
            else:
                still.append((conn, since))
        slow_conns = still
        if time.monotonic() >= next_line:
            next_line += 4
            line += 1
            still = []
            for conn, since in slow_conns:
                try:
                    conn.sendall(f"X-Slow-{line}: {line}\r\n".encode())
                    still.append((conn, since))
                except OSError:
                    lived.append(time.monotonic() - since)
                    conn.close()
            slow_conns = still
        time.sleep(0.25)
    open_slow = len(slow_conns)
    for conn, since in slow_conns:
        lived.append(time.monotonic() - since)
        conn.close()
    for conn in opened:
        conn.close()
    return {"peak_threads": peak_threads, "refused_connects": refused, "slow_open_at_end": open_slow,
            "slow_longest_s": max(lived, default=0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--half-open", type=int, default=2000)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--code", type=Path, default=HERE.parent, help="checkout whose server code runs")
    args = parser.parse_args()
    code = args.code.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "google.sqlite"
        subprocess.run([sys.executable, str(code / "benchmarks" / "server.py"), "--seed", str(db), "--tabs", "1"],
                       check=True, cwd=code, env={**os.environ, "PYTHONPATH": str(code)})
        [doc] = _forms(db)
        server = Server(db, code)
        try:
            doc["responderUri"] = f"http://127.0.0.1:{server.port}/forms/d/e/{doc['publishedId']}/viewform"
            print(f"server code: {code}")
            print(f"idle server threads: {server_threads(server.process.pid)}")
            calm = Citizens(server.port, doc).run_for(4)
            print(f"citizens alone (4 s):        {calm.summary()}")
            citizens = Citizens(server.port, doc)
            result: dict = {}
            attacker = threading.Thread(target=lambda: result.update(
                attack(server.port, args.half_open, args.slow, args.seconds, server.process.pid)))
            attacker.start()
            time.sleep(1)  # the connections are open
            citizens.run_for(args.seconds - 1)
            attacker.join(args.seconds + 60)
            print(f"citizens under attack ({args.seconds:.0f} s): {citizens.summary()}")
            print(f"attack: {args.half_open} half-open + {args.slow} slow-loris connections "
                  f"({result.get('refused_connects', 0)} could not connect)")
            print(f"server threads at the peak: {result.get('peak_threads')}")
            print(f"slow-loris (a header line every 4 s): longest kept open {result.get('slow_longest_s', 0):.1f} s, "
                  f"{result.get('slow_open_at_end', 0)} of {args.slow} still open when the attack ended")
        finally:
            server.stop()


if __name__ == "__main__":
    main()

"""A database formkit keeps, held by another connection — `formkit kiosk` committing ratings, a
pull, a retention VACUUM, a database browser — is answered "busy, run again" (exit 1) once
BUSY_WAIT has passed, never "Internal error" nor "damaged, move it aside"; nothing is half-written
and the run after it finishes the job. Real SQLite locks, held by a second connection; formkit
waits 0.05 s (short_busy_wait)."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from formkit.demo.simulate import submit_sample_responses
from formkit.kiosk.registry import Registry
from formkit.responses.store import VIETNAM, ResponseStore


@contextmanager
def held(path: Path, how: str) -> Iterator[None]:
    """Another connection's transaction on the file: IMMEDIATE as a writer (a pull storing a batch,
    the kiosk committing), EXCLUSIVE as a commit or VACUUM under way, or a database browser's edit."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute(f"BEGIN {how}")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


def busy_said(result, path: Path) -> bool:
    return (result.exit_code == 1 and f"{path} is busy" in result.err and "another formkit command" in result.err
            and "run this command again" in result.err and "Internal error" not in result.output
            and "damaged" not in result.output)


def count(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT count(*) FROM responses").fetchone()[0]


def test_a_pull_on_a_held_store_says_busy_stores_nothing_and_a_rerun_finishes(published_workspace, formkit,
                                                                               short_busy_wait):
    ws, state, _base = published_workspace
    sent = submit_sample_responses(ws, state, 6, datetime(2026, 7, 1, tzinfo=VIETNAM),
                                   datetime(2026, 10, 1, tzinfo=VIETNAM), seed=3)
    ResponseStore(ws.responses_file).close()
    forms_json = ws.state_file.read_bytes()
    with held(ws.responses_file, "IMMEDIATE"):  # another writer: the pull cannot store its rows
        result = formkit("pull", "-w", ws.root)
    assert busy_said(result, ws.responses_file), result.output
    assert "waited 0.05 s" in result.err
    assert count(ws.responses_file) == 0 and ws.state_file.read_bytes() == forms_json  # nothing half-written
    assert formkit("pull", "-w", ws.root).exit_code == 0 and count(ws.responses_file) == sent
    with held(ws.responses_file, "IMMEDIATE"):  # a writer between its commits lets readers in
        result = formkit("report", "-w", ws.root, "--quarter", "2026Q3", "--format", "json")
    assert result.exit_code == 0 and f"from {sent} responses" in result.out, result.output


def test_a_report_on_a_held_store_says_busy_not_damaged_and_writes_nothing(example_dir, formkit, short_busy_wait):
    """Held exclusively (a commit or VACUUM under way, a database browser's edit) the store was
    "damaged: move it aside" (exit 2), which would set aside the only copy of paper and counter answers."""
    store, reports = example_dir / "state" / "responses.sqlite", example_dir / "output" / "reports"
    ResponseStore(store).close()
    with held(store, "EXCLUSIVE"):
        result = formkit("report", "-w", example_dir, "--quarter", "2026Q3", "--format", "json")
    assert busy_said(result, store), result.output
    assert not reports.exists() or not any(reports.iterdir())
    assert formkit("report", "-w", example_dir, "--quarter", "2026Q3", "--format", "json").exit_code == 3  # empty


def test_the_counter_server_does_not_start_on_a_held_store(example_dir, formkit, short_busy_wait):
    """`formkit kiosk` opens the store before serving: held, it stops at once with the message."""
    store = example_dir / "state" / "responses.sqlite"
    ResponseStore(store).close()
    # were it to serve, Ctrl-C after 20 s (it then exits 0 and the test fails) rather than a hung suite
    guard = threading.Timer(20, os.kill, (os.getpid(), signal.SIGINT))
    guard.start()
    try:
        with held(store, "EXCLUSIVE"):
            result = formkit("kiosk", "-w", example_dir, "--host", "127.0.0.1", "--port", "0")
    finally:
        guard.cancel()
    assert busy_said(result, store), result.output
    assert count(store) == 0


def test_a_held_tablet_registry_is_busy_not_damaged(example_dir, formkit, short_busy_wait):
    """kiosk.sqlite held was "damaged: move it aside and pair the tablets again" (exit 2)."""
    registry = example_dir / "state" / "kiosk.sqlite"
    (example_dir / "state").mkdir()
    Registry(registry.parent).close()
    with held(registry, "EXCLUSIVE"):
        result = formkit("kiosk", "devices", "-w", example_dir)
    assert busy_said(result, registry), result.output
    assert formkit("kiosk", "devices", "-w", example_dir).exit_code == 0


def test_the_readme_says_how_long_formkit_waits():
    from formkit.responses.store import BUSY_WAIT

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"waits up to {BUSY_WAIT:g} seconds, then stops with exit code 1 naming" in " ".join(readme.split())
    assert f"still holds after {BUSY_WAIT:g} seconds" in readme

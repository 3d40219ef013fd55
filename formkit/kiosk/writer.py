"""The one thread that writes the counter ratings into the response store: the server's handlers
hand it their rows and wait until they are committed (an acknowledged rating is a stored one);
rows arriving together share one transaction, which is what lets one office PC keep up with many
tablets at once (benchmarks/kiosk.py)."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from ..errors import StoreBusyError
from ..responses import store as response_store
from ..responses.store import ResponseRow, ResponseStore, busy
from ..workspace.templates import Template

MAX_JOBS = 200  # requests' rows committed together at most
COMMIT_TIME = 10.0  # seconds to write MAX_JOBS requests' rows once the store is free, with room to spare


def write_wait() -> float:
    """Seconds a request waits for its ratings to be committed. The writer's connection rules: it
    waits BUSY_WAIT for a store another command holds (a pull, a retention VACUUM) and then fails
    the batch as StoreBusyError, which the request reports. A request's rows may first wait for the
    batch before theirs to do the same, hence twice; past this the writer is stuck or gone."""
    return 2 * response_store.BUSY_WAIT + COMMIT_TIME


class Writer(threading.Thread):
    """The one thread that writes the store: batches of rows in, one transaction per template."""

    def __init__(self, path: Path, templates: dict[str, Template]) -> None:
        super().__init__(name="formkit-kiosk-writer", daemon=True)
        self.path, self.templates = path, templates
        self.jobs: queue.Queue = queue.Queue()
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            store = ResponseStore(self.path)
        except BaseException as exc:  # reported by start()
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        with store:
            while True:
                job = self.jobs.get()
                if job is None:
                    return
                jobs = [job]
                while len(jobs) < MAX_JOBS:
                    try:
                        more = self.jobs.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        self.jobs.put(None)
                        break
                    jobs.append(more)
                self._write(store, jobs)

    def _write(self, store: ResponseStore, jobs: list) -> None:
        by_template: dict[str, list[ResponseRow]] = {}
        for rows, _done, _result in jobs:
            for row in rows:
                by_template.setdefault(row.template, []).append(row)
        try:
            for template_id, rows in by_template.items():
                store.add(rows, self.templates[template_id])
            outcome: BaseException | None = None
        except BaseException as exc:  # not acknowledged: the tablets keep them and send again
            outcome = StoreBusyError(self.path, response_store.BUSY_WAIT) if busy(exc) else exc
        for _rows, done, result in jobs:
            result.append(outcome)
            done.set()

    def store(self, rows: list[ResponseRow]) -> None:
        """Returns once the rows are committed; raises if they could not be."""
        done, result = threading.Event(), list[BaseException | None]()
        self.jobs.put((rows, done, result))
        if not done.wait(write_wait()):  # the writer is stuck or gone: not acknowledged, the tablet keeps them
            raise TimeoutError("the store did not answer")
        if result[0] is not None:
            raise result[0]

    def stop(self) -> None:
        self.jobs.put(None)
        self.join()

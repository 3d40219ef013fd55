"""SQLite storage for the local backend: one file that survives restarts.

Forms and spreadsheet metadata are small JSON documents; a spreadsheet's tabs are rows of their
own (a response touches its tab only, so its cost does not grow with the number of tabs);
responses and cells get their own tables because they grow (thousands of answers per commune per
quarter) and are read by range.

Concurrency: WAL, a pool of connections, one per request in flight. A request that writes holds
the one write lock (and SQLite's) from BEGIN IMMEDIATE to COMMIT, which makes each API call
atomic (a failed batchUpdate leaves nothing behind) and keeps writers from interleaving; a request
that only reads takes no lock and sees one consistent snapshot. Nothing is encoded to the client
while a lock is held: that happens after the transaction.

Group commit (`write`): the writes that queue up while one transaction runs go together in the
next, each in a savepoint of its own (one that fails is rolled back alone), under one COMMIT. A
COMMIT costs more than a submission's own statements, so under load it is paid once per batch;
each request is answered only after the COMMIT that holds it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,            -- 'form' | 'spreadsheet'
    id TEXT NOT NULL,
    alias TEXT,                    -- a form's published id (its responder link)
    data TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS documents_alias ON documents (kind, alias);
CREATE TABLE IF NOT EXISTS tabs (  -- a spreadsheet document's "sheets", one row per tab
    spreadsheet_id TEXT NOT NULL,
    sheet_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (spreadsheet_id, sheet_id)
) WITHOUT ROWID;
-- Bumped by every change to a spreadsheet's tabs, whoever makes it: a reader that holds the tabs
-- decoded knows from one row whether they are still the stored ones (a nation has 3,321 tabs).
CREATE TABLE IF NOT EXISTS tab_revisions (spreadsheet_id TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS tabs_inserted AFTER INSERT ON tabs BEGIN
    INSERT OR IGNORE INTO tab_revisions VALUES (NEW.spreadsheet_id, 0);
    UPDATE tab_revisions SET rev = rev + 1 WHERE spreadsheet_id = NEW.spreadsheet_id;
END;
CREATE TRIGGER IF NOT EXISTS tabs_updated AFTER UPDATE ON tabs BEGIN
    INSERT OR IGNORE INTO tab_revisions VALUES (NEW.spreadsheet_id, 0);
    UPDATE tab_revisions SET rev = rev + 1 WHERE spreadsheet_id IN (OLD.spreadsheet_id, NEW.spreadsheet_id);
END;
CREATE TRIGGER IF NOT EXISTS tabs_deleted AFTER DELETE ON tabs BEGIN
    UPDATE tab_revisions SET rev = rev + 1 WHERE spreadsheet_id = OLD.spreadsheet_id;
END;
-- Each spreadsheet's grid cells (rowCount x columnCount summed over its tabs, empty cells included:
-- what Google's 10,000,000-cell limit counts), kept by triggers so a response that grows one tab
-- learns the total from one row whatever the number of tabs.
CREATE TABLE IF NOT EXISTS grid_cells (spreadsheet_id TEXT PRIMARY KEY, cells INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS grid_inserted AFTER INSERT ON tabs BEGIN
    INSERT OR IGNORE INTO grid_cells VALUES (NEW.spreadsheet_id, 0);
    UPDATE grid_cells SET cells = cells + json_extract(NEW.data, '$.gridProperties.rowCount')
        * json_extract(NEW.data, '$.gridProperties.columnCount') WHERE spreadsheet_id = NEW.spreadsheet_id;
END;
CREATE TRIGGER IF NOT EXISTS grid_updated AFTER UPDATE ON tabs BEGIN
    UPDATE grid_cells SET cells = cells - json_extract(OLD.data, '$.gridProperties.rowCount')
        * json_extract(OLD.data, '$.gridProperties.columnCount') WHERE spreadsheet_id = OLD.spreadsheet_id;
    INSERT OR IGNORE INTO grid_cells VALUES (NEW.spreadsheet_id, 0);
    UPDATE grid_cells SET cells = cells + json_extract(NEW.data, '$.gridProperties.rowCount')
        * json_extract(NEW.data, '$.gridProperties.columnCount') WHERE spreadsheet_id = NEW.spreadsheet_id;
END;
CREATE TRIGGER IF NOT EXISTS grid_deleted AFTER DELETE ON tabs BEGIN
    UPDATE grid_cells SET cells = cells - json_extract(OLD.data, '$.gridProperties.rowCount')
        * json_extract(OLD.data, '$.gridProperties.columnCount') WHERE spreadsheet_id = OLD.spreadsheet_id;
END;
CREATE TABLE IF NOT EXISTS responses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id TEXT NOT NULL UNIQUE,
    form_id TEXT NOT NULL,
    t_us INTEGER NOT NULL,         -- lastSubmittedTime, microseconds since 1970 UTC
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_by_time ON responses (form_id, t_us, seq);
CREATE TABLE IF NOT EXISTS cells (
    spreadsheet_id TEXT NOT NULL,
    sheet_id INTEGER NOT NULL,
    row INTEGER NOT NULL,          -- 0-based
    col INTEGER NOT NULL,
    kind TEXT NOT NULL,            -- 's' string, 'n' number, 'b' boolean, 'd' date-time serial
    value,
    PRIMARY KEY (spreadsheet_id, sheet_id, row, col)
) WITHOUT ROWID;
"""

CellRow = tuple[int, int, str, Any]  # row, col, kind, value
T = TypeVar("T")
MMAP_BYTES = 1 << 30
CHECKPOINT_PAGES = 10_000
VARIABLES = 999  # parameters in one statement: SQLite's limit before 3.32 (Ubuntu 20.04 ships 3.31)
COMPILED = 4096  # documents kept compiled (a nation has 3,321 communes): some 17 KiB each
SHARED_TABS = 16  # spreadsheets whose decoded tabs are kept for readers
BATCH = 64  # writes in one group commit at most: a request waits for no more than that
CELL_LIMIT = 10_000_000  # cells in one spreadsheet, empty grid cells included (Google Drive's limit)


def encode(value: Any) -> str:
    """Compact JSON, as stored and as sent."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Write(Generic[T]):
    """One queued write: the work, then its result or its exception. `wake` is held until the
    write is done or its thread is to commit the next batch: each waiting thread is woken once."""

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self.done = False
        self.value: T | None = None
        self.error: BaseException | None = None
        self.wake = threading.Lock()
        self.wake.acquire()

    def result(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._queue: list[_Write] = []  # writes waiting for the next group commit
        self._queue_lock = threading.Lock()  # guards _queue and _leading
        self._leading = False  # a thread is running a group commit, or has been asked to
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._open: list[sqlite3.Connection] = []
        self._compiled: OrderedDict[tuple, tuple[bytes, Any]] = OrderedDict()  # compiled_by_alias, oldest first
        self._compiled_lock = threading.Lock()
        self._tabs: OrderedDict[str, tuple[int, list[dict]]] = OrderedDict()  # spreadsheet -> (rev, tabs)
        self._local = threading.local()  # this thread's connection and nesting depth, in a transaction
        self.cell_limit = CELL_LIMIT  # a backend started for tests may lower it (/formkit/v1/limits)
        db = self._connection()
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        self._release(db)
        with self.transaction():  # a store written before tabs had rows of their own, or a revision
            self._run("INSERT OR IGNORE INTO tab_revisions SELECT DISTINCT spreadsheet_id, 0 FROM tabs")
            self._run("INSERT OR IGNORE INTO grid_cells SELECT spreadsheet_id, SUM(json_extract(data, "
                      "'$.gridProperties.rowCount') * json_extract(data, '$.gridProperties.columnCount')) "
                      "FROM tabs GROUP BY spreadsheet_id")  # a store made before the totals were kept
            for doc_id, data in self._all("SELECT id, data FROM documents WHERE kind = 'spreadsheet' "
                                          "AND json_type(data, '$.sheets') IS NOT NULL"):
                self.put("spreadsheet", doc_id, json.loads(data))

    def _connection(self) -> sqlite3.Connection:
        with self._pool_lock:
            if self._idle:
                return self._idle.pop()
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=60)
        db.execute("PRAGMA synchronous=NORMAL")
        # Pages read through a memory map, not copied in by a read() each: a 5,000-response listing
        # touches 5,000 of them (8.5 -> 5 ms a page). Virtual size only; the OS page cache is shared.
        db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        # The COMMIT that fills the WAL copies it into the database (fsyncs, the write lock held):
        # every 10,000 pages rather than SQLite's 1,000, a page written again and again is copied
        # once, not ten times (a third more submissions a second). The WAL stays under 40 MB.
        db.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        with self._pool_lock:
            self._open.append(db)
        return db

    def _release(self, db: sqlite3.Connection) -> None:
        with self._pool_lock:
            self._idle.append(db)

    def close(self) -> None:
        with self._write_lock, self._pool_lock:
            for db in self._open:
                db.close()
            self._open.clear()
            self._idle.clear()

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Store]:
        """All or nothing; nested calls join the outer transaction. `write=False`: a read-only
        snapshot that waits for no one (a write inside it fails)."""
        local = self._local
        if getattr(local, "db", None) is not None:
            local.depth += 1
            try:
                yield self
            finally:
                local.depth -= 1
            return
        if write:
            self._write_lock.acquire()
        db = self._connection()
        local.db, local.depth, local.write = db, 1, write
        try:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                try:
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
        finally:
            local.db = None
            self._release(db)
            if write:
                self._write_lock.release()

    def write(self, work: Callable[[], T]) -> T:
        """work() in a write transaction, atomic on its own but committed with the writes queued
        meanwhile (group commit); its result, or its exception once its changes are undone."""
        if getattr(self._local, "db", None) is not None:
            with self.transaction():  # inside a transaction already: join it
                return work()
        mine = _Write(work)
        with self._queue_lock:
            self._queue.append(mine)
            leading, self._leading = self._leading, True
        if leading:
            mine.wake.acquire()  # until it is done, or this thread's turn to commit
            if mine.done:
                return mine.result()
        with self._queue_lock:  # this thread commits what is queued, its own write first
            self._queue.remove(mine)
            batch, self._queue = [mine, *self._queue[:BATCH - 1]], self._queue[BATCH - 1:]
        try:
            self._commit_together(batch)
        finally:  # whatever happened, every waiter is woken and the lead handed on: no write hangs
            for pending in batch[1:]:
                pending.wake.release()
            with self._queue_lock:  # the next batch is the first waiting thread's to commit
                if self._queue:
                    self._queue[0].wake.release()
                else:
                    self._leading = False
        return mine.result()

    def _commit_together(self, batch: list[_Write]) -> None:
        db = None
        try:
            with self.transaction():
                db = self._local.db
                for pending in batch:
                    db.execute("SAVEPOINT one_write")
                    try:
                        pending.value = pending.work()
                    except BaseException as exc:  # this write alone is undone, and answered with its error
                        db.execute("ROLLBACK TO one_write")
                        pending.error = exc
                    db.execute("RELEASE one_write")
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the batch is stored
            for pending in batch:
                if pending.error is None:
                    pending.value, pending.error = None, exc
        finally:
            for pending in batch:
                pending.done = True

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        db = getattr(self._local, "db", None)
        if db is not None:
            return db.execute(sql, args).fetchall()
        with self.transaction(write=False):
            return self._local.db.execute(sql, args).fetchall()

    def _run(self, sql: str, args: tuple = ()) -> None:
        self._many(sql, [args])

    def _many(self, sql: str, rows: Iterable[tuple]) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            if not self._local.write:
                raise RuntimeError("a write inside a read-only transaction")
            db.executemany(sql, rows)
            return
        with self.transaction():
            self._local.db.executemany(sql, rows)

    def _insert(self, head: str, width: int, rows: list[tuple]) -> None:
        """`head` VALUES for every row, many rows a statement: one SQLite step (and one release of
        the GIL) for a response's whole row of cells rather than one per cell."""
        per = VARIABLES // width
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            marks = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(chunk))
            self._run(f"{head} {marks}", tuple(v for row in chunk for v in row))

    # Documents: forms and spreadsheets ---------------------------------------------------------
    def get(self, kind: str, doc_id: str, tabs: bool = True) -> dict | None:
        """A document; a spreadsheet with its "sheets" (`tabs=False`: without, whatever their number)."""
        rows = self._all("SELECT data FROM documents WHERE kind = ? AND id = ?", (kind, doc_id))
        return self._document(kind, doc_id, rows[0][0], tabs) if rows else None

    def spreadsheet_to_read(self, doc_id: str) -> dict | None:
        """The spreadsheet with its tabs for a request that only reads: the tabs' dicts are shared
        with other readers (never change them), decoded again only when a tab changed — a pull
        asks a 3,321-tab spreadsheet for its values some 25 times, and decoding its tabs cost more
        than reading the values."""
        rows = self._all("SELECT d.data, r.rev FROM documents d LEFT JOIN tab_revisions r ON r.spreadsheet_id = d.id "
                         "WHERE d.kind = 'spreadsheet' AND d.id = ?", (doc_id,))
        if not rows:
            return None
        data, rev = rows[0]
        kept = self._tabs.get(doc_id)
        if rev is None or kept is None or kept[0] != rev:
            doc = self._document("spreadsheet", doc_id, data)
            # Not from inside a write: one rolled back would leave its revision to be reused.
            writing = getattr(self._local, "db", None) is not None and self._local.write
            if rev is not None and not writing:
                with self._compiled_lock:
                    self._tabs[doc_id] = (rev, doc["sheets"])
                    while len(self._tabs) > SHARED_TABS:
                        self._tabs.popitem(last=False)
            return doc
        doc = json.loads(data)
        doc.setdefault("sheets", kept[1])
        return doc

    def compiled_by_alias(self, kind: str, alias: str, build: Callable[[dict], T]) -> T | None:
        """build(document) for the document with this alias, kept and built again only when the
        stored text differs (whatever changed it: this server, a write rolled back, another
        process): what every submission needs from its form, without decoding the form each time.
        The text is known by its BLAKE2b digest (11 us for a 14 KB form; json.loads takes 90)."""
        rows = self._all("SELECT CAST(data AS BLOB) FROM documents WHERE kind = ? AND alias = ?", (kind, alias))
        return self._compile(kind, alias, rows[0][0], build) if rows else None

    def compile_all(self, kind: str, build: Callable[[dict], Any]) -> None:
        """compiled_by_alias for every document with an alias (the newest COMPILED), at once: a
        server that starts compiles its forms then, not while citizens wait."""
        for alias, raw in self._all("SELECT alias, CAST(data AS BLOB) FROM documents WHERE kind = ? "
                                    "AND alias IS NOT NULL ORDER BY seq DESC LIMIT ?", (kind, COMPILED))[::-1]:
            try:
                self._compile(kind, alias, raw, build)
            except Exception:  # left to its first use, which fails (or not) as it would have
                continue

    def _compile(self, kind: str, alias: str, raw: bytes, build: Callable[[dict], T]) -> T:
        digest, key = hashlib.blake2b(raw, digest_size=16).digest(), (kind, alias, build)
        with self._compiled_lock:
            kept = self._compiled.get(key)
            if kept is not None and kept[0] == digest:
                self._compiled.move_to_end(key)
                return kept[1]
        value = build(json.loads(raw))
        with self._compiled_lock:
            self._compiled[key] = (digest, value)
            while len(self._compiled) > COMPILED:
                self._compiled.popitem(last=False)
        return value

    def exists(self, kind: str, doc_id: str) -> bool:
        return bool(self._all("SELECT 1 FROM documents WHERE kind = ? AND id = ?", (kind, doc_id)))

    def by_alias(self, kind: str, alias: str) -> dict | None:
        rows = self._all("SELECT id, data FROM documents WHERE kind = ? AND alias = ?", (kind, alias))
        return self._document(kind, rows[0][0], rows[0][1]) if rows else None

    def _document(self, kind: str, doc_id: str, data: str, tabs: bool = True) -> dict:
        doc = json.loads(data)
        if kind == "spreadsheet" and "sheets" not in doc:
            if not tabs:
                doc["sheets"], doc["_partial"] = [], True
                return doc
            doc["sheets"] = [json.loads(r[0]) for r in self._all(
                "SELECT data FROM tabs WHERE spreadsheet_id = ? ORDER BY position", (doc_id,))]
        return doc

    def put(self, kind: str, doc_id: str, doc: dict, alias: str | None = None) -> None:
        if kind == "spreadsheet":
            if doc.get("_partial"):
                raise RuntimeError("a spreadsheet read without its tabs cannot be saved whole")
            tabs = doc["sheets"]
            doc = {k: v for k, v in doc.items() if k != "sheets"}
            self._run("DELETE FROM tabs WHERE spreadsheet_id = ?", (doc_id,))
            self._insert("INSERT INTO tabs VALUES", 4, [(doc_id, tab["sheetId"], i, encode(tab))
                                                         for i, tab in enumerate(tabs)])
        self._run("INSERT INTO documents (kind, id, alias, data) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, alias = excluded.alias",
                  (kind, doc_id, alias, encode(doc)))

    def all(self, kind: str) -> list[dict]:
        rows = self._all("SELECT id, data FROM documents WHERE kind = ? ORDER BY seq", (kind,))
        return [self._document(kind, doc_id, data) for doc_id, data in rows]

    def spreadsheet_with_tab(self, spreadsheet_id: str, sheet_id: int) -> dict | None:
        """The spreadsheet with only the one tab (None when either is gone), for the work of a
        single response; save the tab with put_tab, never the whole document."""
        doc = self.get("spreadsheet", spreadsheet_id, tabs=False)
        rows = self._all("SELECT data FROM tabs WHERE spreadsheet_id = ? AND sheet_id = ?",
                         (spreadsheet_id, sheet_id)) if doc else []
        if doc is None or not rows:
            return None
        doc["sheets"], doc["_partial"] = [json.loads(rows[0][0])], True
        return doc

    def grid_cells(self, spreadsheet_id: str) -> int:
        """The spreadsheet's grid cells as stored (every tab's rowCount x columnCount)."""
        rows = self._all("SELECT cells FROM grid_cells WHERE spreadsheet_id = ?", (spreadsheet_id,))
        return int(rows[0][0]) if rows else 0

    def put_tab(self, spreadsheet_id: str, tab: dict) -> None:
        self._run("UPDATE tabs SET data = ? WHERE spreadsheet_id = ? AND sheet_id = ?",
                  (encode(tab), spreadsheet_id, tab["sheetId"]))

    # Responses ---------------------------------------------------------------------------------
    def add_response(self, form_id: str, response_id: str, t_us: int, data: dict) -> None:
        self._run("INSERT INTO responses (response_id, form_id, t_us, data) VALUES (?, ?, ?, ?)",
                  (response_id, form_id, t_us, encode(data)))

    def responses(self, form_id: str, after: tuple[int, int] | None = None, min_ns: int | None = None,
                  strict: bool = False, limit: int = -1) -> list[tuple[int, int, dict]]:
        """(t_us, seq, response) in time order, after the keyset position `after`, at or after
        (strictly after, when `strict`) min_ns nanoseconds since 1970."""
        where, args = self._where(form_id, after, min_ns, strict)
        rows = self._all(f"SELECT t_us, seq, data FROM responses WHERE {where} ORDER BY t_us, seq LIMIT ?",
                         (*args, limit))
        return [(t, s, json.loads(d)) for t, s, d in rows]

    def response_page(self, form_id: str, after: tuple[int, int] | None, min_ns: int | None, strict: bool,
                      size: int) -> tuple[bytes, tuple[int, int] | None]:
        """As responses(), for a listing (each page in no particular order): the page's responses as
        one UTF-8 JSON text, comma-joined as stored (SQLite joins them, without the GIL: concurrent
        requests go on meanwhile), and the position of its last response when more follow."""
        where, args = self._where(form_id, after, min_ns, strict)
        edge = self._all(f"SELECT t_us, seq FROM responses WHERE {where} ORDER BY t_us, seq LIMIT 2 OFFSET ?",
                         (*args, size - 1))
        # The page is the next `size` responses in time, listed in no particular order as Google
        # lists them: here newest first, which the index gives read backwards (no sort of 13 MB of
        # rows), bounded above by the page's last response. The subquery's LIMIT keeps SQLite from
        # flattening it: the rows reach group_concat in the order asked.
        upper, bounds = (" AND (t_us, seq) <= (?, ?)", [edge[0][0], edge[0][1]]) if edge else ("", [])
        joined = self._all(f"SELECT CAST(group_concat(data, ',') AS BLOB) FROM (SELECT data FROM responses "
                           f"WHERE {where}{upper} ORDER BY t_us DESC, seq DESC LIMIT ?)", (*args, *bounds, size))[0][0]
        return joined or b"", edge[0] if len(edge) == 2 else None

    @staticmethod
    def _where(form_id: str, after: tuple[int, int] | None, min_ns: int | None, strict: bool) -> tuple[str, list]:
        sql = "form_id = ?"
        args: list[str | int] = [form_id]
        if after is not None:
            sql += " AND (t_us, seq) > (?, ?)"  # a row value: SQLite seeks the index to it
            args += [after[0], after[1]]
        if min_ns is not None:
            sql += f" AND t_us * 1000 {'>' if strict else '>='} ?"
            args.append(min_ns)
        return sql, args

    def response(self, form_id: str, response_id: str) -> dict | None:
        rows = self._all("SELECT data FROM responses WHERE form_id = ? AND response_id = ?", (form_id, response_id))
        return json.loads(rows[0][0]) if rows else None

    # Cells -------------------------------------------------------------------------------------
    def cells(self, ss: str, sheet: int, rows: tuple[int, int], cols: tuple[int, int]) -> list[CellRow]:
        return self._all("SELECT row, col, kind, value FROM cells WHERE spreadsheet_id = ? AND sheet_id = ? "
                         "AND row BETWEEN ? AND ? AND col BETWEEN ? AND ?", (ss, sheet, *rows, *cols))

    def write_cells(self, ss: str, sheet: int, cells: Iterable[CellRow]) -> None:
        """kind None (or '') empties the cell."""
        cells = list(cells)
        self._insert("INSERT OR REPLACE INTO cells VALUES", 6,
                     [(ss, sheet, row, col, kind, value) for row, col, kind, value in cells if kind])
        emptied = [(ss, sheet, row, col) for row, col, kind, _ in cells if not kind]
        if emptied:
            self._many("DELETE FROM cells WHERE spreadsheet_id = ? AND sheet_id = ? AND row = ? AND col = ?", emptied)

    def clear_cells(self, ss: str, sheet: int, rows: tuple[int, int], cols: tuple[int, int]) -> None:
        self._run("DELETE FROM cells WHERE spreadsheet_id = ? AND sheet_id = ? AND row BETWEEN ? AND ? "
                  "AND col BETWEEN ? AND ?", (ss, sheet, *rows, *cols))

    def drop_sheet(self, ss: str, sheet: int) -> None:
        self._run("DELETE FROM cells WHERE spreadsheet_id = ? AND sheet_id = ?", (ss, sheet))

    def last_row(self, ss: str, sheet: int, cols: tuple[int, int] | None = None) -> int:
        """The last row holding a value (within the columns, if given), -1 when there is none.
        Without columns it is one index lookup: every response to a linked form asks."""
        sql = "SELECT MAX(row) FROM cells WHERE spreadsheet_id = ? AND sheet_id = ?"
        args: tuple[str | int, ...] = (ss, sheet)
        if cols is not None:
            sql, args = sql + " AND col BETWEEN ? AND ?", (*args, *cols)
        rows = self._all(sql, args)
        return -1 if rows[0][0] is None else rows[0][0]

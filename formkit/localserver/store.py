"""SQLite storage for the local backend: one file that survives restarts.

Forms and spreadsheet metadata are small JSON documents; responses and cells get their own
tables because they grow (thousands of answers per commune per quarter) and are read by range.
One connection serves every thread; `transaction()` holds a lock for the whole request, which
makes each API call atomic (a failed batchUpdate leaves nothing behind) and keeps parallel
requests from interleaving.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

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


class Store:
    def __init__(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """All or nothing, one request at a time; nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _run(self, sql: str, args: tuple = ()) -> None:
        with self._lock:
            self._db.execute(sql, args)

    # Documents: forms and spreadsheets ---------------------------------------------------------
    def get(self, kind: str, doc_id: str) -> dict | None:
        rows = self._all("SELECT data FROM documents WHERE kind = ? AND id = ?", (kind, doc_id))
        return json.loads(rows[0][0]) if rows else None

    def by_alias(self, kind: str, alias: str) -> dict | None:
        rows = self._all("SELECT data FROM documents WHERE kind = ? AND alias = ?", (kind, alias))
        return json.loads(rows[0][0]) if rows else None

    def put(self, kind: str, doc_id: str, doc: dict, alias: str | None = None) -> None:
        data = json.dumps(doc, ensure_ascii=False)
        self._run("INSERT INTO documents (kind, id, alias, data) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, alias = excluded.alias",
                  (kind, doc_id, alias, data))

    def all(self, kind: str) -> list[dict]:
        return [json.loads(r[0]) for r in self._all("SELECT data FROM documents WHERE kind = ? ORDER BY seq", (kind,))]

    # Responses ---------------------------------------------------------------------------------
    def add_response(self, form_id: str, response_id: str, t_us: int, data: dict) -> None:
        self._run("INSERT INTO responses (response_id, form_id, t_us, data) VALUES (?, ?, ?, ?)",
                  (response_id, form_id, t_us, json.dumps(data, ensure_ascii=False)))

    def responses(self, form_id: str, after: tuple[int, int] | None = None, min_ns: int | None = None,
                  strict: bool = False, limit: int = -1) -> list[tuple[int, int, dict]]:
        """(t_us, seq, response) in time order, after the keyset position `after`, at or after
        (strictly after, when `strict`) min_ns nanoseconds since 1970."""
        sql, args = "SELECT t_us, seq, data FROM responses WHERE form_id = ?", [form_id]
        if after is not None:
            sql += " AND (t_us > ? OR (t_us = ? AND seq > ?))"
            args += [after[0], after[0], after[1]]
        if min_ns is not None:
            sql += f" AND t_us * 1000 {'>' if strict else '>='} ?"
            args.append(min_ns)
        sql += " ORDER BY t_us, seq LIMIT ?"
        args.append(limit)
        return [(t, s, json.loads(d)) for t, s, d in self._all(sql, tuple(args))]

    def response(self, form_id: str, response_id: str) -> dict | None:
        rows = self._all("SELECT data FROM responses WHERE form_id = ? AND response_id = ?", (form_id, response_id))
        return json.loads(rows[0][0]) if rows else None

    # Cells -------------------------------------------------------------------------------------
    def cells(self, ss: str, sheet: int, rows: tuple[int, int], cols: tuple[int, int]) -> list[CellRow]:
        return self._all("SELECT row, col, kind, value FROM cells WHERE spreadsheet_id = ? AND sheet_id = ? "
                         "AND row BETWEEN ? AND ? AND col BETWEEN ? AND ?", (ss, sheet, *rows, *cols))

    def write_cells(self, ss: str, sheet: int, cells: Iterable[CellRow]) -> None:
        """kind None (or '') empties the cell."""
        with self._lock:
            for row, col, kind, value in cells:
                if kind:
                    self._db.execute("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?, ?, ?)",
                                     (ss, sheet, row, col, kind, value))
                else:
                    self._db.execute("DELETE FROM cells WHERE spreadsheet_id = ? AND sheet_id = ? AND row = ? "
                                     "AND col = ?", (ss, sheet, row, col))

    def clear_cells(self, ss: str, sheet: int, rows: tuple[int, int], cols: tuple[int, int]) -> None:
        self._run("DELETE FROM cells WHERE spreadsheet_id = ? AND sheet_id = ? AND row BETWEEN ? AND ? "
                  "AND col BETWEEN ? AND ?", (ss, sheet, *rows, *cols))

    def drop_sheet(self, ss: str, sheet: int) -> None:
        self._run("DELETE FROM cells WHERE spreadsheet_id = ? AND sheet_id = ?", (ss, sheet))

    def last_row(self, ss: str, sheet: int, cols: tuple[int, int] | None = None) -> int:
        """The last row holding a value (within the columns, if given), -1 when there is none.
        Without columns it is one index lookup: every response to a linked form asks."""
        sql, args = "SELECT MAX(row) FROM cells WHERE spreadsheet_id = ? AND sheet_id = ?", (ss, sheet)
        if cols is not None:
            sql, args = sql + " AND col BETWEEN ? AND ?", (*args, *cols)
        rows = self._all(sql, args)
        return -1 if rows[0][0] is None else rows[0][0]

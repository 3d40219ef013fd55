"""The local response store (state/responses.sqlite): every answer as received, kept for good.

Reports read this store, never the sheet, so a quarter's report can be reproduced after the sheet
was edited or the form changed. Its tables, a row per response (texts: per response that has one):
  responses  the raw answers as received (JSON: template question id -> text), for the record
             and the invalid-answer list
  texts      the comment and the phone of the responses that left one, for the follow-up list
             (a nation's list reads 1.4M of them: from `responses` that is every page of the file;
             stores older than this table are read there for the responses it lacks)
  coded      what the indices need, compact: commune, officer, field, time, and one byte per
             scale question and flag bits, as responses/coding.py defines them

A response's key is (commune, form, submission second, n-th response in that second). It does
not include the answers, so a row edited in the sheet later is not counted a second time, and a
response read once from the Forms API and later from the linked sheet is the same response.
Times are Vietnam local time (UTC+7, no daylight saving), as "YYYY-MM-DD HH:MM:SS".
A paper ballot (source "paper", channel "giấy") is keyed by its serial instead, and timed when it
was scanned; a counter tablet's rating (source "kiosk", channel "quầy") by its tablet-made id or
its dossier (kiosk/ratings.py); every other response has channel "online" (the column is added
to older stores).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from ..errors import DamagedFileError, StoreBusyError
from ..files import owner_only
from ..i18n import _
from ..workspace.templates import Template
from . import columnar
from .coding import Coder

VIETNAM = timezone(timedelta(hours=7))
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
Source = Literal["api", "sheet", "csv", "paper", "kiosk"]  # how a response reached the store
Channel = Literal["online", "giấy", "quầy"]  # how the citizen answered: the form, a paper ballot, a counter tablet
# Seconds a command waits for the store while another connection holds it (SQLite's busy timeout,
# for every formkit connection to it and to kiosk.sqlite): `formkit kiosk` committing ratings, a
# pull storing a batch of BATCH_ROWS (responses/pull.py: 1.8 s here, benchmarks/busy_store.py; a
# slow office PC may take several times that), a retention VACUUM (1.8 s at 250,000 responses).
# After it, StoreBusyError: the file, who may hold it, run again. README's exit codes say 30.
BUSY_WAIT = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  commune_id TEXT NOT NULL,
  form_id TEXT NOT NULL,
  source TEXT NOT NULL,
  template TEXT NOT NULL,
  template_version INTEGER NOT NULL,
  submitted TEXT NOT NULL,
  pulled_at TEXT NOT NULL,
  answers TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS coded (
  id INTEGER PRIMARY KEY REFERENCES responses(id),
  template TEXT NOT NULL,
  template_version INTEGER NOT NULL,
  commune_id TEXT NOT NULL,
  submitted TEXT NOT NULL,
  officer_id TEXT,
  field TEXT,
  codes BLOB NOT NULL,
  flags INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS coded_by_time ON coded (template, submitted);
CREATE INDEX IF NOT EXISTS responses_by_form ON responses (commune_id, form_id, submitted);
CREATE TABLE IF NOT EXISTS texts (  -- a response's comment and phone, if it left one: what the follow-up
  id INTEGER PRIMARY KEY REFERENCES responses(id),  -- list reads, without the pages of every answer
  comment TEXT,
  phone TEXT
);
CREATE TABLE IF NOT EXISTS invalid (
  response_id INTEGER NOT NULL REFERENCES responses(id),
  question_id TEXT NOT NULL,
  raw TEXT NOT NULL,
  reason TEXT NOT NULL
);
"""

@dataclass
class ResponseRow:
    """One response, already mapped to the template's question ids by the reader (pull/CSV)."""

    commune_id: str
    form_id: str
    source: Source
    template: str
    template_version: int
    submitted: datetime  # aware, or naive meaning Vietnam local time
    answers: dict[str, str]  # template question id -> raw text as received
    officer_id: str | None = None  # resolved by the reader from the form's officer list
    invalid: list[tuple[str, str, str]] = field(default_factory=list)  # (question id, raw, reason)
    channel: Channel = "online"
    key: str | None = None  # a paper ballot's key is its serial, not its time
    response_id: str | None = None  # the Forms API's responseId (API rows only)


def busy(exc: BaseException | None) -> bool:
    """SQLite gave up waiting for a database another connection holds ("database is locked")."""
    code = getattr(exc, "sqlite_errorcode", 0) if isinstance(exc, sqlite3.OperationalError) else 0
    return code & 0xFF == sqlite3.SQLITE_BUSY  # its extended codes too (SQLITE_BUSY_TIMEOUT, …)


def response_key(commune_id: str, form_id: str, second: str, nth: int) -> str:
    """The key of the nth response (from 1) of a form in one local second."""
    return f"{commune_id}|{form_id}|{second}|{nth}"


def local_second(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM).replace(tzinfo=None)
    return moment.replace(microsecond=0).strftime(TIME_FORMAT)


class ResponseStore:
    def __init__(self, path: Path | str) -> None:
        self.path = None if str(path) == ":memory:" else Path(path)  # None: no columnar copy
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            owner_only(self.path)  # it holds phone numbers: 0600 before the first byte
        self.db = sqlite3.connect(str(path), timeout=BUSY_WAIT)
        try:
            self.db.executescript(SCHEMA)
            self._add_columns()
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
            self.db.close()
            if busy(exc):  # only held: moving it aside would lose the answers no sheet has (paper, counter)
                raise StoreBusyError(path, BUSY_WAIT) from exc
            raise DamagedFileError(path, "", str(exc), _("move it aside (keep it for a backup restore) and run "
                                                         "`formkit pull` again: every answer is still in Google "
                                                         "and is read back")) from exc

    def _add_columns(self) -> None:
        """Columns that older stores lack, added in place: the channel (stores made before paper
        ballots hold online answers only), and the Forms API's responseId per stored response (an
        edited response, whose lastSubmittedTime moves to a new second, stays one response)."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(responses)")}
        with self.db:
            if "channel" not in columns:
                self.db.execute("ALTER TABLE responses ADD COLUMN channel TEXT NOT NULL DEFAULT 'online'")
            if "response_id" not in columns:
                self.db.execute("ALTER TABLE responses ADD COLUMN response_id TEXT")
            self.db.execute("CREATE UNIQUE INDEX IF NOT EXISTS responses_by_id ON responses (commune_id, form_id,"
                            " response_id) WHERE response_id IS NOT NULL")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ResponseStore:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        self.close()
        if busy(exc):  # any read or write of the block: the whole command stops there, with the file named
            raise StoreBusyError(self.path or ":memory:", BUSY_WAIT) from exc

    def add(self, rows: Iterable[ResponseRow], template: Template, counts: Counter[str] | None = None) -> int:
        """Store the responses not stored yet; returns how many were new (and adds them up per
        commune in `counts`, if given). One transaction, so an interrupted pull leaves the store as
        it was. `rows` must hold every response of each second it touches (the n-th-in-second part
        of the key depends on it): a whole sheet, or a Forms API listing from a second boundary — or
        carry their key, counted by the reader."""
        coder = Coder(template)
        comment_q, phone_q = (q.id if q else None for q in (template.by_role("comment"), template.by_role("phone")))
        texts: list[tuple[int | None, str | None, str | None]] = []
        pulled_at = datetime.now(VIETNAM).strftime(TIME_FORMAT)
        seen: Counter[tuple[str, str, str]] = Counter()
        added = 0
        normalize = unicodedata.normalize
        stored: list[tuple] = []  # the coded rows, for the columnar copy
        ordered = sorted(((local_second(r.submitted), r) for r in rows), key=lambda pair: pair[0])
        with self.db:
            known_ids = self._stored_ids([row for _, row in ordered])
            for second, row in ordered:
                if row.key is None:
                    seen[(row.commune_id, row.form_id, second)] += 1
                key = row.key or response_key(row.commune_id, row.form_id, second,
                                              seen[(row.commune_id, row.form_id, second)])
                if row.response_id is not None and (row.commune_id, row.form_id, row.response_id) in known_ids:
                    continue  # stored under its id already, perhaps at an earlier second before it was edited
                answers = {k: normalize("NFC", str(v)) for k, v in row.answers.items()
                           if v is not None and str(v).strip() != ""}
                if phone_q in answers and not template.phone_allowed(answers):
                    del answers[phone_q]  # given without explicit consent: never stored (Law 91/2025/QH15)
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO responses (key, commune_id, form_id, source, template, template_version,"
                    " submitted, pulled_at, answers, channel, response_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (key, row.commune_id, row.form_id, row.source, row.template, row.template_version, second,
                     pulled_at, json.dumps(answers, ensure_ascii=False), row.channel, row.response_id))
                if row.response_id is not None:  # a listing may carry one response twice (edited between pages)
                    known_ids.add((row.commune_id, row.form_id, row.response_id))
                if cursor.rowcount == 0:
                    if row.response_id is not None:  # the row of that key, read from the sheet earlier, takes its id
                        self.db.execute("UPDATE responses SET response_id = ? WHERE key = ? AND response_id IS NULL",
                                        (row.response_id, key))
                    continue
                added += 1
                if counts is not None:
                    counts[row.commune_id] += 1
                response_id = cursor.lastrowid
                codes, invalid = coder.encode(answers)
                invalid = row.invalid + invalid
                coded = (response_id, row.template, row.template_version, row.commune_id, second, row.officer_id,
                         coder.field_of(answers), codes, coder.flags(answers, codes, invalid))
                self.db.execute(
                    "INSERT INTO coded (id, template, template_version, commune_id, submitted, officer_id, field,"
                    " codes, flags) VALUES (?,?,?,?,?,?,?,?,?)", coded)
                stored.append(coded)
                comment, phone = answers.get(comment_q or ""), answers.get(phone_q or "")
                if comment or phone:
                    texts.append((response_id, comment, phone))
                if invalid:
                    self.db.executemany("INSERT INTO invalid VALUES (?,?,?,?)",
                                        [(response_id, q, raw, reason) for q, raw, reason in invalid])
            self.db.executemany("INSERT INTO texts VALUES (?,?,?)", texts)
        if self.path is not None:  # after the commit: the copy never holds a row the store lacks
            try:
                columnar.append(self.path, stored)
            except OSError:  # a full disk: the responses are stored; the next report rebuilds the copy
                pass
        return added

    def remove(self, keys: list[str]) -> None:
        """Take responses out by key (a paper ballot counted from an unmarked page). The columnar
        copy is dropped first, so that it is made again from the store and never counts them."""
        if not keys:
            return
        if self.path is not None:
            shutil.rmtree(columnar.folder_of(self.path), ignore_errors=True)
        # a case opened for it goes too (the follow-up register, responses/cases.py, when there is one)
        register = [("cases", "response_id")] if self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cases'").fetchone() else []
        with self.db:
            for key in keys:
                row = self.db.execute("SELECT id FROM responses WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    for table, column in (*register, ("invalid", "response_id"), ("texts", "id"), ("coded", "id"),
                                          ("responses", "id")):
                        self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", row)

    def _stored_ids(self, rows: list[ResponseRow]) -> set[tuple[str, str, str]]:
        """(commune, form, responseId) of the given API rows already stored: a few queries for a
        whole listing, not one per row."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            if row.response_id is not None:
                wanted.setdefault((row.commune_id, row.form_id), []).append(row.response_id)
        found: set[tuple[str, str, str]] = set()
        for (commune_id, form_id), ids in wanted.items():
            for start in range(0, len(ids), 500):  # under SQLite's 999 parameters of old releases
                chunk = ids[start:start + 500]
                found.update((commune_id, form_id, rid) for (rid,) in self.db.execute(
                    "SELECT response_id FROM responses WHERE commune_id = ? AND form_id = ? AND response_id IN "
                    f"({','.join('?' * len(chunk))})", (commune_id, form_id, *chunk)))
        return found

    def form_keys(self, commune_id: str, form_id: str) -> set[str]:
        """The keys of every response stored from a form: a pull skips the rows it took before."""
        return {key for (key,) in self.db.execute("SELECT key FROM responses WHERE commune_id = ? AND form_id = ?",
                                                  (commune_id, form_id))}

    def columns(self) -> columnar.Columns | None:
        """The coded rows as arrays (the columnar copy, checked against the store); None for a
        store in memory or a copy that cannot be made."""
        if self.path is None:
            return None
        try:
            return columnar.read(self.db, self.path)
        except OSError:  # the copy cannot be written (a full disk, a read-only folder): read SQLite
            return None

    def latest(self, commune_id: str, form_id: str) -> str | None:
        """The newest stored submission second for a form (local time), for incremental pulls."""
        row = self.db.execute("SELECT max(submitted) FROM responses WHERE commune_id = ? AND form_id = ?",
                              (commune_id, form_id)).fetchone()
        return row[0]

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM responses").fetchone()[0]


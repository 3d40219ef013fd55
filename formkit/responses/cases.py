"""The follow-up register (table `cases` in state/responses.sqlite): one case per response the
follow-up rule picks (report/followup_rule.py), with what was done about it.

A case's status is one of STATUSES: "open" (chưa liên hệ) until staff record a call; "contacted"
(đã liên hệ) when someone spoke to the citizen and the matter is not settled yet; "resolved" (đã
giải quyết) and "unreachable" (không liên lạc được) close it. The time of the first change away
from "open" is kept as the first contact (an unanswered call is an attempt: it counts), and a
closed case keeps its outcome, who and when for good, while its phone number is erased the way
the retention rule erases one (responses/erasure.py: the raw answers, the texts table, the flag,
numbers typed into the comment and into the staff's note masked, the file vacuumed with
secure_delete). The note itself is cleared once the answer's retention period ends.

Every statement over this table lives here (the store's SQL stays in responses/).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from .store import ResponseStore

OPEN, CONTACTED, RESOLVED, UNREACHABLE = "open", "contacted", "resolved", "unreachable"
STATUSES = (OPEN, CONTACTED, RESOLVED, UNREACHABLE)
CLOSED = (RESOLVED, UNREACHABLE)
# What staff read and choose in the spreadsheet (and may type in the CLI).
STATUS_NAMES = {OPEN: "chưa liên hệ", CONTACTED: "đã liên hệ", RESOLVED: "đã giải quyết",
                UNREACHABLE: "không liên lạc được"}

# Reason bits, as the report's follow-up list uses them: 1 a low rating, 2 a comment, 4 a phone.
LOW, COMMENT, PHONE = 1, 2, 4

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
  response_id INTEGER PRIMARY KEY REFERENCES responses(id),
  commune_id TEXT NOT NULL,
  opened TEXT NOT NULL,          -- the answer's submission time (local): the clock starts then
  reasons INTEGER NOT NULL,      -- LOW | COMMENT | PHONE
  status TEXT NOT NULL DEFAULT 'open',
  first_contact TEXT,            -- local time of the first status change away from open
  closed TEXT,                   -- local time it became resolved or unreachable
  actor TEXT NOT NULL DEFAULT '',
  updated TEXT,
  note TEXT NOT NULL DEFAULT '',
  phone_erased TEXT              -- when its phone number was erased
);
CREATE INDEX IF NOT EXISTS cases_by_commune ON cases (commune_id, opened);
CREATE TABLE IF NOT EXISTS cases_scanned (  -- the newest response id the follow-up rule has looked at
  one INTEGER PRIMARY KEY CHECK (one = 1),
  up_to INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class Case:
    response_id: int
    commune: str
    opened: str
    reasons: int
    status: str
    first_contact: str | None
    closed: str | None
    actor: str
    updated: str | None
    note: str
    phone_erased: str | None
    phone: str = ""  # only when asked for (the commune's own list)
    comment: str = ""
    officer: str | None = None
    channel: str = ""  # when asked for: "online", "giấy" (paper), "quầy" (a counter tablet)
    key: str = ""  # its answer's key: a counter rating's names the dossier's receipt (kiosk/ratings.py)


@dataclass(frozen=True)
class Change:
    """A status change asked for (CLI or an imported spreadsheet row)."""

    response_id: int
    status: str
    actor: str
    note: str
    when: str  # local "YYYY-MM-DD HH:MM:SS": when it was recorded
    contact: str = ""  # when the citizen was contacted (or tried), if staff said; else `when`


_COLUMNS = ("c.response_id, c.commune_id, c.opened, c.reasons, c.status, c.first_contact, c.closed, c.actor,"
            " c.updated, c.note, c.phone_erased")


def ensure(store: ResponseStore) -> None:
    store.db.executescript(SCHEMA)


def scanned_up_to(store: ResponseStore) -> int:
    """The newest response id the rule has looked at (0: none): a pull looks at the new ones only."""
    ensure(store)
    row = store.db.execute("SELECT up_to FROM cases_scanned").fetchone()
    return row[0] if row else 0


def open_cases(store: ResponseStore, rows: Iterable[tuple[int, str, str, int]], up_to: int) -> list[int]:
    """Cases for (response id, commune, submitted, reasons) not in the register yet, and every
    response up to `up_to` marked as looked at, in one transaction; returns the ids opened now,
    ascending. A case once opened is never opened again (even after its phone was erased and the
    rule no longer sees a phone)."""
    ensure(store)
    rows = list(rows)
    with store.db:
        wanted = json.dumps([r[0] for r in rows])
        known = {r for (r,) in store.db.execute("SELECT response_id FROM cases WHERE response_id IN"
                                                " (SELECT value FROM json_each(?))", (wanted,))}
        new = [r for r in rows if r[0] not in known]
        store.db.executemany("INSERT INTO cases (response_id, commune_id, opened, reasons) VALUES (?,?,?,?)", new)
        store.db.execute("INSERT INTO cases_scanned (one, up_to) VALUES (1, ?) ON CONFLICT (one) DO UPDATE"
                         " SET up_to = max(up_to, excluded.up_to)", (up_to,))
    return sorted(r[0] for r in new)


def has_register(store: ResponseStore) -> bool:
    """Whether the store has a register (a report reads it without writing to the store)."""
    found = store.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cases'").fetchone()
    return found is not None


def cases(store: ResponseStore, commune_ids: Iterable[str] = (), statuses: Iterable[str] = (),
          ids: Iterable[int] = (), since_id: int = 0, texts: bool = False,
          opened: tuple[str, str] = ("", "~"), template: str | None = None, origin: bool = False) -> list[Case]:
    """The register's cases, by commune then time; texts: with the phone and comment (for the
    commune's own list) and the officer; opened: [start, end) of the answers' times; template:
    only the cases of that question set's answers (a case keeps no template: its answer's does);
    origin: with the answer's channel and key (how staff find a citizen who left no phone)."""
    if not has_register(store):
        return []
    where, params = ["c.response_id > ? AND c.opened >= ? AND c.opened < ?"], [since_id, *opened]
    for column, values in (("c.commune_id", list(commune_ids)), ("c.status", list(statuses)),
                           ("c.response_id", [int(i) for i in ids])):
        if values:
            where.append(f"{column} IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(values))
    if template is not None:  # one primary-key lookup per case, in `coded`, which the report reads
        where.append("EXISTS (SELECT 1 FROM coded k WHERE k.id = c.response_id AND k.template = ?)")
        params.append(template)
    extra = (", ifnull(t.phone, ''), ifnull(t.comment, ''), d.officer_id" if texts else "")
    joins = " LEFT JOIN texts t ON t.id = c.response_id LEFT JOIN coded d ON d.id = c.response_id" if texts else ""
    if origin:
        extra += ", ifnull(r.channel, ''), ifnull(r.key, '')"
        joins += " LEFT JOIN responses r ON r.id = c.response_id"
    sql = (f"SELECT {_COLUMNS}{extra} FROM cases c{joins} WHERE {' AND '.join(where)}"
           " ORDER BY c.commune_id, c.opened, c.response_id")
    found = []
    for row in store.db.execute(sql, params):
        more = dict(zip(("channel", "key"), row[-2:], strict=True)) if origin else {}
        found.append(Case(*(row[:-2] if origin else row), **more))
    return found


def apply(store: ResponseStore, changes: list[Change]) -> int:
    """Record the changes in one transaction (all or none); returns how many changed a case. A
    change equal to the case as it stands (status, who, note) changes nothing, so importing a
    file twice is importing it once."""
    ensure(store)
    changed = 0
    with store.db:
        for ch in changes:
            row = store.db.execute("SELECT status, actor, note, first_contact FROM cases WHERE response_id = ?",
                                   (ch.response_id,)).fetchone()
            if row is None or (row[0], row[1], row[2]) == (ch.status, ch.actor, ch.note):
                continue
            contact = ch.contact or ch.when
            first = row[3] or (contact if ch.status != OPEN else None)
            closed = contact if ch.status in CLOSED else None
            store.db.execute("UPDATE cases SET status = ?, actor = ?, note = ?, updated = ?, first_contact = ?,"
                             " closed = ? WHERE response_id = ?",
                             (ch.status, ch.actor, ch.note, ch.when, first, closed, ch.response_id))
            changed += 1
    return changed


def phones_to_erase(store: ResponseStore, closed_before: str) -> list[tuple[int, str]]:
    """(response id, commune) of closed cases, closed before that local time, whose phone is not erased yet."""
    ensure(store)
    return store.db.execute("SELECT response_id, commune_id FROM cases WHERE status IN (?, ?) AND closed < ?"
                            " AND phone_erased IS NULL ORDER BY response_id",
                            (*CLOSED, closed_before)).fetchall()


def mark_erased(store: ResponseStore, ids: Iterable[int], when: str) -> None:
    """Record that these cases' phones were erased, in the caller's transaction (responses/erasure.py,
    which erases them); a case erased before keeps its first date."""
    if not has_register(store):
        return
    store.db.execute("UPDATE cases SET phone_erased = ? WHERE response_id IN (SELECT value FROM json_each(?))"
                     " AND phone_erased IS NULL", (when, json.dumps([int(i) for i in ids])))


def notes(store: ResponseStore, ids: Iterable[int] = (), opened_before: str = "",
          erased: bool = False) -> list[tuple[int, str, str]]:
    """(response id, commune, note) of the cases with a note that are one of `ids`, or were opened
    before that local time, or (erased) whose phone was erased: what an erasure looks at."""
    if not has_register(store):
        return []
    chosen, params = [], []
    if ids:
        chosen.append("response_id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in ids]))
    if opened_before:
        chosen.append("opened < ?")
        params.append(opened_before)
    if erased:
        chosen.append("phone_erased IS NOT NULL")
    if not chosen:
        return []
    return store.db.execute(f"SELECT response_id, commune_id, note FROM cases WHERE note != '' AND"
                            f" ({' OR '.join(chosen)}) ORDER BY response_id", params).fetchall()


def set_notes(store: ResponseStore, kept: dict[int, str]) -> None:
    """Write these notes as they are kept, in the caller's transaction (responses/erasure.py)."""
    if not kept:
        return
    store.db.executemany("UPDATE cases SET note = ? WHERE response_id = ?",
                         [(note, response_id) for response_id, note in kept.items()])


def newest_response(store: ResponseStore) -> int:
    """The highest response id stored (0 for none): what a digest has seen up to."""
    return store.db.execute("SELECT ifnull(max(id), 0) FROM responses").fetchone()[0]


def sets_between(store: ResponseStore, after_id: int, up_to_id: int) -> list[tuple[str, str, str]]:
    """(question set, first, last submission time) of each set with responses whose ids are in
    (after_id, up_to_id]: which sets' follow-up rules a look at the new answers applies."""
    return store.db.execute("SELECT template, min(submitted), max(submitted) FROM responses WHERE id > ? AND id <= ?"
                            " GROUP BY template ORDER BY template", (after_id, up_to_id)).fetchall()


def submitted_between(store: ResponseStore, after_id: int, up_to_id: int) -> tuple[str | None, str | None]:
    """(first, last) submission time of the responses with ids in (after_id, up_to_id]."""
    return store.db.execute("SELECT min(submitted), max(submitted) FROM responses WHERE id > ? AND id <= ?",
                            (after_id, up_to_id)).fetchone()

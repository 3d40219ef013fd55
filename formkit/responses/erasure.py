"""Erasing the phone numbers whose retention period has ended, from the store itself.

A phone is kept for `[privacy] phone_retention_months` after the response was sent, then erased:
removed from the raw answers and from the texts table, its flag cleared in the coded rows, and
phone-like numbers typed into comments masked (the caller says how: report/followup.py's rule).
The follow-up register's notes (staff's free text, which may hold the number or a name) are kept
as the caller says too: numbers masked when a case's phone goes, cleared when the answer's
retention period ends. SQLite's secure_delete is on, so the old bytes are overwritten as they are
freed, and the store is then vacuumed (compacted) — unless another connection holds it by then:
the erasure is committed, and what the caller does after it (the record, pictures, exports) must
not be left undone for a compaction. The columnar copy holds no phone, but it holds the flags: it is
removed and rebuilt by the next report.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import cases, columnar
from .coding import HAS_COMMENT, HAS_PHONE
from .store import ResponseStore, busy


@dataclass
class Expired:
    """What an erasure changes: per response, its answers as they will be kept."""

    cutoff: str  # responses sent before this local time ("YYYY-MM-DD HH:MM:SS") are past retention
    answers: dict[int, dict[str, str]] = field(default_factory=dict)
    phones: Counter[str] = field(default_factory=Counter)  # phones erased, per commune
    comments: Counter[str] = field(default_factory=Counter)  # comments whose numbers were masked, per commune
    cleared: set[int] = field(default_factory=set)  # responses whose phone goes (their flag too)
    notes: dict[int, str] = field(default_factory=dict)  # follow-up case (response id) -> its note as kept
    notes_changed: Counter[str] = field(default_factory=Counter)  # per commune

    def __bool__(self) -> bool:
        return bool(self.answers or self.notes)


def add_notes(found: Expired, rows: list[tuple[int, str, str]], keep: Callable[[str], str]) -> None:
    """The notes of these (response id, commune, note) follow-up cases that `keep` changes."""
    for response_id, commune_id, note in rows:
        kept = keep(note)
        if kept != note and response_id not in found.notes:
            found.notes[response_id] = kept
            found.notes_changed[commune_id] += 1


def templates_in(store: ResponseStore) -> list[str]:
    """The template ids the store holds responses of (their phone and comment questions)."""
    return [t for (t,) in store.db.execute("SELECT DISTINCT template FROM responses")]


def paper_answers(store: ResponseStore) -> list[dict[str, str]]:
    """Every stored paper ballot's answers: their comment names the pictures of its handwritten boxes."""
    return [json.loads(raw) for (raw,) in store.db.execute("SELECT answers FROM responses WHERE source = 'paper'")]


def phones_past(store: ResponseStore, cutoff: str) -> int:
    """How many stored phones were sent before `cutoff` (what `pull` warns about)."""
    return store.db.execute("SELECT count(*) FROM coded WHERE submitted < ? AND flags & ? != 0",
                            (cutoff, HAS_PHONE)).fetchone()[0]


def expired(store: ResponseStore, cutoff: str, phone_ids: set[str], comment_ids: set[str],
            clean_comment: Callable[[str], str], ids: list[int] | None = None) -> Expired:
    """The responses sent before `cutoff` (or, given `ids`, these responses: the follow-up
    register's closed cases) that still hold a phone, or a comment that `clean_comment` changes.
    Only responses flagged with a comment or a phone are read."""
    found = Expired(cutoff)
    chosen, value = ("r.submitted < ?", cutoff) if ids is None else (
        "r.id IN (SELECT value FROM json_each(?))", json.dumps(ids))
    rows = store.db.execute(
        "SELECT r.id, r.commune_id, r.answers FROM responses r JOIN coded c ON c.id = r.id "
        f"WHERE {chosen} AND c.flags & ? != 0", (value, HAS_COMMENT | HAS_PHONE))
    for response_id, commune_id, raw in rows:
        answers = json.loads(raw)
        kept = dict(answers)
        if any(kept.pop(q, None) for q in phone_ids):
            found.phones[commune_id] += 1
            found.cleared.add(response_id)
        for q in comment_ids & set(kept):
            cleaned = clean_comment(kept[q])
            if cleaned != kept[q]:
                found.comments[commune_id] += 1
                if cleaned:
                    kept[q] = cleaned
                else:
                    del kept[q]
        if kept != answers:
            found.answers[response_id] = kept
    return found


def erase(store: ResponseStore, found: Expired, phone_ids: set[str], comment_ids: set[str],
          cases_erased: Iterable[int] = (), when: str = "") -> None:
    """Write `found` into the store in one transaction — with `cases_erased`, the follow-up cases
    whose phone goes, marked erased at `when` — then vacuum it and drop the columnar copy."""
    db = store.db
    db.execute("PRAGMA secure_delete = ON")  # freed pages are overwritten with zeros
    with db:
        for response_id, kept in found.answers.items():
            db.execute("UPDATE responses SET answers = ? WHERE id = ?",
                       (json.dumps(kept, ensure_ascii=False), response_id))
            comment = next((kept[q] for q in comment_ids if q in kept), None)
            phone = next((kept[q] for q in phone_ids if q in kept), None)
            if comment or phone:
                db.execute("UPDATE texts SET comment = ?, phone = ? WHERE id = ?", (comment, phone, response_id))
            else:
                db.execute("DELETE FROM texts WHERE id = ?", (response_id,))
                db.execute("UPDATE coded SET flags = flags & ? WHERE id = ?", (~HAS_COMMENT & 0xFF, response_id))
            if response_id in found.cleared:
                db.execute("UPDATE coded SET flags = flags & ? WHERE id = ?", (~HAS_PHONE & 0xFF, response_id))
        cases.set_notes(store, found.notes)
        cases.mark_erased(store, cases_erased, when)
    if found:
        try:
            db.execute("VACUUM")
        except sqlite3.OperationalError as exc:
            if not busy(exc):  # held since the commit: the erased bytes are already zeros (secure_delete)
                raise
        if found.answers and store.path is not None:  # flags changed: the copy is rebuilt from the store when read
            shutil.rmtree(columnar.folder_of(store.path), ignore_errors=True)

"""The follow-up list (Gia Lâm's practice): responses the office should call back or read.

A response is on it when it rates a counted question on a negative option (a criterion, or the
overall question), leaves a comment, or leaves a phone number (the form says to leave one only
to be called back).

This module holds the list as values (the report model's part); followup_pick.py picks its
entries from the responses, privacy.py masks what is shown.

Privacy: the full phone number appears only in the per-commune follow-up CSVs (one per
commune), which go to the commune that must call back. Everywhere else, the PDF, the XLSX sheet
"Cần liên hệ lại" and the JSON included, it is masked like "091****678", and
phone-like numbers typed into comments are masked the same way.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .period import stamps
from .privacy import mask_phone, mask_text


@dataclass(frozen=True, eq=False)  # shared instances, hashed by identity (fast)
class LowAnswer:
    question: str  # question id, e.g. "3.1"
    title: str
    answer: str  # the option chosen, e.g. "Không hài lòng"

    def to_json(self) -> dict:
        return {"id": self.question, "title": self.title, "answer": self.answer}


@dataclass(frozen=True, eq=False)
class FollowUp:
    response_id: int
    commune: str
    commune_name: str
    officer: str | None
    officer_name: str
    submitted: str  # "YYYY-MM-DD HH:MM:SS", local time
    field: str | None
    low: tuple[LowAnswer, ...] = ()
    comment: str = ""
    phone: str = ""  # in full: per-commune outputs only

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(name for name, present in (("low_rating", self.low), ("comment", self.comment),
                                                ("phone", self.phone)) if present)

    def items(self, full_phone: bool = False) -> list[tuple[str, object]]:
        """The JSON fields in order; the phone (and numbers typed into the comment) masked."""
        return [("response_id", self.response_id), ("commune", self.commune), ("commune_name", self.commune_name),
                ("officer", self.officer), ("officer_name", self.officer_name), ("submitted", self.submitted),
                ("field", self.field), ("reasons", self.reasons), ("low_criteria", self.low),
                ("comment", self.comment if full_phone else mask_text(self.comment)),
                ("phone", self.phone if full_phone else mask_phone(self.phone))]

    def to_json(self, full_phone: bool = False) -> dict:
        out = dict(self.items(full_phone))
        out["reasons"] = list(self.reasons)
        out["low_criteria"] = [a.to_json() for a in self.low]
        return out


class FollowUps:
    """The follow-up list, kept as arrays in list order (commune by commune in the report's order,
    then by time, then id): a nation's year puts 1.4 million responses on it, too many to hold
    as objects. Entries (`FollowUp`) are made a commune (or a block) at a time; the JSON is
    written from the arrays with the pieces that repeat (who, field, reasons, each low answer)
    encoded once. The free texts (comment, phone) are the only ones read from the store, for the
    responses flagged as having them."""

    BLOCK = 20_000  # entries encoded or made at a time

    def __init__(self, ids: np.ndarray, commune: np.ndarray, officer: np.ndarray, field: np.ndarray,
                 time: np.ndarray, picked: np.ndarray, lows: np.ndarray, text_at: np.ndarray,
                 comments: list[str], phones: list[str], communes: list[tuple[str, str]],
                 officers: list[tuple[str | None, str]], fields: list[str | None]) -> None:
        """picked: (n, columns) the option chosen per low column (0: not low); lows: (columns,
        options + 1) the LowAnswer of each; text_at: the positions holding a comment or a phone,
        ascending, with comments and phones (as dialled) beside them; communes (id, name),
        officers (id, name) and fields: what commune, officer and field index."""
        self.ids, self.commune, self.officer, self.field, self.time = ids, commune, officer, field, time
        self.picked, self.lows = picked, lows
        self.text_at, self.comments, self.phones = text_at, comments, phones
        self.communes, self.officers, self.fields = communes, officers, fields
        has_comment = np.zeros(len(ids), bool)
        has_phone = np.zeros(len(ids), bool)
        has_comment[text_at] = np.array([bool(c) for c in comments], bool)
        has_phone[text_at] = np.array([bool(p) for p in phones], bool)
        # the reasons of each entry, as bits: 1 low rating, 2 comment, 4 phone
        self.reason_bits = ((picked.any(axis=1) if picked.size else np.zeros(len(ids), bool)).astype(np.uint8)
                            | has_comment.astype(np.uint8) << 1 | has_phone.astype(np.uint8) << 2)

    @classmethod
    def empty(cls) -> FollowUps:
        none = np.zeros(0, np.int64)
        return cls(none, none, none, none, none, np.zeros((0, 0), np.uint8), np.zeros((0, 1), np.object_), none,
                   [], [], [], [], [])

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        return len(self.ids) > 0

    def __iter__(self) -> Iterator[FollowUp]:
        for a in range(0, len(self), self.BLOCK):
            yield from self.entries(a, min(a + self.BLOCK, len(self)))

    def __getitem__(self, i: int) -> FollowUp:
        i = range(len(self))[i]  # IndexError, negative indices
        return self.entries(i, i + 1)[0]

    def _texts(self, a: int, b: int) -> tuple[list[str], list[str]]:
        """Comments and phones of entries a…b-1 ("" where none)."""
        comments, phones = [""] * (b - a), [""] * (b - a)
        lo, hi = np.searchsorted(self.text_at, [a, b]).tolist()
        for k, position in enumerate(self.text_at[lo:hi].tolist(), lo):
            comments[position - a], phones[position - a] = self.comments[k], self.phones[k]
        return comments, phones

    def _low_rows(self, a: int, b: int, table: np.ndarray) -> list:
        """Per entry a…b-1, the items of `table` (by column and option) of its low answers, in
        column order."""
        picked = self.picked[a:b]
        hit_row, hit_column = np.nonzero(picked)
        flat = table[hit_column, picked[hit_row, hit_column]].tolist()
        ends = np.cumsum(np.bincount(hit_row, minlength=b - a)).tolist()
        return [flat[s:e] for s, e in zip([0, *ends[:-1]], ends, strict=True)]

    def _stamps(self, a: int, b: int) -> np.ndarray:
        """"YYYY-MM-DD HH:MM:SS" of entries a…b-1 as bytes (S19)."""
        return stamps(self.time[a:b])

    def entries(self, a: int, b: int) -> list[FollowUp]:
        """Entries a…b-1 as objects."""
        comments, phones = self._texts(a, b)
        lows = self._low_rows(a, b, self.lows)
        communes, officers = self.communes, self.officers
        return [FollowUp(response_id, communes[commune][0], communes[commune][1], officers[officer][0],
                         officers[officer][1], stamp, self.fields[field], tuple(lows[i]), comments[i], phones[i])
                for i, (response_id, commune, officer, field, stamp) in enumerate(zip(
                    self.ids[a:b].tolist(), self.commune[a:b].tolist(), self.officer[a:b].tolist(),
                    self.field[a:b].tolist(), self._stamps(a, b).astype("U19").tolist(), strict=True))]

    def runs(self) -> list[tuple[int, int]]:
        """(first, end) of each commune's entries, in list order."""
        if not len(self):
            return []
        starts = [0, *(np.flatnonzero(np.diff(self.commune)) + 1).tolist()]
        return list(zip(starts, [*starts[1:], len(self)], strict=True))

    def by_commune(self) -> Iterator[tuple[str, str, list[FollowUp]]]:
        """(commune id, name, its entries), one commune made at a time."""
        for a, b in self.runs():
            yield *self.communes[int(self.commune[a])], self.entries(a, b)

    def reason_counts(self) -> dict[str, Counter]:
        """Per commune id, how many entries give each reason (low_rating, comment, phone)."""
        out: dict[str, Counter] = {}
        for a, b in self.runs():
            bits = self.reason_bits[a:b]
            out[self.communes[int(self.commune[a])][0]] = Counter(
                {name: int(np.count_nonzero(bits & bit)) for bit, name in REASON_BITS})
        return out

    def json_blocks(self) -> Iterator[bytes]:
        """The JSON text of the entries in UTF-8, a block at a time (entries joined by ",\n    "),
        each entry equal to json.dumps(entry.to_json()). An entry is a row of pieces laid out by numpy
        and joined once per block: its id and time; who (commune, officer) and field with reasons,
        each encoded once per value; one piece per low answer; the texts only where there are."""
        dump = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), made once

        def utf8(texts: list[str]) -> np.ndarray:
            return np.array([t.encode() for t in texts] or [b""], np.object_)

        first, then = (np.full(self.lows.shape, None, np.object_) for _ in range(2))
        for index, answer in np.ndenumerate(self.lows):
            if answer is not None:
                first[index] = dump(answer.to_json()).encode()
                then[index] = b", " + first[index]
        reasons = ["[" + ", ".join(dump(name) for bit, name in REASON_BITS if bits & bit) + "]" for bits in range(8)]
        middles = utf8([f'", "field": {dump(f)}, "reasons": {r}, "low_criteria": [' for f in self.fields
                        for r in reasons])  # by field × 8 + reason bits
        pairs, pair_of = np.unique(self.commune.astype(np.int64) * max(len(self.officers), 1) + self.officer,
                                   return_inverse=True)
        who = utf8([", " + ", ".join(f'"{k}": {dump(v)}' for k, v in zip(
            ("commune", "commune_name", "officer", "officer_name"),
            (*self.communes[p // max(len(self.officers), 1)], *self.officers[p % max(len(self.officers), 1)]),
            strict=True)) + ', "submitted": "' for p in pairs.tolist()])
        pair_of = pair_of.ravel()
        plain_end = b'], "comment": "", "phone": ""}'
        for a in range(0, len(self), self.BLOCK):
            b = min(a + self.BLOCK, len(self))
            picked = self.picked[a:b]
            hit_row, hit_column = np.nonzero(picked)
            per_row = np.bincount(hit_row, minlength=b - a)
            before = np.cumsum(per_row) - per_row  # hits in the rows before
            start = 6 * np.arange(b - a) + before  # each entry: 6 pieces and its low answers
            tokens = np.empty(6 * (b - a) + len(hit_row), np.object_)
            tokens[start] = b',\n    {"response_id": '
            tokens[0] = b'{"response_id": '
            tokens[start + 1] = self.ids[a:b].astype("S20").tolist()
            tokens[start + 2] = who[pair_of[a:b]]
            tokens[start + 3] = self._stamps(a, b)
            tokens[start + 4] = middles[self.field[a:b].astype(np.int64) * 8 + self.reason_bits[a:b]]
            nth = np.arange(len(hit_row)) - before[hit_row]  # 0 for a row's first low answer
            options = picked[hit_row, hit_column]
            tokens[start[hit_row] + 5 + nth] = np.where(nth == 0, first[hit_column, options], then[hit_column, options])
            ends = start + 5 + per_row
            tokens[ends] = plain_end
            lo, hi = np.searchsorted(self.text_at, [a, b]).tolist()
            for k, position in enumerate(self.text_at[lo:hi].tolist(), lo):
                comment = dump(mask_text(self.comments[k])) if self.comments[k] else '""'
                phone = dump(mask_phone(self.phones[k])) if self.phones[k] else '""'
                tokens[ends[position - a]] = f'], "comment": {comment}, "phone": {phone}}}'.encode()
            yield b"".join(tokens.tolist())


REASON_BITS = ((1, "low_rating"), (2, "comment"), (4, "phone"))

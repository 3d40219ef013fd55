"""Reading the response store into numpy arrays, for one template and a time range.

The rows come from the store's queries (responses/queries.py: SQLite joins each column of a block
of rows into one string); numpy parses them in C here. Rows stored under another version of the
template are re-coded from their raw answers by question id (a rare path, one row at a time), so
versions of one template combine.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from ..responses.coding import Coder, scale_questions
from ..responses.columnar import Columns, seconds
from ..responses.queries import SEP, answers_of, coded_blocks, invalid_of, other_version_answers
from ..responses.store import ResponseStore
from ..workspace.templates import Template


@dataclass
class Responses:
    ids: np.ndarray  # (n,) int64 response ids
    commune: np.ndarray  # (n,) int32 index into communes
    officer: np.ndarray  # (n,) int32 index into officers
    field: np.ndarray  # (n,) int32 index into fields
    time: np.ndarray  # (n,) int64 seconds on the Vietnam local clock (epoch as if UTC)
    codes: np.ndarray  # (n, questions) uint8, as coded.codes
    flags: np.ndarray  # (n,) uint8, as coded.flags
    communes: list[str]
    officers: list[str | None]
    fields: list[str | None]
    # (id, question, raw, reason); dataclasses.field in full: inside the class, field is the column above
    recoded_invalid: list[tuple[int, str, str, str]] = dataclasses.field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, mask: np.ndarray) -> Responses:
        """The rows of mask (these very arrays when it holds every row: a nation's year is not copied)."""
        if mask.all():
            return self
        return Responses(self.ids[mask], self.commune[mask], self.officer[mask], self.field[mask], self.time[mask],
                         self.codes[mask], self.flags[mask], self.communes, self.officers, self.fields,
                         self.recoded_invalid)


class _Categories:
    """Text values -> small integers, stable across blocks ("" and NULL are the same: None)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.values: list[str | None] = []

    def add(self, value: str | None) -> int:
        value = value or ""
        if value not in self.index:
            self.index[value] = len(self.values)
            self.values.append(value or None)
        return self.index[value]

    def codes(self, joined: str) -> np.ndarray:
        parts = joined.split(SEP)
        for value in dict.fromkeys(parts):  # a few distinct values, in order; then a C-level lookup per response
            self.add(value)
        return np.fromiter(map(self.index.__getitem__, parts), np.int32, count=len(parts))


def load(store: ResponseStore, template: Template, start: str, end: str, commune_ids=()) -> Responses:
    """Every response of `template` submitted in [start, end) ("YYYY-MM-DD HH:MM:SS", local):
    from the store's columnar copy when it has one, else from SQLite."""
    columns = store.columns()
    if columns is not None:
        return _from_columns(store, columns, template, start, end, commune_ids)
    return _from_sqlite(store, template, start, end, commune_ids)


def _used(index: np.ndarray, values: list) -> tuple[np.ndarray, list]:
    """Category indices renumbered to the values these rows use (in the categories' order),
    counted, not sorted: a nation's ten million rows cost one pass."""
    if not len(index):
        return index.astype(np.int32), []
    present = np.bincount(index, minlength=len(values)) > 0
    if present.all():  # every value used: the indices as they are
        return index, list(values)
    rank = (np.cumsum(present) - 1).astype(np.int32)
    return rank[index], [values[i] for i in np.flatnonzero(present).tolist()]


def _from_columns(store: ResponseStore, columns: Columns, template: Template, start: str, end: str,
                  commune_ids) -> Responses:
    width = len(scale_questions(template))
    lo, hi = seconds([start, end]).tolist()
    template_index = columns.templates.index(template.id) if template.id in columns.templates else -1
    mask = (columns.template == template_index) & (columns.time >= lo) & (columns.time < hi)
    if commune_ids:
        wanted = [i for i, c in enumerate(columns.communes) if c in set(commune_ids)]
        mask &= np.isin(columns.commune, wanted)
    everything = bool(mask.all())  # a year's report of a year's store: the arrays as they are, no copy

    def take(array: np.ndarray) -> np.ndarray:
        return array if everything else array[mask]

    same = (take(columns.version) == template.version) & (take(columns.width) == width)
    if everything and same.all() and columns.codes.shape[1] == width:
        codes = columns.codes
    else:
        codes = np.zeros((int(mask.sum()), width), np.uint8)
        shown = min(width, columns.codes.shape[1])
        codes[:, :shown] = take(columns.codes)[:, :shown]
        codes[~same] = 0
    commune, communes = _used(take(columns.commune), columns.communes)
    officer, officers = _used(take(columns.officer), columns.officers)
    field_index, field_values = _used(take(columns.field), columns.fields)
    fields = _Categories()
    for value in field_values:
        fields.add(value)
    ids, flags = np.asarray(take(columns.id)), take(columns.flags)
    recoded_invalid: list[tuple[int, str, str, str]] = []
    if not same.all():
        other = ids[~same].tolist()
        answers = answers_of(store, other)
        flags, field_index = flags.copy(), field_index.copy()  # re-coded in place below (the columns may be a
        # read-only file: a store of an older template version read whole)
        _recode_rows(store, template, answers, ids, codes, field_index, flags, fields, recoded_invalid)
    return Responses(ids, commune, officer, field_index, np.asarray(take(columns.time)), codes, flags, communes,
                     officers, fields.values, recoded_invalid)


def _from_sqlite(store: ResponseStore, template: Template, start: str, end: str, commune_ids=()) -> Responses:
    width = len(scale_questions(template))
    communes, officers, fields = _Categories(), _Categories(), _Categories()
    parts: list[list[np.ndarray]] = []
    recoded_invalid: list[tuple[int, str, str, str]] = []
    for first, last, row in coded_blocks(store, template, start, end, commune_ids):
        n, other = row[0], row[1]
        block = [np.fromstring(row[2], np.int64, sep=","), communes.codes(row[6]), officers.codes(row[7]),
                 fields.codes(row[8]), seconds(row[3].split(",")),
                 np.frombuffer(bytes.fromhex(row[5]), np.uint8).reshape(n, width).copy(),
                 np.fromstring(row[4], np.int64, sep=",").astype(np.uint8)]
        if other:
            rows = other_version_answers(store, template, first, last, start, end, commune_ids)
            _recode_rows(store, template, rows, block[0], block[5], block[3], block[6], fields, recoded_invalid)
        parts.append(block)
    if not parts:
        empty = np.zeros(0, np.int64)
        return Responses(empty, empty.astype(np.int32), empty.astype(np.int32), empty.astype(np.int32), empty,
                         np.zeros((0, width), np.uint8), empty.astype(np.uint8), [], [], [], [])
    ids, commune, officer, field, time, codes, flags = (np.concatenate(c) for c in zip(*parts, strict=True))
    # a commune id is never blank: "or" only turns the category type into list[str]
    return Responses(ids, commune, officer, field, time, codes, flags, [c or "" for c in communes.values],
                     officers.values, fields.values, recoded_invalid)


def _recode_rows(store: ResponseStore, template: Template, rows: list[tuple[int, str]], ids: np.ndarray,
                 codes: np.ndarray, field_column: np.ndarray, flags: np.ndarray, fields: _Categories,
                 invalid_out: list) -> None:
    """Code these (id, raw answers JSON) with this version's questions, in place in the arrays."""
    questions = scale_questions(template)
    coder = Coder(template)
    position = {int(i): k for k, i in enumerate(ids.tolist())}
    coded_ids = {q.id for q in questions}
    kept = invalid_of(store, [r[0] for r in rows])
    for response_id, answers_json in rows:
        answers = json.loads(answers_json)
        k = position[response_id]
        coded, invalid = coder.encode(answers)
        codes[k] = np.frombuffer(coded, np.uint8)
        field_column[k] = fields.add(coder.field_of(answers))
        flags[k] = coder.text_flags(answers)
        invalid_out.extend((response_id, q, raw, reason) for q, raw, reason in kept.get(response_id, [])
                           if q not in coded_ids)
        invalid_out.extend((response_id, q, raw, reason) for q, raw, reason in invalid)

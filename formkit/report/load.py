"""Reading the response store into numpy arrays, for one template and a time range.

SQLite does the per-row work: each column of a block of rows comes back as one string
(group_concat: ids and flags as comma-separated numbers, times as text, the answer codes as
hex), which numpy parses in C. Aggregates step over the same rows together, so the columns line up row by row
whatever order SQLite visits them in. Blocks are id ranges, so memory stays bounded.

Rows stored under another version of the template are re-coded from their raw answers by
question id (a rare path, one row at a time), so versions of one template combine.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from ..responses.coding import Coder, scale_questions
from ..responses.columnar import Columns, seconds
from ..responses.store import ResponseStore
from ..workspace.templates import Template

BLOCK = 250_000  # ids per query: a few tens of MB of text at most
SEP = "\x1f"  # between text values; removed from the values themselves first


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


def _seconds(joined: str) -> np.ndarray:
    """ "YYYY-MM-DD HH:MM:SS,…" -> seconds on the local clock (numpy parses the text, read as UTC)."""
    return np.array(joined.split(","), dtype="datetime64[s]").astype(np.int64)


def _filter(template: Template, start: str, end: str, commune_ids, prefix: str = "") -> tuple[str, list]:
    p = prefix
    sql = f"{p}template = ? AND {p}submitted >= ? AND {p}submitted < ?"
    params: list = [template.id, start, end]
    if commune_ids:
        sql += f" AND {p}commune_id IN ({','.join('?' * len(commune_ids))})"
        params += list(commune_ids)
    return sql, params


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
        answers = store.db.execute("SELECT id, answers FROM responses WHERE id IN (SELECT value FROM json_each(?))",
                                   [json.dumps(other)]).fetchall()
        flags, field_index = flags.copy(), field_index.copy()  # re-coded in place below (the columns may be a
        # read-only file: a store of an older template version read whole)
        _recode_rows(store, template, answers, ids, codes, field_index, flags, fields, recoded_invalid)
    return Responses(ids, commune, officer, field_index, np.asarray(take(columns.time)), codes, flags, communes,
                     officers, fields.values, recoded_invalid)


def _from_sqlite(store: ResponseStore, template: Template, start: str, end: str, commune_ids=()) -> Responses:
    width = len(scale_questions(template))
    where, params = _filter(template, start, end, commune_ids)
    lo, hi = store.db.execute(f"SELECT min(id), max(id) FROM coded WHERE {where}", params).fetchone()
    communes, officers, fields = _Categories(), _Categories(), _Categories()
    parts: list[list[np.ndarray]] = []
    recoded_invalid: list[tuple[int, str, str, str]] = []
    # The unary + keeps SQLite on the id range instead of the (template, submitted) index. A block
    # holding rows of another version is read again with those rows' codes blank, and they are
    # re-coded afterwards. Ids cannot hold SEP (workspace ids are checked); field text could.
    fast, fast_params = _filter(template, start, end, commune_ids, prefix="+")
    same = "(template_version = ? AND length(codes) = ?)"

    def query(codes: str) -> str:
        return (f"SELECT count(*), sum(NOT {same}), group_concat(id), group_concat(submitted), group_concat(flags),"
                f" group_concat({codes}, ''), group_concat(commune_id, char(31)),"
                " group_concat(ifnull(officer_id, ''), char(31)),"
                " group_concat(replace(ifnull(field, ''), char(31), ' '), char(31))"
                f" FROM coded WHERE id BETWEEN ? AND ? AND {fast}")

    version = [template.version, width]
    for first in ([] if lo is None else range(lo, hi + 1, BLOCK)):
        block_params = [first, first + BLOCK - 1, *fast_params]
        row = store.db.execute(query("hex(codes)"), [*version, *block_params]).fetchone()
        n, other = row[0], row[1]
        if not n:
            continue
        if other:
            row = store.db.execute(query(f"CASE WHEN {same} THEN hex(codes) ELSE ? END"),
                                   [*version, *version, "00" * width, *block_params]).fetchone()
        block = [np.fromstring(row[2], np.int64, sep=","), communes.codes(row[6]), officers.codes(row[7]),
                 fields.codes(row[8]), _seconds(row[3]),
                 np.frombuffer(bytes.fromhex(row[5]), np.uint8).reshape(n, width).copy(),
                 np.fromstring(row[4], np.int64, sep=",").astype(np.uint8)]
        if other:
            _recode(store, template, block, first, first + BLOCK - 1, fast, fast_params, fields, recoded_invalid)
        parts.append(block)
    if not parts:
        empty = np.zeros(0, np.int64)
        return Responses(empty, empty.astype(np.int32), empty.astype(np.int32), empty.astype(np.int32), empty,
                         np.zeros((0, width), np.uint8), empty.astype(np.uint8), [], [], [], [])
    ids, commune, officer, field, time, codes, flags = (np.concatenate(c) for c in zip(*parts, strict=True))
    # a commune id is never blank: "or" only turns the category type into list[str]
    return Responses(ids, commune, officer, field, time, codes, flags, [c or "" for c in communes.values],
                     officers.values, fields.values, recoded_invalid)


def _recode(store: ResponseStore, template: Template, block: list[np.ndarray], first: int, last: int, fast: str,
            fast_params: list, fields: _Categories, invalid_out: list) -> None:
    """Rows stored under another version of the template: code their raw answers with this
    version's questions (by question id), in place in the block's arrays."""
    questions = scale_questions(template)
    rows = store.db.execute(
        "SELECT coded.id, responses.answers FROM coded JOIN responses USING (id)"
        f" WHERE coded.id BETWEEN ? AND ? AND {fast.replace('+', '+coded.')}"
        " AND NOT (coded.template_version = ? AND length(coded.codes) = ?)",
        [first, last, *fast_params, template.version, len(questions)]).fetchall()
    _recode_rows(store, template, rows, block[0], block[5], block[3], block[6], fields, invalid_out)


def _recode_rows(store: ResponseStore, template: Template, rows: list[tuple[int, str]], ids: np.ndarray,
                 codes: np.ndarray, field_column: np.ndarray, flags: np.ndarray, fields: _Categories,
                 invalid_out: list) -> None:
    """Code these (id, raw answers JSON) with this version's questions, in place in the arrays."""
    questions = scale_questions(template)
    coder = Coder(template)
    position = {int(i): k for k, i in enumerate(ids.tolist())}
    coded_ids = {q.id for q in questions}
    kept = _stored_invalid(store, [r[0] for r in rows])
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


def _stored_invalid(store: ResponseStore, ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    out: dict[int, list] = {}
    for response_id, question, raw, reason in store.db.execute(
            "SELECT response_id, question_id, raw, reason FROM invalid"
            " WHERE response_id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]):
        out.setdefault(response_id, []).append((question, raw, reason))
    return out


def stored_invalid(store: ResponseStore, template: Template, start: str, end: str,
                   commune_ids=()) -> list[tuple[int, str, str, str]]:
    """(response id, question id, raw text, reason) recorded when rows of this version were stored."""
    where, params = _filter(template, start, end, commune_ids, prefix="c.")
    return store.db.execute(
        # CROSS JOIN keeps SQLite walking `invalid` (short) and looking rows up in `coded` by id;
        # the other way round it scans `invalid`, which has no index, once per response.
        "SELECT i.response_id, i.question_id, i.raw, i.reason FROM invalid i CROSS JOIN coded c ON c.id = i.response_id"
        f" WHERE {where} AND c.template_version = ? AND length(c.codes) = ? ORDER BY i.response_id, i.rowid",
        [*params, template.version, len(scale_questions(template))]).fetchall()


@dataclass(frozen=True)
class Held:
    """What the store holds for a template (and communes), whatever the period: for a report of
    an empty period to say what was meant."""

    responses: int
    first: str | None  # "YYYY-MM-DD HH:MM:SS", local
    last: str | None


def held(store: ResponseStore, template: Template, commune_ids=()) -> Held:
    sql = "SELECT count(*), min(submitted), max(submitted) FROM coded WHERE template = ?"
    params: list = [template.id]
    if commune_ids:
        sql += f" AND commune_id IN ({','.join('?' * len(commune_ids))})"
        params += list(commune_ids)
    count, first, last = store.db.execute(sql, params).fetchone()
    return Held(int(count), first, last)


def other_templates(store: ResponseStore, template: Template, start: str, end: str, commune_ids=()) -> dict[str, int]:
    """How many responses in the range belong to forms of other templates (left out of the report).
    The templates are found one index lookup each (a scan of a nation's index takes a second),
    then each is counted over its own part of the (template, submitted) index."""
    found, after = [], ""
    while (row := store.db.execute("SELECT template FROM coded WHERE template > ? ORDER BY template LIMIT 1",
                                   [after]).fetchone()) is not None:
        after = row[0]
        found += [after] if after != template.id else []
    out = {}
    for other in found:
        sql = "SELECT count(*) FROM coded WHERE template = ? AND submitted >= ? AND submitted < ?"
        params: list = [other, start, end]
        if commune_ids:
            sql += f" AND commune_id IN ({','.join('?' * len(commune_ids))})"
            params += list(commune_ids)
        count = store.db.execute(sql, params).fetchone()[0]
        if count:
            out[other] = count
    return out


def texts_of(store: ResponseStore, ids, question_ids: tuple[str | None, str | None]) -> dict[int, tuple]:
    """The comment and the phone (question_ids: the template's, None for one it lacks) of these
    responses, from the store's texts table; a response stored before that table existed is read
    from its answers, by SQLite, not parsed here."""
    if not len(ids):
        return {}
    wanted = [int(i) for i in ids]
    found = {row[0]: tuple(t if q else None for t, q in zip(row[1:], question_ids, strict=True))
             for row in store.db.execute("SELECT id, comment, phone FROM texts WHERE id IN "
                                         "(SELECT value FROM json_each(?))", [json.dumps(wanted)])}
    older = [i for i in wanted if i not in found]
    if older:
        columns = ", ".join("json_extract(answers, ?)" if q else "NULL" for q in question_ids)
        paths = ["$." + json.dumps(q) for q in question_ids if q]
        found.update((row[0], row[1:]) for row in store.db.execute(
            f"SELECT id, {columns} FROM responses WHERE id IN (SELECT value FROM json_each(?))",
            [*paths, json.dumps(older)]))
    return found

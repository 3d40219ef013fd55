"""The store's read queries (state/responses.sqlite): what reports ask of it, as rows. The store's
schema and every query over it live in this package; the report turns these rows into arrays.

SQLite does the per-row work: each column of a block of rows comes back as one string
(group_concat: ids and flags as comma-separated numbers, times as text, the answer codes as
hex), which numpy parses in C. Aggregates step over the same rows together, so the columns line up row by row
whatever order SQLite visits them in. Blocks are id ranges, so memory stays bounded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from ..workspace.templates import Template
from .coding import scale_questions
from .store import ResponseStore

BLOCK = 250_000  # ids per query: a few tens of MB of text at most
SEP = "\x1f"  # between text values; removed from the values themselves first


def _filter(template: Template, start: str, end: str, commune_ids, prefix: str = "") -> tuple[str, list]:
    p = prefix
    sql = f"{p}template = ? AND {p}submitted >= ? AND {p}submitted < ?"
    params: list = [template.id, start, end]
    if commune_ids:
        sql += f" AND {p}commune_id IN ({','.join('?' * len(commune_ids))})"
        params += list(commune_ids)
    return sql, params


def coded_blocks(store: ResponseStore, template: Template, start: str, end: str,
                 commune_ids=()) -> Iterator[tuple[int, int, tuple]]:
    """(first id, last id, row) per block of `coded` rows of `template` in [start, end) that holds
    any: row = (count, rows of another version, ids, times, flags, codes as hex, communes, officers,
    fields), text values joined by SEP; the codes of rows of another version are blank ("00"s)."""
    width = len(scale_questions(template))
    where, params = _filter(template, start, end, commune_ids)
    lo, hi = store.db.execute(f"SELECT min(id), max(id) FROM coded WHERE {where}", params).fetchone()
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
        yield first, first + BLOCK - 1, row


def other_version_answers(store: ResponseStore, template: Template, first: int, last: int, start: str, end: str,
                          commune_ids=()) -> list[tuple[int, str]]:
    """(id, raw answers JSON) of the rows with ids in [first, last] stored under another version
    of the template, to be coded with this version's questions (by question id)."""
    fast, fast_params = _filter(template, start, end, commune_ids, prefix="+")
    questions = scale_questions(template)
    return store.db.execute(
        "SELECT coded.id, responses.answers FROM coded JOIN responses USING (id)"
        f" WHERE coded.id BETWEEN ? AND ? AND {fast.replace('+', '+coded.')}"
        " AND NOT (coded.template_version = ? AND length(coded.codes) = ?)",
        [first, last, *fast_params, template.version, len(questions)]).fetchall()


def answers_of(store: ResponseStore, ids: list[int]) -> list[tuple[int, str]]:
    """(id, raw answers JSON) of these responses."""
    return store.db.execute("SELECT id, answers FROM responses WHERE id IN (SELECT value FROM json_each(?))",
                            [json.dumps(ids)]).fetchall()


def invalid_of(store: ResponseStore, ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
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


def channel_rows(store: ResponseStore, bounds: tuple[str, str] = ("", "~"), template: str | None = None) -> list[dict]:
    """Responses per commune and channel ("online", "giấy") submitted within [start, end), of one
    question set when `template` is given (as the report's other tables count)."""
    query = ("SELECT commune_id, channel, count(*) FROM responses WHERE submitted >= ? AND submitted < ?"
             + (" AND template = ?" if template else "") + " GROUP BY commune_id, channel ORDER BY 1, 2")
    params = (*bounds, template) if template else bounds
    return [{"commune": c, "channel": ch, "responses": n} for c, ch, n in store.db.execute(query, params)]


def channel_keys(store: ResponseStore, channel: str, start: str = "", end: str = "~") -> list[tuple]:
    """(key, commune, officer, field, submitted, form) of the responses of one channel submitted
    in [start, end), in the order stored: a counter rating's key names the dossier it rated and its
    form the tablet (kiosk/ratings.py)."""
    return store.db.execute(
        "SELECT r.key, r.commune_id, c.officer_id, c.field, r.submitted, r.form_id FROM responses r"
        " JOIN coded c ON c.id = r.id"
        " WHERE r.channel = ? AND r.submitted >= ? AND r.submitted < ? ORDER BY r.id", (channel, start, end)).fetchall()


def forms_of(store: ResponseStore, ids, channel: str) -> dict[int, str]:
    """The form of each of these responses given through `channel`: a counter rating's names the
    tablet (kiosk/ratings.py), which the digest names the counter by."""
    return dict(store.db.execute("SELECT id, form_id FROM responses WHERE channel = ? AND id IN"
                                 " (SELECT value FROM json_each(?))", (channel, json.dumps([int(i) for i in ids]))))


def channel_ids(store: ResponseStore, start: str = "", end: str = "~") -> dict[str, list[int]]:
    """The response ids of every channel but "online" (paper, counter), submitted in [start, end)."""
    found: dict[str, list[int]] = {}
    for channel, rid in store.db.execute("SELECT channel, id FROM responses WHERE channel != 'online' AND"
                                         " submitted >= ? AND submitted < ?", (start, end)):
        found.setdefault(channel, []).append(rid)
    return found

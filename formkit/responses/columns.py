"""From a table of answers (a linked sheet's tab, a CSV export) to ResponseRows.

Columns are matched to questions by the titles the form was created with. Matching ignores
Unicode normalisation (NFC/NFD), surrounding and repeated spaces (Google keeps a title's trailing
space) and letter case (a header retyped by hand); it never goes further than that. Columns that
match nothing and questions without a column are reported, never guessed.

Also here: what an answer means for one form — which officer a dropdown label names (current and
former officers), whether a field of procedure is one of the form's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property, lru_cache

from ..errors import Problem
from ..forms.formspec import build_bodies
from ..forms.state import FormRecord
from ..i18n import _
from ..workspace.config import Commune, Unit
from ..workspace.templates import Template
from .store import VIETNAM, ResponseRow, Source, local_second, response_key
from .timestamps import cell_time, order_from_dates, timestamp_header

NOT_OFFICER = "not an officer of this commune's form"
NOT_FIELD = "not one of this commune's fields of procedure"


@lru_cache(maxsize=65536, typed=True)  # the same titles head thousands of tabs in one pull
def title_key(text: object) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text or ""))).strip().casefold()


def clean(text: object) -> str:
    return unicodedata.normalize("NFC", str(text or "")).strip()


def cell_text(value: object) -> str:
    """A cell as text: a number typed into the sheet (a phone that lost its leading zero,
    912345678) reads without '.0'; text stays exactly as received."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class ColumnMap:
    time_column: int
    day_first: bool
    columns: dict[str, list[int]]  # template question id -> its column(s), usually one
    warnings: list[str] = field(default_factory=list)


def map_header(header: list, titles: dict[str, str], where: str) -> ColumnMap:
    """Which column holds the time and which holds each question. Raises ValueError when there is
    no "Dấu thời gian"/"Timestamp" column."""
    time_column, day_first = -1, True
    for i, title in enumerate(header):
        order = timestamp_header(title)
        if order is not None:
            time_column, day_first = i, order
            break
    if time_column < 0:
        raise ValueError(_("no 'Dấu thời gian' or 'Timestamp' column in the header row"))
    questions: dict[str, list[str]] = {}  # title key -> question ids in form order
    for qid, title in titles.items():
        questions.setdefault(title_key(title), []).append(qid)
    columns_by_key: dict[str, list[int]] = {}
    for i, title in enumerate(header):
        if i != time_column:
            columns_by_key.setdefault(title_key(title), []).append(i)

    result = ColumnMap(time_column, day_first, {})
    for key, columns in columns_by_key.items():
        qids = questions.get(key, [])
        if len(qids) == 1:
            # One question, several columns: Google adds a column when a question is re-created.
            result.columns[qids[0]] = columns
            if len(columns) > 1:
                result.warnings.append(_("{where}: {n} columns are titled '{title}'; each row's first non-blank one "
                                         "is read as question {question}").format(
                    where=where, n=len(columns), title=clean(header[columns[0]]), question=qids[0]))
            continue
        # Several questions share a title: Google writes their columns in form order.
        for qid, column in zip(qids, columns, strict=False):
            result.columns[qid] = [column]
        for column in columns[len(qids):]:
            name = clean(header[column]) or _("column {n} (no title)").format(n=column + 1)
            result.warnings.append(_("{where}: column '{name}' matches no question of the form; ignored").format(
                where=where, name=name))
    for qid, title in titles.items():
        if qid not in result.columns:
            result.warnings.append(_("{where}: question {question} ('{title}') has no column; its answers are read "
                                     "as blank").format(where=where, question=qid, title=clean(title)))
    return result


def time_cells(values: list[list], column: int):
    """The time column's cells below the header, lazily (a deciding date is usually in the first rows)."""
    return (cells[column] for cells in values[1:] if column < len(cells))


@dataclass
class FormShape:
    """One form as its answers are read: titles, officers and fields it was created with."""

    commune_id: str
    form_id: str
    template: Template
    template_version: int
    titles: dict[str, str]  # template question id -> title as created
    officers: dict[str, str] = field(default_factory=dict)  # dropdown label (NFC) -> officer id
    fields: frozenset[str] = frozenset()

    @classmethod
    def from_record(cls, commune_id: str, record: FormRecord, template: Template) -> FormShape:
        officers = {clean(label): oid for oid, label in record.former_officers.items()}
        officers.update({clean(label): oid for oid, label in record.officer_options.items()})
        return cls(commune_id, record.form_id, template, record.template_version,
                   {qid: q.title for qid, q in record.questions.items()}, officers,
                   frozenset(clean(f) for f in record.field_options))

    @classmethod
    def from_workspace(cls, commune: Commune, unit: Unit, template: Template, form_id: str) -> FormShape:
        """For a commune with no form in the state: the form `create` would make."""
        bodies = build_bodies(template, commune, unit, nonce="")
        values = commune.texts(unit)
        titles = {b.question.id: b.question.title.format(**values) for b in bodies.questions if b.question_id}
        officers = {clean(label): oid for oid, label in bodies.officer_options.items()}
        return cls(commune.id, form_id, template, template.version, titles, officers,
                   frozenset(clean(f) for f in bodies.field_options))

    @cached_property
    def _roles(self):
        return self.template.by_role("officer"), self.template.by_role("field")

    def row(self, source: Source, submitted, answers: dict[str, str]) -> ResponseRow:
        """A ResponseRow with its officer resolved; an unknown officer or field is kept as invalid."""
        row = ResponseRow(self.commune_id, self.form_id, source, self.template.id, self.template_version,
                          submitted, answers)
        officer_q, field_q = self._roles
        if officer_q is not None and clean(answers.get(officer_q.id)):
            raw = answers[officer_q.id]
            row.officer_id = self.officers.get(clean(raw))
            if row.officer_id is None:
                row.invalid.append((officer_q.id, raw, NOT_OFFICER))
        if field_q is not None and clean(answers.get(field_q.id)) and clean(answers[field_q.id]) not in self.fields:
            row.invalid.append((field_q.id, answers[field_q.id], NOT_FIELD))
        return row


def read_table(shape: FormShape, values: list[list], source: Source, where: str, file: str,
               place: str = "", zone: tzinfo = VIETNAM, day_first: bool | None = None,
               ) -> tuple[list[ResponseRow], list[str], list[Problem]]:
    """A header row and answer rows -> (rows, warnings, problems). Row numbers in problems are
    the sheet's (the header is row 1); blank rows are skipped; times are read in `zone`; text
    dates day first or not as `day_first` says, else as the dates show, else as the header's
    language says (see read_new_rows)."""
    rows, _, warnings, problems = read_new_rows(shape, values, source, where, file, place, zone, day_first=day_first)
    return rows, warnings, problems


def read_new_rows(shape: FormShape, values: list[list], source: Source, where: str, file: str, place: str = "",
                  zone: tzinfo = VIETNAM, known: set[str] | None = None, day_first: bool | None = None,
                  ) -> tuple[list[ResponseRow], int, list[str], list[Problem]]:
    """read_table, and with `known` (the store's keys for this form) only the rows not stored yet,
    each carrying its key: every row's time is still read (its second and n-th-in-second make the
    key, and a bad time is still a problem), the answers only of rows the store lacks. Also returns
    how many rows hold answers (stored or not).

    Text dates (a sheet's are serial numbers) are read day first or month first as `day_first`
    says; if None, as the first date that can only be read one way shows (order_from_dates), and
    only when every date reads both ways as the header's language says (a CSV export is refused
    before it gets here in that case: csvfiles.py)."""
    if not values:
        return [], 0, [], []
    try:
        columns = map_header(values[0], shape.titles, where)
    except ValueError as exc:
        return [], 0, [], [Problem(file, place + _("row {n}").format(n=1), str(exc))]
    if day_first is None:
        day_first = order_from_dates(time_cells(values, columns.time_column))
    if day_first is not None:
        columns.day_first = day_first
    rows, problems = [], []
    seen: dict[str, int] = {}  # local second -> rows in it so far, in sheet order (as the store counts)
    answered = 0
    single = [(qid, indexes[0]) for qid, indexes in columns.columns.items() if len(indexes) == 1]
    several = [(qid, indexes) for qid, indexes in columns.columns.items() if len(indexes) > 1]
    for number, cells in enumerate(values[1:], start=2):
        try:
            blank = not "".join(cells).strip()  # CSV cells are text
        except TypeError:  # a sheet's numbers and booleans
            blank = all(cell_text(c).strip() == "" for c in cells)
        if blank:
            continue
        stamp = cells[columns.time_column] if columns.time_column < len(cells) else ""
        if cell_text(stamp).strip() == "":
            problems.append(Problem(file, place + _("row {n}").format(n=number), _("answers without a time")))
            continue
        try:
            submitted = cell_time(stamp, columns.day_first, zone)
        except ValueError as exc:
            problems.append(Problem(file, place + _("row {n}").format(n=number), str(exc)))
            continue
        answered += 1
        key = None
        if known is not None:
            second = local_second(submitted)
            seen[second] = nth = seen.get(second, 0) + 1
            key = response_key(shape.commune_id, shape.form_id, second, nth)
            if key in known:
                continue
        answers = {}
        width = len(cells)
        for qid, i in single:  # the usual case, kept lean: an export holds a few hundred thousand rows
            if i < width:
                value = cells[i]
                text = value if type(value) is str else cell_text(value)
                if text and text.strip():
                    answers[qid] = text
        for qid, indexes in several:
            text = next((t for t in (cell_text(cells[i]) if i < width else "" for i in indexes) if t.strip()), "")
            if text:
                answers[qid] = text
        if several:  # keep the form's question order
            answers = {qid: answers[qid] for qid in columns.columns if qid in answers}
        row = shape.row(source, submitted, answers)
        row.key = key
        rows.append(row)
    return rows, answered, columns.warnings, problems

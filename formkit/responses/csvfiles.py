"""Google's CSV exports of a response sheet, for `formkit report --from-csv` (no Google access).

File → Download → CSV names the file "<spreadsheet> - <tab>.csv": for a form's own sheet
"<form title> (Câu trả lời) - Câu trả lời biểu mẫu 1.csv" (English: "(Responses) - Form
Responses 1.csv"); for the shared spreadsheet `formkit link` recommends, "<spreadsheet> - <commune
tab>.csv". The commune is the one named by --commune, else the one whose form title, or failing
that whose tab, the file name carries; never a guess. UTF-8 with or without BOM.

The same export opened in Excel and saved again is read as well: "CSV UTF-8" (a BOM), the region's
list separator (";" where the decimal mark is ","), "Unicode Text" (UTF-16, tabs), accents
garbled by reading it in a Windows code page ("Dáº¥u"), and times reformatted to the minute
("27/09/2025 8:07"); its responses are matched to another file's at the
minute, with answers of digits only compared without leading zeros (Excel makes a phone a number).
The day/month order of the times is what the dates show (order_from_dates); a file whose every date
reads both ways is refused unless `date_order` says which ("dmy" or "mdy").
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from ..errors import Problems
from ..forms.formspec import form_title
from ..forms.state import State
from ..i18n import _, ngettext
from ..workspace.config import Commune, Workspace
from ..workspace.templates import load_template
from .columns import FormShape, read_table, time_cells, title_key
from .store import ResponseRow, local_second
from .timestamps import TEXT_TIME as _TIME
from .timestamps import order_from_dates, timestamp_header, without_seconds

_NAME = re.compile(r"^(?P<title>.+?) \((?:câu trả lời|responses)\)(?: - (?P<tab>.+?))?$", re.IGNORECASE)
_DOWNLOAD_COPY = re.compile(r" ?\(\d+\)$")  # "… (1).csv" when the browser already had the file
_SUFFIX = re.compile(r" \[formkit \S+ \S+\]$")  # document_title = form title + " [formkit <commune> <nonce>]"
_UNSAFE = re.compile(r'[\\/:*?"<>|]')  # what browsers replace in a downloaded file's name


DATE_ORDERS = {"dmy": True, "mdy": False}  # --date-order: day first, month first


def read_exports(ws: Workspace, state: State, paths: list[Path], commune_id: str | None = None,
                 date_order: str | None = None) -> tuple[list[ResponseRow], list[str]]:
    """Every response in the given exports, with warnings about columns and copies; all problems
    in all files are raised together as one InputError. `date_order` ("dmy"/"mdy") says how to
    read text dates that the dates themselves leave open."""
    problems = Problems()
    files: list[list[ResponseRow]] = []
    minute_files: list[tuple[str, list[ResponseRow]]] = []
    warnings: list[str] = []
    forced = ws.commune(commune_id) if commune_id else None
    read: list[tuple[Path, Commune, list[list[str]], int, bool | None]] = []
    for path in map(Path, paths):
        values = _read_csv(path, problems, warnings)
        if values is None:
            continue
        commune = forced or _commune_of(ws, state, path, problems)
        if commune is None:
            continue
        column = next((i for i, title in enumerate(values[0]) if timestamp_header(title) is not None), -1)
        order = DATE_ORDERS.get(date_order or "")
        if order is None and column >= 0:
            order = order_from_dates(time_cells(values, column))
        read.append((path, commune, values, column, order))
    # Every download of one commune's sheet is written in that sheet's region (and Excel writes
    # the dates it re-saves in the order it read them): a file whose dates all read both ways
    # takes the order its commune's other files show, when they agree.
    shown: dict[str, set[bool]] = {}
    for _path, commune, _values, _column, order in read:
        if order is not None:
            shown.setdefault(commune.id, set()).add(order)
    for path, commune, values, column, order in read:
        if order is None and len(shown.get(commune.id, ())) == 1:
            order = next(iter(shown[commune.id]))
        if order is None and column >= 0 and any(_TIME.match(s.strip()) for s in time_cells(values, column)):
            problems.add(str(path), _("column '{column}'").format(column=values[0][column].strip()), _(
                "every date reads both as day/month and as month/day (no day above 12), and the column's language "
                "does not settle it: the sheet's region writes the dates. Say which with --date-order dmy "
                "(27/09/2025) or --date-order mdy (9/27/2025)"))
            continue
        got, warned, bad = read_table(_shape(ws, state, commune), values, "csv", path.name, str(path), day_first=order)
        if column >= 0 and without_seconds(time_cells(values, column)):
            minute_files.append((path.name, got))
        else:
            files.append(got)
        warnings.extend(warned)
        problems.extend(bad)
    problems.raise_if_any(_("the CSV export(s) cannot be read"))
    rows, dropped = once_each(files)
    if dropped:
        warnings.append(ngettext(
            "{n} response appears in more than one file (the same commune, time and answers: an export given twice, "
            "or an earlier download of the same sheet); it is counted once",
            "{n} responses appear in more than one file (the same commune, time and answers: an export given twice, "
            "or an earlier download of the same sheet); each is counted once", dropped).format(n=dropped))
    for name, matched in _once_at_the_minute(rows, minute_files):
        warnings.append(ngettext(
            "{n} response in {file} is also in another file at the same minute with the same answers: {file} has "
            "times without seconds, as Excel writes a file it saved again; it is counted once",
            "{n} responses in {file} are also in another file at the same minute with the same answers: {file} has "
            "times without seconds, as Excel writes a file it saved again; each is counted once", matched).format(
            n=matched, file=name))
    return rows, warnings


def once_each(files: list[list[ResponseRow]]) -> tuple[list[ResponseRow], int]:
    """The responses of several exports, each counted once: a response is its commune, time (to
    the second) and answers. Within one file every row counts (two people may answer alike in the
    same second); across files a response counts as often as the file holding it most often."""
    kept: dict[tuple, int] = {}
    rows: list[ResponseRow] = []
    dropped = sum(_add_new(got, rows, kept, _second_key) for got in files)
    return rows, dropped


def _second_key(row: ResponseRow) -> tuple:
    return row.commune_id, row.template, local_second(row.submitted), tuple(sorted(row.answers.items()))


def _add_new(got: list[ResponseRow], rows: list[ResponseRow], kept: dict[tuple, int],
             key_of: Callable[[ResponseRow], tuple]) -> int:
    """Adds to `rows` the rows of one file that `kept` (key -> times held by the file holding it
    most often) does not hold yet; returns how many were already there."""
    seen: dict[tuple, int] = {}
    dropped = 0
    for row in got:
        key = key_of(row)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > kept.get(key, 0):
            kept[key] = seen[key]
            rows.append(row)
        else:
            dropped += 1
    return dropped


def _once_at_the_minute(rows: list[ResponseRow], minute_files: list[tuple[str, list[ResponseRow]]],
                        ) -> list[tuple[str, int]]:
    """Adds to `rows` the responses of the files timed to the minute that no file holds yet, as
    once_each does but keyed at the minute, answers of digits only without leading zeros; returns
    (file name, responses matched) for each such file that matched any."""
    if not minute_files:  # the usual case: files as Google wrote them
        return []
    kept: dict[tuple, int] = {}
    for row in rows:
        key = _minute_key(row)
        kept[key] = kept.get(key, 0) + 1
    matched = []
    for name, got in minute_files:
        dropped = _add_new(got, rows, kept, _minute_key)
        if dropped:
            matched.append((name, dropped))
    return matched


def _minute_key(row: ResponseRow) -> tuple:
    answers = tuple(sorted((q, a.strip().lstrip("0") if a.strip().isdigit() else a) for q, a in row.answers.items()))
    return row.commune_id, row.template, local_second(row.submitted)[:16], answers


def _read_csv(path: Path, problems: Problems, warnings: list[str]) -> list[list[str]] | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(str(path), "", _("cannot be read ({error})").format(error=exc.strerror or exc))
        return None
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text": UTF-16, tab-separated
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")  # Excel and some browsers add a BOM; Google does not
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.add(str(path), _("line {line}").format(line=line), _(
            "not UTF-8 text: download it again from Google Sheets (File → Download → CSV) rather than saving it "
            "from Excel"))
        return None
    if _delimiter(text) is None:
        repaired = _as_written(text)
        if repaired is not None:
            text = repaired
            warnings.append(_("{file}: its accents had been garbled by a program that read it in the computer's "
                              "code page (Excel opening a CSV with a double click); read as Google wrote it").format(
                file=path.name))
    try:
        values = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text) or ","))
    except csv.Error as exc:
        problems.add(str(path), "", _("not a CSV file ({error})").format(error=exc))
        return None
    if not values:
        problems.add(str(path), "", _("empty: no header row"))
        return None
    return values


def _delimiter(text: str) -> str | None:
    """"," as Google writes; Excel saves with the region's list separator (";" in regions whose
    decimal mark is ",") or, as Unicode Text, tabs: the one that splits the header line so that a
    time column appears (None if none does)."""
    first = text.split("\n", 1)[0]
    for delimiter in (",", ";", "\t"):
        header = next(csv.reader([first], delimiter=delimiter), [])
        if any(timestamp_header(title) is not None for title in header):
            return delimiter
    return None


def _c1_bytes(error: UnicodeError) -> tuple[bytes, int]:
    """Encoding error handler: U+0080–U+009F back to the byte Windows decoded them from (the
    bytes a code page leaves undefined)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chars = error.object[error.start:error.end]
    if not all(0x80 <= ord(c) <= 0x9F for c in chars):
        raise error
    return bytes(ord(c) for c in chars), error.end


codecs.register_error("formkit-c1-bytes", _c1_bytes)


def _as_written(text: str) -> str | None:
    """Google's UTF-8 as it was before a program read it in a Windows code page and saved it again
    ("Dáº¥u thá»i gian" for "Dấu thời gian": Excel opening a CSV with a double click, in a Western
    or a Vietnamese Windows); None unless that gives back a header with a time column."""
    for code_page in ("cp1252", "cp1258"):
        try:
            repaired = text.encode(code_page, "formkit-c1-bytes").decode("utf-8")
        except UnicodeError:
            continue
        if _delimiter(repaired) is not None:
            return repaired
    return None


def title_of(ws: Workspace, state: State, commune: Commune) -> str:
    """The commune's form title: as created (state), else as `create` would make it."""
    form = state.current(commune.id)
    if form is not None and _SUFFIX.search(form.document_title):
        return _SUFFIX.sub("", form.document_title)
    return form_title(ws.template, commune, ws.unit)


def _file_key(text: str) -> str:
    return _UNSAFE.sub("_", title_key(text))


def _commune_of(ws: Workspace, state: State, path: Path, problems: Problems) -> Commune | None:
    name = unicodedata.normalize("NFC", path.name)  # macOS may hand over NFD file names
    stem = _DOWNLOAD_COPY.sub("", name[:-4] if name.lower().endswith(".csv") else name)
    match = _NAME.match(stem.strip())
    title = match.group("title") if match else stem
    by_title = [c for c in ws.communes if _file_key(title_of(ws, state, c)) == _file_key(title)]
    if len(by_title) == 1:
        return by_title[0]
    # A shared spreadsheet's export, or one title for every commune: the tab decides.
    tab = stem.rsplit(" - ", 1)[-1] if " - " in stem else ""
    by_tab = [c for c in by_title or ws.communes if tab and _file_key(tab) in
              {_file_key(c.sheet_tab)} | {_file_key(f.sheet_tab) for f in state.forms(c.id) if f.sheet_tab}]
    if len(by_tab) == 1:
        return by_tab[0]
    expected = "; ".join(_("{id}: '{title} (Câu trả lời) - …csv' or '… - {tab}.csv'").format(
        id=c.id, title=title_of(ws, state, c), tab=c.sheet_tab) for c in ws.communes)
    several = by_tab or by_title
    found = (_("fits {n} communes ({ids})").format(n=len(several), ids=", ".join(c.id for c in several)) if several
             else _("names no commune of the workspace"))
    problems.add(str(path), _("file name"), _("{found}; expected {expected}. Rename the file or pass --commune ID")
                 .format(found=found, expected=expected))
    return None


def _shape(ws: Workspace, state: State, commune: Commune) -> FormShape:
    """Titles from the commune's current form in the state, else from the workspace's template."""
    form = state.current(commune.id)
    if form is not None and form.questions:
        return FormShape.from_record(commune.id, form, load_template(form.template, ws.root))
    return FormShape.from_workspace(commune, ws.unit, ws.template, form.form_id if form and form.form_id else "csv")

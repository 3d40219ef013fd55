"""Officer rosters kept in CSV or XLSX (staff lists live in Excel).

Columns (first row), English or Vietnamese, any order, case and accents as typed:
  id | mã, name | họ và tên, title | chức vụ, counter | quầy, photo | ảnh  (photo optional),
  point | điểm tiếp nhận (the officer's reception point), photo_consent | đồng ý dùng ảnh ("có" or blank).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from ..errors import Problems
from ..files import nfc
from ..i18n import _

COLUMNS = {
    "id": {"id", "mã", "ma", "mã cán bộ"},
    "name": {"name", "full name", "họ và tên", "họ tên", "ho ten"},
    "title": {"title", "chức vụ", "chuc vu", "chức danh"},
    "counter": {"counter", "quầy", "quay", "quầy số"},
    "photo": {"photo", "ảnh", "anh", "ảnh chân dung"},
    "point": {"point", "điểm tiếp nhận", "diem tiep nhan", "điểm"},
    "photo_consent": {"photo_consent", "photo consent", "đồng ý dùng ảnh", "dong y dung anh", "đồng ý ảnh"},
}
REQUIRED = ("id", "name", "title", "counter")
# What an XLSX roster may unzip to: 30,000 officers with photos' names take a few MB. Zip's own
# directory says each part's size, and Python's zipfile reads no more than that (CRC-checked).
MAX_XLSX_UNZIPPED = 64 << 20


def _key(header: str) -> str | None:
    text = nfc(str(header or "")).strip().lower()
    return next((col for col, names in COLUMNS.items() if text in names), None)


def read_roster(path: Path, shown: str, problems: Problems, sheet: str | None = None) -> list[dict]:
    """Rows as dicts with the canonical keys; problems are added, never raised."""
    if not path.is_file():
        problems.add(shown, "", _("roster file not found"))
        return []
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, shown, problems)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path, shown, problems, sheet)
    else:
        problems.add(shown, "", _("a roster must be .csv (UTF-8) or .xlsx"))
        return []
    if not rows:
        if rows is not None:
            problems.add(shown, _("row 1"), _("the roster is empty: expected a header row and one row per officer"))
        return []
    header, body = rows[0], rows[1:]
    mapping: dict[int, str] = {}
    for i, cell in enumerate(header):
        key = _key(cell)
        if key is None:
            if str(cell or "").strip():
                problems.add(shown, _("row 1, column {column}").format(column=i + 1),
                             _("unknown column '{cell}'").format(cell=cell))
            continue
        if key in mapping.values():
            problems.add(shown, _("row 1, column {column}").format(column=i + 1), _("column '{cell}' repeats "
                                                                                    "'{key}'").format(
                    cell=cell, key=key))
        mapping[i] = key
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        expected = ", ".join(f"{c} ({' / '.join(sorted(COLUMNS[c] - {c}))})" for c in REQUIRED)
        problems.add(shown, _("row 1"), _("missing column(s) {missing}; expected: {expected}, photo").format(
                missing=', '.join(missing), expected=expected))
        return []
    officers = []
    for r, row in enumerate(body, 2):
        if not any(str(c or "").strip() for c in row):
            continue
        record = {key: str(row[i]).strip() if i < len(row) and row[i] is not None else "" for i, key in mapping.items()}
        record["_place"] = _("row {row}").format(row=r)
        officers.append(record)
    return officers


def _csv_rows(path: Path, shown: str, problems: Problems) -> list[list[str]] | None:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(shown, _("line {line}").format(line=line), _("not UTF-8 text; in Excel choose 'Save as → CSV "
                                                                  "UTF-8 (Comma delimited)'"))
        return None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return [row for row in reader]
    except csv.Error as exc:  # e.g. a cell over csv's 131,072-character field limit
        problems.add(shown, _("line {line}").format(line=reader.line_num), _("cannot be read as CSV ({exc}); is it "
                                                                             "a roster?").format(exc=exc))
        return None


def _xlsx_rows(path: Path, shown: str, problems: Problems, sheet: str | None) -> list[list] | None:
    from openpyxl import load_workbook  # only rosters in Excel need it

    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        unzipped = 0  # not a zip at all: openpyxl says what is wrong below
    if unzipped > MAX_XLSX_UNZIPPED:
        problems.add(shown, "", _("unzips to {size} MB, far more than any roster (at most {limit} MB): is it a "
                                  "roster? Save the officers' list again from Excel, or as CSV UTF-8").format(
            size=unzipped >> 20, limit=MAX_XLSX_UNZIPPED >> 20))
        return None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        problems.add(shown, "", _("cannot read as an Excel workbook ({kind}: {exc})").format(
                kind=exc.__class__.__name__, exc=exc))
        return None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            problems.add(shown, _("sheet '{sheet}'").format(sheet=sheet), _("no such sheet (sheets: {sheets})").format(
                    sheets=', '.join(book.sheetnames)))
            return None
        ws = book[sheet] if sheet else book.worksheets[0]
        return [list(row) for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()

"""The report's tables as CSV: UTF-8 with BOM (so Excel reads Vietnamese), one file per table in
<stem>-csv/, and the follow-up list as one file per commune in <stem>-csv/can-lien-he-lai/: each
commune's own list to call back, the only files anywhere holding phone numbers in full.

Numbers use a decimal point; indices are percentages rounded to 2 decimals (the JSON and XLSX keep
them unrounded, and the counts beside them let anyone recompute). Text is cleaned of control
characters as the XLSX's is (printable), then text that a spreadsheet would run as a formula is
neutralised. Digits Excel's CSV import would turn into a number, losing a phone's leading 0 or "+"
(or writing 12 digits and more as 9,12E+11), are grouped with spaces as a phone is written
("0912 345 678"): Excel keeps that as text, and a phone still dials it.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..files import atomic_write_bytes
from . import tables
from .model import Report
from .printable import printable

_NUMBER_LIKE = re.compile(r"^(\+?)(\d{8,})$")  # what Excel would read as a number and spoil (see excel_text)


def cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("percent", "score"):
        return f"{value:.2f}"
    if kind == "points":
        return f"{value:+.2f}"
    if kind == "int":
        return str(int(value))
    return tables.neutralise(excel_text(printable(str(value))))


def excel_text(text: str) -> str:
    """A digit string Excel would spoil as a number — a leading 0 or "+" dropped, 12 digits or more
    shown as 9,12E+11 — grouped with spaces the way a phone number is written; other text as it is."""
    match = _NUMBER_LIKE.match(text)
    if match is None:
        return text
    plus, digits = match.groups()
    if not plus and digits[0] != "0" and len(digits) < 12:
        return text  # Excel shows it with the same digits
    if plus and digits.startswith("84") and len(digits) == 11:
        return "+84 " + _groups(digits[2:], (3, 3, 3))
    if digits[0] == "0" and len(digits) in (10, 11):  # a mobile 0912 345 678; a landline 024 3825 1234
        return _groups(digits, (4, 3, 3) if len(digits) == 10 else (3, 4, 4))
    head = len(digits) % 3 or 3
    return plus + _groups(digits, (head,) + (3,) * ((len(digits) - head) // 3))


def _groups(digits: str, sizes: tuple[int, ...]) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at:at + size])
        at += size
    return " ".join(parts)


def render(columns: list[tables.Column], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([tables.neutralise(printable(c.header)) for c in columns])
    writer.writerows([cell(v, c.kind) for v, c in zip(row, columns, strict=False)] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def write_csv(report: Report, out_dir: Path) -> list[Path]:
    folder = Path(out_dir) / f"{report.stem}-csv"
    paths = []
    for table in tables.all_tables(report):
        if table.slug == "can-lien-he-lai":
            table = tables.follow_up(report, full_phone=True)
        if table.groups is None:
            path = folder / f"{table.slug}.csv"
            atomic_write_bytes(path, render(table.columns, table.rows))
            paths.append(path)
            continue
        for commune_id, _, rows in table.groups:
            path = folder / table.slug / f"{commune_id}.csv"
            atomic_write_bytes(path, render(table.columns, rows))
            paths.append(path)
    return paths

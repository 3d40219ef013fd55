"""The report as an XLSX workbook (xlsxwriter in constant-memory mode: rows go to the file as
they are written, so a province's year of follow-up rows costs no memory): one sheet per
section, real numbers and dates with number formats. Indices are stored as fractions (0.8266) formatted
0.00%, so Excel shows 82.66% and sums or averages them correctly; changes the same way with a
sign. Every text is written as text (never a formula), and text a spreadsheet would run as a
formula is neutralised too. Phones masked, "Cần liên hệ lại" included (in full only in each
commune's own follow-up CSV).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import xlsxwriter

from ..files import atomic_write_bytes
from . import tables
from .labels import document_title
from .model import Report
from .printable import printable

FORMATS = {"int": "#,##0", "percent": "0.00%", "points": "+0.00%;-0.00%;0.00%", "score": "0.00",
           "time": "dd/mm/yyyy hh:mm:ss", "date": "dd/mm/yyyy"}
WIDTHS = {"int": 11, "percent": 12, "points": 12, "score": 10, "time": 19, "date": 12, "text": 18}
EPOCH = datetime(1899, 12, 30)  # Excel's day 0


class _Writer:
    """Cell formats made once per workbook; rows written in order (constant-memory mode)."""

    def __init__(self, book) -> None:
        self.book = book
        self.number = {kind: book.add_format({"num_format": code}) for kind, code in FORMATS.items()}
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.header = book.add_format({"bold": True, "bg_color": "#DDE6F0", "text_wrap": True})

    def text(self, sheet, r: int, c: int, value, style=None) -> None:
        sheet.write_string(r, c, tables.neutralise(printable(str(value))), style)

    def header_row(self, sheet, r: int, table: tables.Table) -> None:
        for c, column in enumerate(table.columns):
            sheet.write_string(r, c, tables.neutralise(column.header), self.header)

    def rows(self, sheet, r: int, table: tables.Table, rows: list[list]) -> int:
        kinds = [c.kind for c in table.columns]
        wrap = [c.kind == "text" and c.width >= 40 for c in table.columns]
        for row in rows:
            for c, (value, kind) in enumerate(zip(row, kinds, strict=False)):
                if value is None:
                    continue
                if kind == "text":
                    sheet.write_string(r, c, tables.neutralise(printable(str(value))), self.wrap if wrap[c] else None)
                elif kind in ("percent", "points"):
                    sheet.write_number(r, c, value / 100.0, self.number[kind])
                elif kind == "time":  # "YYYY-MM-DD HH:MM:SS" as a serial day number (fromisoformat: C, fast)
                    stamp = datetime.fromisoformat(value)
                    sheet.write_number(r, c, (stamp - EPOCH).total_seconds() / 86400, self.number[kind])
                elif kind == "date":  # "YYYY-MM-DD" as a serial day number, shown 01/07/2026
                    sheet.write_number(r, c, (datetime.fromisoformat(value) - EPOCH).days, self.number[kind])
                else:
                    sheet.write_number(r, c, value, self.number[kind])
            r += 1
        return r


def _widths(sheet, group: list[tables.Table]) -> None:
    widths: dict[int, int] = {}
    for table in group:
        for i, c in enumerate(table.columns):
            widths[i] = max(widths.get(i, 0), c.width or WIDTHS[c.kind])
    for i, w in widths.items():
        sheet.set_column(i, i, w)


def render(report: Report) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False, "tmpdir": None})
    write = _Writer(book)
    sheets: dict[str, list[tables.Table]] = {}
    for table in tables.all_tables(report):
        sheets.setdefault(table.sheet, []).append(table)
    for name, group in sheets.items():
        sheet = book.add_worksheet(name)
        _widths(sheet, group)
        if len(group) == 1 and group[0].groups is None:  # one table: a filterable list
            table = group[0]
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
            write.header_row(sheet, 0, table)
            write.rows(sheet, 1, table, table.rows)
            continue
        r = 0
        if name == "Tổng hợp":
            write.text(sheet, 0, 0, report.issuing_body, write.bold)
            write.text(sheet, 1, 0, document_title(report), write.title)
            r = 3
        for table in group:
            write.text(sheet, r, 0, table.title, write.title)
            write.header_row(sheet, r + 1, table)
            r += 2
            if table.groups is None:
                r = write.rows(sheet, r, table, table.rows)
            else:
                for _, heading, rows in table.groups:
                    write.text(sheet, r, 0, heading, write.bold)
                    r = write.rows(sheet, r + 1, table, rows)
            r += 1
    book.close()
    return out.getvalue()


def write_xlsx(report: Report, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{report.stem}.xlsx"
    atomic_write_bytes(path, render(report))
    return path

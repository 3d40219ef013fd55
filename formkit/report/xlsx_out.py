"""The report as an XLSX workbook (openpyxl, streamed): one sheet per section, real numbers with
number formats. Indices are stored as fractions (0.8266) formatted 0.00%, so Excel shows 82.66%
and sums or averages them correctly; changes the same way with a sign. Text that a spreadsheet
would run as a formula is neutralised. Phones in full only on "Cần liên hệ lại", grouped by
commune.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..files import atomic_write_bytes
from . import tables
from .model import Report

FORMATS = {"int": "#,##0", "percent": "0.00%", "points": "+0.00%;-0.00%;0.00%", "score": "0.00",
           "time": "dd/mm/yyyy hh:mm:ss"}
WIDTHS = {"int": 11, "percent": 12, "points": 12, "score": 10, "time": 19, "text": 18}
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
WRAP = Alignment(wrap_text=True, vertical="top")


def _value(value, kind: str):
    if value is None:
        return None
    if kind in ("percent", "points"):
        return value / 100.0
    if kind == "time":
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    if kind == "text":
        return tables.neutralise(str(value))
    return value


def _cell(sheet, value, kind: str = "text", font: Font | None = None, fill=None, wrap: bool = False):
    cell = WriteOnlyCell(sheet, _value(value, kind))
    if kind in FORMATS:
        cell.number_format = FORMATS[kind]
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = WRAP
    return cell


def _header(sheet, table: tables.Table) -> list:
    return [_cell(sheet, c.header, font=BOLD, fill=HEADER_FILL, wrap=True) for c in table.columns]


def _rows(sheet, table: tables.Table, rows: list[list]):
    for row in rows:
        yield [_cell(sheet, v, c.kind, wrap=c.kind == "text" and c.width >= 40) for v, c in zip(row, table.columns)]


def _widths(sheet, group: list[tables.Table]) -> None:
    widths: dict[int, int] = {}
    for table in group:
        for i, c in enumerate(table.columns, 1):
            widths[i] = max(widths.get(i, 0), c.width or WIDTHS[c.kind])
    for i, w in widths.items():
        sheet.column_dimensions[get_column_letter(i)].width = w


def render(report: Report) -> bytes:
    book = Workbook(write_only=True)
    sheets: dict[str, list[tables.Table]] = {}
    for table in tables.all_tables(report):
        sheets.setdefault(table.sheet, []).append(table)
    for name, group in sheets.items():
        sheet = book.create_sheet(name)
        _widths(sheet, group)
        if len(group) == 1 and group[0].groups is None:  # one table: a filterable list
            table = group[0]
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
            sheet.append(_header(sheet, table))
            for row in _rows(sheet, table, table.rows):
                sheet.append(row)
            continue
        if name == "Tổng hợp":
            sheet.append([_cell(sheet, report.issuing_body, font=BOLD)])
            sheet.append([_cell(sheet, f"Báo cáo {report.index_name} {report.period.label}", font=TITLE)])
            sheet.append([])
        for table in group:
            sheet.append([_cell(sheet, table.title, font=TITLE)])
            sheet.append(_header(sheet, table))
            if table.groups is None:
                for row in _rows(sheet, table, table.rows):
                    sheet.append(row)
            else:
                for _, heading, rows in table.groups:
                    sheet.append([_cell(sheet, heading, font=BOLD)])
                    for row in _rows(sheet, table, rows):
                        sheet.append(row)
            sheet.append([])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(report: Report, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{report.stem}.xlsx"
    atomic_write_bytes(path, render(report))
    return path

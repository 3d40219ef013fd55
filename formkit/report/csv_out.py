"""The report's tables as CSV: UTF-8 with BOM (so Excel reads Vietnamese), one file per table in
<stem>-csv/, and the follow-up list as one file per commune in <stem>-csv/can-lien-he-lai/: each
commune's own list to call back, the only files anywhere holding phone numbers in full.

Numbers use a decimal point; indices are percentages rounded to 2 decimals (the JSON and XLSX keep
them unrounded, and the counts beside them let anyone recompute). Text that a spreadsheet would run
as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..files import atomic_write_bytes
from . import tables
from .model import Report


def cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind in ("percent", "score"):
        return f"{value:.2f}"
    if kind == "points":
        return f"{value:+.2f}"
    if kind == "int":
        return str(int(value))
    return tables.neutralise(str(value))


def render(columns: list[tables.Column], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([tables.neutralise(c.header) for c in columns])
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

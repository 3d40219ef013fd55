"""Control characters (VT, ESC, NUL, BEL, DEL, C1 …) in answers and comments: kept in the store
exactly as received, cleaned where a document holds them (XLSX, PDF), and the report never stops."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from report_data import answers, row, store_of

from formkit.report import build_report, parse_period, write_report
from formkit.report.printable import printable
from formkit.workspace.config import load_workspace

COMMENT = "Xin\x0b gọi\x1b[31m lại\x00 nhé\x07\x7f\x85 cảm ơn\r\nhết"


def test_printable_keeps_words_and_line_breaks_and_drops_the_rest():
    assert printable(COMMENT) == "Xin\n gọi[31m lại nhé\n cảm ơn\nhết"
    assert printable("a\tb\u2028c\ufffed") == "a\tb\ncd"
    assert printable("Hòa") == "Hòa"  # NFD in, NFC out


def test_the_report_is_written_in_every_format_and_the_store_keeps_what_came(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    given = answers(ws.template, {"1": 1, "2": 2, "3": 1, "4": 1}, "Không", 1, y_kien_khac=COMMENT)
    store = store_of([row("hoa-thanh", "2026-08-04 09:00:00", given, "nguyen-thi-lan")], ws.template)
    stored = json.loads(store.db.execute("SELECT answers FROM responses").fetchone()[0])
    assert COMMENT in stored.values()  # as received
    # One commune: its report lists the follow-up entries (a province's carries their counts).
    report = build_report(ws, store, parse_period(month="2026-08"), commune_ids=("hoa-thanh",),
                          today=date(2026, 12, 1))
    written = write_report(report, ("pdf", "xlsx", "csv", "json"), tmp_path / "out")
    xlsx = next(p for p in written if p.suffix == ".xlsx")
    from openpyxl import load_workbook

    book = load_workbook(xlsx, read_only=True)
    cells = [str(c) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True) for c in r if c]
    assert any(c.startswith("Xin\n gọi[31m lại") for c in cells), cells
    assert not any(ch in c for c in cells for ch in "\x00\x07\x0b\x1b\x7f\x85")
    with zipfile.ZipFile(xlsx) as archive:
        assert not any(b"&#27;" in archive.read(n) or b"\x1b" in archive.read(n) for n in archive.namelist())
    from pypdf import PdfReader

    pdf = next(p for p in written if p.suffix == ".pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "gọi[31m lại" in text and not any(c in text for c in "\x00\x07\x0b\x1b\x7f")

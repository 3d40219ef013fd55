"""The per-commune call-back CSV as an official opens it in Excel: a phone stays a phone (Excel's
CSV import makes "0912345678" the number 912345678), and control characters are cleaned as the
XLSX cleans them, so a NUL cannot hide a formula from the neutralisation."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from report_data import answers, row, store_of

from formkit.report import build_report, parse_period, write_report
from formkit.report.csv_out import cell
from formkit.workspace.config import load_workspace


@pytest.mark.parametrize("typed, written", [
    ("0912345678", "0912 345 678"), ("+84912345678", "'+84 912 345 678"), ("84912345678", "84912345678"),
    ("849123456789", "849 123 456 789"), ("\x000912345678", "0912 345 678"),
    ("02438251234", "024 3825 1234"), ("912345678", "912345678"), ("0912 345 678", "0912 345 678"),
    ("Hài lòng", "Hài lòng"), ("12", "12")])
def test_digit_strings_excel_would_turn_into_numbers_are_written_as_text(typed, written):
    assert cell(typed, "text") == written


def test_the_call_back_csv_keeps_phones_dialable_and_cleans_control_characters(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    given = answers(ws.template, {"1": 1, "2": 2, "3": 1, "4": 1}, "Không", 1,
                    y_kien_khac="\x00=HYPERLINK(\"http://x\")\x07 gọi lại", so_dien_thoai="0912345678")
    store = store_of([row("hoa-thanh", "2026-08-04 09:00:00", given, "nguyen-thi-lan")], ws.template)
    report = build_report(ws, store, parse_period(month="2026-08"), commune_ids=("hoa-thanh",),
                          today=date(2026, 12, 1))
    written = write_report(report, ("csv",), tmp_path / "out")
    path = next(p for p in written if p.parent.name == "can-lien-he-lai")
    text = path.read_text(encoding="utf-8-sig")
    assert not any(ch in text for ch in "\x00\x07")
    rows = list(csv.reader(io.StringIO(text)))
    entry = dict(zip(rows[0], rows[1], strict=True))
    assert entry["Số điện thoại"] == "0912 345 678"
    assert entry["Ý kiến"] == "'=HYPERLINK(\"http://x\") gọi lại"

"""The report's follow-up figures (report/casework.py) against an independent count: the register
read with plain sqlite3, working days counted a day at a time with the example's office hours
(Monday–Saturday). The same numbers in the JSON, the XLSX, the CSV, the PDF and the DOCX."""

from __future__ import annotations

import csv
import json
import sqlite3
import statistics
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from report_data import answers, row

from formkit.loop import open_cases
from formkit.report import build_report, parse_period, write_report
from formkit.responses import cases as register
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace

# (commune, answered, [(status, contact time)...]): the changes staff recorded, in order.
CASES = [
    ("hoa-thanh", "2026-07-06T09:00:00", [("contacted", "2026-07-07 08:00:00"), ("resolved", "2026-07-10 08:00:00")]),
    ("hoa-thanh", "2026-07-11T10:00:00", [("unreachable", "2026-07-13 15:00:00")]),  # Sat → Mon: 1 (Sunday off)
    ("hoa-thanh", "2026-07-08T16:00:00", [("contacted", "2026-07-13 09:00:00")]),  # Wed → Mon: 4
    ("hoa-thanh", "2026-07-09T09:00:00", []),  # never contacted
    ("nam-dong", "2026-07-06T10:00:00", [("resolved", "2026-07-06 11:00:00")]),  # the same day: 0
    ("hoa-thanh", "2026-06-10T09:00:00", [("resolved", "2026-06-11 09:00:00")]),  # the previous quarter
]


def independent(db_path, start: str, end: str, days: int, weekdays=(1, 2, 3, 4, 5, 6)) -> dict[str, dict]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT commune_id, opened, status, first_contact FROM cases").fetchall()
    out: dict[str, dict] = {}
    for commune, opened, status, first in rows:
        if not start <= opened < end:
            continue
        mine = out.setdefault(commune, {"opened": 0, "in_time": 0, "resolved": 0, "unreachable": 0, "open": 0,
                                        "waits": []})
        mine["opened"] += 1
        mine["resolved"] += status == "resolved"
        mine["unreachable"] += status == "unreachable"
        mine["open"] += status in ("open", "contacted")
        if first:
            day, wait = date.fromisoformat(opened[:10]), 0
            while day < date.fromisoformat(first[:10]):
                day += timedelta(days=1)
                wait += day.isoweekday() in weekdays
            mine["waits"].append(wait)
            mine["in_time"] += wait <= days
    return out


@pytest.fixture
def worked(example_dir):
    ws = load_workspace(example_dir)
    t = ws.template
    rows = [row(commune, when + "+07:00", answers(t, {"1": 2, "2": 4, "3": 4, "4": 4}, gate="Không", overall=2))
            for commune, when, _changes in CASES]
    rows.append(row("hoa-thanh", "2026-07-07T09:00:00+07:00", answers(t, {"1": 5, "2": 5, "3": 5, "4": 5},
                                                                        gate="Không", overall=5)))  # content
    with ResponseStore(ws.responses_file) as store:
        store.add(rows, t)
        assert len(open_cases(ws, store)) == len(CASES)
        by_time = {c.opened: c.response_id for c in register.cases(store)}
        for _commune, when, changes in CASES:
            for status, contact in changes:
                register.apply(store, [register.Change(by_time[when.replace("T", " ")], status, "Lan", "",
                                                       "2026-07-14 08:00:00", contact)])
    return ws


def test_the_reports_loop_figures_equal_an_independent_count(worked, tmp_path):
    ws = worked
    expected = independent(ws.responses_file, "2026-07-01", "2026-10-01", 2)
    assert sorted(expected["hoa-thanh"]["waits"]) == [1, 1, 4]
    with ResponseStore(ws.responses_file) as store:
        report = build_report(ws, store, parse_period(quarter="2026Q3"))
    paths = write_report(report, "pdf,docx,xlsx,csv,json", tmp_path)

    document = json.loads((tmp_path / "bao-cao-2026Q3.json").read_text(encoding="utf-8"))
    loop = document["follow_up_loop"]
    assert loop["contact_days"] == 2
    by_id = {r["commune"]: r for r in loop["communes"]}
    assert set(by_id) == {c.id for c in ws.communes}
    for commune, want in expected.items():
        got = by_id[commune]
        assert (got["opened"], got["contacted_in_time"], got["resolved"], got["unreachable"], got["still_open"]) == (
            want["opened"], want["in_time"], want["resolved"], want["unreachable"], want["open"])
        assert got["median_days"] == statistics.median(want["waits"])
    assert by_id["hoa-thanh"] == {"commune": "hoa-thanh", "commune_name": by_id["hoa-thanh"]["commune_name"],
                                       "opened": 4, "contacted_in_time": 2, "resolved": 1, "unreachable": 1,
                                       "still_open": 2, "median_days": 1.0}
    assert by_id["binh-thanh"]["opened"] == 0 and by_id["binh-thanh"]["median_days"] is None

    sheet = load_workbook(tmp_path / "bao-cao-2026Q3.xlsx")["Theo dõi liên hệ lại"]
    cells = {r[0]: r[2:] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    assert cells["hoa-thanh"] == (4, 2, 1, 1, 2, 1) and cells["nam-dong"] == (1, 1, 1, 0, 0, 0)
    with open(tmp_path / "bao-cao-2026Q3-csv" / "theo-doi-lien-he.csv", encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    assert any(r[:7] == ["hoa-thanh", r[1], "4", "2", "1", "1", "2"] for r in table)

    pdf = " ".join((page.extract_text() or "") for page in PdfReader(tmp_path / "bao-cao-2026Q3.pdf").pages)
    assert "Kết quả liên hệ lại" in " ".join(pdf.split())
    assert any(p.suffix == ".docx" for p in paths)
    from docx import Document
    grids = [[[c.text for c in r.cells] for r in t.rows] for t in Document(tmp_path / "bao-cao-2026Q3.docx").tables]
    loop_grid = next(g for g in grids if len(g[0]) > 2 and g[0][2] == "Số trường hợp")
    hoa = next(r for r in loop_grid if r[1] == by_id["hoa-thanh"]["commune_name"])
    assert hoa[2:] == ["4", "2", "1", "1", "2", "1"]


def test_a_single_communes_html_page_has_no_ranking_and_names_no_other_commune(worked, tmp_path):
    from formkit.report.html_out import render

    with ResponseStore(worked.responses_file) as store:
        page = render(build_report(worked, store, parse_period(quarter="2026Q3"), commune_ids=("hoa-thanh",)))
    assert 'id="ranking"' not in page and "Xếp hạng" not in page
    assert "<h1>" in page and "Xã Hòa Thành</h1>" in page and worked.unit.display_name not in page
    assert [c.display_name for c in worked.communes if c.display_name in page] == ["Xã Hòa Thành"]

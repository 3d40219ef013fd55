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


def independent(db_path, start: str, end: str, days: int, weekdays=(1, 2, 3, 4, 5, 6),
                template: str | None = None) -> dict[str, dict]:
    """template: only the cases of that question set's answers (the stored answer says which)."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT c.commune_id, c.opened, c.status, c.first_contact FROM cases c"
                          " JOIN responses r ON r.id = c.response_id WHERE ? IS NULL OR r.template = ?",
                          (template, template)).fetchall()
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


def test_a_single_communes_loop_table_does_not_repeat_its_name(worked, tmp_path):
    from docx import Document

    with ResponseStore(worked.responses_file) as store:
        report = build_report(worked, store, parse_period(quarter="2026Q3"), commune_ids=("hoa-thanh",))
    [path] = write_report(report, "docx", tmp_path)
    grids = [[[c.text for c in r.cells] for r in t.rows] for t in Document(path).tables]
    loop_grid = next(g for g in grids if "Số trường hợp" in g[0])
    assert loop_grid[0][:2] == ["STT", "Số trường hợp"] and "Xã, phường" not in loop_grid[0]
    assert loop_grid[1:] == [["1", "4", "2", "1", "1", "2", "1"]]


def _loop_figures(row: dict) -> tuple:
    return (row["opened"], row["contacted_in_time"], row["resolved"], row["unreachable"], row["still_open"],
            row["median_days"])


def _expected_figures(want: dict) -> tuple:
    return (want["opened"], want["in_time"], want["resolved"], want["unreachable"], want["open"],
            statistics.median(want["waits"]) if want["waits"] else None)


def test_a_question_sets_report_counts_only_the_cases_of_its_own_answers(example_dir, tmp_path):
    """SIPAS answers open cases; the workspace then moves to the counter's set (formkit.toml), whose
    answers open cases of their own. Each set's report counts its own cases only, in the JSON and
    the CSV (the PDF, DOCX, XLSX and HTML draw the same rows: the test above)."""
    from formkit.workspace.templates import load_template

    ws = load_workspace(example_dir)
    sipas, counter = ws.template, load_template("can-bo-3")
    low_sipas = answers(sipas, {"1": 2, "2": 4, "3": 4, "4": 4}, gate="Không", overall=2)
    low_counter = {"1.1": "Kém", "1.2": "Dễ hiểu", "1.3": "Tốt"}
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", f"2026-07-0{d}T09:00:00+07:00", low_sipas) for d in (6, 7, 8)]
                  + [row("nam-dong", "2026-07-06T10:00:00+07:00", low_sipas)], sipas)
        assert len(open_cases(ws, store)) == 4
        toml = example_dir / "formkit.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('template = "sipas-2640"', 'template = "can-bo-3"'),
                        encoding="utf-8")
        store.add([row("hoa-thanh", f"2026-07-{d}T09:00:00+07:00", low_counter, template_id="can-bo-3", version=1)
                   for d in ("09", "10")], counter)
        counter_cases = open_cases(load_workspace(example_dir), store)
        assert len(counter_cases) == 2
        sipas_first = min(c.response_id for c in register.cases(store))
        register.apply(store, [
            register.Change(counter_cases[0], "resolved", "Lan", "", "2026-07-13 08:00:00"),  # Thu → Mon: 3 days
            register.Change(sipas_first, "unreachable", "Lan", "", "2026-07-07 08:00:00")])  # Mon → Tue: 1
        quarter = parse_period(quarter="2026Q3")
        for template in (sipas, counter):
            want = independent(ws.responses_file, "2026-07-01", "2026-10-01", 2, template=template.id)
            report = build_report(ws, store, quarter, template=template, today=date(2026, 10, 1))
            out = tmp_path / template.id
            write_report(report, "json,csv", out)
            loop = json.loads((out / "bao-cao-2026Q3.json").read_text(encoding="utf-8"))["follow_up_loop"]
            got = {r["commune"]: _loop_figures(r) for r in loop["communes"] if r["opened"]}
            assert got == {k: _expected_figures(v) for k, v in want.items()}, template.id
            with open(out / "bao-cao-2026Q3-csv" / "theo-doi-lien-he.csv", encoding="utf-8-sig") as handle:
                table = {r[0]: r[2:7] for r in csv.reader(handle)}
            assert table["hoa-thanh"] == [str(n) for n in _expected_figures(want["hoa-thanh"])[:5]]
            if template is sipas:
                assert got == {"hoa-thanh": (3, 1, 0, 1, 2, 1), "nam-dong": (1, 0, 0, 0, 1, None)}
            else:
                assert got == {"hoa-thanh": (2, 0, 1, 0, 1, 3)}

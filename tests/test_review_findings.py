"""Findings of the review of the day's merged work, each pinned where it is a behaviour."""

from __future__ import annotations

import sqlite3

from docx import Document
from report_data import answers, row, store_of
from test_office import POINT

from formkit.loop import open_cases
from formkit.report import build_report, parse_period, write_report
from formkit.responses import cases as register
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace


def test_a_case_is_worked_while_the_store_holds_a_question_set_no_longer_installed(example_dir, formkit):
    """Closing cases erases phones with every stored set's phone and comment questions; a case
    with no phone due must not need them (the answers of a set since removed from templates/
    stopped `followup set` and every pull with "unknown template")."""
    ws = load_workspace(example_dir, check_photos=False)
    low = answers(ws.template, {"1": 2, "2": 4, "3": 4, "4": 4}, gate="Không", overall=2)
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", "2026-07-06T09:00:00+07:00", low)], ws.template)
        [case] = open_cases(ws, store)
    with sqlite3.connect(ws.responses_file) as db:  # as stored under a set the workspace has since removed
        db.execute("UPDATE responses SET template = 'ban-cu'")
    result = formkit("--lang", "en", "followup", "set", "-w", ws.root, case, "đã liên hệ", "--by", "Lan")
    assert result.exit_code == 0, result.output
    with ResponseStore(ws.responses_file) as store:
        assert register.cases(store, ids=[case])[0].status == register.CONTACTED


def test_a_single_communes_participation_and_points_tables_do_not_repeat_its_name(example_dir, tmp_path):
    """The participation table (a single commune's report alone has it) and the reception points'
    table named the report's own commune in a column, as the other tables no longer do."""
    toml = example_dir / "formkit.toml"
    text = toml.read_text(encoding="utf-8")
    for line in ('[[communes.points]]', 'id = "tru-so"', 'name = "Trụ sở Ủy ban nhân dân xã"', 'id = "pho-thanh"',
                 f'name = "{POINT}"', 'point = "tru-so"', 'point = "pho-thanh"'):
        text = text.replace(f"# {line}", line)
    toml.write_text(text, encoding="utf-8")
    ws = load_workspace(example_dir, check_photos=False)
    rows = [row("hoa-thanh", f"2026-07-0{day} 09:00:00", answers(ws.template, {"1": 4, "2": 4, "3": 4, "4": 4},
                                                               "Không", overall=4), officer)
            for day, officer in ((6, "nguyen-thi-lan"), (7, "le-hoang-phuong"))]
    report = build_report(ws, store_of(rows, ws.template), parse_period(quarter="2026Q3"), commune_ids=("hoa-thanh",),
                          dossiers=example_dir / "dossiers.csv")
    assert report.participation is not None and report.points
    [path] = write_report(report, "docx", tmp_path)
    heads = {t.rows[0].cells[1].text: [c.text for c in t.rows[0].cells] for t in Document(path).tables}
    participation = next(h for h in heads.values() if "Kỳ có số hồ sơ" in h)
    points = next(h for h in heads.values() if "Điểm tiếp nhận" in h)
    assert participation[:2] == ["Kỳ có số hồ sơ", "Số hồ sơ"] and "Xã, phường" not in participation
    assert points[:3] == ["STT", "Điểm tiếp nhận", "Số cán bộ"] and "Xã, phường" not in points

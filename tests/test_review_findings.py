"""Findings of the review of the day's merged work, each pinned where it is a behaviour."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

from docx import Document
from report_data import answers, row, store_of
from test_erasure_leftovers import _cells
from test_office import POINT

from formkit.loop import export_cases, open_cases, rewrite_exports
from formkit.report import build_report, parse_period, write_report
from formkit.report import retention as keeping
from formkit.responses import cases as register
from formkit.responses.store import VIETNAM, ResponseStore
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


def test_a_retention_whose_vacuum_meets_a_held_store_still_finishes_the_erasure(example_dir, short_busy_wait):
    """The erasure is committed, then VACUUM compacts the file. A reader arriving in between (the
    counter server, a database browser) made the VACUUM fail busy: the record, the pictures and the
    commune's export were left undone, and a run again found nothing left to erase, so the export
    kept the phone. secure_delete has already overwritten the erased bytes: the VACUUM may wait."""
    ws = load_workspace(example_dir, check_photos=False)
    phone = "0912345678"
    when = (datetime.now(UTC) - timedelta(days=220)).astimezone(VIETNAM).strftime("%Y-%m-%d 09:00:00")
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", when, answers(ws.template, {"1": 2}, "Không", so_dien_thoai=phone))],
                  ws.template)
        open_cases(ws, store)
    [(_, export, _n)] = export_cases(ws, ("hoa-thanh",))
    assert phone in _cells(export)

    readers = []

    def reader_arrives(statement: str) -> None:  # another connection starts reading as the VACUUM starts
        if statement.strip().upper() == "VACUUM" and not readers:
            other = sqlite3.connect(ws.responses_file, isolation_level=None)
            other.execute("BEGIN")
            other.execute("SELECT count(*) FROM responses").fetchone()
            readers.append(other)

    now = datetime.now(UTC)
    with ResponseStore(ws.responses_file) as store:
        store.db.set_trace_callback(reader_arrives)
        todo = keeping.plan(ws, store, now)
        keeping.apply(ws, store, todo, now)
        rewrite_exports(ws, store, set(todo.store.phones))
    assert readers, "the VACUUM ran"
    with closing(readers[0]):
        assert phone.encode() not in ws.responses_file.read_bytes()  # gone from the file's free pages too
        records = json.loads((ws.state_dir / "erasures.json").read_text(encoding="utf-8"))
        assert records[-1]["phones_erased"] == {"hoa-thanh": 1}
        assert phone not in _cells(export)


"""A report whose period holds every stored answer, some stored under another version of the
template, reads the columnar copy whole (no copy of its arrays) and re-codes those rows: the
copy is a read-only file, so the re-coding must write into arrays of its own. (The follow-up
register's pull reads exactly the new answers' days, which is often the whole store.)"""

from __future__ import annotations

from report_data import answers, row

from formkit.report import build_report, parse_period
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace


def test_a_period_holding_every_answer_of_two_versions(example_dir):
    ws = load_workspace(example_dir)
    t = ws.template
    given = answers(t, {"1": 4, "2": 4, "3": 4, "4": 4}, gate="Không", overall=4, linh_vuc="Hộ tịch")
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", "2026-07-06T09:00:00+07:00", given),
                   row("hoa-thanh", "2026-07-07T09:00:00+07:00", given, version=2)], t)  # one segment, one file
    with ResponseStore(ws.responses_file) as store:
        columns = store.columns()
        assert columns is not None and not columns.field.flags.writeable  # the copy, mapped read-only
        report = build_report(ws, store, parse_period(quarter="2026Q3"))
    assert report.responses == 2 and report.sipas == 100.0

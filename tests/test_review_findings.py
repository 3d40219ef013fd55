"""Findings of the review of the day's merged work, each pinned where it is a behaviour."""

from __future__ import annotations

import sqlite3

from report_data import answers, row

from formkit.loop import open_cases
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

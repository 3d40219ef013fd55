"""`formkit pull` trusts a form's link (linked spreadsheet, or none) that forms.get confirmed within
the link check window, and asks again after it, with --check-links, or at once when the trusted
spreadsheet or tab is gone. Real clients over HTTP against the local Google backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from conftest import add_fault, bearer, server_calls
from test_pull import BATCH_GET, DRIVE_GET, SHEETS_GET, answers, reset_calls, stored, submit

from formkit.errors import InputError
from formkit.forms.state import State
from formkit.google.client import connect
from formkit.responses.pull import pull
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace

DAY = timedelta(hours=24)


@pytest.fixture
def store(tmp_path):
    with ResponseStore(tmp_path / "responses.sqlite") as s:
        yield s


def unlink(base: str, form) -> None:
    """The Forms UI's "Unlink form", on the local backend."""
    requests.post(f"{base}/formkit/v1/forms/{form.form_id}:unlinkSheet", json={}, timeout=5,
                  headers=bearer()).raise_for_status()


def delete_tab(base: str, form) -> None:
    body = {"requests": [{"deleteSheet": {"sheetId": form.sheet_tab_id}}]}
    requests.post(f"{base}/v4/spreadsheets/{form.spreadsheet_id}:batchUpdate", json=body, timeout=5,
                  headers=bearer()).raise_for_status()


def linked_sheet(base: str, form) -> str:
    reply = requests.get(f"{base}/v1/forms/{form.form_id}", params={"fields": "linkedSheetId"}, timeout=5,
                         headers=bearer())
    reply.raise_for_status()
    return reply.json().get("linkedSheetId", "")


def test_a_confirmed_link_is_trusted_for_the_window(published_workspace, store):
    ws, state, base = published_workspace
    forms = len(ws.communes)
    start = datetime(2026, 12, 1, 8, 10, tzinfo=UTC)
    first = pull(ws, state, connect(), store, now=start)
    assert (first.links_checked, first.links_trusted) == (forms, 0)
    assert {state.current(c.id).link_checked for c in ws.communes} == {"2026-12-01T08:10:00Z"}
    assert State.load(ws.state_file).current("hoa-thanh").link_checked == "2026-12-01T08:10:00Z"

    reset_calls(base)  # within the window: no forms.get at all
    again = pull(ws, state, connect(), store, now=start + DAY - timedelta(seconds=1))
    assert server_calls(base) == {SHEETS_GET: 1, DRIVE_GET: 1, BATCH_GET: 1}
    assert (again.links_checked, again.links_trusted, again.oldest_trusted) == (0, forms, "2026-12-01T08:10:00Z")
    assert again.source == {c.id: "sheet" for c in ws.communes}

    reset_calls(base)  # the window over: one forms.get per form
    late = pull(ws, state, connect(), store, now=start + DAY)
    assert server_calls(base) == {"forms.get": forms, SHEETS_GET: 1, DRIVE_GET: 1, BATCH_GET: 1}
    assert (late.links_checked, late.links_trusted) == (forms, 0)

    reset_calls(base)  # --check-links: every form, however recent its check
    checked = pull(ws, state, connect(), store, check_links=True, now=start + DAY + timedelta(minutes=1))
    assert server_calls(base)["forms.get"] == forms and checked.links_checked == forms

    reset_calls(base)  # a check stamped in the future (a clock set back) is not trusted
    pull(ws, state, connect(), store, now=start)
    assert server_calls(base)["forms.get"] == forms


def test_the_window_comes_from_the_workspace(published_workspace, store, formkit):
    ws, state, base = published_workspace
    config = ws.root / "formkit.toml"
    text = config.read_text(encoding="utf-8")
    assert "# link_check_hours = 24" in text  # `formkit init` shows the key, commented
    config.write_text(text.replace("# link_check_hours = 24", "link_check_hours = 0.5"), encoding="utf-8")
    ws = load_workspace(ws.root)
    assert ws.link_check_hours == 0.5
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    pull(ws, state, connect(), store, now=start)
    reset_calls(base)
    pull(ws, state, connect(), store, now=start + timedelta(minutes=29))
    assert "forms.get" not in server_calls(base)
    pull(ws, state, connect(), store, now=start + timedelta(minutes=30))
    assert server_calls(base)["forms.get"] == len(ws.communes)

    for bad, message in (("-1", "out of range"), ('"24h"', "must be a number")):
        config.write_text(text.replace("# link_check_hours = 24", f"link_check_hours = {bad}"), encoding="utf-8")
        result = formkit("pull", "-w", ws.root)
        assert result.exit_code == 2, result.output
        assert "pull.link_check_hours" in result.output and message in result.output
    config.write_text(text.replace("[pull]", "[pull]\nlink_check_minutes = 5"), encoding="utf-8")
    result = formkit("pull", "-w", ws.root)
    assert result.exit_code == 2 and "pull.link_check_minutes" in result.output and "unknown key" in result.output


def test_the_summary_says_how_many_links_were_checked(published_workspace, formkit):
    ws, state, base = published_workspace
    result = formkit("pull", "-w", ws.root)
    assert result.exit_code == 0, result.output
    assert result.out.splitlines()[-1] == "links: 3 checked now"
    confirmed = State.load(ws.state_file).current("hoa-thanh").link_checked
    result = formkit("pull", "-w", ws.root)
    assert result.out.splitlines()[-1] == f"links: 0 checked now, 3 trusted (confirmed {confirmed[:10]} " \
                                          f"{confirmed[11:16]} UTC)"
    reset_calls(base)
    result = formkit("pull", "--check-links", "-w", ws.root)
    assert result.exit_code == 0 and result.out.splitlines()[-1] == "links: 3 checked now"
    assert server_calls(base)["forms.get"] == 3


def test_a_form_unlinked_in_the_window_switches_to_the_api_at_its_check(published_workspace, store):
    """Until the check its tab is read (it has every answer given while linked); after it, the
    Forms API, which has all of them: nothing lost, nothing counted twice."""
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    submit(hoa, answers(ws, hoa), "2026-11-30T08:00:00+07:00")
    submit(hoa, answers(ws, hoa, officer=1), "2026-11-30T08:00:00+07:00")  # same second: n-th in second
    assert pull(ws, state, connect(), store, now=start).added["hoa-thanh"] == 2
    unlink(base, hoa)
    assert linked_sheet(base, hoa) == ""
    submit(hoa, answers(ws, hoa, officer=2), "2026-11-30T09:00:00+07:00")  # in the form only, not in the tab

    within = pull(ws, state, connect(), store, now=start + timedelta(hours=3))
    assert within.source["hoa-thanh"] == "sheet" and within.added["hoa-thanh"] == 0  # waits for the check
    assert within.warnings == []

    reset_calls(base)
    checked = pull(ws, state, connect(), store, now=start + DAY)
    assert checked.source["hoa-thanh"] == "api" and checked.added["hoa-thanh"] == 1
    assert server_calls(base)["forms.responses.list"] == 1
    rows = stored(store, "hoa-thanh")
    assert [(r[1], r[2]) for r in rows] == [("2026-11-30 08:00:00", "sheet"), ("2026-11-30 08:00:00", "sheet"),
                                            ("2026-11-30 09:00:00", "api")]
    saved = State.load(ws.state_file).current("hoa-thanh")
    assert (saved.spreadsheet_id, saved.sheet_tab, saved.sheet_tab_id) == ("", "", None)
    assert saved.link_checked == "2026-12-02T08:00:00Z"

    reset_calls(base)  # the unlinked form's link is trusted too: the API, no forms.get
    submit(hoa, answers(ws, hoa), "2026-11-30T10:00:00+07:00")
    after = pull(ws, state, connect(), store, now=start + DAY + timedelta(hours=1))
    assert after.added["hoa-thanh"] == 1 and after.source["hoa-thanh"] == "api"
    assert server_calls(base) == {SHEETS_GET: 1, DRIVE_GET: 1, BATCH_GET: 1, "forms.responses.list": 1}
    assert store.count() == 4


def test_a_trusted_form_whose_tab_is_gone_is_checked_in_the_same_pull(published_workspace, store):
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    submit(hoa, answers(ws, hoa), "2026-11-30T08:00:00+07:00")
    pull(ws, state, connect(), store, now=start)
    old_sheet = hoa.spreadsheet_id
    delete_tab(base, hoa)
    # Linked again, to a new spreadsheet: its new tab gets every response the form has.
    requests.post(f"{base}/formkit/v1/forms/{hoa.form_id}:linkSheet", json={}, timeout=5,
                  headers=bearer()).raise_for_status()
    assert linked_sheet(base, hoa) not in ("", old_sheet)
    submit(hoa, answers(ws, hoa, officer=1), "2026-11-30T09:00:00+07:00")

    reset_calls(base)
    result = pull(ws, state, connect(), store, now=start + timedelta(hours=1))
    assert server_calls(base) == {"forms.get": 1, SHEETS_GET: 2, DRIVE_GET: 2, BATCH_GET: 2}
    assert (result.links_checked, result.links_trusted) == (1, 2)
    assert result.added == {"hoa-thanh": 1, "binh-thanh": 0, "nam-dong": 0} and store.count() == 2
    assert result.source["hoa-thanh"] == "sheet"
    assert hoa.spreadsheet_id == linked_sheet(base, hoa)
    assert any(t.startswith("hoa-thanh:") and "question titles" in t for t in result.tabs), result.tabs

    # Its tab deleted and no new link: the check says so, and the pull stops before storing anything.
    reset_calls(base)
    nam = state.current("nam-dong")
    submit(nam, answers(ws, nam), "2026-11-30T10:00:00+07:00")
    delete_tab(base, nam)
    with pytest.raises(InputError) as caught:
        pull(ws, state, connect(), store, now=start + timedelta(hours=2))
    [problem] = caught.value.problems
    assert problem.place == "commune nam-dong" and "no tab of this spreadsheet" in problem.message
    assert server_calls(base)["forms.get"] == 1 and store.count() == 2


def test_a_trusted_spreadsheet_refused_or_gone_is_checked_again(published_workspace, store):
    ws, state, base = published_workspace
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form), "2026-11-30T08:00:00+07:00")
    pull(ws, state, connect(), store, now=start)
    real = state.current("binh-thanh").spreadsheet_id
    state.current("binh-thanh").spreadsheet_id = "1NoSuchSpreadsheet"  # gone: sheets.get answers 404
    submit(state.current("binh-thanh"), answers(ws, state.current("binh-thanh")), "2026-11-30T09:00:00+07:00")
    reset_calls(base)
    result = pull(ws, state, connect(), store, now=start + timedelta(hours=1))
    # The time columns of the two trusted tabs; after the check, Bình Thạnh's time column, then its
    # whole tab (a new row).
    assert server_calls(base) == {"forms.get": 1, SHEETS_GET: 2, DRIVE_GET: 1, BATCH_GET: 3}
    assert result.added["binh-thanh"] == 1 and state.current("binh-thanh").spreadsheet_id == real

    # 403 (access withdrawn): every trusted form of that spreadsheet is asked; one confirmed link
    # to a spreadsheet that still refuses is an error, as before.
    add_fault(base, method="GET", path=f"/v4/spreadsheets/{real}$", status=403, count=2)
    reset_calls(base)
    from formkit.errors import RemoteError
    with pytest.raises(RemoteError, match="403"):
        pull(ws, state, connect(), store, now=start + timedelta(hours=2))
    assert server_calls(base)["forms.get"] == len(ws.communes)
    assert store.count() == 4


def test_a_state_without_link_checks_loads_and_checks_every_form(published_workspace, store):
    ws, state, base = published_workspace
    pull(ws, state, connect(), store)
    raw = json.loads(ws.state_file.read_text(encoding="utf-8"))
    for forms in raw["communes"].values():
        for form in forms:
            del form["link_checked"]  # a state written before link checks existed
    ws.state_file.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    state = State.load(ws.state_file)
    assert state.current("hoa-thanh").link_checked == ""
    reset_calls(base)
    pull(ws, state, connect(), store)
    assert server_calls(base)["forms.get"] == len(ws.communes)

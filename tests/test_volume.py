"""Google at real volume: custom time zones, Drive's rate-limit 403s, trashed and full spreadsheets,
the grid a form-made tab really has, and the Forms API's unordered, default-omitting answers."""

from __future__ import annotations

import json

import pytest
import requests
from conftest import add_fault, bearer, server_calls
from test_pull import (  # noqa: F401  (fixtures)
    answers,
    reset_calls,
    store,
    stored,
    submit,
    values_url,
)
from test_pull_sheets import new_spreadsheet

from formkit.forms.linking import link_local
from formkit.forms.state import State
from formkit.google import client as client_module
from formkit.google.client import connect
from formkit.responses import pull as pull_module
from formkit.responses.pull import pull
from formkit.responses.timestamps import sheet_zone
from formkit.workspace.config import load_workspace


def test_a_spreadsheet_on_a_custom_gmt_offset_is_read_in_that_offset(created_workspace, store):
    """Sheets' SpreadsheetProperties.timeZone may be a custom zone such as "GMT+07:00": pull reads
    the serials in that offset (it used to stop with "install tzdata")."""
    ws, state, base = created_workspace
    hoa = state.current("hoa-thanh")
    submit(hoa, answers(ws, hoa), "2025-09-30T16:59:59Z")
    submit(hoa, answers(ws, hoa, officer=1), "2025-09-30T17:00:00Z")
    sheet = new_spreadsheet(base, "GMT+07:00")
    link_local(ws, state, connect(), sheet)
    result = pull(ws, state, connect(), store)
    assert result.added["hoa-thanh"] == 2
    assert [r[1:3] for r in stored(store, "hoa-thanh")] == [("2025-09-30 23:59:59", "sheet"),
                                                            ("2025-10-01 00:00:00", "sheet")]


@pytest.mark.parametrize(("name", "hours"), [("GMT+07:00", 7), ("GMT-03:30", -3.5), ("GMT", 0), ("GMT+7", 7)])
def test_custom_zones_are_fixed_offsets(name, hours):
    from datetime import datetime

    assert sheet_zone(name).utcoffset(datetime(2025, 1, 1)).total_seconds() == hours * 3600


@pytest.mark.parametrize("reason", ["userRateLimitExceeded", "rateLimitExceeded", "sharingRateLimitExceeded"])
def test_drives_rate_limit_403_is_retried_like_429(example_dir, endpoint, formkit, reason):
    """Drive answers its rate limits with 403 and a reason ("Resolve errors"): retried, not taken
    for a Workspace policy; a 403 without such a reason still is one (test_create)."""
    add_fault(endpoint, method="POST", path="/permissions$", kind="status", status=403, reason=reason, count=2)
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0, result.output
    assert "would not let anyone" not in result.output
    state = State.load(load_workspace(example_dir).state_file)
    assert {state.current(c).responders for c in ("hoa-thanh", "binh-thanh", "nam-dong")} == {"anyone"}
    faulted = requests.get(f"{endpoint}/formkit/v1/calls/faulted", timeout=5, headers=bearer()).json()
    assert faulted == {"drive.permissions.create": 2}


def test_drives_rate_limit_error_has_drives_shape(endpoint):
    add_fault(endpoint, method="GET", path="/drive/v3/files$", kind="status", status=403,
              reason="userRateLimitExceeded")
    reply = requests.get(f"{endpoint}/drive/v3/files", timeout=5, headers=bearer())
    assert reply.status_code == 403
    error = reply.json()["error"]
    assert error["code"] == 403 and error["message"] == "User Rate Limit Exceeded"
    assert error["errors"] == [{"domain": "usageLimits", "reason": "userRateLimitExceeded",
                                "message": "User Rate Limit Exceeded"}]


def test_the_forms_api_lists_in_no_particular_order_and_leaves_defaults_out(created_workspace):
    """forms.responses.list returns a page in no particular order and a listed response has no
    formId; an unpublished form has no publishSettings and an empty settings is left out."""
    ws, state, base = created_workspace
    hoa = state.current("hoa-thanh")
    for minute in range(12):
        submit(hoa, answers(ws, hoa, officer=minute % 3), f"2025-09-27T08:{minute:02d}:00+07:00")
    listed = requests.get(f"{base}/v1/forms/{hoa.form_id}/responses", timeout=5, headers=bearer()).json()["responses"]
    times = [r["lastSubmittedTime"] for r in listed]
    assert sorted(times) != times and len(set(times)) == 12
    assert all("formId" not in r for r in listed)
    got = requests.get(f"{base}/v1/forms/{hoa.form_id}/responses/{listed[0]['responseId']}", timeout=5,
                       headers=bearer()).json()
    assert got["formId"] == hoa.form_id
    made = requests.post(f"{base}/v1/forms", params={"unpublished": "true"}, json={"info": {"title": "T"}},
                         timeout=5, headers=bearer()).json()
    assert "publishSettings" not in made and "settings" not in made


def test_a_form_writes_a_text_answer_into_its_tab_as_text(published_workspace):
    """A text question's answer lands in the linked tab as text: a phone keeps its leading zero."""
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    submit(hoa, answers(ws, hoa, dong_y_lien_he="Đồng ý", so_dien_thoai="0912345678", y_kien_khac="12"),
           "2025-09-27T08:07:24+07:00")
    values = requests.get(values_url(base, hoa, "A1:AZ2"), params={"valueRenderOption": "UNFORMATTED_VALUE"},
                          timeout=5, headers=bearer()).json()["values"]
    row = dict(zip(values[0], values[1], strict=False))
    phone = row[hoa.questions["so-dien-thoai"].title]
    assert phone == "0912345678"
    assert "12" in row.values()  # a text answer that looks like a number stays text too
    assert isinstance(values[1][0], float)  # the time is a date-time serial


# The backend: the cell limit, the grid a form makes, the trash ---------------------------------

def set_cell_limit(base: str, cells: int) -> None:
    requests.put(f"{base}/formkit/v1/limits", json={"cells": cells}, timeout=5, headers=bearer()).raise_for_status()


def grid(base: str, spreadsheet_id: str) -> dict[str, tuple[int, int]]:
    meta = requests.get(f"{base}/v4/spreadsheets/{spreadsheet_id}", timeout=5, headers=bearer()).json()
    return {s["properties"]["title"]: (s["properties"]["gridProperties"]["rowCount"],
                                       s["properties"]["gridProperties"]["columnCount"]) for s in meta["sheets"]}


def test_a_form_made_tab_starts_small_and_grows_a_row_per_answer(published_workspace):
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    rows, columns = grid(base, hoa.spreadsheet_id)[hoa.sheet_tab]
    assert rows == 100 and columns == 1 + len(hoa.questions) + 6
    for n in range(3):
        submit(hoa, answers(ws, hoa), f"2025-09-27T08:0{n}:00+07:00")
    assert grid(base, hoa.spreadsheet_id)[hoa.sheet_tab] == (103, columns)


def test_past_the_cell_limit_writes_are_refused_and_a_form_keeps_its_answers(published_workspace):
    """Google: "This action would increase the number of cells in the workbook above the limit";
    a form whose spreadsheet is full keeps its answers in its own store only."""
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    used = sum(r * c for r, c in grid(base, hoa.spreadsheet_id).values())
    _, columns = grid(base, hoa.spreadsheet_id)[hoa.sheet_tab]
    set_cell_limit(base, used + 2 * columns)  # room for two more answers
    for n in range(4):
        submit(hoa, answers(ws, hoa), f"2025-09-27T08:0{n}:00+07:00")
    assert grid(base, hoa.spreadsheet_id)[hoa.sheet_tab][0] == 102
    values = requests.get(values_url(base, hoa, "A:A"), timeout=5, headers=bearer()).json()["values"]
    assert len(values) == 1 + 2  # the header and the two answers that fitted
    listed = requests.get(f"{base}/v1/forms/{hoa.form_id}/responses", timeout=5, headers=bearer()).json()
    assert len(listed["responses"]) == 4  # the form holds every answer
    body = {"requests": [{"addSheet": {"properties": {"title": "Thêm"}}}]}
    refused = requests.post(f"{base}/v4/spreadsheets/{hoa.spreadsheet_id}:batchUpdate", json=body, timeout=5,
                            headers=bearer())
    assert refused.status_code == 400
    assert "would increase the number of cells in the workbook above the limit of" in refused.json()["error"]["message"]
    far = requests.put(values_url(base, hoa, "A5000"), params={"valueInputOption": "RAW"}, json={"values": [["x"]]},
                       timeout=5, headers=bearer())
    assert far.status_code == 400 and "above the limit" in far.json()["error"]["message"]


def test_a_trashed_spreadsheet_still_answers_the_sheets_api(published_workspace):
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    submit(hoa, answers(ws, hoa), "2025-09-27T08:00:00+07:00")
    url = f"{base}/drive/v3/files/{hoa.spreadsheet_id}"
    assert requests.get(url, params={"fields": "trashed"}, timeout=5, headers=bearer()).json()["trashed"] is False
    requests.patch(url, json={"trashed": True}, timeout=5, headers=bearer()).raise_for_status()
    assert requests.get(url, params={"fields": "id,trashed"}, timeout=5, headers=bearer()).json()["trashed"] is True
    values = requests.get(values_url(base, hoa, "A:A"), timeout=5, headers=bearer())
    assert values.status_code == 200 and len(values.json()["values"]) == 2
    listed = requests.get(f"{base}/drive/v3/files", params={"q": "trashed = false"}, timeout=5, headers=bearer())
    assert hoa.spreadsheet_id not in {f["id"] for f in listed.json()["files"]}


# Pull never under-counts in silence ------------------------------------------------------------

def api_count(base: str, form_id: str) -> int:
    """The independent count: every answer the form holds, from its own store."""
    listed, token = 0, None
    while True:
        page = requests.get(f"{base}/v1/forms/{form_id}/responses", params={"pageToken": token} if token else {},
                            timeout=10, headers=bearer()).json()
        listed += len(page.get("responses", []))
        token = page.get("nextPageToken")
        if not token:
            return listed


def test_a_spreadsheet_made_full_mid_quarter_still_gives_every_answer_once(published_workspace, store, formkit,
                                                                          monkeypatch):
    ws, state, base = published_workspace
    for n in range(4):
        for commune in ws.communes:
            form = state.current(commune.id)
            submit(form, answers(ws, form, officer=n % 2), f"2025-10-0{n + 1}T08:00:00+07:00")
    assert pull(ws, state, connect(), store).added == {"hoa-thanh": 4, "binh-thanh": 4, "nam-dong": 4}
    hoa = state.current("hoa-thanh")
    used = sum(r * c for r, c in grid(base, hoa.spreadsheet_id).values())
    _, columns = grid(base, hoa.spreadsheet_id)[hoa.sheet_tab]
    set_cell_limit(base, used + 3 * columns)  # three more rows fit, then the spreadsheet is full
    monkeypatch.setattr(pull_module, "CELL_LIMIT", used + 3 * columns)
    for n in range(5):
        for commune in ws.communes:
            form = state.current(commune.id)
            submit(form, answers(ws, form, officer=n % 2), f"2025-11-0{n + 1}T08:00:00+07:00")
    tab_rows = len(requests.get(values_url(base, hoa, "A:A"), timeout=5, headers=bearer()).json()["values"]) - 1
    assert tab_rows < 9  # the tabs stopped: reading them alone would under-count
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 5, "binh-thanh": 5, "nam-dong": 5}
    assert set(result.source.values()) == {"api"} and len(result.untrusted) == 3
    assert all("cells" in reason for reason in result.untrusted.values())
    for commune in ws.communes:
        assert len(stored(store, commune.id)) == api_count(base, state.current(commune.id).form_id) == 9
    assert pull(ws, state, connect(), store).added == {"hoa-thanh": 0, "binh-thanh": 0, "nam-dong": 0}
    shown = formkit("pull", "-w", ws.root)
    assert shown.exit_code == 0 and shown.out.count("forms.responses.list, not its tab") == 3
    # the report (from the workspace's own store, pulled by the CLI) equals the forms' own count
    report = formkit("report", "-w", ws.root, "--quarter", "2025Q4", "--format", "json")
    assert report.exit_code == 0, report.output
    data = json.loads((ws.output_dir / "reports" / "bao-cao-2025Q4.json").read_text(encoding="utf-8"))
    assert data["responses"] == sum(api_count(base, state.current(c.id).form_id) for c in ws.communes) == 27


def test_a_trashed_spreadsheet_has_its_forms_read_through_the_forms_api(published_workspace, store):
    ws, state, base = published_workspace
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form), "2025-10-01T08:00:00+07:00")
    pull(ws, state, connect(), store)
    hoa = state.current("hoa-thanh")
    requests.patch(f"{base}/drive/v3/files/{hoa.spreadsheet_id}", json={"trashed": True}, timeout=5,
                   headers=bearer()).raise_for_status()
    requests.post(f"{base}/formkit/v1/forms/{hoa.form_id}:unlinkSheet", timeout=5, headers=bearer())
    requests.post(f"{base}/formkit/v1/forms/{hoa.form_id}:linkSheet", json={"spreadsheetId": hoa.spreadsheet_id},
                  timeout=5, headers=bearer())  # whatever the sheet does now, the form has every answer
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form, officer=1), "2025-10-02T08:00:00+07:00")
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 1, "binh-thanh": 1, "nam-dong": 1}
    assert set(result.untrusted.values()) == {"its spreadsheet is in Drive's trash"}
    for commune in ws.communes:
        assert len(stored(store, commune.id)) == api_count(base, state.current(commune.id).form_id) == 2


def test_a_big_first_read_is_split_to_keep_each_answer_small(published_workspace, store, monkeypatch):
    """Google advises keeping a Sheets answer under 2 MB: reads are split by their estimated size,
    a tab bigger than that in pieces of rows, and every answer is still stored once."""
    ws, state, base = published_workspace
    for n in range(12):
        for commune in ws.communes:
            form = state.current(commune.id)
            submit(form, answers(ws, form, officer=n % 2), f"2025-10-{n + 1:02d}T08:00:00+07:00")
    hoa = state.current("hoa-thanh")
    _, columns = grid(base, hoa.spreadsheet_id)[hoa.sheet_tab]
    monkeypatch.setattr(client_module, "RESPONSE_BUDGET", 40 * columns * client_module.CELL_BYTES)  # 40 rows
    reset_calls(base)
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 12, "binh-thanh": 12, "nam-dong": 12}
    # three tabs of 112 rows each, in pieces of 40 rows: 9 pieces, one a call
    assert server_calls(base)["sheets.spreadsheets.values.batchGet"] == 9


def test_formkit_link_spreads_communes_over_spreadsheets_and_pull_reads_them_all(created_workspace, store, formkit):
    ws, state, base = created_workspace
    toml = ws.root / "formkit.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[link]\nanswers_per_quarter = 4000\n", encoding="utf-8")
    assert formkit("link", "-w", ws.root).exit_code == 0
    assert formkit("link", "-w", ws.root).exit_code == 0  # again: nothing moves
    ws = load_workspace(ws.root)
    state = State.load(ws.state_file)
    sheets = {c.id: state.current(c.id).spreadsheet_id for c in ws.communes}
    assert sheets["hoa-thanh"] == sheets["binh-thanh"] != sheets["nam-dong"]
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form), "2025-10-01T08:00:00+07:00")
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 1, "binh-thanh": 1, "nam-dong": 1} and set(result.source.values()) == {"sheet"}
    assert set(result.cells) == set(sheets.values())


def test_status_shows_each_spreadsheets_cells_and_warns_well_before_full(published_workspace, formkit, monkeypatch):
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    used = sum(r * c for r, c in grid(base, hoa.spreadsheet_id).values())
    result = formkit("status", "-w", ws.root)
    assert result.exit_code == 0, result.output
    assert f"spreadsheet {hoa.spreadsheet_id}: {used:,} of 10,000,000 cells (0%), 3 communes" in result.out
    vietnamese = formkit("status", "-w", ws.root, "--lang", "vi")
    grouped = f"{used:,}".replace(",", ".")
    assert f"bảng tính {hoa.spreadsheet_id}: {grouped} trên 10.000.000 ô (0%), 3 xã" in vietnamese.out
    assert "full" not in result.err
    from formkit.forms import status as status_module

    monkeypatch.setattr(status_module, "CELL_LIMIT", int(used / 0.85))  # as if 85% of Google's limit were used
    result = formkit("status", "-w", ws.root)
    assert result.exit_code == 0 and "is 85% full" in result.err and "Create a new spreadsheet" in result.err


def test_one_spreadsheet_for_communes_that_need_several_is_refused(created_workspace, formkit):
    ws, state, base = created_workspace
    toml = ws.root / "formkit.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[link]\nanswers_per_quarter = 4000\n", encoding="utf-8")
    result = formkit("link", "-w", ws.root, "--spreadsheet", "1AnyExistingSpreadsheet")
    assert result.exit_code == 2 and "need 2" in result.err
    assert all(not f.spreadsheet_id for c in ws.communes for f in State.load(ws.state_file).forms(c.id))


# Shapes of real exchanges, learned from public recordings (gspread's cassettes, recorded from the
# Sheets and Drive APIs) and Google's error pages; the fixtures are our own -----------------------

DRIVE_RATE_LIMIT = {"error": {"errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded",
                                          "message": "User Rate Limit Exceeded"}],
                              "code": 403, "message": "User Rate Limit Exceeded"}}
DRIVE_SHARING_LIMIT = {"error": {"errors": [{"domain": "global", "reason": "sharingRateLimitExceeded",
                                             "message": "Rate limit exceeded. User message: \"These item(s) could "
                                                        "not be shared because a rate limit was exceeded: x\""}],
                                 "code": 403, "message": "Rate limit exceeded."}}
DRIVE_NO_ACCESS = {"error": {"errors": [{"domain": "global", "reason": "insufficientFilePermissions",
                                         "message": "The user does not have sufficient permissions for this file."}],
                             "code": 403, "message": "The user does not have sufficient permissions for this file."}}
SHEETS_QUOTA = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded for quota metric "
                          "'Read requests' and limit 'Read requests per minute per user'",
                          "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                       "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com"}]}}
# spreadsheets.get with includeGridData=false, as recorded: grid sizes per tab, a zone such as Etc/GMT;
# a chart sheet (sheetType OBJECT) has no gridProperties at all.
SPREADSHEET = {"spreadsheetId": "1x", "properties": {"title": "t", "locale": "en_US", "timeZone": "Etc/GMT"},
               "sheets": [{"properties": {"sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
                                          "gridProperties": {"rowCount": 1000, "columnCount": 26}}},
                          {"properties": {"sheetId": 7, "title": "Form Responses 1", "index": 1, "sheetType": "GRID",
                                          "gridProperties": {"rowCount": 102, "columnCount": 12,
                                                             "frozenRowCount": 1}}},
                          {"properties": {"sheetId": 9, "title": "Chart1", "index": 2, "sheetType": "OBJECT"}}]}


@pytest.mark.parametrize(("body", "status", "retried"), [
    (DRIVE_RATE_LIMIT, 403, True), (DRIVE_SHARING_LIMIT, 403, True), (DRIVE_NO_ACCESS, 403, False),
    (SHEETS_QUOTA, 429, True)])
def test_recorded_error_shapes_are_told_apart(body, status, retried):
    import json

    from formkit.google.retry import Failure, error_reasons, google_message

    content = json.dumps(body).encode()
    failure = Failure(status, google_message(content, status), None, error_reasons(content))
    assert failure.retryable is retried
    assert body["error"]["message"] in failure.message


def test_recorded_spreadsheet_shape_gives_its_cells_and_zone():
    from formkit.google.client import grid_cells, tab_grids

    assert tab_grids(SPREADSHEET)["Chart1"] == (0, 0)
    assert grid_cells(SPREADSHEET) == 1000 * 26 + 102 * 12
    assert sheet_zone(SPREADSHEET["properties"]["timeZone"]).utcoffset(None).total_seconds() == 0

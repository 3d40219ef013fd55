"""Google at real volume: custom time zones, Drive's rate-limit 403s, trashed and full spreadsheets,
the grid a form-made tab really has, and the Forms API's unordered, default-omitting answers."""

from __future__ import annotations

import pytest
import requests
from conftest import add_fault, bearer, published_workspace  # noqa: F401  (fixture)
from test_pull import (  # noqa: F401  (fixtures)
    answers,
    created_workspace,
    values_url,
    store,
    stored,
    submit,
)
from test_pull_sheets import new_spreadsheet

from formkit.forms.linking import link_local
from formkit.forms.state import State
from formkit.google.client import connect
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
    submit(hoa, answers(ws, hoa, so_dien_thoai="0912345678", y_kien_khac="12"), "2025-09-27T08:07:24+07:00")
    values = requests.get(values_url(base, hoa, "A1:AZ2"), params={"valueRenderOption": "UNFORMATTED_VALUE"},
                          timeout=5, headers=bearer()).json()["values"]
    row = dict(zip(values[0], values[1], strict=False))
    phone = next(v for k, v in row.items() if "điện thoại" in k.lower())
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

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

"""Google at real volume: custom time zones, Drive's rate-limit 403s, trashed and full spreadsheets,
the grid a form-made tab really has, and the Forms API's unordered, default-omitting answers."""

from __future__ import annotations

import pytest
import requests
from conftest import bearer
from test_pull import (  # noqa: F401  (fixtures)
    answers,
    created_workspace,
    store,
    stored,
    submit,
)
from test_pull_sheets import new_spreadsheet

from formkit.forms.linking import link_local
from formkit.google.client import connect
from formkit.responses.pull import pull
from formkit.responses.timestamps import sheet_zone


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

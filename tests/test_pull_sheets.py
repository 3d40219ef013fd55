"""Pulling from spreadsheets as real ones are: Google's tab names, a time zone that is not
Vietnam's, a new form version beside the old one, edited API responses, a shortened tab, and
thousands of tabs split into few values:batchGet calls."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import quote, urlencode

import pytest
import requests
from conftest import bearer, server_calls
from test_pull import (  # noqa: F401  (fixtures)
    BATCH_GET,
    DRIVE_GET,
    SHEETS_GET,
    answers,
    new_template_version,
    rename_tab,
    reset_calls,
    store,
    stored,
    submit,
    values_url,
    write_cells,
)

from formkit.errors import InputError
from formkit.forms.linking import link_local
from formkit.forms.state import State
from formkit.google import client
from formkit.google.client import connect, quote_tab, url_chunks
from formkit.responses.columns import FormShape, read_new_rows
from formkit.responses.pull import pull
from formkit.responses.store import VIETNAM, ResponseRow, ResponseStore
from formkit.workspace.config import load_workspace


def new_spreadsheet(base: str, time_zone: str) -> str:
    body = {"properties": {"title": "Câu trả lời", "timeZone": time_zone}}
    reply = requests.post(f"{base}/v4/spreadsheets", json=body, timeout=5, headers=bearer())
    reply.raise_for_status()
    return reply.json()["spreadsheetId"]


def test_a_sheet_on_gmt_puts_answers_in_the_right_quarter(created_workspace, store):
    """Answers on both sides of 30 Sep 17:00 UTC (midnight in Vietnam), first read through the
    Forms API, then from a hand-linked sheet on Etc/GMT with Google's tab names: same seconds,
    nothing twice, the quarter decided in Vietnam time."""
    ws, state, base = created_workspace
    hoa = state.current("hoa-thanh")
    submit(hoa, answers(ws, hoa), "2025-09-30T16:59:59Z")
    submit(hoa, answers(ws, hoa, officer=1), "2025-09-30T17:00:00Z")
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 2

    sheet = new_spreadsheet(base, "Etc/GMT")
    linked = link_local(ws, state, connect(), sheet, google_names=True)
    assert {tab for _, tab, _ in linked} == {"Câu trả lời biểu mẫu 1", "Câu trả lời biểu mẫu 2",
                                              "Câu trả lời biểu mẫu 3"}
    for form in (state.current(c.id) for c in ws.communes):
        form.sheet_tab, form.sheet_tab_id = "", None  # as if linked by hand in the Forms UI
    hoa_tab = next(tab for cid, tab, _ in linked if cid == "hoa-thanh")
    raw = requests.get(f"{base}/v4/spreadsheets/{sheet}/values/{quote(quote_tab(hoa_tab) + '!A2:A3')}",
                       params={"valueRenderOption": "UNFORMATTED_VALUE"}, timeout=5, headers=bearer()).json()["values"]
    assert round((raw[0][0] % 1) * 86400) == 16 * 3600 + 59 * 60 + 59  # a serial in the sheet's own zone: GMT

    reset_calls(base)
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 0, "binh-thanh": 0, "nam-dong": 0}
    assert server_calls(base) == {"forms.get": 3, SHEETS_GET: 1, DRIVE_GET: 1, BATCH_GET: 1}
    assert [r[1] for r in stored(store, "hoa-thanh")] == ["2025-09-30 23:59:59", "2025-10-01 00:00:00"]
    assert any(t.startswith("hoa-thanh:") and f"'{hoa_tab}'" in t for t in result.tabs)
    # The two other forms have no answers and two empty tabs fit both: nothing to read, said so.
    assert sorted(w.split(":")[0] for w in result.warnings if "none holds answers yet" in w) == ["binh-thanh",
                                                                                             "nam-dong"]
    submit(hoa, answers(ws, hoa), "2025-12-31T16:59:59Z")
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 1
    assert stored(store, "hoa-thanh")[-1][1:3] == ("2025-12-31 23:59:59", "sheet")


def test_a_new_version_is_pulled_from_its_own_tab(published_workspace, store, formkit):
    ws, state, base = published_workspace
    old = state.current("nam-dong")
    submit(old, answers(ws, old), "2025-09-27T08:07:24+07:00")
    new_template_version(ws, formkit)
    result = formkit("link", "-w", ws.root)
    assert result.exit_code == 0, result.output
    assert "Phường Nam Đông (v3)" in result.output
    ws, state = load_workspace(ws.root), State.load(ws.state_file)
    new = state.current("nam-dong")
    submit(new, answers(ws, new), "2026-01-05T10:00:00+07:00")
    submit(old, answers(ws, old), "2026-01-05T10:00:01+07:00")  # the old poster is still up
    result = pull(ws, state, connect(), store)
    assert result.added["nam-dong"] == 3 and result.source["nam-dong"] == "sheet"
    rows = store.db.execute("SELECT form_id, template_version, submitted FROM responses WHERE commune_id = 'nam-dong'"
                            " ORDER BY submitted").fetchall()
    assert rows == [(old.form_id, 2, "2025-09-27 08:07:24"), (new.form_id, 3, "2026-01-05 10:00:00"),
                    (old.form_id, 2, "2026-01-05 10:00:01")]
    tabs = [t for t in result.tabs if t.startswith("nam-dong:")]
    assert any("'Phường Nam Đông (v3)'" in t and new.form_id in t for t in tabs)
    assert any("'Phường Nam Đông'" in t and old.form_id in t for t in tabs)
    again = formkit("pull", "-w", ws.root)  # the CLI says which tab each form was read from
    assert again.exit_code == 0, again.output
    assert f"tab: nam-dong: form {new.form_id} ← tab 'Phường Nam Đông (v3)'" in again.out


def test_two_versions_with_the_same_titles_are_told_apart_by_their_times(published_workspace, store, formkit):
    """Both tabs of a commune (old and new form) renamed, the state's record of them lost: headers
    and officers fit both, so each form's own response times (forms.responses.list) decide."""
    ws, state, base = published_workspace
    old = state.current("nam-dong")
    submit(old, answers(ws, old), "2025-09-27T08:07:24+07:00")
    new_template_version(ws, formkit)
    assert formkit("link", "-w", ws.root).exit_code == 0
    ws, state = load_workspace(ws.root), State.load(ws.state_file)
    old, new = state.forms("nam-dong")
    submit(new, answers(ws, new), "2026-01-05T10:00:00+07:00")
    for form, name in ((old, "Câu trả lời biểu mẫu 7"), (new, "Câu trả lời biểu mẫu 8")):
        rename_tab(base, form.spreadsheet_id, form.sheet_tab, name)
        form.sheet_tab, form.sheet_tab_id = "", None
    result = pull(ws, state, connect(), store)
    assert result.added["nam-dong"] == 2
    assert (old.sheet_tab, new.sheet_tab) == ("Câu trả lời biểu mẫu 7", "Câu trả lời biểu mẫu 8")
    tabs = [t for t in result.tabs if t.startswith("nam-dong:")]
    assert len(tabs) == 2 and all("times of the form's own responses" in t for t in tabs), tabs


def test_an_edited_api_response_is_one_response(tmp_path, example_dir):
    """lastSubmittedTime moves when a respondent edits: the responseId keeps it one response."""
    ws = load_workspace(example_dir)
    with ResponseStore(tmp_path / "r.sqlite") as store:
        def row(when: str, level: str) -> ResponseRow:
            return ResponseRow("hoa-thanh", "F1", "api", ws.template.id, 1, datetime.fromisoformat(when),
                               {"1.1": level}, response_id="ACYDBNi_1")
        assert store.add([row("2025-09-27T08:07:24+07:00", "Hài lòng")], ws.template) == 1
        assert store.add([row("2025-09-28T09:00:00+07:00", "Rất hài lòng")], ws.template) == 0
        assert store.count() == 1
        # A response first read from the sheet takes its id when the API lists it: edits stay one.
        sheet_row = ResponseRow("hoa-thanh", "F1", "sheet", ws.template.id, 1,
                                datetime.fromisoformat("2025-09-29T10:00:00+07:00"), {"1.1": "Hài lòng"})
        assert store.add([sheet_row], ws.template) == 1
        listed = ResponseRow(**{**vars(sheet_row), "source": "api", "response_id": "ACYDBNi_2"})
        assert store.add([listed], ws.template) == 0
        edited = ResponseRow(**{**vars(listed), "submitted": datetime.fromisoformat("2025-09-30T10:00:00+07:00")})
        assert store.add([edited], ws.template) == 0 and store.count() == 2


def test_one_listing_with_a_response_twice_stores_it_once(tmp_path, example_dir):
    """A response edited while its form's pages were listed comes twice, under one responseId;
    the second copy, landing on the second of a row read from the sheet, is not stored again."""
    ws = load_workspace(example_dir)
    with ResponseStore(tmp_path / "r.sqlite") as store:
        at = datetime.fromisoformat("2025-09-29T10:00:00+07:00")
        sheet_row = ResponseRow("hoa-thanh", "F1", "sheet", ws.template.id, 1, at, {"1.1": "Hài lòng"})
        assert store.add([sheet_row], ws.template) == 1
        first = ResponseRow("hoa-thanh", "F1", "api", ws.template.id, 1, datetime.fromisoformat(
            "2025-09-28T09:00:00+07:00"), {"1.1": "Hài lòng"}, response_id="ACYDBNi_9")
        again = ResponseRow(**{**vars(first), "submitted": at})
        assert store.add([first, again], ws.template) == 1 and store.count() == 2


def test_a_shortened_tab_keeps_what_the_store_has(published_workspace, store):
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    submit(hoa, answers(ws, hoa), "2025-09-27T08:07:24+07:00")
    submit(hoa, answers(ws, hoa), "2025-09-27T08:07:25+07:00")
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 2
    clear = f"{base}/v4/spreadsheets/{hoa.spreadsheet_id}/values/{quote(quote_tab(hoa.sheet_tab) + '!A2:ZZ')}:clear"
    requests.post(clear, timeout=5, headers=bearer()).raise_for_status()
    result = pull(ws, state, connect(), store)
    assert result.added["hoa-thanh"] == 0 and store.count() == 2
    [warning] = [w for w in result.warnings if w.startswith("hoa-thanh")]
    assert "holds 0 answers but 2 were pulled" in warning and "kept" in warning


def test_3321_tabs_split_into_few_urls():
    names = [quote_tab(f"Xã Phước Vĩnh Đông {i} (v3)") for i in range(3321)]
    params = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
              "majorDimension": "ROWS"}
    chunks = url_chunks("1" * 44, names, params)
    assert [n for c in chunks for n in c] == names  # every tab once, in order
    lengths = [len(f"https://sheets.googleapis.com/v4/spreadsheets/{'1' * 44}/values:batchGet?"
                   + urlencode({**params, "ranges": c}, doseq=True) + "&alt=json") for c in chunks]
    assert max(lengths) <= client.URL_LIMIT
    assert min(lengths[:-1]) > client.URL_LIMIT - 100  # each URL filled (spaces as requests sends them, "+")
    total = sum(len(urlencode({"ranges": n})) + 1 for n in names)
    assert len(chunks) <= math.ceil(total / (client.URL_LIMIT - 400)) + 1  # as few as the limit allows
    assert len(chunks) > 1


def test_a_small_url_limit_splits_the_batch_get(published_workspace, store, monkeypatch):
    ws, state, base = published_workspace
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form), "2025-09-27T08:07:24+07:00")
    monkeypatch.setattr(client, "URL_LIMIT", 200)  # one tab per call
    reset_calls(base)
    result = pull(ws, state, connect(), store)
    assert server_calls(base)[BATCH_GET] == 3 and result.spreadsheets == 4
    assert result.added == {"hoa-thanh": 1, "binh-thanh": 1, "nam-dong": 1}


def test_a_row_deleted_mid_tab_keeps_it_and_reads_what_is_new(published_workspace, store):
    """A pull skips the rows it took before by their key (second and n-th in that second), not
    by their count: a row deleted in the middle stays in the store, the rows after it are not
    taken again, and an answer added afterwards is read once."""
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    for when in ("2025-09-27T08:07:24+07:00", "2025-09-27T08:07:25+07:00", "2025-09-27T08:07:26+07:00"):
        submit(hoa, answers(ws, hoa), when)
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 3
    url = values_url(base, hoa, "A1:ZZ")
    rows = requests.get(url, params={"valueRenderOption": "UNFORMATTED_VALUE"}, timeout=5,
                        headers=bearer()).json()["values"]
    requests.post(f"{url}:clear", timeout=5, headers=bearer()).raise_for_status()
    write_cells(base, hoa, "A1", [rows[0], rows[1], rows[3]])  # the 08:07:25 row deleted, the rest moved up
    result = pull(ws, state, connect(), store)
    assert result.added["hoa-thanh"] == 0 and store.count() == 3
    [warning] = [w for w in result.warnings if w.startswith("hoa-thanh")]
    assert "holds 2 answers but 3 were pulled" in warning
    submit(hoa, answers(ws, hoa, officer=1), "2025-09-28T09:00:00+07:00")
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 1
    assert [r[1] for r in stored(store, "hoa-thanh")] == [
        "2025-09-27 08:07:24", "2025-09-27 08:07:25", "2025-09-27 08:07:26", "2025-09-28 09:00:00"]
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 0


def test_rows_taken_before_are_keyed_not_read_again(published_workspace, store):
    """Two answers in one second and one after: once stored, only their times are read again;
    a new row comes back alone, carrying the key the store would give it."""
    ws, state, base = published_workspace
    hoa = state.current("hoa-thanh")
    for when in ("2025-09-27T08:07:24+07:00", "2025-09-27T08:07:24+07:00", "2025-09-27T08:07:25+07:00"):
        submit(hoa, answers(ws, hoa), when)
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 3
    submit(hoa, answers(ws, hoa), "2025-09-27T08:07:25+07:00")
    values = requests.get(values_url(base, hoa, "A1:ZZ"), params={"valueRenderOption": "UNFORMATTED_VALUE"},
                          timeout=5, headers=bearer()).json()["values"]
    shape = FormShape.from_record("hoa-thanh", hoa, ws.template)
    known = store.form_keys("hoa-thanh", hoa.form_id)
    assert len(known) == 3
    rows, answered, _, problems = read_new_rows(shape, values, "sheet", "hoa-thanh", "sheet", zone=VIETNAM,
                                                known=known)
    assert answered == 4 and problems == []
    assert [r.key for r in rows] == [f"hoa-thanh|{hoa.form_id}|2025-09-27 08:07:25|2"]
    assert store.add(rows, ws.template) == 1 and store.form_keys("hoa-thanh", hoa.form_id) == known | {rows[0].key}


class Ranges:
    """Wraps a Google client to see which ranges each values:batchGet asked for."""

    def __init__(self, google):
        self.google, self.asked = google, []

    def __getattr__(self, name):
        return getattr(self.google, name)

    def read_tabs(self, spreadsheet_id, tabs, cells=None, grids=None):
        self.asked.append(dict(zip(tabs, cells or [""] * len(tabs), strict=True)))
        return self.google.read_tabs(spreadsheet_id, tabs, cells, grids)


def test_a_repeat_pull_reads_the_time_column_and_only_changed_tabs_whole(published_workspace, store):
    """Tabs whose every answer is stored have only their time column read; a tab with a new row,
    a blank time, or its times moved out of column A is read whole, and what a whole read says
    (problems, warnings) is said."""
    ws, state, base = published_workspace
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form), "2025-09-27T08:07:24+07:00")
    google = Ranges(connect())
    assert sum(pull(ws, state, google, store).added.values()) == 3
    assert google.asked == [dict.fromkeys(["Xã Hòa Thành", "Xã Bình Thạnh", "Phường Nam Đông"], "")]  # all new

    google = Ranges(connect())
    assert sum(pull(ws, state, google, store).added.values()) == 0
    assert google.asked == [dict.fromkeys(["Xã Hòa Thành", "Xã Bình Thạnh", "Phường Nam Đông"], "A:A")]

    nam = state.current("nam-dong")
    submit(nam, answers(ws, nam, officer=1), "2025-09-28T08:00:00+07:00")
    google = Ranges(connect())
    assert pull(ws, state, google, store).added == {"hoa-thanh": 0, "binh-thanh": 0, "nam-dong": 1}
    assert google.asked[1] == {"Phường Nam Đông": ""}

    hoa = state.current("hoa-thanh")
    when = requests.get(values_url(base, hoa, "A2"), params={"valueRenderOption": "UNFORMATTED_VALUE"},
                        timeout=5, headers=bearer()).json()["values"]
    write_cells(base, hoa, "A2", [[""]])  # a stored row's time erased: fewer times than stored
    google = Ranges(connect())
    with pytest.raises(InputError) as caught:
        pull(ws, state, google, store)
    assert [(p.place, p.message) for p in caught.value.problems] == [("tab 'Xã Hòa Thành', row 2",
                                                                      "answers without a time")]
    assert google.asked[1] == {"Xã Hòa Thành": ""}
    write_cells(base, hoa, "A2", when)

    binh = state.current("binh-thanh")
    columns = requests.get(values_url(base, binh, "A1:B"), params={"valueRenderOption": "UNFORMATTED_VALUE"},
                           timeout=5, headers=bearer()).json()["values"]
    write_cells(base, binh, "A1", [[b, a] for a, b in columns])  # the times moved to column B
    google = Ranges(connect())
    result = pull(ws, state, google, store)
    assert google.asked[1] == {"Xã Bình Thạnh": ""} and sum(result.added.values()) == 0

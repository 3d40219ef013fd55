"""The local backend under concurrent load, and what a response costs: writers and readers at
once over real HTTP, nothing lost; a submission touches its own tab only; compact JSON."""

from __future__ import annotations

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_localserver import Q_GAVE, Q_PHONE, forms, gspread_client, http, link, new_survey, server, submit  # noqa: F401

from formkit.localserver.store import Store


def test_writers_and_readers_at_once_lose_nothing(server, forms):
    form = new_survey(forms, "Tải")
    linked = link(server, form)
    writing = threading.Event()
    writing.set()
    listings: list[list[dict]] = []

    def read() -> None:
        while writing.is_set():
            status, body, _ = http(f"{server.base_url}/v1/forms/{form['formId']}/responses")
            assert status == 200
            listings.append(json.loads(body).get("responses", []))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: submit(form, {Q_GAVE: "Không", Q_PHONE: f"w{n}"})[0], range(80)))
    writing.clear()
    for reader in readers:
        reader.join()
    assert statuses == [200] * 80
    assert listings, "the readers listed nothing"
    for listing in listings:  # each listing is one snapshot: whole responses, in time order
        times = [r["lastSubmittedTime"] for r in listing]
        assert times == sorted(times) and all("answers" in r for r in listing)
    final = forms.responses().list(formId=form["formId"]).execute()["responses"]
    assert sorted(r["answers"][Q_PHONE]["textAnswers"]["answers"][0]["value"] for r in final) == sorted(
        f"w{n}" for n in range(80))
    rows = gspread_client(server.base_url).open_by_key(linked["spreadsheetId"]).sheet1.get_all_values()
    assert len(rows) == 81


def test_a_submission_touches_its_own_tab_only(server, forms):
    first, second = new_survey(forms, "Tab 1"), new_survey(forms, "Tab 2")
    one = link(server, first, spreadsheetTitle="Nhiều tab")
    two = link(server, second, spreadsheetId=one["spreadsheetId"], tabName="tab-2")
    sheet = gspread_client(server.base_url).open_by_key(one["spreadsheetId"])
    sheet.batch_update({"requests": [
        {"updateSheetProperties": {"properties": {"sheetId": two["sheetId"], "gridProperties": {"rowCount": 2}},
                                   "fields": "gridProperties.rowCount"}}]})

    def stored() -> tuple[str, dict[int, str]]:
        with sqlite3.connect(server.db_path) as db:
            document = db.execute("SELECT data FROM documents WHERE id = ?", (one["spreadsheetId"],)).fetchone()[0]
            tabs = dict(db.execute("SELECT sheet_id, data FROM tabs WHERE spreadsheet_id = ?", (one["spreadsheetId"],)))
        return document, tabs

    before = stored()
    for n in range(3):
        assert submit(second, {Q_GAVE: "Không", Q_PHONE: f"t{n}"})[0] == 200
    after = stored()
    assert after[0] == before[0]  # the spreadsheet's own document is not rewritten
    assert after[1][one["sheetId"]] == before[1][one["sheetId"]]  # nor the other tab
    got = sheet.fetch_sheet_metadata()
    grid = next(s["properties"]["gridProperties"] for s in got["sheets"]
                if s["properties"]["sheetId"] == two["sheetId"])
    assert grid["rowCount"] == 4  # the header and three responses: the tab grew to hold them
    values = sheet.worksheet("tab-2").get_all_values()
    assert [row[4] for row in values[1:]] == ["t0", "t1", "t2"]


def test_replies_are_compact_json(server, forms):
    form = new_survey(forms, "Gọn")
    status, body, _ = http(f"{server.base_url}/v1/forms/{form['formId']}")
    assert status == 200 and "\n" not in body and '": ' not in body and json.loads(body)["formId"] == form["formId"]


def test_a_store_written_with_tabs_inside_the_document_still_opens(tmp_path):
    db = tmp_path / "google.sqlite"
    Store(db).close()
    tabs = [{"sheetId": 0, "title": "Trang tính1", "index": 0, "sheetType": "GRID",
             "gridProperties": {"rowCount": 1000, "columnCount": 26}}]
    doc = {"spreadsheetId": "s1", "properties": {"title": "Cũ", "locale": "vi_VN", "timeZone": "Asia/Ho_Chi_Minh"},
           "sheets": tabs}
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO documents (kind, id, data) VALUES ('spreadsheet', 's1', ?)", (json.dumps(doc),))
    store = Store(db)
    assert store.get("spreadsheet", "s1") == doc
    assert store.spreadsheet_with_tab("s1", 0)["sheets"] == tabs
    with pytest.raises(RuntimeError):
        store.put("spreadsheet", "s1", store.spreadsheet_with_tab("s1", 0))
    store.close()


def test_fields_selects_a_partial_response_as_google_does(server, forms):
    from googleapiclient.errors import HttpError

    form = new_survey(forms, "Một phần")
    got = forms.get(formId=form["formId"], fields="formId,items(itemId,questionItem/question/questionId)").execute()
    assert set(got) == {"formId", "items"}
    assert all(set(item) <= {"itemId", "questionItem"} for item in got["items"])
    assert {item["questionItem"]["question"]["questionId"] for item in got["items"] if "questionItem" in item} == {
        i["questionItem"]["question"]["questionId"] for i in form["items"] if "questionItem" in i}
    assert forms.get(formId=form["formId"], fields="linkedSheetId").execute() == {}  # not linked: absent
    for bad in ("formId,colour", "items(nothing)", "items(itemId"):
        with pytest.raises(HttpError) as caught:
            forms.get(formId=form["formId"], fields=bad).execute()
        assert caught.value.status_code == 400

    for n in range(7):
        assert submit(form, {Q_GAVE: "Không", Q_PHONE: f"p{n}"})[0] == 200
    whole, partial, token = [], [], None
    while True:  # the partial pages list the same responses in the same order as the whole ones
        kwargs = {"pageToken": token} if token else {}
        page = forms.responses().list(formId=form["formId"], pageSize=3, **kwargs).execute()
        whole += page["responses"]
        token = page.get("nextPageToken")
        if not token:
            break
    while True:
        kwargs = {"pageToken": token} if token else {}
        page = forms.responses().list(formId=form["formId"], pageSize=3, fields="nextPageToken,responses(responseId)",
                                      **kwargs).execute()
        partial += page["responses"]
        token = page.get("nextPageToken")
        if not token:
            break
    assert partial == [{"responseId": r["responseId"]} for r in whole] and len(whole) == 7

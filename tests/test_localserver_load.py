"""The local backend under concurrent load, and what a response costs: writers and readers at
once over real HTTP, nothing lost; a submission touches its own tab only; compact JSON; writes
committed together yet undone alone; a submission checked against the form as stored now, through
every kind of jump, its fields read exactly as parse_qs reads them."""

from __future__ import annotations

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_localserver import (  # noqa: F401
    Q_GAVE,
    Q_PHONE,
    choice,
    forms,
    gspread_client,
    http,
    let_anyone_answer,
    link,
    new_survey,
    server,
    submit,
    text,
)

from formkit.localserver import respondent
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
    for listing in listings:  # each listing is one snapshot of whole responses (in no particular order)
        assert len({r["responseId"] for r in listing}) == len(listing) and all("answers" in r for r in listing)
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
    assert grid["rowCount"] == 5  # 2 rows, and a row per response, as a form-made tab grows
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


def test_writes_queued_together_commit_together_and_fail_alone(tmp_path):
    store = Store(tmp_path / "google.sqlite")
    queued = threading.Event()

    def work(n: int):
        def run() -> int:
            if n == 0:  # the first write holds its batch open until the others wait behind it
                queued.wait(10)
            store.add_response("f", f"r{n}", n, {"n": n})
            if n == 3:
                raise ValueError("refused")
            return store.write(lambda: n * 10)  # a write inside a write joins it
        return run

    results: dict[int, object] = {}

    def call(n: int) -> None:
        try:
            results[n] = store.write(work(n))
        except ValueError as exc:
            results[n] = exc

    first = threading.Thread(target=call, args=(0,))
    first.start()
    while not store._leading:
        threading.Event().wait(0.01)
    others = [threading.Thread(target=call, args=(n,)) for n in range(1, 6)]
    for thread in others:
        thread.start()
    while len(store._queue) < 5:  # all five wait for the next batch
        threading.Event().wait(0.01)
    queued.set()
    for thread in [first, *others]:
        thread.join(10)
    assert {n: r for n, r in results.items() if n != 3} == {0: 0, 1: 10, 2: 20, 4: 40, 5: 50}
    assert isinstance(results[3], ValueError)
    assert [r["n"] for _, _, r in store.responses("f")] == [0, 1, 2, 4, 5]  # the refused write alone undone
    store.close()


def test_a_submission_follows_the_form_as_stored_now(server, forms):
    form = new_survey(forms, "Đổi")
    assert submit(form, {Q_GAVE: "Không"})[0] == 200  # the form compiled for answering
    phone = text(Q_PHONE, "Số điện thoại")
    phone["questionItem"]["question"]["required"] = True
    forms.batchUpdate(formId=form["formId"], body={"requests": [{"updateItem": {
        "item": phone, "location": {"index": _index_of(form, Q_PHONE)}, "updateMask": "questionItem"}}]}).execute()
    status, body = submit(form, {Q_GAVE: "Không"})
    assert status == 400 and "bắt buộc" in body  # changed through the API
    assert submit(form, {Q_GAVE: "Không", Q_PHONE: "0912"})[0] == 200
    with sqlite3.connect(server.db_path) as db:  # changed behind the server's back: closed
        data = json.loads(db.execute("SELECT data FROM documents WHERE id = ?", (form["formId"],)).fetchone()[0])
        data["publishState"]["isAcceptingResponses"] = False
        db.execute("UPDATE documents SET data = ? WHERE id = ?", (json.dumps(data), form["formId"]))
    assert submit(form, {Q_GAVE: "Không", Q_PHONE: "0912"})[0] == 403
    assert len(forms.responses().list(formId=form["formId"]).execute()["responses"]) == 2


def _index_of(form: dict, question_id: str) -> int:
    return next(i for i, item in enumerate(form["items"])
                if item.get("questionItem", {}).get("question", {}).get("questionId") == question_id)


def test_every_kind_of_jump_is_followed_from_the_compiled_form(forms):
    """Next section, submit, restart, a jump to a page, and one back that makes a loop."""
    first, second = "3d000001", "3d000002"
    q_a, q_b, q_c = "2d000001", "2d000002", "2d000003"
    items = [
        {"itemId": "3d000010", **choice(q_a, "Đi đâu?", "RADIO", [
            {"value": "tiếp", "goToAction": "NEXT_SECTION"}, {"value": "nộp", "goToAction": "SUBMIT_FORM"},
            {"value": "về đầu", "goToAction": "RESTART_FORM"}, {"value": "sang 2", "goToSectionId": second},
            "ở lại"], required=True)},
        {"itemId": first, "title": "Phần 1", "pageBreakItem": {}},
        {"itemId": "3d000011", **text(q_b, "Bắt buộc ở phần 1")},
        {"itemId": second, "title": "Phần 2", "pageBreakItem": {}},
        {"itemId": "3d000012", **choice(q_c, "Quay lại?", "RADIO", [{"value": "quay lại", "goToSectionId": first},
                                                                   "không"])},
    ]
    items[2]["questionItem"]["question"]["required"] = True
    form = forms.create(body={"info": {"title": "Lối đi", "documentTitle": "Lối đi"}}).execute()
    # page breaks first, so that every jump names one that exists: A, P1, B, P2, C
    order = [(items[1], 0), (items[3], 1), (items[2], 1), (items[4], 3), (items[0], 0)]
    forms.batchUpdate(formId=form["formId"], body={"requests": [
        {"createItem": {"item": item, "location": {"index": index}}} for item, index in order]}).execute()
    let_anyone_answer(forms, form["formId"])
    form = forms.get(formId=form["formId"]).execute()

    status, body = submit(form, {q_a: "tiếp"})
    assert status == 400 and "Đây là một câu hỏi bắt buộc." in body  # the next section asks for q_b
    assert submit(form, {q_a: "ở lại", q_b: "có"})[0] == 200  # no jump: on to the next section
    assert submit(form, {q_a: "nộp", q_b: "bỏ", q_c: "không"})[0] == 200  # submitted from the first section
    status, body = submit(form, {q_a: "về đầu"})
    assert status == 400 and "về đầu biểu mẫu" in body
    assert submit(form, {q_a: "sang 2", q_b: "bỏ", q_c: "không"})[0] == 200  # over section 1
    status, body = submit(form, {q_a: "sang 2", q_b: "có", q_c: "quay lại"})
    assert status == 400 and "dẫn về một phần đã qua" in body  # 2 -> 1 -> 2 again
    kept = [r.get("answers", {}) for r in forms.responses().list(formId=form["formId"]).execute()["responses"]]
    assert sorted(sorted(a) for a in kept) == [[q_a], [q_a, q_b], [q_a, q_c]]  # skipped sections' answers dropped


@given(st.text(alphabet="ab=&%+;2Fé ", max_size=40) | st.lists(st.tuples(st.text(max_size=8), st.text(max_size=300)),
                                                              max_size=5).map(urlencode))
def test_submitted_fields_are_read_as_parse_qs_reads_them(body):
    assert respondent._fields(body) == parse_qs(body, keep_blank_values=True)
    assert respondent._fields(body) == parse_qs(body, keep_blank_values=True)  # again, from the cache


def test_a_form_that_cannot_be_compiled_does_not_stop_the_server_starting(tmp_path):
    from formkit.localserver import LocalGoogle

    db = tmp_path / "google.sqlite"
    Store(db).close()
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO documents (kind, id, alias, data) VALUES ('form', 'f1', 'p1', '{\"items\": 1}')")
    with LocalGoogle(db, testing=True) as backend:
        status, _, _ = http(f"{backend.base_url}/forms/d/e/p1/formResponse", form=[("entry.1", "x")])
        assert status == 500  # answered as before the forms were compiled at start: a broken form is a bug
        assert http(f"{backend.base_url}/forms/d/e/nothing/formResponse", form=[("entry.1", "x")])[0] == 404


def test_readers_share_decoded_tabs_until_any_tab_changes(tmp_path):
    """A read-only request reuses the decoded tabs only while the store's tabs are the ones they
    were decoded from: a change here, one rolled back, or one made by another connection is seen."""
    from formkit.localserver import spreadsheets

    store = Store(tmp_path / "s.sqlite")
    doc = spreadsheets.create(store, "Sổ", tabs=[{"title": "Trang tính1"}])
    sid = doc["spreadsheetId"]

    def titles() -> list[str]:
        with store.transaction(write=False):
            return [t["title"] for t in spreadsheets.load(store, sid, read_only=True)["sheets"]]

    assert titles() == ["Trang tính1"]
    first = spreadsheets.load(store, sid, read_only=True)["sheets"]
    assert spreadsheets.load(store, sid, read_only=True)["sheets"] is first  # shared, not decoded again
    tab = dict(first[0], title="Xã An Bình")
    store.put_tab(sid, tab)
    assert titles() == ["Xã An Bình"]
    with pytest.raises(RuntimeError), store.transaction():  # a rename rolled back is not seen
        store.put_tab(sid, dict(tab, title="bỏ"))
        assert titles() == ["bỏ"]
        raise RuntimeError
    assert titles() == ["Xã An Bình"]
    other = sqlite3.connect(tmp_path / "s.sqlite")  # behind the server's back
    other.execute("UPDATE tabs SET data = json_set(data, '$.title', 'Xã Tân Lập')")
    other.commit()
    other.close()
    assert titles() == ["Xã Tân Lập"]
    spreadsheets.save(store, dict(spreadsheets.load(store, sid), sheets=[]))
    assert titles() == []

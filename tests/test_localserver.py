"""The local Google backend, driven over real HTTP by the real client libraries:
google-api-python-client for Forms and Drive, gspread for Sheets, urllib for the respondent page.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import gspread
import httplib2
import pytest
import requests
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from formkit.localserver import LocalGoogle

FORM_MIME = "application/vnd.google-apps.form"
# Item and question ids chosen by the test, as formkit chooses them.
GATE, FEEDBACK, CLOSING = "1a000001", "1a000002", "1a000003"
Q_OFFICER, Q_GAVE, Q_SATISFIED, Q_PHONE, Q_FIELDS, Q_COMMENT = (
    "2b000001", "2b000002", "2b000003", "2b000004", "2b000005", "2b000006")
LEVELS = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]


def entry(question_id: str) -> str:
    return f"entry.{int(question_id, 16)}"


def choice(question_id: str, title: str, kind: str, options: list, required: bool = False) -> dict:
    return {"title": title, "questionItem": {"question": {
        "questionId": question_id, "required": required,
        "choiceQuestion": {"type": kind, "options": [o if isinstance(o, dict) else {"value": o} for o in options]}}}}


def text(question_id: str, title: str, paragraph: bool = False) -> dict:
    return {"title": title, "questionItem": {"question": {"questionId": question_id,
                                                          "textQuestion": {"paragraph": paragraph}}}}


def survey_requests() -> list[dict]:
    """Opening section (officer, "did you give feedback?" with jumps), a feedback section that
    only some respondents see, and a closing section, all wired in one batch."""
    items = [
        {"itemId": "3c000001", "title": "Xin chào", "description": "Phiếu khảo sát", "textItem": {}},
        {"itemId": "3c000002", **choice(Q_OFFICER, "Cán bộ tiếp nhận", "DROP_DOWN", ["Nguyễn Văn A", "Trần Thị B"])},
        {"itemId": "3c000003", **choice(Q_GAVE, "Ông/Bà đã góp ý chưa?", "RADIO",
                                        [{"value": "Có", "goToSectionId": FEEDBACK},
                                         {"value": "Không", "goToSectionId": CLOSING}], required=True)},
        {"itemId": FEEDBACK, "title": "Góp ý, phản ánh", "pageBreakItem": {}},
        {"itemId": "3c000004", **choice(Q_SATISFIED, "Tiếp nhận và xử lý tích cực", "RADIO", LEVELS, required=True)},
        {"itemId": CLOSING, "title": "Kết thúc", "pageBreakItem": {}},
        {"itemId": "3c000005", **text(Q_PHONE, "Số điện thoại")},
        {"itemId": "3c000006", **choice(Q_FIELDS, "Lĩnh vực", "CHECKBOX", ["Hộ tịch", "Đất đai", "Tư pháp"])},
        {"itemId": "3c000007", **text(Q_COMMENT, "Ý kiến đóng góp khác", paragraph=True)},
    ]
    # Bottom-up at index 0, as formkit sends it: each page break exists before a jump names it.
    return [{"createItem": {"item": item, "location": {"index": 0}}} for item in reversed(items)]


class RequestsHttp:
    """httplib2's interface over requests: httplib2 silently re-sends a request whose connection
    dropped, which would hide what drop_after does."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def request(self, uri, method="GET", body=None, headers=None, **_):
        headers = {**(headers or {}), "Authorization": f"Bearer {TOKEN['api']}"}
        r = self.session.request(method, uri, data=body, headers=headers, timeout=10)
        info = {**{k.lower(): v for k, v in r.headers.items()}, "status": str(r.status_code)}
        return httplib2.Response(info), r.content


TOKEN: dict[str, str] = {}  # "api": the module server's token, set by the `server` fixture


def token_credentials() -> Credentials:
    return Credentials(TOKEN["api"])


def forms_service(base_url: str, http=None):
    auth = {"http": http} if http else {"credentials": token_credentials()}
    return build("forms", "v1", static_discovery=True, client_options={"api_endpoint": base_url + "/"}, **auth).forms()


def drive_service(base_url: str):
    return build("drive", "v3", static_discovery=True, credentials=token_credentials(),
                 client_options={"api_endpoint": base_url + "/drive/v3/"})


def gspread_client(base_url: str) -> gspread.Client:
    class Local(gspread.http_client.HTTPClient):
        def request(self, method, endpoint, *args, **kwargs):
            for google in ("https://sheets.googleapis.com", "https://www.googleapis.com"):
                endpoint = endpoint.replace(google, base_url)
            return super().request(method, endpoint, *args, **kwargs)

    return gspread.Client(token_credentials(), http_client=Local)


def auth(server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}


def http(url: str, data: dict | None = None, method: str | None = None, headers: dict | None = None,
         form: list | None = None, token: str | None = None) -> tuple[int, str, dict]:
    """(status, body, headers) of one plain HTTP call; JSON `data` or urlencoded `form`; with the
    module server's API token unless `token` says otherwise ("" for none)."""
    body, headers = None, dict(headers or {})
    token = TOKEN.get("api") if token is None else token
    if token:
        headers.setdefault("Authorization", f"Bearer {token}")
    if data is not None:
        body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
    if form is not None:
        body, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, body, headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8"), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8"), dict(exc.headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LocalGoogle(tmp_path_factory.mktemp("google") / "google.sqlite", testing=True).start() as running:
        TOKEN["api"] = running.token
        yield running


@pytest.fixture(scope="module")
def forms(server):
    return forms_service(server.base_url)


@pytest.fixture(autouse=True)
def no_faults_left(server):
    yield
    http(server.base_url + "/formkit/v1/faults", method="DELETE")


def let_anyone_answer(forms, form_id: str) -> None:
    """Drive permissions.create of an "anyone" responder, through the real client."""
    base = forms._baseUrl.rstrip("/")
    drive_service(base).permissions().create(
        fileId=form_id, body={"type": "anyone", "role": "reader", "view": "published"}).execute()


def new_survey(forms, title: str = "Khảo sát", publish: bool = True) -> dict:
    form = forms.create(body={"info": {"title": title, "documentTitle": f"{title} [formkit x]"}},
                        unpublished=True).execute()
    forms.batchUpdate(formId=form["formId"], body={"requests": survey_requests()}).execute()
    if publish:
        forms.setPublishSettings(formId=form["formId"], body={
            "publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}},
            "updateMask": "publishState"}).execute()
        let_anyone_answer(forms, form["formId"])
    return forms.get(formId=form["formId"]).execute()


def submit(form: dict, answers: dict[str, str | list[str]], at: datetime | None = None) -> tuple[int, str]:
    pairs = [(entry(q), v) for q, values in answers.items() for v in (values if isinstance(values, list) else [values])]
    headers = {"X-Formkit-Submit-Time": at.isoformat()} if at else {}
    status, body, _ = http(form["responderUri"].replace("/viewform", "/formResponse"), form=pairs, headers=headers)
    return status, body


# Forms -----------------------------------------------------------------------------------------
def test_create_build_publish_and_get(server, forms):
    created = forms.create(body={"info": {"title": "Khảo sát SIPAS"}}, unpublished=True).execute()
    assert len(created["formId"]) == 44 and "items" not in created
    assert created["info"] == {"title": "Khảo sát SIPAS", "documentTitle": "Khảo sát SIPAS"}
    # As Google writes it: false is left out, and an unpublished form's empty publishSettings and
    # an empty settings are left out whole.
    assert "publishSettings" not in created and "settings" not in created
    assert created["responderUri"].startswith(server.base_url + "/forms/d/e/1FAIpQL")

    built = forms.batchUpdate(formId=created["formId"], body={
        "includeFormInResponse": True, "requests": survey_requests(),
        "writeControl": {"requiredRevisionId": created["revisionId"]}}).execute()
    replies = built["replies"][::-1]  # sent last item first
    assert replies[2] == {"createItem": {"itemId": "3c000003", "questionId": [Q_GAVE]}}
    assert replies[3] == {"createItem": {"itemId": FEEDBACK}}
    assert built["writeControl"]["requiredRevisionId"] != created["revisionId"]
    assert [i["itemId"] for i in built["form"]["items"]][3:6] == [FEEDBACK, "3c000004", CLOSING]

    published = forms.setPublishSettings(formId=created["formId"], body={
        "publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}},
        "updateMask": "publishState"}).execute()
    assert published == {"formId": created["formId"],
                         "publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}}}
    got = forms.get(formId=created["formId"]).execute()
    assert "required" not in got["items"][1]["questionItem"]["question"]  # false: absent
    assert got["items"][6]["questionItem"]["question"]["textQuestion"] == {}  # paragraph false: absent
    gate = got["items"][2]["questionItem"]["question"]["choiceQuestion"]["options"]
    assert gate == [{"value": "Có", "goToSectionId": FEEDBACK}, {"value": "Không", "goToSectionId": CLOSING}]
    assert got["publishSettings"]["publishState"]["isAcceptingResponses"] is True
    assert "linkedSheetId" not in got

    with pytest.raises(HttpError) as stale:  # the revision the first batch required is gone
        forms.batchUpdate(formId=created["formId"], body={
            "requests": [], "writeControl": {"requiredRevisionId": created["revisionId"]}}).execute()
    assert stale.value.status_code == 400
    assert json.loads(stale.value.content)["error"]["status"] == "FAILED_PRECONDITION"


def google_error(exc: HttpError) -> dict:
    return json.loads(exc.content)["error"]


def test_duplicate_item_id_rejects_the_whole_batch(forms):
    form = forms.create(body={"info": {"title": "Dup"}}).execute()
    with pytest.raises(HttpError) as caught:
        forms.batchUpdate(formId=form["formId"], body={"requests": [
            {"createItem": {"item": {"itemId": "abc123", **text("1234", "A")}, "location": {"index": 0}}},
            {"createItem": {"item": {"itemId": "abc123", **text("5678", "B")}, "location": {"index": 1}}},
        ]}).execute()
    assert caught.value.status_code == 400
    assert google_error(caught.value)["status"] == "INVALID_ARGUMENT"
    assert "abc123" in google_error(caught.value)["message"]
    after = forms.get(formId=form["formId"]).execute()
    assert "items" not in after and after["revisionId"] == form["revisionId"]  # nothing of the batch stayed


@pytest.mark.parametrize("request_body, words", [
    ({"createItem": {"item": {"title": "x", "textItem": {}, "foo": 1}, "location": {"index": 0}}},
     "Unknown name \"foo\" at 'requests[0].create_item.item'"),
    ({"createItem": {"item": {"title": "x", "textItem": {}}, "location": {"index": "first"}}}, "TYPE_INT32"),
    ({"createItem": {"item": choice("abcd", "x", "RADIO", [{"value": "a", "goToSectionId": "1234abcd"}]),
                     "location": {"index": 0}}}, "goToSectionId"),
    ({"createItem": {"item": choice("abcd", "x", "CHECKBOX", [{"value": "a", "goToAction": "SUBMIT_FORM"}]),
                     "location": {"index": 0}}}, "RADIO and DROP_DOWN"),
    ({"createItem": {"item": choice("abcd", "x", "RADIO", ["a", "a"]), "location": {"index": 0}}}, "duplicate"),
    ({"createItem": {"item": choice("abcd", "x", "RADIO", []), "location": {"index": 0}}}, "at least one option"),
    ({"createItem": {"item": text("xyz!", "x"), "location": {"index": 0}}}, "hexadecimal"),
    ({"createItem": {"item": {"title": "x", "textItem": {}}}}, "location.index is required"),
    ({"updateFormInfo": {"info": {"description": "d"}}}, "updateMask is required"),
    ({"updateSettings": {"settings": {"emailCollectionType": "NOBODY"}, "updateMask": "emailCollectionType"}},
     "NOBODY"),
])
def test_batch_update_refuses_what_google_refuses(forms, request_body, words):
    form = forms.create(body={"info": {"title": "Bad"}}).execute()
    with pytest.raises(HttpError) as caught:
        forms.batchUpdate(formId=form["formId"], body={"requests": [request_body]}).execute()
    assert caught.value.status_code == 400
    assert words in google_error(caught.value)["message"]


def test_a_jump_to_a_section_made_later_in_the_batch_is_refused(forms):
    """Google checks a batch's requests in order: the same items top-down (the gate before the page
    breaks it jumps to) are refused as a whole, bottom-up they are accepted."""
    top_down = [{"createItem": {"item": r["createItem"]["item"], "location": {"index": i}}}
                for i, r in enumerate(reversed(survey_requests()))]
    form = forms.create(body={"info": {"title": "Order"}}).execute()
    with pytest.raises(HttpError) as caught:
        forms.batchUpdate(formId=form["formId"], body={"requests": top_down}).execute()
    error = google_error(caught.value)
    assert (caught.value.status_code, error["status"]) == (400, "INVALID_ARGUMENT")
    assert "requests[2].createItem" in error["message"] and FEEDBACK in error["message"]
    assert "items" not in forms.get(formId=form["formId"]).execute()
    forms.batchUpdate(formId=form["formId"], body={"requests": survey_requests()}).execute()
    assert len(forms.get(formId=form["formId"]).execute()["items"]) == len(top_down)


def test_an_index_beyond_the_form_at_that_moment_is_refused(forms):
    form = forms.create(body={"info": {"title": "Index"}}).execute()
    with pytest.raises(HttpError) as caught:  # index 1 of an empty form, before index 0 exists
        forms.batchUpdate(formId=form["formId"], body={"requests": [
            {"createItem": {"item": text("2c000001", "B"), "location": {"index": 1}}},
            {"createItem": {"item": text("2c000002", "A"), "location": {"index": 0}}}]}).execute()
    assert "requests[0].createItem" in google_error(caught.value)["message"]


def test_create_accepts_only_the_title(forms):
    with pytest.raises(HttpError) as caught:
        forms.create(body={"info": {"title": "x"}, "items": [{"title": "q", "textItem": {}}]}).execute()
    assert caught.value.status_code == 400 and "items" in google_error(caught.value)["message"]


def test_update_item_info_settings_move_and_delete(forms):
    form = new_survey(forms, "Sửa", publish=False)
    result = forms.batchUpdate(formId=form["formId"], body={"includeFormInResponse": True, "requests": [
        {"updateFormInfo": {"info": {"description": "Mô tả", "title": "Mới"}, "updateMask": "description"}},
        {"updateSettings": {"settings": {"emailCollectionType": "DO_NOT_COLLECT"},
                            "updateMask": "emailCollectionType"}},
        {"updateItem": {"item": choice("", "", "DROP_DOWN", ["C", "D"]), "location": {"index": 1},
                        "updateMask": "questionItem.question.choiceQuestion.options"}},
        {"moveItem": {"originalLocation": {"index": 0}, "newLocation": {"index": 1}}},
        {"deleteItem": {"location": {"index": 8}}},
    ]}).execute()["form"]
    assert result["info"] == {"title": "Sửa", "description": "Mô tả", "documentTitle": "Sửa [formkit x]"}
    assert result["settings"] == {"emailCollectionType": "DO_NOT_COLLECT"}
    officer = result["items"][0]
    assert officer["title"] == "Cán bộ tiếp nhận"  # untouched by the mask
    assert officer["questionItem"]["question"]["questionId"] == Q_OFFICER
    assert [o["value"] for o in officer["questionItem"]["question"]["choiceQuestion"]["options"]] == ["C", "D"]
    assert result["items"][1]["itemId"] == "3c000001" and len(result["items"]) == 8


def test_unknown_form_and_unknown_path_are_google_404s(server, forms):
    with pytest.raises(HttpError) as caught:
        forms.get(formId="1doesnotexist").execute()
    assert caught.value.status_code == 404
    assert google_error(caught.value) == {"code": 404, "message": "Requested entity was not found.",
                                          "status": "NOT_FOUND"}
    status, body, _ = http(server.base_url + "/v1/nothing/here")
    assert status == 404 and json.loads(body)["error"]["status"] == "NOT_FOUND"
    req = urllib.request.Request(server.base_url + "/v1/forms", b"{not json",
                                 {"Content-Type": "application/json", "Authorization": f"Bearer {server.token}"})
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(req, timeout=5)
    assert bad.value.code == 400
    assert json.loads(bad.value.read())["error"]["message"].startswith("Invalid JSON payload received.")


# Responses and the respondent page -------------------------------------------------------------
def test_responses_are_listed_in_pages_and_filtered_by_time(forms):
    form = new_survey(forms, "Trang")
    start = datetime(2026, 1, 5, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    for n in range(5):
        status, _ = submit(form, {Q_GAVE: "Không", Q_PHONE: f"09{n}"}, at=start + timedelta(minutes=n))
        assert status == 200
    seen, token, pages = [], None, []
    while True:
        kwargs = {"pageToken": token} if token else {}
        page = forms.responses().list(formId=form["formId"], pageSize=2, **kwargs).execute()
        seen += page["responses"]
        pages.append(sorted(r["answers"][Q_PHONE]["textAnswers"]["answers"][0]["value"] for r in page["responses"]))
        token = page.get("nextPageToken")
        if not token:
            break
    # pages follow time; inside a page Google lists in no particular order
    assert pages == [["090", "091"], ["092", "093"], ["094"]]
    seen.sort(key=lambda r: r["lastSubmittedTime"])
    assert seen[2]["lastSubmittedTime"] == "2026-01-05T01:02:00.000000Z" == seen[2]["createTime"]

    third = "2026-01-05T01:02:00Z"
    at_or_after = forms.responses().list(formId=form["formId"], filter=f"timestamp >= {third}").execute()
    after = forms.responses().list(formId=form["formId"], filter=f"timestamp > {third}").execute()
    fraction = forms.responses().list(formId=form["formId"], filter="timestamp > 2026-01-05T01:01:59.999999Z").execute()
    assert (len(at_or_after["responses"]), len(after["responses"]), len(fraction["responses"])) == (3, 2, 3)
    one = forms.responses().get(formId=form["formId"], responseId=seen[0]["responseId"]).execute()
    assert one == {"formId": form["formId"], **seen[0]}  # a listed response has no formId; a response got has
    for bad in ("timestamp >= 2026-01-05", "timestamp >= 2026-01-05T01:02:00+07:00",
                "createTime > 2026-01-05T00:00:00Z"):
        with pytest.raises(HttpError) as caught:
            forms.responses().list(formId=form["formId"], filter=bad).execute()
        assert caught.value.status_code == 400


def test_skipped_section_answers_are_dropped(forms):
    form = new_survey(forms, "Bỏ qua")
    status, body = submit(form, {Q_GAVE: "Không", Q_SATISFIED: "Hài lòng", Q_FIELDS: ["Tư pháp", "Hộ tịch"]})
    assert status == 200 and "Chúng tôi đã ghi lại câu trả lời của Ông/Bà." in body
    assert "bạn" not in body.lower()  # the citizen is addressed as on the form and the poster
    answers = forms.responses().list(formId=form["formId"]).execute()["responses"][0]["answers"]
    assert Q_SATISFIED not in answers  # "Không" jumps over the feedback section
    assert [a["value"] for a in answers[Q_FIELDS]["textAnswers"]["answers"]] == ["Hộ tịch", "Tư pháp"]


def test_required_and_invalid_answers_re_render_in_vietnamese(forms):
    form = new_survey(forms, "Bắt buộc")
    status, body = submit(form, {Q_GAVE: "Có", Q_PHONE: "0912 345 678"})  # the feedback section is now on the path
    assert status == 400
    assert "Đây là một câu hỏi bắt buộc." in body and 'value="0912 345 678"' in body
    status, body = submit(form, {Q_GAVE: "Có", Q_SATISFIED: "Tuyệt vời"})
    assert status == 400 and "không phải là một lựa chọn" in body
    assert "responses" not in forms.responses().list(formId=form["formId"]).execute()


def test_prefilled_link_preselects_answers(server, forms):
    form = new_survey(forms, "Điền sẵn")
    query = urllib.parse.urlencode([("usp", "pp_url"), (entry(Q_OFFICER), "Trần Thị B"), (entry(Q_GAVE), "Có"),
                                    (entry(Q_PHONE), "0912")])
    status, body, headers = http(form["responderUri"] + "?" + query)
    assert status == 200 and headers["Content-Type"].startswith("text/html; charset=utf-8")
    assert '<html lang="vi">' in body and 'name="viewport"' in body and "Bắt buộc" in body and ">Gửi</button>" in body
    assert '<option value="Trần Thị B" selected>' in body
    assert f'name="{entry(Q_GAVE)}" value="Có" data-goto="1" checked>' in body
    assert f'name="{entry(Q_GAVE)}" value="Không" data-goto="2">' in body
    assert f'name="{entry(Q_PHONE)}" value="0912"' in body
    assert "<h2>Góp ý, phản ánh</h2>" in body and "<textarea" in body and "http" not in body.split("<body>")[1]


def test_closed_form_refuses_answers(forms):
    form = new_survey(forms, "Đóng")
    forms.setPublishSettings(formId=form["formId"], body={
        "publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": False}},
        "updateMask": "publishState"}).execute()
    status, body, _ = http(form["responderUri"])
    assert status == 200 and "không còn nhận câu trả lời" in body and "<form" not in body
    status, _ = submit(form, {Q_GAVE: "Không"})
    assert status == 403
    assert "responses" not in forms.responses().list(formId=form["formId"]).execute()
    with pytest.raises(HttpError):  # accepting responses while unpublished makes no sense
        forms.setPublishSettings(formId=form["formId"], body={
            "publishSettings": {"publishState": {"isPublished": False, "isAcceptingResponses": True}}}).execute()


# Linked sheets, read with gspread ---------------------------------------------------------------
def link(server, form: dict, **body) -> dict:
    status, text_, _ = http(f"{server.base_url}/formkit/v1/forms/{form['formId']}:linkSheet", data=body)
    assert status == 200, text_
    return json.loads(text_)


def calls(server) -> dict:
    return json.loads(http(server.base_url + "/formkit/v1/calls")[1])


def test_linked_sheet_rows_like_google(server, forms):
    first, second = new_survey(forms, "Phường 1"), new_survey(forms, "Phường 2")
    when = datetime(2025, 9, 27, 1, 7, 24, tzinfo=UTC)  # 8:07:24 in Vietnam
    submit(first, {Q_GAVE: "Không", Q_PHONE: "0912345678", Q_FIELDS: ["Hộ tịch", "Đất đai"]}, at=when)  # before linking
    one = link(server, first, spreadsheetTitle="Kết quả")
    assert one["tabName"] == "Câu trả lời biểu mẫu 1"
    two = link(server, second, spreadsheetId=one["spreadsheetId"], tabName="phuong-2")
    assert two["tabName"] == "phuong-2" and two["sheetId"] != one["sheetId"]
    assert link(server, second, spreadsheetId=one["spreadsheetId"]) == two  # linking again changes nothing
    submit(second, {Q_GAVE: "Có", Q_SATISFIED: "Hài lòng", Q_COMMENT: "Tốt"}, at=when + timedelta(hours=1))
    assert forms.get(formId=first["formId"]).execute()["linkedSheetId"] == one["spreadsheetId"]

    sheet = gspread_client(server.base_url).open_by_key(one["spreadsheetId"])
    assert sheet.title == "Kết quả" and [w.title for w in sheet.worksheets()] == ["phuong-2", "Câu trả lời biểu mẫu 1"]
    before = calls(server).get("sheets.spreadsheets.values.batchGet", 0)
    raw = sheet.values_batch_get(["'Câu trả lời biểu mẫu 1'", "phuong-2!A1:Z"], params={
        "valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"})
    assert calls(server)["sheets.spreadsheets.values.batchGet"] == before + 1
    header, row = raw["valueRanges"][0]["values"]
    # a form-made tab: 100 rows and a row per answer, the header's columns and 6 spare
    assert raw["valueRanges"][0]["range"] == "'Câu trả lời biểu mẫu 1'!A1:M101"
    assert header == ["Dấu thời gian", "Cán bộ tiếp nhận", "Ông/Bà đã góp ý chưa?", "Tiếp nhận và xử lý tích cực",
                      "Số điện thoại", "Lĩnh vực", "Ý kiến đóng góp khác"]
    serial = (datetime(2025, 9, 27, 8, 7, 24) - datetime(1899, 12, 30)) / timedelta(days=1)
    assert row[0] == pytest.approx(serial, abs=1e-6)
    assert row[1:] == ["", "Không", "", "0912345678", "Hộ tịch, Đất đai"]  # a text answer is written as text
    assert raw["valueRanges"][1]["values"][1][2:4] == ["Có", "Hài lòng"]

    shown = sheet.values_batch_get(["'Câu trả lời biểu mẫu 1'!A2:B"])["valueRanges"][0]
    assert shown["values"] == [["27/09/2025 8:07:24"]] and shown["range"] == "'Câu trả lời biểu mẫu 1'!A2:B101"
    as_text = sheet.values_batch_get(["'Câu trả lời biểu mẫu 1'!A2"], params={
        "valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING"})
    assert as_text["valueRanges"][0]["values"] == [["27/09/2025 8:07:24"]]


def test_new_question_gets_a_column_at_the_end(server, forms):
    form = new_survey(forms, "Thêm câu")
    linked = link(server, form)
    forms.batchUpdate(formId=form["formId"], body={"requests": [
        {"updateItem": {"item": {"title": "Cán bộ (đổi tên)"}, "location": {"index": 1}, "updateMask": "title"}},
        {"createItem": {"item": text("2b0000ff", "Câu mới"), "location": {"index": 1}}}]}).execute()
    submit(form, {Q_GAVE: "Không", "2b0000ff": "mới"})
    rows = gspread_client(server.base_url).open_by_key(linked["spreadsheetId"]).sheet1.get_all_values()
    assert rows[0][1] == "Cán bộ tiếp nhận" and rows[0][-1] == "Câu mới"  # old columns keep their place and title
    assert rows[1][-1] == "mới" and rows[1][2] == "Không"


def test_tabs_ranges_and_user_entered_values(server):
    client = gspread_client(server.base_url)
    sheet = client.create("Bảng thử")
    tab = sheet.sheet1
    assert tab.title == "Trang tính1"
    tab.update([["Mã", "Điện thoại"], ["1", "0912345678"]], "A1", value_input_option="USER_ENTERED")
    tab.update([["0912345678"]], "C2", value_input_option="RAW")
    unformatted = tab.get_all_values(value_render_option="UNFORMATTED_VALUE")
    assert unformatted == [["Mã", "Điện thoại", ""], [1, 912345678, "0912345678"]]
    tab.update_title("Tab có 'nháy'")
    with pytest.raises(gspread.exceptions.APIError) as gone:
        sheet.values_get("Trang tính1!A1")
    assert gone.value.response.status_code == 400 and "Unable to parse range" in gone.value.response.text
    assert sheet.values_get("'Tab có ''nháy'''!B1:B")["values"] == [["Điện thoại"], ["912345678"]]
    assert sheet.values_get("A2:A")["values"] == [["1"]]  # no tab named: the first one
    added = sheet.add_worksheet("Thứ hai", rows=10, cols=3)
    added.append_row(["a", 2.5, True])
    assert sheet.values_get("'Thứ hai'!A:C", params={"valueRenderOption": "FORMATTED_VALUE"})["values"] == [
        ["a", "2,5", "TRUE"]]  # vi_VN writes a decimal comma
    sheet.del_worksheet(added)
    assert [w.title for w in sheet.worksheets()] == ["Tab có 'nháy'"]
    assert client.open("Bảng thử").id == sheet.id  # gspread's Drive query, double quotes and all


# Drive -----------------------------------------------------------------------------------------
def test_drive_finds_a_form_by_its_exact_name(server, forms):
    name = "Bà Rịa's form [formkit br 1a2b3c]"
    form = forms.create(body={"info": {"title": "Bà Rịa", "documentTitle": name}}).execute()
    forms.create(body={"info": {"title": "Bà Rịa", "documentTitle": name + " (copy)"}}).execute()
    quoted = name.replace("\\", "\\\\").replace("'", "\\'")
    files = drive_service(server.base_url).files().list(
        q=f"name = '{quoted}' and mimeType = '{FORM_MIME}' and trashed = false", fields="files(id,name)",
        pageSize=10, supportsAllDrives=True, includeItemsFromAllDrives=True).execute()
    assert files["files"] == [{"id": form["formId"], "name": name}]  # fields=files(id,name): those only
    both = drive_service(server.base_url).files().list(q="name contains '1a2b3c'").execute()
    assert len(both["files"]) == 2
    with pytest.raises(HttpError) as caught:
        drive_service(server.base_url).files().list(q="'root' in parents").execute()
    assert caught.value.status_code == 400


# Faults and counting ---------------------------------------------------------------------------
def test_only_a_form_anyone_may_answer_takes_answers_without_sign_in(server, forms):
    """Publishing does not open a form to responders: a Drive permission with view "published" does."""
    form = new_survey(forms, "Người trả lời", publish=False)
    forms.setPublishSettings(formId=form["formId"], body={
        "publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}},
        "updateMask": "publishState"}).execute()
    drive = drive_service(server.base_url)
    status, body, _ = http(form["responderUri"])
    assert status == 200 and "đăng nhập" in body and "<form" not in body
    assert submit(form, {Q_GAVE: "Không"})[0] == 403
    # Responder permissions are listed only when asked for with their view, as Google does.
    assert [p["role"] for p in drive.permissions().list(fileId=form["formId"]).execute()["permissions"]] == ["owner"]
    domain = drive.permissions().create(fileId=form["formId"], body={
        "type": "domain", "domain": "tayninh.gov.vn", "role": "reader", "view": "published"}).execute()
    assert submit(form, {Q_GAVE: "Không"})[0] == 403  # only that organisation's signed-in users
    anyone = drive.permissions().create(fileId=form["formId"], body={
        "type": "anyone", "role": "reader", "view": "published"}).execute()
    assert anyone == drive.permissions().create(fileId=form["formId"], body={  # the same grant twice: one permission
        "type": "anyone", "role": "reader", "view": "published"}).execute()
    listed = drive.permissions().list(fileId=form["formId"], includePermissionsForView="published").execute()
    assert [p["id"] for p in listed["permissions"]] == ["owner", domain["id"], anyone["id"]]
    assert submit(form, {Q_GAVE: "Không"})[0] == 200


@pytest.mark.parametrize("body, words", [
    ({"type": "everyone", "role": "reader"}, "type"),
    ({"type": "anyone", "role": "owner"}, "role"),
    ({"type": "user", "role": "reader"}, "email address"),
    ({"type": "domain", "role": "reader"}, "domain"),
    ({"type": "anyone", "role": "writer", "view": "published"}, "reader"),
    ({"type": "anyone", "role": "reader", "view": "metadata"}, "view"),
    ({"type": "anyone", "role": "reader", "colour": "red"}, "Unknown name"),
])
def test_permissions_create_refuses_what_google_refuses(server, forms, body, words):
    form = forms.create(body={"info": {"title": "Quyền"}}).execute()
    with pytest.raises(HttpError) as caught:
        drive_service(server.base_url).permissions().create(fileId=form["formId"], body=body).execute()
    assert caught.value.status_code == 400 and words in google_error(caught.value)["message"]
    with pytest.raises(HttpError) as caught:
        drive_service(server.base_url).permissions().list(fileId=form["formId"],
                                                          includePermissionsForView="x").execute()
    assert caught.value.status_code == 400


def test_429_with_retry_after_reaches_the_client(server, forms):
    form = forms.create(body={"info": {"title": "Quota"}}).execute()
    http(server.base_url + "/formkit/v1/calls", method="DELETE")
    fault = {"method": "POST", "path": r":batchUpdate$", "kind": "status", "status": 429, "retryAfter": 7, "count": 1}
    assert http(server.base_url + "/formkit/v1/faults", data=fault)[0] == 200
    with pytest.raises(HttpError) as caught:
        forms.batchUpdate(formId=form["formId"], body={"requests": []}).execute()
    assert caught.value.status_code == 429 and caught.value.resp["retry-after"] == "7"
    assert google_error(caught.value)["status"] == "RESOURCE_EXHAUSTED"
    forms.batchUpdate(formId=form["formId"], body={"requests": []}).execute()  # the fault fired once
    assert calls(server) == {"forms.batchUpdate": 2}
    assert json.loads(http(server.base_url + "/formkit/v1/calls/faulted")[1]) == {"forms.batchUpdate": 1}


def test_drop_after_does_the_work_then_hangs_up(server):
    client = forms_service(server.base_url, http=RequestsHttp())
    http(server.base_url + "/formkit/v1/faults", data={"method": "POST", "path": "^/v1/forms$", "kind": "drop_after"})
    with pytest.raises(requests.ConnectionError):
        client.create(body={"info": {"title": "Rơi", "documentTitle": "Rơi [formkit drop 777]"}}).execute()
    found = drive_service(server.base_url).files().list(q="name = 'Rơi [formkit drop 777]'").execute()["files"]
    assert len(found) == 1  # created exactly once, though the client never heard back


def test_drop_and_stall(server, forms):
    form = forms.create(body={"info": {"title": "Treo"}}).execute()
    base = server.base_url
    http(base + "/formkit/v1/faults", data={"method": "GET", "path": form["formId"] + "$", "kind": "drop"})
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/v1/forms/{form['formId']}", timeout=5, headers=auth(server))
    http(base + "/formkit/v1/faults", data={"method": "POST", "path": "setPublishSettings", "kind": "stall_after",
                                            "seconds": 1.0})
    body = {"publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}}}
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{base}/v1/forms/{form['formId']}:setPublishSettings", json=body, timeout=0.3,
                      headers=auth(server))
    assert time.monotonic() - started < 0.9
    assert forms.get(formId=form["formId"]).execute()["publishSettings"]["publishState"]["isPublished"] is True
    assert json.loads(http(base + "/formkit/v1/faults")[1]) == {"faults": []}


def test_parallel_submissions_all_land(server, forms):
    form = new_survey(forms, "Song song")
    linked = link(server, form)
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda n: submit(form, {Q_GAVE: "Không", Q_PHONE: f"x{n}"})[0], range(24)))
    assert statuses == [200] * 24
    listed = forms.responses().list(formId=form["formId"]).execute()["responses"]
    assert len(listed) == 24
    rows = gspread_client(server.base_url).open_by_key(linked["spreadsheetId"]).sheet1.get_all_values()
    assert sorted(r[4] for r in rows[1:]) == sorted(f"x{n}" for n in range(24))


# Persistence -----------------------------------------------------------------------------------
def test_data_survives_a_restart(tmp_path, monkeypatch):
    db = tmp_path / "nested" / "google.sqlite"
    with LocalGoogle(db).start() as first:
        monkeypatch.setitem(TOKEN, "api", first.token)
        form = new_survey(forms_service(first.base_url), "Bền")
        linked = link(first, form)
        submit(form, {Q_GAVE: "Không", Q_PHONE: "123"})
    with LocalGoogle(db).start() as second:
        assert second.token == first.token  # the token is the data folder's, not the process's
        again = forms_service(second.base_url)
        got = again.get(formId=form["formId"]).execute()
        assert got["linkedSheetId"] == linked["spreadsheetId"] and len(got["items"]) == 9
        assert got["responderUri"].startswith(second.base_url)
        assert len(again.responses().list(formId=form["formId"]).execute()["responses"]) == 1
        values = gspread_client(second.base_url).open_by_key(linked["spreadsheetId"]).sheet1.get_all_values()
        assert values[1][4] == "123"

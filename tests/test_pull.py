"""`formkit pull` against the local Google backend over real HTTP: linked sheets read in one
values:batchGet per spreadsheet, unlinked forms through forms.responses.list from the newest
stored second, and nothing stored twice whichever way a response arrives."""

from __future__ import annotations

import json
import unicodedata
from typing import Any
from urllib.parse import quote

import pytest
import requests
from conftest import bearer, server_calls

from formkit.errors import InputError
from formkit.forms.state import State
from formkit.google.client import connect
from formkit.localserver.a1 import column_letters
from formkit.responses.columns import NOT_OFFICER
from formkit.responses.pull import pull
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace

BATCH_GET = "sheets.spreadsheets.values.batchGet"
SHEETS_GET = "sheets.spreadsheets.get"  # the time zone and the tabs, once per spreadsheet
DRIVE_GET = "drive.files.get"  # whether the spreadsheet is in the trash, once per spreadsheet read


# Helpers ----------------------------------------------------------------------------------------

def answers(ws, form, officer: int = 0, level: str = "Hài lòng", **extra: str) -> dict[str, str]:
    """A complete, valid set of answers (factor 5 skipped), by template question id."""
    given = {}
    for q in ws.template.questions:
        record = form.questions.get(q.id)
        if record is None:
            continue
        if q.role in ("officer", "field"):
            given[q.id] = record.options[officer if q.role == "officer" else 0]
        elif q.id == "co-gop-y":
            given[q.id] = "Không"
        elif q.role == "consent":
            given[q.id] = "Không đồng ý"
        elif q.scale is not None and not q.id.startswith("5."):
            given[q.id] = level
    given.update({k.replace("_", "-"): v for k, v in extra.items()})
    return given


def submit(form, given: dict[str, str], when: str | None) -> None:
    """What a citizen's phone posts, back-dated with the local server's test header (None: now,
    with microseconds, as Google stamps it)."""
    url = form.responder_uri.rsplit("/viewform", 1)[0] + "/formResponse"
    data = {f"entry.{int(form.questions[qid].question_id, 16)}": value for qid, value in given.items()}
    headers = {"X-Formkit-Submit-Time": when} if when else {}
    reply = requests.post(url, data=data, headers=headers, timeout=10)
    assert reply.status_code == 200, reply.text[:500]


def reset_calls(base: str) -> None:
    requests.delete(f"{base}/formkit/v1/calls", timeout=5, headers=bearer())


def values_url(base: str, form, cells: str) -> str:
    return f"{base}/v4/spreadsheets/{form.spreadsheet_id}/values/{quote(repr_tab(form.sheet_tab) + '!' + cells)}"


def repr_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def read_header(base: str, form) -> list:
    reply = requests.get(values_url(base, form, "1:1"), timeout=5, headers=bearer())
    reply.raise_for_status()
    return reply.json()["values"][0]


def write_cells(base: str, form, cells: str, rows: list[list], mode: str = "RAW") -> None:
    reply = requests.put(values_url(base, form, cells), params={"valueInputOption": mode},
                         json={"values": rows}, timeout=5, headers=bearer())
    reply.raise_for_status()


def rename_tab(base: str, spreadsheet_id: str, old: str, new: str) -> None:
    meta = requests.get(f"{base}/v4/spreadsheets/{spreadsheet_id}", timeout=5, headers=bearer()).json()
    sheet_id = next(s["properties"]["sheetId"] for s in meta["sheets"] if s["properties"]["title"] == old)
    body: dict[str, Any] = {"requests": [{"updateSheetProperties": {"properties": {"sheetId": sheet_id, "title": new},
                                                                    "fields": "title"}}]}
    requests.post(f"{base}/v4/spreadsheets/{spreadsheet_id}:batchUpdate", json=body, timeout=5,
                  headers=bearer()).raise_for_status()


def new_template_version(ws, formkit):
    """Version 2 of the workspace's template and `create --new-version`: (workspace, state) after."""
    version = ws.template.version
    source = ws.template.source.read_text(encoding="utf-8").replace(f"version = {version}", f"version = {version + 1}",
                                                                    1)
    (ws.root / "templates").mkdir(exist_ok=True)
    (ws.root / "templates" / "sipas-2640.toml").write_text(source, encoding="utf-8")
    result = formkit("create", "--new-version", "-w", ws.root)
    assert result.exit_code == 0, result.output
    ws = load_workspace(ws.root)
    return ws, State.load(ws.state_file)


@pytest.fixture
def store(tmp_path):
    with ResponseStore(tmp_path / "responses.sqlite") as s:
        yield s


def stored(store, commune_id: str | None = None) -> list[tuple]:
    sql = "SELECT commune_id, submitted, source, answers FROM responses"
    rows = store.db.execute(sql + (" WHERE commune_id = ?" if commune_id else "") + " ORDER BY id",
                            (commune_id,) if commune_id else ()).fetchall()
    return [(c, s, src, json.loads(a)) for c, s, src, a in rows]


# Linked sheets ------------------------------------------------------------------------------------

def test_pulling_twice_adds_nothing(published_workspace, store):
    ws, state, base = published_workspace
    hoa, nam = state.current("hoa-thanh"), state.current("nam-dong")
    submit(hoa, answers(ws, hoa), "2025-09-27T08:07:24+07:00")
    submit(hoa, answers(ws, hoa, officer=1, level="Rất hài lòng"), "2025-09-27T08:07:24+07:00")  # same second
    submit(hoa, answers(ws, hoa, officer=2), "2025-09-27T08:07:25+07:00")
    submit(nam, answers(ws, nam, level="Bình thường"), "2025-10-01T15:00:00+07:00")

    first = pull(ws, state, connect(), store)
    assert first.added == {"hoa-thanh": 3, "binh-thanh": 0, "nam-dong": 1}
    assert first.source == {"hoa-thanh": "sheet", "binh-thanh": "sheet", "nam-dong": "sheet"}
    assert first.warnings == []
    again = pull(ws, state, connect(), store)
    assert again.added == {"hoa-thanh": 0, "binh-thanh": 0, "nam-dong": 0}
    assert store.count() == 4
    rows = stored(store, "hoa-thanh")
    assert [r[1] for r in rows] == ["2025-09-27 08:07:24", "2025-09-27 08:07:24", "2025-09-27 08:07:25"]
    assert {r[2] for r in rows} == {"sheet"}
    officers = store.db.execute("SELECT officer_id FROM coded WHERE commune_id = 'hoa-thanh'").fetchall()
    assert sorted(o for (o,) in officers) == ["le-hoang-phuong", "nguyen-thi-lan", "tran-van-minh"]
    # A new answer later: only it is added.
    submit(hoa, answers(ws, hoa), "2025-09-28T09:00:00+07:00")
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 1


def test_one_sheets_call_for_every_commune(published_workspace, store):
    ws, state, base = published_workspace
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form), "2025-09-27T08:07:24+07:00")
    assert len({state.current(c.id).spreadsheet_id for c in ws.communes}) == 1
    reset_calls(base)
    google = connect()
    result = pull(ws, state, google, store)
    calls = server_calls(base)
    assert calls == {"forms.get": len(ws.communes), BATCH_GET: 1, SHEETS_GET: 1, DRIVE_GET: 1}
    assert result.spreadsheets == 2
    assert sum(result.added.values()) == len(ws.communes)
    # Only the selected communes' forms are looked at (and its link, confirmed just now, is trusted).
    reset_calls(base)
    result = pull(ws, state, connect(), store, ["nam-dong"])
    assert server_calls(base) == {BATCH_GET: 1, SHEETS_GET: 1, DRIVE_GET: 1}
    assert result.added == {"nam-dong": 0}


def test_serial_times_numbers_and_edited_headers(published_workspace, store):
    ws, state, base = published_workspace
    form = state.current("hoa-thanh")
    submit(form, answers(ws, form, dong_y_lien_he="Đồng ý", so_dien_thoai="0912345678", so_bien_nhan="HS-17"),
           "2025-09-27T08:07:24+07:00")
    header = read_header(base, form)
    titles = {q.title: qid for qid, q in form.questions.items()}
    edited = []
    for title in header:
        qid = titles.get(title)
        if qid == "3.1":
            title = unicodedata.normalize("NFD", title)  # typed again on a Mac
        elif qid == "1.1":
            title = title + " "  # Google keeps a question title's trailing space
        elif qid == "2.1":
            title = "  " + title.upper()
        elif qid == "so-bien-nhan":
            title = "Số hồ sơ"  # renamed by hand: its answers cannot be placed
        edited.append(title)
        if qid == "so-dien-thoai":  # as a sheet linked before text was written as text has it: a number
            write_cells(base, form, f"{column_letters(len(edited) - 1)}2", [[912345678]])
    edited.append("Ghi chú của văn phòng")  # a column the office added
    write_cells(base, form, f"A1:{column_letters(len(edited) - 1)}1", [edited])
    write_cells(base, form, f"{column_letters(len(edited) - 1)}2", [["đã gọi lại"]])

    result = pull(ws, state, connect(), store)
    [(_, submitted, source, given)] = stored(store, "hoa-thanh")
    assert (submitted, source) == ("2025-09-27 08:07:24", "sheet")  # a serial number in the sheet
    assert given["so-dien-thoai"] == "912345678"  # typed as a number by Sheets: no ".0"
    assert given["3.1"] == given["1.1"] == given["2.1"] == "Hài lòng"
    assert "so-bien-nhan" not in given
    assert len(result.warnings) == 3, result.warnings
    assert any("'Số hồ sơ' matches no question" in w for w in result.warnings)
    assert any("'Ghi chú của văn phòng' matches no question" in w for w in result.warnings)
    assert any("question so-bien-nhan" in w and "no column" in w for w in result.warnings)
    assert all(w.startswith("hoa-thanh (tab 'Xã Hòa Thành')") for w in result.warnings)


def test_text_times_follow_the_header_language(published_workspace, store):
    ws, state, base = published_workspace
    form = state.current("hoa-thanh")
    submit(form, answers(ws, form), "2025-09-27T08:07:24+07:00")
    write_cells(base, form, "A2", [["6/7/2015 20:54:13"]])  # the time typed back as text
    pull(ws, state, connect(), store)
    assert [r[1] for r in stored(store)] == ["2015-07-06 20:54:13"]  # "Dấu thời gian": day first
    write_cells(base, form, "A1", [["Timestamp"]])
    pull(ws, state, connect(), store)
    assert [r[1] for r in stored(store)] == ["2015-07-06 20:54:13", "2015-06-07 20:54:13"]  # month first


def test_unknown_and_former_officers(published_workspace, store):
    ws, state, base = published_workspace
    form = state.current("hoa-thanh")
    submit(form, answers(ws, form), "2025-09-27T08:07:24+07:00")
    submit(form, answers(ws, form), "2025-09-27T08:07:25+07:00")
    submit(form, answers(ws, form), "2025-09-27T08:07:26+07:00")
    officer_column = column_letters(read_header(base, form).index(form.questions["can-bo"].title))
    form.former_officers["vo-van-cu"] = "Võ Văn Cũ – Quầy 4"  # left the office; old answers name them
    state.save()
    write_cells(base, form, f"{officer_column}3:{officer_column}4",
                [["Người lạ – Quầy 9"], [unicodedata.normalize("NFD", "Võ Văn Cũ – Quầy 4")]])
    result = pull(ws, state, connect(), store)
    assert result.added["hoa-thanh"] == 3
    officers = [o for (o,) in store.db.execute("SELECT officer_id FROM coded ORDER BY submitted")]
    assert officers == ["nguyen-thi-lan", None, "vo-van-cu"]
    invalid = store.db.execute("SELECT question_id, raw, reason FROM invalid").fetchall()
    assert invalid == [("can-bo", "Người lạ – Quầy 9", NOT_OFFICER)]


def test_tabs_are_found_without_renaming(published_workspace, store):
    """Renamed by hand (found again by its sheetId), or every name lost (found by the data):
    nothing to rename, and each commune is told which tab was read."""
    ws, state, base = published_workspace
    for commune in ws.communes:
        form = state.current(commune.id)
        submit(form, answers(ws, form), "2025-09-27T08:07:24+07:00")
    binh = state.current("binh-thanh")
    rename_tab(base, binh.spreadsheet_id, "Xã Bình Thạnh", "Trang tính 7")
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 1, "binh-thanh": 1, "nam-dong": 1}
    assert any(t.startswith("binh-thanh:") and "'Trang tính 7'" in t and "sheetId" in t for t in result.tabs)
    assert State.load(ws.state_file).current("binh-thanh").sheet_tab == "Trang tính 7"
    # A state that knows no tab (hand-linked forms), tabs with names no rule gives: the data decide.
    for i, commune in enumerate(ws.communes, start=1):
        form = state.current(commune.id)
        rename_tab(base, form.spreadsheet_id, form.sheet_tab, f"Câu trả lời biểu mẫu {i + 3}")
        form.sheet_tab, form.sheet_tab_id = "", None
    submit(binh, answers(ws, binh), "2025-09-28T08:00:00+07:00")
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 0, "binh-thanh": 1, "nam-dong": 0}
    assert [state.current(c.id).sheet_tab for c in ws.communes] == [
        "Câu trả lời biểu mẫu 4", "Câu trả lời biểu mẫu 5", "Câu trả lời biểu mẫu 6"]
    assert all("officers named" in t or "question titles" in t for t in result.tabs), result.tabs


# The Forms API -------------------------------------------------------------------------------------

class Recording:
    """Wraps a Google client to see what forms.responses.list handed back, and since when."""

    def __init__(self, google):
        self.google, self.since, self.listed = google, [], 0

    def __getattr__(self, name):
        return getattr(self.google, name)

    def responses(self, form_id, since=None, fields=None):
        self.since.append(since)
        for response in self.google.responses(form_id, since, fields):
            self.listed += 1
            yield response


def test_incremental_api_pull(created_workspace, store):
    ws, state, base = created_workspace
    form = state.current("hoa-thanh")
    submit(form, answers(ws, form), "2025-09-27T08:07:24+07:00")
    submit(form, answers(ws, form, officer=1), "2025-09-27T08:07:30+07:00")
    google = Recording(connect())
    result = pull(ws, state, google, store)
    assert result.added == {"hoa-thanh": 2, "binh-thanh": 0, "nam-dong": 0}
    assert result.source["hoa-thanh"] == "api" and result.spreadsheets == 0
    assert google.since == [None, None, None] and google.listed == 2

    submit(form, answers(ws, form, officer=2), "2025-09-27T09:00:00+07:00")
    reset_calls(base)
    google = Recording(connect())
    result = pull(ws, state, google, store)
    assert result.added["hoa-thanh"] == 1
    # From the newest stored second, in UTC: that response again, and the new one, not the first.
    assert google.since[0] == "2025-09-27T01:07:30Z"
    assert google.listed == 2
    assert server_calls(base) == {"forms.responses.list": 3}  # the links, confirmed by the first pull, trusted
    rows = stored(store, "hoa-thanh")
    assert [r[1] for r in rows] == ["2025-09-27 08:07:24", "2025-09-27 08:07:30", "2025-09-27 09:00:00"]
    assert {r[2] for r in rows} == {"api"}
    assert state.current("hoa-thanh").last_pulled == "2025-09-27T02:00:00Z"
    assert State.load(ws.state_file).current("hoa-thanh").last_pulled == "2025-09-27T02:00:00Z"


def test_api_then_sheet_adds_nothing_twice(created_workspace, store, formkit):
    ws, state, base = created_workspace
    hoa = state.current("hoa-thanh")
    given = answers(ws, hoa, so_dien_thoai="0912345678", y_kien_khac="Cần thêm ghế, chờ lâu")
    submit(hoa, given, "2025-09-27T08:07:24+07:00")
    submit(hoa, answers(ws, hoa, officer=1), "2025-09-27T08:07:24+07:00")
    submit(hoa, answers(ws, hoa, officer=2), "2025-12-31T23:59:59+07:00")
    # Late in its second: the sheet's serial number must floor to the same second as the API time.
    submit(hoa, answers(ws, hoa), "2025-12-31T23:59:58.999500+07:00")
    for officer in range(3):  # stamped now, to the microsecond, as Google stamps it
        submit(hoa, answers(ws, hoa, officer=officer), None)
    assert pull(ws, state, connect(), store).added["hoa-thanh"] == 7

    result = formkit("link", "-w", ws.root)
    assert result.exit_code == 0, result.output
    state = State.load(ws.state_file)
    submit(hoa, answers(ws, hoa), "2020-01-02T07:30:00+07:00")  # older than the rest: still new
    reset_calls(base)
    result = pull(ws, state, connect(), store)
    assert result.source["hoa-thanh"] == "sheet"
    assert result.added == {"hoa-thanh": 1, "binh-thanh": 0, "nam-dong": 0}
    # `formkit link` recorded the tabs it made, so the links confirmed by the first pull still hold.
    # Hòa Thành's tab has answers stored (from the API): its time column first, then, a row being
    # new, the whole tab, with the others' (nothing stored yet) in the first call.
    assert server_calls(base) == {BATCH_GET: 2, SHEETS_GET: 1, DRIVE_GET: 1}
    rows = stored(store, "hoa-thanh")
    assert [r[2] for r in rows] == ["api"] * 7 + ["sheet"]
    # The Forms API lists in no particular order: which of a second's two answers came first is not known
    assert [r[3].get("y-kien-khac") for r in rows[:2] if r[3].get("y-kien-khac")] == ["Cần thêm ghế, chờ lâu"]


def test_old_form_versions_keep_their_answers(published_workspace, store, formkit):
    ws, state, base = published_workspace
    old = state.current("nam-dong")
    submit(old, answers(ws, old), "2025-09-27T08:07:24+07:00")
    ws, state = new_template_version(ws, formkit)  # each commune gets a new form beside the old one
    new = state.current("nam-dong")
    assert new.form_id != old.form_id and new.template_version == old.template_version + 1
    submit(new, answers(ws, new), "2026-01-05T10:00:00+07:00")
    reset_calls(base)
    result = pull(ws, state, connect(), store)
    assert result.added == {"hoa-thanh": 0, "binh-thanh": 0, "nam-dong": 2}
    assert result.source["nam-dong"] == "api"  # the current form is not linked yet
    assert server_calls(base) == {"forms.get": 6, BATCH_GET: 1, SHEETS_GET: 1, DRIVE_GET: 1, "forms.responses.list": 3}
    versions = store.db.execute("SELECT form_id, template_version FROM responses ORDER BY submitted").fetchall()
    assert versions == [(old.form_id, old.template_version), (new.form_id, old.template_version + 1)]


def test_forms_of_another_backend_are_refused(published_workspace, store):
    from formkit.errors import UsageError

    ws, state, base = published_workspace
    state.current("hoa-thanh").endpoint = "google"
    reset_calls(base)
    with pytest.raises(UsageError, match="hoa-thanh"):
        pull(ws, state, connect(), store)
    assert server_calls(base).get("forms.get", 0) == 0


def test_sheet_problems_stop_the_pull_before_anything_is_stored(published_workspace, store):
    ws, state, base = published_workspace
    hoa, nam = state.current("hoa-thanh"), state.current("nam-dong")
    submit(hoa, answers(ws, hoa), "2025-09-27T08:07:24+07:00")
    submit(hoa, answers(ws, hoa), "2025-09-27T08:07:25+07:00")
    write_cells(base, hoa, "A3", [["hôm qua"]])
    write_cells(base, nam, "A1", [["Thời điểm"]])
    with pytest.raises(InputError) as caught:
        pull(ws, state, connect(), store)
    assert [(p.place, p.message) for p in caught.value.problems] == [
        ("tab 'Xã Hòa Thành', row 3", "'hôm qua' is not a time like 27/09/2025 8:07:24"),
        ("tab 'Phường Nam Đông', row 1", "no 'Dấu thời gian' or 'Timestamp' column in the header row"),
    ]
    assert store.count() == 0
    # Two tabs that both fit one form (a copy of its tab, its recorded name lost): refused, naming both.
    write_cells(base, hoa, "A3", [["27/09/2025 8:07:25"]])
    write_cells(base, nam, "A1", [["Dấu thời gian"]])
    rows = requests.get(values_url(base, hoa, "A1:ZZ10"), timeout=5, headers=bearer()).json()["values"]
    body = {"requests": [{"addSheet": {"properties": {"title": "Bản sao"}}}]}
    requests.post(f"{base}/v4/spreadsheets/{hoa.spreadsheet_id}:batchUpdate", json=body, timeout=5,
                  headers=bearer()).raise_for_status()
    rename_tab(base, hoa.spreadsheet_id, hoa.sheet_tab, "Câu trả lời biểu mẫu 9")
    hoa.sheet_tab, hoa.sheet_tab_id = "", None
    reply = requests.put(f"{base}/v4/spreadsheets/{hoa.spreadsheet_id}/values/{quote(repr_tab('Bản sao') + '!A1')}",
                         params={"valueInputOption": "RAW"}, json={"values": rows}, timeout=5, headers=bearer())
    reply.raise_for_status()
    with pytest.raises(InputError) as caught:
        pull(ws, state, connect(), store)
    [problem] = caught.value.problems
    assert problem.place == "commune hoa-thanh"
    assert "'Câu trả lời biểu mẫu 9'" in problem.message and "'Bản sao'" in problem.message
    assert store.count() == 0


def test_a_phone_without_consent_is_never_stored(published_workspace, store):
    """The form skips the phone's page on "Không đồng ý" (the backend drops that answer, as Google
    does for a section not on the path); a phone typed into the sheet by hand on such a row is still
    not stored. With "Đồng ý" the phone is kept."""
    ws, state, base = published_workspace
    form = state.current("hoa-thanh")
    submit(form, answers(ws, form, dong_y_lien_he="Không đồng ý", so_dien_thoai="0912345678"),
           "2025-09-27T08:07:24+07:00")
    submit(form, answers(ws, form, dong_y_lien_he="Đồng ý", so_dien_thoai="0987654321"), "2025-09-27T08:09:00+07:00")
    header = read_header(base, form)
    column = column_letters(header.index(form.questions["so-dien-thoai"].title))
    cells = requests.get(values_url(base, form, f"{column}2:{column}3"), timeout=5, headers=bearer()).json()
    assert cells["values"][0] == [] and cells["values"][1][0].endswith("987654321")  # the form never took the first
    write_cells(base, form, f"{column}2", [["0912345678"]])  # typed into the sheet afterwards
    pull(ws, state, connect(), store)
    rows = stored(store, "hoa-thanh")
    assert [(given["dong-y-lien-he"], "so-dien-thoai" in given) for *_, given in rows] == [
        ("Không đồng ý", False), ("Đồng ý", True)]
    [(phone,)] = store.db.execute("SELECT phone FROM texts").fetchall()
    assert phone.endswith("987654321") and "912345678" not in json.dumps(stored(store))

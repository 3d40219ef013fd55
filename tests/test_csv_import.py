"""Reading Google's CSV exports (`formkit report --from-csv`), and the time/column rules shared
with `formkit pull`. No Google here: the files are what File → Download → CSV gives."""

from __future__ import annotations

import shutil
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from formkit.errors import InputError, UsageError
from formkit.forms.formspec import build_bodies, form_title
from formkit.forms.state import FormRecord, QuestionRecord, State
from formkit.responses.columns import NOT_OFFICER, cell_text, map_header
from formkit.responses.csvfiles import read_exports
from formkit.responses.store import ResponseStore
from formkit.responses.timestamps import (
    SERIAL_EPOCH,
    from_serial,
    parse_rfc3339,
    parse_text,
    rfc3339_utc,
    timestamp_header,
)
from formkit.workspace.config import load_workspace

DATA = Path(__file__).parent / "data"
VI_NAME = "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành (Câu trả lời) - Câu trả lời biểu mẫu 1.csv"
EN_NAME = "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành (Responses) - Form Responses 1.csv"


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir)


@pytest.fixture
def empty_state(ws):
    return State(ws.state_file)


def export(tmp_path: Path, fixture: str, name: str) -> Path:
    target = tmp_path / "downloads" / name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(DATA / fixture, target)
    return target


def write_csv(tmp_path: Path, name: str, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    text = buffer.getvalue()
    if encoding == "cp1258":  # Excel's "CSV" in a Vietnamese Windows: decomposed, one byte per mark
        text = unicodedata.normalize("NFD", text)
    path.write_bytes(text.encode(encoding, errors="replace"))
    return path


def titles(ws, commune_id="hoa-thanh") -> dict[str, str]:
    from formkit.responses.columns import FormShape

    return FormShape.from_workspace(ws.commune(commune_id), ws.unit, ws.template, "csv").titles


def state_with_form(ws, commune_id="hoa-thanh", form_id="1FAIpQLtest") -> State:
    """A state as `formkit create` leaves it, without a server: titles from the request bodies."""
    commune = ws.commune(commune_id)
    bodies = build_bodies(ws.template, commune, ws.unit, "abc123")
    record = FormRecord(ws.template.id, ws.template.version, "google", bodies.create["info"]["documentTitle"],
                        nonce="abc123", step="published", form_id=form_id)
    for b in bodies.questions:
        if b.question_id:
            title = b.question.title.format(**commune.texts(ws.unit))
            record.questions[b.question.id] = QuestionRecord(b.question_id, b.item_id, title, list(b.options))
    record.officer_options = dict(bodies.officer_options)
    record.field_options = list(bodies.field_options)
    state = State(ws.state_file)
    state.add(commune_id, record)
    return state


# Times ----------------------------------------------------------------------------------------

def test_day_first_and_month_first():
    assert parse_text("6/7/2015 20:54:13", day_first=True) == datetime(2015, 7, 6, 20, 54, 13)
    assert parse_text("6/7/2015 20:54:13", day_first=False) == datetime(2015, 6, 7, 20, 54, 13)
    assert parse_text("27/09/2025 8:07:24", day_first=True) == datetime(2025, 9, 27, 8, 7, 24)
    with pytest.raises(ValueError, match="month/day/year"):
        parse_text("27/09/2025 8:07:24", day_first=False)
    with pytest.raises(ValueError, match="not a time"):
        parse_text("hôm qua", day_first=True)
    assert timestamp_header(" Dấu thời gian ") is True
    assert timestamp_header(unicodedata.normalize("NFD", "Dấu thời gian")) is True
    assert timestamp_header("Timestamp") is False
    assert timestamp_header("Thời gian") is None


def test_serial_numbers_survive_float_error():
    moment = datetime(2025, 9, 27, 8, 7, 24)
    serial = (moment - SERIAL_EPOCH).total_seconds() / 86400
    assert from_serial(serial) == moment
    assert from_serial(serial - 1e-10) == moment  # a hair below: still 24 s, not 23
    assert from_serial(serial - 1e-11) == moment
    assert from_serial(serial + 0.9995 / 86400) == moment  # stamped at .9995 s: stays in its second
    assert from_serial(45927) == datetime(2025, 9, 27)


def test_rfc3339_both_ways():
    assert parse_rfc3339("2025-09-27T01:07:24.123456789Z") == datetime(2025, 9, 27, 8, 7, 24)
    assert parse_rfc3339("2025-09-26T17:00:00Z") == datetime(2025, 9, 27, 0, 0, 0)
    assert rfc3339_utc("2026-09-27 08:07:24") == "2026-09-27T01:07:24Z"


def test_numbers_typed_into_the_sheet_read_as_text():
    assert cell_text(912345678.0) == "912345678"
    assert cell_text(912345678) == "912345678"
    assert cell_text(3.5) == "3.5"
    assert cell_text("0912345678") == "0912345678"
    assert cell_text(None) == ""


def test_header_matching_is_tolerant_but_reports_what_it_cannot_place():
    t = {"a": "Thái độ giao tiếp của công chức", "b": "Số điện thoại", "c": "Ý kiến khác"}
    header = ["Timestamp", unicodedata.normalize("NFD", "Thái độ giao tiếp của công chức") + "  ",
              "SỐ ĐIỆN THOẠI", "Ghi chú của văn phòng", "Ý kiến khác (sửa)"]
    columns = map_header(header, t, "here")
    assert (columns.time_column, columns.day_first) == (0, False)
    assert columns.columns == {"a": [1], "b": [2]}
    assert any("'Ghi chú của văn phòng' matches no question" in w for w in columns.warnings)
    assert any("question c ('Ý kiến khác') has no column" in w for w in columns.warnings)
    with pytest.raises(ValueError, match="Dấu thời gian"):
        map_header(["Thời điểm", "x"], t, "here")


# Google's exports --------------------------------------------------------------------------------

def test_vietnamese_export_day_first(tmp_path, ws, empty_state):
    rows, warnings = read_exports(ws, empty_state, [export(tmp_path, "export-vi.csv", VI_NAME)])
    assert warnings == []
    assert [r.submitted for r in rows] == [datetime(2015, 7, 6, 8, 7, 24), datetime(2025, 9, 27, 14, 30, 5),
                                          datetime(2025, 9, 27, 14, 30, 5)]
    first, second, third = rows
    assert {r.commune_id for r in rows} == {"hoa-thanh"}
    assert {(r.form_id, r.source, r.template) for r in rows} == {("csv", "csv", "sipas-2640")}
    assert [r.officer_id for r in rows] == ["nguyen-thi-lan", "tran-van-minh", "le-hoang-phuong"]
    assert second.answers["y-kien-khac"] == "Chờ lâu, thiếu ghế ngồi"
    assert second.answers["so-dien-thoai"] == "0912345678"
    assert third.answers["y-kien-khac"] == 'Cảm ơn "Bộ phận một cửa"'
    assert first.answers["3.1"] == "Hài lòng" and "5.1" not in first.answers
    assert all(r.invalid == [] for r in rows)


def test_bom_or_not_reads_the_same(tmp_path, ws, empty_state):
    plain, _ = read_exports(ws, empty_state, [export(tmp_path, "export-vi.csv", VI_NAME)])
    (tmp_path / "downloads" / VI_NAME).unlink()
    assert (DATA / "export-vi-bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    bom, warnings = read_exports(ws, empty_state, [export(tmp_path, "export-vi-bom.csv", VI_NAME)])
    assert warnings == []
    assert bom == plain


def test_english_export_month_first(tmp_path, ws, empty_state):
    rows, warnings = read_exports(ws, empty_state, [export(tmp_path, "export-en.csv", EN_NAME)])
    assert warnings == []
    assert [r.submitted for r in rows] == [datetime(2015, 6, 7, 8, 7, 24), datetime(2025, 9, 27, 14, 30, 5),
                                          datetime(2025, 9, 27, 14, 30, 5)]
    assert rows[1].officer_id == "tran-van-minh"


def test_state_gives_form_id_and_titles(tmp_path, ws):
    state = state_with_form(ws)
    rows, _ = read_exports(ws, state, [export(tmp_path, "export-vi.csv", VI_NAME)])
    assert {r.form_id for r in rows} == {"1FAIpQLtest"}
    # The rows store like pulled ones, and the second of two in one second is kept apart.
    with ResponseStore(tmp_path / "responses.sqlite") as store:
        assert store.add(rows, ws.template) == 3
        assert store.add(rows, ws.template) == 0


def test_commune_from_shared_spreadsheet_tab_or_option(tmp_path, ws, empty_state):
    shared = "Khảo sát mức độ hài lòng — Tỉnh Tây Ninh (câu trả lời) - Xã Hòa Thành.csv"
    rows, _ = read_exports(ws, empty_state, [export(tmp_path, "export-vi.csv", shared)])
    assert {r.commune_id for r in rows} == {"hoa-thanh"}
    # NFD file name (macOS) and a browser's " (1)" copy suffix.
    nfd = unicodedata.normalize("NFD", VI_NAME[:-4]) + " (1).csv"
    rows, _ = read_exports(ws, empty_state, [export(tmp_path, "export-vi.csv", nfd)])
    assert len(rows) == 3
    rows, _ = read_exports(ws, empty_state, [export(tmp_path, "export-vi.csv", "answers.csv")], "hoa-thanh")
    assert len(rows) == 3 and rows[0].officer_id == "nguyen-thi-lan"
    with pytest.raises(UsageError, match="no commune 'nowhere'"):
        read_exports(ws, empty_state, [export(tmp_path, "export-vi.csv", "answers.csv")], "nowhere")


def test_unknown_file_name_lists_expected_titles(tmp_path, ws, empty_state):
    path = export(tmp_path, "export-vi.csv", "Khảo sát cũ (Câu trả lời) - Câu trả lời biểu mẫu 1.csv")
    with pytest.raises(InputError) as caught:
        read_exports(ws, empty_state, [path])
    [problem] = caught.value.problems
    assert problem.file == str(path)
    for commune in ws.communes:
        assert form_title(ws.template, commune, ws.unit) in problem.message
    assert "--commune" in problem.message


def test_bad_files_reported_together(tmp_path, ws, empty_state):
    t = list(titles(ws).values())
    latin = write_csv(tmp_path, "latin.csv", ["Dấu thời gian"] + t, [["27/09/2025 8:07:24"] + [""] * len(t)],
                      encoding="cp1258")
    bad_time = write_csv(tmp_path, "bad-time.csv", ["Dấu thời gian"] + t,
                         [["27/09/2025 8:07:24"] + [""] * len(t), ["9/27/2025 8:07:24", "x"], ["", "y"]])
    no_time = write_csv(tmp_path, "no-time.csv", ["Thời gian"] + t, [["27/09/2025 8:07:24"]])
    with pytest.raises(InputError) as caught:
        read_exports(ws, empty_state, [latin, bad_time, no_time], "hoa-thanh")
    error = caught.value
    assert error.exit_code == 2
    found = {(p.file, p.place) for p in error.problems}
    assert (str(latin), "line 1") in found
    assert "UTF-8" in next(p.message for p in error.problems if p.file == str(latin))
    assert (str(bad_time), "row 3") in found and (str(bad_time), "row 4") in found
    assert (str(no_time), "row 1") in found
    assert len(error.problems) == 4
    assert "bad-time.csv: row 3: '9/27/2025 8:07:24' is not a valid day/month/year time" in str(error)


def test_columns_nfd_spaces_extra_renamed_and_unknown_officer(tmp_path, ws, empty_state):
    t = titles(ws)
    header = ["Dấu thời gian"]
    for qid, title in t.items():
        if qid == "3.1":
            header.append(unicodedata.normalize("NFD", title))
        elif qid == "1.1":
            header.append(title + " ")  # Google keeps a title's trailing space
        elif qid == "so-dien-thoai":
            header.append("SĐT liên hệ")  # renamed by hand in the sheet
        else:
            header.append(title)
    header.append("Ghi chú của văn phòng")
    values = {"can-bo": "Nguyễn Văn Không Có – Quầy 9", "linh-vuc": "Thuế", "1.1": "Hài lòng", "3.1": "Rất hài lòng",
              "so-dien-thoai": "0912345678"}
    row = ["27/09/2025 8:07:24"] + [values.get(qid, "") for qid in t] + ["đã gọi lại"]
    path = write_csv(tmp_path, "x.csv", header, [row])
    [response], warnings = read_exports(ws, empty_state, [path], "hoa-thanh")
    assert response.answers["3.1"] == "Rất hài lòng" and response.answers["1.1"] == "Hài lòng"
    assert "so-dien-thoai" not in response.answers
    assert response.officer_id is None
    assert ("can-bo", "Nguyễn Văn Không Có – Quầy 9", NOT_OFFICER) in response.invalid
    assert any(q == "linh-vuc" and raw == "Thuế" for q, raw, _ in response.invalid)
    assert any("'SĐT liên hệ' matches no question" in w for w in warnings)
    assert any("'Ghi chú của văn phòng' matches no question" in w for w in warnings)
    assert any("question so-dien-thoai" in w and "has no column" in w for w in warnings)
    assert len(warnings) == 3


def test_overlapping_exports_count_each_response_once(tmp_path, ws, empty_state):
    """The same export twice, a browser's "(1)" copy, and an August download beside the October
    one: each response once, and the warning says how many were dropped. Two identical rows
    inside one file are two people and both count."""
    october = export(tmp_path, "export-vi.csv", VI_NAME)
    lines = october.read_text(encoding="utf-8").splitlines(keepends=True)
    august = tmp_path / "august" / VI_NAME
    august.parent.mkdir()
    august.write_text("".join(lines[:2]), encoding="utf-8")  # the header and the first response only
    copy = october.with_name(VI_NAME[:-4] + " (1).csv")
    shutil.copy(october, copy)
    once, warnings = read_exports(ws, empty_state, [october])
    assert len(once) == 3 and warnings == []
    rows, warnings = read_exports(ws, empty_state, [august, october, copy, october])
    assert rows == once
    assert warnings == ["7 responses appear in more than one file (the same commune, time and answers: an export "
                        "given twice, or an earlier download of the same sheet); each is counted once"]
    twice = tmp_path / "twice" / VI_NAME
    twice.parent.mkdir()
    twice.write_text("".join(lines + lines[1:2]), encoding="utf-8")  # one response submitted twice alike
    rows, _ = read_exports(ws, empty_state, [twice, october])
    assert len(rows) == 4
    with ResponseStore(":memory:") as store:
        assert store.add(rows, ws.template) == 4


def test_a_phone_without_consent_is_never_stored(tmp_path, ws, empty_state):
    """A phone typed into the sheet on a row whose consent is "Không đồng ý" (or blank, as in an
    export of a form made before the consent question) is dropped before anything is stored: not in
    the raw answers, not in the texts table, not flagged for the follow-up list."""
    path = export(tmp_path, "export-vi.csv", VI_NAME)
    text = path.read_text(encoding="utf-8")
    assert text.count(",Đồng ý,0912345678") == 1
    path.write_text(text.replace(",Đồng ý,0912345678", ",Không đồng ý,0912345678")
                    .replace(",Không đồng ý,\n", ",,0987654321\n", 1), encoding="utf-8")
    rows, _warnings = read_exports(ws, empty_state, [path])
    assert sum(1 for r in rows if r.answers.get("so-dien-thoai")) == 2  # as read from the file
    store = ResponseStore(tmp_path / "responses.sqlite")
    assert store.add(rows, ws.template) == 3
    everything = [a for (a,) in store.db.execute("SELECT answers FROM responses")]
    assert not any("0912345678" in a or "0987654321" in a for a in everything)
    assert store.db.execute("SELECT count(*) FROM texts WHERE phone IS NOT NULL").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM coded WHERE flags & 2").fetchone()[0] == 0
    # The same phone with "Đồng ý" is kept.
    (tmp_path / "again").mkdir()
    agreed, _ = read_exports(ws, empty_state, [export(tmp_path / "again", "export-vi.csv", VI_NAME)])
    with ResponseStore(tmp_path / "agreed.sqlite") as kept:
        kept.add(agreed, ws.template)
        assert kept.db.execute("SELECT phone FROM texts WHERE phone IS NOT NULL").fetchall() == [("0912345678",)]
    store.close()

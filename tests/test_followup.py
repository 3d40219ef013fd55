"""The follow-up register: cases opened by a pull (the report's follow-up rule), a commune's open
cases exported as an XLSX, filled in the way staff do (openpyxl standing in for Excel), read back
once however often it is imported; a bad file refused with row and column, nothing applied; a
closed case's phone gone from every file formkit keeps."""

from __future__ import annotations

import os
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from report_data import answers as hand_answers
from report_data import row
from test_pull import answers, submit

from formkit.errors import InputError
from formkit.loop import export_cases, import_cases
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace

HOA_PHONE, NAM_PHONE = "0912345678", "0987654321"


def every_file_holding(root: Path, text: str) -> list[str]:
    """The files under root whose bytes hold `text` (an XLSX's parts unzipped, UTF-8 and UTF-16)."""
    text = text.lstrip("0")  # a sheet keeps a phone as a number, its leading 0 lost
    needles = [text.encode(), text.encode("utf-16-le")]
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        parts = [data]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                parts += [z.read(name) for name in z.namelist()]
        parts = [p.replace(b" ", b"").replace(b" \x00", b"") for p in parts]  # "0912 345 678" as a CSV writes it
        if any(n in part for n in needles for part in parts):
            found.append(str(path.relative_to(root)))
    return found


def register_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT response_id, commune_id, status, actor, note, first_contact, closed,"
                          " updated FROM cases ORDER BY response_id").fetchall()


def fill(path: Path, by_row: dict[int, tuple]) -> None:
    """What staff do in Excel: choose a status, write who, the day (a date cell) and a note, save
    (columns I–L; a file exported before the channel and receipt columns had them in G–J: first)."""
    book = load_workbook(path)
    sheet = book["Cần liên hệ lại"]
    first = 9 if sheet.cell(1, 9).value == "Trạng thái" else 7
    for r, (status, actor, day, note) in by_row.items():
        sheet.cell(r, first, status)
        sheet.cell(r, first + 1, actor)
        sheet.cell(r, first + 2, day)
        sheet.cell(r, first + 3, note)
    book.save(path)


def test_a_pull_opens_cases_worked_in_excel_imported_twice_once(published_workspace, formkit):
    ws, state, _base = published_workspace
    hoa, nam = state.current("hoa-thanh"), state.current("nam-dong")
    submit(hoa, answers(ws, hoa, level="Không hài lòng", so_dien_thoai=HOA_PHONE, dong_y_lien_he="Đồng ý"),
           "2026-07-06T09:00:00+07:00")
    submit(hoa, answers(ws, hoa), "2026-07-06T10:00:00+07:00")  # content, nothing to call back
    submit(hoa, answers(ws, hoa, y_kien_khac="Nên có thêm ghế chờ."), "2026-07-07T09:00:00+07:00")
    submit(nam, answers(ws, nam, level="Rất không hài lòng", so_dien_thoai=NAM_PHONE, dong_y_lien_he="Đồng ý"),
           "2026-07-06T11:00:00+07:00")
    result = formkit("pull", "-w", ws.root, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "3 new cases to call back" in result.out
    assert formkit("pull", "-w", ws.root, "--lang", "en").out.count("0 new cases") == 1  # opened once

    result = formkit("followup", "export", "-w", ws.root, "--commune", "hoa-thanh", "--lang", "en")
    assert result.exit_code == 0, result.output
    path = ws.output_dir / "followup" / "lien-he-lai-hoa-thanh.xlsx"
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0  # it holds phones: its owner's only
    sheet = load_workbook(path)["Cần liên hệ lại"]
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert [v[3] for v in values] == ["không hài lòng, để lại số điện thoại", "có ý kiến"]
    assert [v[5] for v in values] == [HOA_PHONE, None] and [v[8] for v in values] == ["chưa liên hệ"] * 2
    assert [v[6:8] for v in values] == [["Trực tuyến", None]] * 2  # the channel; an online answer has no receipt
    assert every_file_holding(ws.output_dir, NAM_PHONE) == []  # only the commune's own phones
    [rule] = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert rule.type == "list" and "I2:I3" in str(rule.sqref)
    assert rule.formula1 == '"chưa liên hệ,đã liên hệ,đã giải quyết,không liên lạc được"'

    report = formkit("report", "-w", ws.root, "--quarter", "2026Q3", "--format", "csv,json")
    assert report.exit_code == 0, report.output
    csv_of_hoa = "bao-cao-2026Q3-csv/can-lien-he-lai/hoa-thanh.csv"
    assert every_file_holding(ws.output_dir / "reports", HOA_PHONE) == [csv_of_hoa]
    fill(path, {2: ("đã giải quyết", "Nguyễn Thị Lan", datetime(2026, 7, 7), "Đã hướng dẫn bổ sung hồ sơ"),
                3: ("đã liên hệ", "Nguyễn Thị Lan", None, "Sẽ bố trí thêm ghế")})
    filled = path.with_name("da-dien.xlsx")
    filled.write_bytes(path.read_bytes())  # staff send back a copy
    first = formkit("followup", "import", "-w", ws.root, filled, "--lang", "en")
    assert first.exit_code == 0, first.output
    assert "rows read: 2, cases changed: 2, phone numbers erased: 1" in first.out
    after_once = register_rows(ws.responses_file)
    second = formkit("followup", "import", "-w", ws.root, filled, "--lang", "en")
    assert "rows read: 2, cases changed: 0, phone numbers erased: 0" in second.out
    assert register_rows(ws.responses_file) == after_once
    statuses = {r[1:5] for r in after_once}
    assert ("hoa-thanh", "resolved", "Nguyễn Thị Lan", "Đã hướng dẫn bổ sung hồ sơ") in statuses
    resolved = next(r for r in after_once if r[2] == "resolved")
    assert resolved[5] == resolved[6] == "2026-07-07 12:00:00"  # the day staff gave, at noon
    assert ("hoa-thanh", "contacted", "Nguyễn Thị Lan", "Sẽ bố trí thêm ghế") in statuses
    assert ("nam-dong", "open", "", "") in statuses

    # The closed case's phone: gone from the store, from the export (written again, open cases
    # only) and from the commune's follow-up CSV of the report written before; the staff's own
    # copy is theirs. The open case in nam-dong keeps its phone, in the store and its CSV.
    filled.unlink()
    assert every_file_holding(ws.root, HOA_PHONE) == []
    assert every_file_holding(ws.root, NAM_PHONE) == ["output/reports/bao-cao-2026Q3-csv/can-lien-he-lai/nam-dong.csv",
                                                      "state/responses.sqlite"]
    assert [[c.value for c in r][5] for r in load_workbook(path)["Cần liên hệ lại"].iter_rows(min_row=2)] == [None]
    assert formkit("pull", "-w", ws.root).exit_code == 0  # the sheet still has it: a pull does not bring it back
    assert every_file_holding(ws.root, HOA_PHONE) == []

    listed = formkit("followup", "list", "-w", ws.root, "--status", "đã giải quyết", "--lang", "en")
    assert listed.exit_code == 0 and len(listed.out.splitlines()) == 1 and HOA_PHONE not in listed.out


@pytest.fixture
def stored_workspace(example_dir):
    """Three hoa-thanh answers to call back, stored directly (no Google needed)."""
    ws = load_workspace(example_dir)
    t = ws.template
    rows = [row("hoa-thanh", f"2026-07-0{d}T09:00:00+07:00",
                hand_answers(t, {"1": 2, "2": 4, "3": 4, "4": 4}, gate="Không", overall=2,
                             so_dien_thoai=f"091234567{d}"))
            for d in (6, 7, 8)]
    with ResponseStore(ws.responses_file) as store:
        store.add(rows, t)
    return ws


def test_a_bad_file_is_refused_with_row_and_column_and_nothing_applied(stored_workspace):
    ws = stored_workspace
    [(_, path, n)] = export_cases(ws, ("hoa-thanh",))
    assert n == 3
    before = register_rows(ws.responses_file)
    book = load_workbook(path)
    sheet = book["Cần liên hệ lại"]
    sheet.cell(2, 9, "đã gọi")  # not a status
    sheet.cell(3, 9, "đã giải quyết")  # no one named
    sheet.cell(3, 11, "31/02/2026")  # no such day
    sheet.cell(4, 1, 999)  # not a case of this commune
    sheet.cell(5, 1, sheet.cell(2, 1).value)  # a row copied
    sheet.cell(5, 9, "đã liên hệ")
    sheet.cell(6, 1, "")  # an empty row is skipped
    book.save(path)
    with pytest.raises(InputError) as caught:
        import_cases(ws, path)
    places = [p.place for p in caught.value.problems]
    assert places == ["row 2, column I (Trạng thái)", "row 3, column J (Người liên hệ)",
                      "row 3, column K (Ngày liên hệ)", "row 4, column A (Mã phiếu)",
                      "row 5, column A (Mã phiếu)"]
    assert register_rows(ws.responses_file) == before  # nothing half-applied
    assert every_file_holding(ws.root / "state", "0912345676")  # no phone erased either

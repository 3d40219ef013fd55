"""A commune's follow-up export written again (a case closed and its phone erased, `formkit
retention`, a new `followup export`) keeps what staff typed in it and did not import yet; a row
whose case left is reported, masked; a damaged export stops the command before anything is erased."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from report_data import answers, row

from formkit import files
from formkit.loop import export_cases, open_cases
from formkit.responses.store import VIETNAM, ResponseStore
from formkit.workspace.config import load_workspace

PHONES = ("0912345678", "0933444555", "0987654321")
SHEET = "Cần liên hệ lại"


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).astimezone(VIETNAM).strftime("%Y-%m-%dT09:00:00+07:00")


def three_cases(example_dir):
    """Three open cases of hoa-thanh with phones (the first answered 220 days ago: past retention),
    exported."""
    ws = load_workspace(example_dir, check_photos=False)
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", days_ago(age), answers(ws.template, {"1": 1}, gate="Không", overall=1,
                                                           so_dien_thoai=phone))
                   for age, phone in zip((220, 20, 10), PHONES, strict=True)], ws.template)
        cases = open_cases(ws, store)
    [(_, path, n)] = export_cases(ws, ("hoa-thanh",))
    assert n == 3
    return ws, cases, path


def type_in(path, by_case: dict[int, dict[str, Any]]) -> None:
    """What staff do in Excel: fill cells found by their headers, save."""
    book = load_workbook(path)
    sheet: Any = book[SHEET]
    at = {c.value: c.column for c in sheet[1]}
    for r in range(2, sheet.max_row + 1):
        for header, value in by_case.get(sheet.cell(r, 1).value, {}).items():
            sheet.cell(r, at[header], value)
    book.save(path)


def listed(path) -> dict[int, dict[str, Any]]:
    sheet: Any = load_workbook(path)[SHEET]
    head = [c.value for c in sheet[1]]
    return {r[0]: dict(zip(head, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}


def register(ws) -> dict[int, tuple]:
    with sqlite3.connect(ws.responses_file) as db:
        return {r[0]: r[1:] for r in db.execute("SELECT response_id, status, actor, note FROM cases")}


def test_what_staff_typed_survives_a_case_closed_a_retention_and_a_new_export(example_dir, formkit):
    ws, (old, mid, new), path = three_cases(example_dir)
    type_in(path, {mid: {"Trạng thái": "đã liên hệ", "Người liên hệ": "Nguyễn Thị Lan",
                         "Ngày liên hệ": datetime.now(VIETNAM).replace(tzinfo=None, hour=0, minute=0, second=0,
                                                                          microsecond=0) - timedelta(days=1),
                         "Ghi chú": "Hẹn gọi lại thứ Hai"},
                   old: {"Ghi chú": f"Gọi {PHONES[0]} không ai nghe"}})
    typed = {h: listed(path)[mid][h] for h in ("Trạng thái", "Người liên hệ", "Ngày liên hệ", "Ghi chú")}

    closed = formkit("--lang", "en", "followup", "set", "-w", ws.root, new, "đã giải quyết", "--by", "Minh")
    assert closed.exit_code == 0, closed.output
    rows = listed(path)
    assert set(rows) == {old, mid} and PHONES[2] not in str(rows)  # written again without the closed case
    assert {h: rows[mid][h] for h in typed} == typed
    assert rows[old]["Ghi chú"] == f"Gọi {PHONES[0]} không ai nghe"  # its phone is still kept: not masked yet

    retention = formkit("--lang", "en", "retention", "-w", ws.root)
    assert retention.exit_code == 0, retention.output
    rows = listed(path)
    assert {h: rows[mid][h] for h in typed} == typed
    # the old answer's phone went: the note carried onto it is masked as the register's notes are
    assert rows[old]["Số điện thoại"] is None and rows[old]["Ghi chú"] == "Gọi 091****678 không ai nghe"
    assert PHONES[0].lstrip("0") not in str(rows)

    again = formkit("--lang", "en", "followup", "export", "-w", ws.root, "--commune", "hoa-thanh")
    assert again.exit_code == 0 and not again.err, again.output
    assert {h: listed(path)[mid][h] for h in typed} == typed

    imported = formkit("--lang", "en", "followup", "import", "-w", ws.root, path)
    assert imported.exit_code == 0, imported.output
    assert register(ws)[mid] == ("contacted", "Nguyễn Thị Lan", "Hẹn gọi lại thứ Hai")
    assert register(ws)[old][2] == "Gọi 091****678 không ai nghe"


def test_a_typed_row_whose_case_left_is_reported_masked(example_dir, formkit):
    ws, (_old, mid, new), path = three_cases(example_dir)
    type_in(path, {new: {"Trạng thái": "đã liên hệ", "Người liên hệ": "Lan", "Ghi chú": "Dân cho số 0977111222"},
                   mid: {"Ghi chú": "Đã nhắn tin"}})
    closed = formkit("--lang", "en", "followup", "set", "-w", ws.root, new, "không liên lạc được", "--by", "Minh")
    assert closed.exit_code == 0, closed.output
    assert "1 row typed in it and not imported could not be kept" in closed.err
    assert f"case {new}: Trạng thái: đã liên hệ; Người liên hệ: Lan; Ghi chú: Dân cho số 097****222" in closed.err
    assert "0977111222" not in closed.output and "977111222" not in str(listed(path))
    assert listed(path)[mid]["Ghi chú"] == "Đã nhắn tin"  # the other row is carried


def test_an_export_of_the_earlier_layout_is_carried(example_dir, formkit):
    ws, (_old, mid, new), path = three_cases(example_dir)
    book = load_workbook(path)  # as an earlier formkit wrote it: no Kênh, no Số biên nhận, no record
    book[SHEET].delete_cols(7, 2)
    if "formkit-written" in book.sheetnames:
        del book["formkit-written"]
    book.save(path)
    type_in(path, {mid: {"Trạng thái": "đã giải quyết", "Người liên hệ": "Nguyễn Thị Lan", "Ghi chú": "Xong"}})
    closed = formkit("--lang", "en", "followup", "set", "-w", ws.root, new, "đã giải quyết", "--by", "Minh")
    assert closed.exit_code == 0 and not closed.err, closed.output
    rows = listed(path)
    assert "Kênh" in rows[mid]  # written in today's layout
    assert (rows[mid]["Trạng thái"], rows[mid]["Người liên hệ"], rows[mid]["Ghi chú"]) == (
        "đã giải quyết", "Nguyễn Thị Lan", "Xong")


def test_a_damaged_export_stops_the_command_and_nothing_is_lost(example_dir, formkit):
    ws, (_old, _mid, new), path = three_cases(example_dir)
    path.write_bytes(b"not a workbook")
    before = register(ws)
    closed = formkit("--lang", "en", "followup", "set", "-w", ws.root, new, "đã giải quyết", "--by", "Minh")
    assert closed.exit_code == 2, closed.output
    assert str(path) in closed.err and "is damaged" in closed.err
    assert path.read_bytes() == b"not a workbook" and register(ws) == before
    assert PHONES[2].encode() in ws.responses_file.read_bytes()  # nothing erased half-way
    path.unlink()  # moved aside: a re-run finishes
    again = formkit("--lang", "en", "followup", "set", "-w", ws.root, new, "đã giải quyết", "--by", "Minh")
    assert again.exit_code == 0, again.output
    assert register(ws)[new][0] == "resolved" and PHONES[2].encode() not in ws.responses_file.read_bytes()


def test_an_export_excel_held_open_is_written_by_the_next_run(example_dir, formkit, monkeypatch):
    ws, (_old, mid, new), path = three_cases(example_dir)
    type_in(path, {mid: {"Ghi chú": "Hẹn thứ Hai"}})
    real = files.os.replace

    def held(src, dst):  # Windows: Excel holds the file open, it cannot be replaced
        if str(dst) == str(path):
            raise PermissionError(13, "The process cannot access the file", str(dst))
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", held)
    closed = formkit("--lang", "en", "followup", "set", "-w", ws.root, new, "đã giải quyết", "--by", "Minh")
    assert closed.exit_code == 1 and "another program has it open" in closed.err, closed.output
    monkeypatch.setattr(files.os, "replace", real)
    assert PHONES[2].lstrip("0") in str(listed(path))  # the erasure is done; the file is not yet written
    listing = formkit("--lang", "en", "followup", "set", "-w", ws.root, mid, "đã liên hệ", "--by", "Lan")
    assert listing.exit_code == 0, listing.output
    rows = listed(path)  # the next command writes it: the phone gone, what was typed kept
    assert set(rows) == {_old, mid} and PHONES[2].lstrip("0") not in str(rows)
    assert rows[mid]["Ghi chú"] == "Hẹn thứ Hai"

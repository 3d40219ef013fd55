"""A citizen unhappy at the counter tablet is followed up too: a counter rating the follow-up rule
of its own question set (can-bo-3) picks opens a case, once; the commune's export shows it with
its channel and the dossier's receipt number (a counter asks no phone), and reads back, as does
an export written before those columns; `report --template can-bo-3` counts it in its loop
figures (against the independent count), and the workspace's own report is unchanged by it."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from openpyxl import load_workbook
from report_data import answers, row
from test_followup import register_rows
from test_followup_report import _expected_figures, _loop_figures, independent

from formkit.kiosk.ratings import to_row
from formkit.kiosk.registry import Device
from formkit.loop import export_cases, import_cases, open_cases
from formkit.report import build_report, parse_period
from formkit.responses import cases as register
from formkit.responses.store import VIETNAM, ResponseRow, ResponseStore
from formkit.workspace.config import load_workspace
from formkit.workspace.templates import load_template

COUNTER = Device("q1", "hoa-thanh", "Quầy 1", "can-bo-3", "intake", None, None, "2026-07-01 08:00:00",
                 "2026-07-01 08:05:00", None)
UNHAPPY = {"1.1": "Kém", "1.2": "Bình thường", "1.3": "Tốt"}
HAPPY = {"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}


def rated(ws, at: str, answered: dict, receipt: str = "", comment: str = "") -> ResponseRow:
    """A rating as the tablet sends it, made into a row as the counter server makes it."""
    moment = datetime.fromisoformat(at).replace(tzinfo=VIETNAM)
    item = {"id": str(uuid.uuid4()), "at": int(moment.timestamp() * 1000), "answers": answered,
            "receipt": receipt, "officer": "tran-van-minh", "comment": comment}
    return to_row(item, COUNTER, ws.commune("hoa-thanh"), load_template("can-bo-3", ws.root), moment)


def loop_of(ws, store, template) -> dict:
    report = build_report(ws, store, parse_period(quarter="2026Q3"), template=template, today=date(2026, 10, 1))
    return {r.commune: r for r in report.loop if r.opened}


def test_an_unhappy_counter_rating_opens_one_case_staff_can_reach_by_its_receipt(example_dir, tmp_path,
                                                                                   formkit):
    ws = load_workspace(example_dir, check_photos=False)
    sipas, counter = ws.template, load_template("can-bo-3", ws.root)
    low = answers(sipas, {"1": 2, "2": 4, "3": 4, "4": 4}, gate="Không", overall=2)
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", "2026-07-06T09:00:00+07:00", low),
                   row("nam-dong", "2026-07-07T09:00:00+07:00", low)], sipas)
        paper = ResponseRow("hoa-thanh", "form-1", "paper", sipas.id, sipas.version,
                            datetime(2026, 7, 8, 9, tzinfo=VIETNAM), low, channel="giấy", key="paper|HT-0001")
        store.add([paper], sipas)  # a paper ballot: the workspace's set, as before
        sipas_cases = open_cases(ws, store)
        assert len(sipas_cases) == 3
        sipas_before = loop_of(ws, store, sipas)

        store.add([rated(ws, "2026-07-09T10:00:00", UNHAPPY, receipt="hs-0042", comment="Chờ lâu quá."),
                   rated(ws, "2026-07-09T10:05:00", HAPPY, receipt="HS-0043"),  # content: no case
                   rated(ws, "2026-07-09T10:10:00", UNHAPPY)], counter)  # no dossier given
        opened = open_cases(ws, store)
        assert len(opened) == 2
        assert open_cases(ws, store) == []  # a second look opens nothing
        counter_cases = register.cases(store, ids=opened)
        assert [(c.commune, c.opened, c.reasons) for c in counter_cases] == [
            ("hoa-thanh", "2026-07-09 10:00:00", register.LOW | register.COMMENT),
            ("hoa-thanh", "2026-07-09 10:10:00", register.LOW)]

        store.add([rated(ws, "2026-07-10T08:00:00", UNHAPPY, receipt="HS-0044")], counter)  # the next day's
        [later] = open_cases(ws, store)
        assert later > max(opened) and len(register.cases(store)) == 6  # one case each, none twice

    [(_, path, n)] = export_cases(ws, ("hoa-thanh",))
    assert n == 5  # hoa-thanh's online and paper answers, and its three counter ratings
    sheet = load_workbook(path)["Cần liên hệ lại"]
    head = [c.value for c in sheet[1]]
    by_id = {r[0]: dict(zip(head, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    counter_row = by_id[opened[0]]
    assert (counter_row["Kênh"], counter_row["Số biên nhận"], counter_row["Số điện thoại"]) == ("Quầy", "HS-0042", None)
    assert counter_row["Ý kiến"] == "Chờ lâu quá." and counter_row["Cán bộ"] == "Trần Văn Minh"
    assert (by_id[opened[1]]["Kênh"], by_id[opened[1]]["Số biên nhận"]) == ("Quầy", None)
    assert [by_id[i]["Kênh"] for i in sipas_cases if i in by_id] == ["Trực tuyến", "Giấy"]
    listed = {int(line.split()[0]): line for line in formkit("followup", "list", "-w", ws.root, "--lang",
                                                               "en").out.splitlines()}
    assert " Quầy " in listed[opened[0]] and " Giấy " in listed[sipas_cases[2]]

    # Staff found the citizen from dossier HS-0042 and settled it; the file reads back.
    book = load_workbook(path)
    at = {c.value: c.column for c in book["Cần liên hệ lại"][1]}
    line = next(r for r in range(2, n + 2) if book["Cần liên hệ lại"].cell(r, 1).value == opened[0])
    for header, value in (("Trạng thái", "đã giải quyết"), ("Người liên hệ", "Nguyễn Thị Lan"),
                          ("Ngày liên hệ", datetime(2026, 7, 13)), ("Ghi chú", "Đã gọi theo hồ sơ HS-0042")):
        book["Cần liên hệ lại"].cell(line, at[header], value)
    book.save(path)
    assert import_cases(ws, path).changed == 1

    # An export written before the channel and receipt columns (headers A–J), filled and imported.
    old = tmp_path / "cu.xlsx"
    book = load_workbook(path)
    sheet = book["Cần liên hệ lại"]
    sheet.delete_cols(7, 2)
    assert [c.value for c in sheet[1]][6:] == ["Trạng thái", "Người liên hệ", "Ngày liên hệ", "Ghi chú"]
    line = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == opened[1])
    sheet.cell(line, 7, "không liên lạc được")
    sheet.cell(line, 8, "Nguyễn Thị Lan")
    sheet.cell(line, 9, datetime(2026, 7, 10))
    book.save(old)
    imported = import_cases(ws, old)
    assert (imported.rows, imported.changed) == (4, 1)
    statuses = {r[0]: r[2:4] for r in register_rows(ws.responses_file)}
    assert statuses[opened[0]] == ("resolved", "Nguyễn Thị Lan")
    assert statuses[opened[1]] == ("unreachable", "Nguyễn Thị Lan")

    # `report --template can-bo-3` counts its cases as the register, read independently, says; the
    # workspace's report is what it was before any counter rating.
    result = formkit("report", "-w", ws.root, "--quarter", "2026Q3", "--template", "can-bo-3", "--format", "json",
                     "--out", tmp_path / "reports")
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "reports" / "bao-cao-2026Q3.json").read_text(encoding="utf-8"))
    got = {r["commune"]: _loop_figures(r) for r in document["follow_up_loop"]["communes"] if r["opened"]}
    want = independent(ws.responses_file, "2026-07-01", "2026-10-01", 2, template="can-bo-3")
    assert got == {k: _expected_figures(v) for k, v in want.items()}
    assert got == {"hoa-thanh": (3, 1, 1, 1, 1, 2.0)}  # Thu 09/07 → Mon 13/07: 3 days; → Fri 10/07: 1
    with ResponseStore(ws.responses_file) as store:
        assert loop_of(ws, store, sipas) == sipas_before
    assert {k: v.opened for k, v in sipas_before.items()} == {"hoa-thanh": 2, "nam-dong": 1}

"""Exports read as they were written: a copy re-saved by Excel is recognised as the same responses,
and the day/month order of text times is decided from the dates themselves, never from the
header's language alone; a file whose dates read both ways is refused with the way to say which."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from test_csv_import import VI_NAME, empty_state, export, titles, write_csv, ws  # noqa: F401  (fixtures)

from formkit.errors import InputError
from formkit.responses.csvfiles import read_exports


def excel_resave(original, target, delimiter: str = ",", month_first_region: bool = False,
                 encoding: str = "utf-8-sig"):
    """What Excel does to a Google export opened and saved again as CSV: dates reparsed and written
    in the regional short format without seconds (d/m/yyyy h:mm or m/d/yyyy h:mm), digit-only text
    turned into numbers (a phone loses its leading 0), the region's list separator, CRLF, and with
    "CSV UTF-8" a BOM."""
    rows = list(csv.reader(io.StringIO(original.read_text(encoding="utf-8-sig"), newline="")))
    out = [rows[0]]
    for row in rows[1:]:
        first, second, rest = row[0].split("/", 2)
        year, clock = rest.split(" ")
        hour, minute = clock.split(":")[:2]
        if month_first_region and int(first) > 12:  # not a date in that region: kept as text, as it was
            stamp = row[0]
        else:  # read and written again in the region's own order: the numbers keep their places
            stamp = f"{int(first)}/{int(second)}/{year} {int(hour)}:{minute}"
        out.append([stamp] + [c.lstrip("0") if c.isdigit() else c for c in row[1:]])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue().encode(encoding))
    return target


@pytest.mark.parametrize("delimiter, encoding", [(",", "utf-8-sig"), (";", "utf-8-sig"), ("\t", "utf-16")])
def test_a_copy_re_saved_by_excel_is_the_same_responses(tmp_path, ws, empty_state, delimiter, encoding):  # noqa: F811
    original = export(tmp_path, "export-vi.csv", VI_NAME)
    resaved = excel_resave(original, tmp_path / "excel" / VI_NAME, delimiter, encoding=encoding)
    assert "14:30:05" not in resaved.read_bytes().decode(encoding)
    once, _ = read_exports(ws, empty_state, [original])
    for files in ([original, resaved], [resaved, original]):
        rows, warnings = read_exports(ws, empty_state, files)
        assert len(rows) == 3, files
        assert sorted(r.submitted for r in rows) == sorted(r.submitted for r in once)  # the seconds kept
        assert any("3 responses" in w and "Excel" in w and str(resaved.name) in w for w in warnings), warnings
    alone, _ = read_exports(ws, empty_state, [resaved])
    assert [r.submitted for r in alone] == [r.submitted.replace(second=0) for r in once]


def test_a_copy_re_saved_by_excel_in_a_month_first_region_is_the_same_responses(tmp_path, ws,  # noqa: F811
                                                                              empty_state):  # noqa: F811
    original = export(tmp_path, "export-vi.csv", VI_NAME)
    resaved = excel_resave(original, tmp_path / "excel" / VI_NAME, month_first_region=True)
    text = resaved.read_text(encoding="utf-8-sig")
    assert "6/7/2015 8:07," in text and "27/09/2025 14:30:05" in text  # one reformatted, two kept
    rows, warnings = read_exports(ws, empty_state, [original, resaved])
    assert len(rows) == 3 and any("3 responses" in w for w in warnings), warnings


def test_a_re_saved_copy_of_a_later_download_keeps_the_new_responses(tmp_path, ws, empty_state):  # noqa: F811
    original = export(tmp_path, "export-vi.csv", VI_NAME)
    lines = original.read_text(encoding="utf-8").splitlines(keepends=True)
    august = tmp_path / "august" / VI_NAME
    august.parent.mkdir()
    august.write_text("".join(lines[:2]), encoding="utf-8")
    resaved = excel_resave(original, tmp_path / "excel" / VI_NAME)
    rows, warnings = read_exports(ws, empty_state, [august, resaved])  # august's 6/7/2015: the order of its commune
    assert len(rows) == 3
    assert any("1 response" in w for w in warnings), warnings


def december(stamps: list[str], header: str = "Timestamp"):
    def make(tmp_path, ws):  # noqa: F811
        t = list(titles(ws).values())
        return write_csv(tmp_path, "thang-12.csv", [header] + t,
                         [[s, "Hài lòng"] + [""] * (len(t) - 1) for s in stamps])
    return make


def test_day_first_dates_under_an_english_header_are_read_day_first(tmp_path, ws, empty_state):  # noqa: F811
    path = december(["3/12/2025 8:07:24", "6/12/2025 9:00:00", "30/12/2025 10:15:00"])(tmp_path, ws)
    rows, _ = read_exports(ws, empty_state, [path], "hoa-thanh")
    assert [r.submitted.month for r in rows] == [12, 12, 12]


def test_month_first_dates_under_a_vietnamese_header_are_read_month_first(tmp_path, ws, empty_state):  # noqa: F811
    path = december(["12/3/2025 8:07:24", "12/30/2025 10:15:00"], "Dấu thời gian")(tmp_path, ws)
    rows, _ = read_exports(ws, empty_state, [path], "hoa-thanh")
    assert [r.submitted for r in rows] == [datetime(2025, 12, 3, 8, 7, 24), datetime(2025, 12, 30, 10, 15)]


@pytest.mark.parametrize("header", ["Timestamp", "Dấu thời gian"])
def test_dates_that_read_both_ways_are_refused_with_file_column_and_option(tmp_path, ws, empty_state,  # noqa: F811
                                                                          header):
    path = december(["3/12/2025 8:07:24", "6/12/2025 9:00:00"], header)(tmp_path, ws)
    with pytest.raises(InputError) as caught:
        read_exports(ws, empty_state, [path], "hoa-thanh")
    [problem] = caught.value.problems
    assert problem.file == str(path) and header in problem.place
    assert "--date-order dmy" in problem.message and "--date-order mdy" in problem.message
    rows, _ = read_exports(ws, empty_state, [path], "hoa-thanh", date_order="dmy")
    assert [r.submitted for r in rows] == [datetime(2025, 12, 3, 8, 7, 24), datetime(2025, 12, 6, 9)]
    rows, _ = read_exports(ws, empty_state, [path], "hoa-thanh", date_order="mdy")
    assert [r.submitted for r in rows] == [datetime(2025, 3, 12, 8, 7, 24), datetime(2025, 6, 12, 9)]


def test_report_from_csv_takes_the_date_order(tmp_path, example_dir, formkit):
    from formkit.workspace.config import load_workspace

    path = december(["3/12/2025 8:07:24", "6/12/2025 9:00:00"])(tmp_path, load_workspace(example_dir))
    args = ("report", "-w", example_dir, "--from-csv", path, "--commune", "hoa-thanh", "--month", "2025-12",
            "--format", "json")
    refused = formkit(*args)
    assert refused.exit_code == 2 and "--date-order" in refused.output and "thang-12.csv" in refused.output
    done = formkit(*args, "--date-order", "dmy")
    assert done.exit_code == 0, done.output
    assert "2 responses" in done.output


def test_a_sheets_text_times_are_read_as_their_dates_show(ws):  # noqa: F811
    """pull: a time typed into the sheet as text under an English header, with day-first dates;
    serial numbers beside it are read as serials."""
    from formkit.responses.columns import FormShape, read_table

    shape = FormShape.from_workspace(ws.commune("hoa-thanh"), ws.unit, ws.template, "form")
    header = ["Timestamp"] + list(shape.titles.values())
    values = [header, [46000.5, "Hài lòng"], ["3/12/2025 8:07:24", "Hài lòng"], ["30/12/2025 9:00:00", "Hài lòng"]]
    rows, _, problems = read_table(shape, values, "sheet", "tab", "sheet")
    assert problems == []
    assert [r.submitted.month for r in rows[1:]] == [12, 12]


@pytest.mark.parametrize("code_page", ["cp1252", "cp1258"])
def test_an_export_excel_opened_in_the_wrong_code_page_is_read_as_google_wrote_it(tmp_path, ws, empty_state,  # noqa: F811
                                                                                  code_page):
    """A double click opens Google's CSV (UTF-8 without BOM) in the computer's code page: every
    accent becomes two or three wrong letters ("Dáº¥u"); saved again as CSV UTF-8 they stay so.
    Bytes the code page leaves undefined become the C1 control characters of the same number."""
    original = export(tmp_path, "export-vi.csv", VI_NAME)
    raw = original.read_bytes()
    garbled = "".join(bytes([b]).decode(code_page, errors="ignore") or chr(b) for b in raw)
    assert "Dấu thời gian" not in garbled and "D" in garbled
    resaved = tmp_path / "excel" / VI_NAME
    resaved.parent.mkdir()
    resaved.write_bytes(garbled.encode("utf-8-sig"))
    once, _ = read_exports(ws, empty_state, [original])
    rows, warnings = read_exports(ws, empty_state, [resaved])
    assert rows == once
    assert any("code page" in w for w in warnings), warnings

"""The workspace file, rosters and photos: bad input is reported clearly, all at once, with the
file and the place, exit code 2, and nothing is sent to Google."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from conftest import server_calls

from formkit.errors import InputError
from formkit.workspace.config import load_workspace


def test_example_workspace_loads(example_dir):
    ws = load_workspace(example_dir)
    assert ws.unit.display_name == "Tỉnh Tây Ninh"
    assert [c.id for c in ws.communes] == ["hoa-thanh", "binh-thanh", "nam-dong"]
    binh_thanh = ws.commune("binh-thanh")
    assert [o.id for o in binh_thanh.officers] == ["dang-thi-hong", "bui-quang-huy", "ngo-thanh-tam"]
    assert all(o.photo and o.photo.is_file() for c in ws.communes for o in c.officers)
    assert ws.commune("nam-dong").display_name == "Phường Nam Đông"


def test_init_refuses_to_overwrite(example_dir, formkit):
    before = (example_dir / "formkit.toml").read_bytes()
    result = formkit("init", example_dir)
    assert result.exit_code == 2 and "already exists" in result.err
    assert (example_dir / "formkit.toml").read_bytes() == before


def test_unit_is_whatever_the_workspace_says(example_dir):
    config = example_dir / "formkit.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('kind = "Tỉnh"', 'kind = "Huyện"'), encoding="utf-8")
    assert load_workspace(example_dir).unit.display_name == "Huyện Tây Ninh"


def test_roster_names_typed_in_nfd_come_out_nfc(example_dir):
    roster = example_dir / "rosters" / "binh-thanh.csv"
    roster.write_text(unicodedata.normalize("NFD", roster.read_text(encoding="utf-8")), encoding="utf-8-sig")
    officer = load_workspace(example_dir).commune("binh-thanh").officer("dang-thi-hong")
    assert officer.name == "Đặng Thị Hồng" == unicodedata.normalize("NFC", officer.name)


def test_roster_in_excel_with_vietnamese_headers(example_dir):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã", "Họ và tên", "Chức vụ", "Quầy", "Ảnh"])
    sheet.append(["mai-anh", "Lý Mai Anh", "Công chức Tư pháp - Hộ tịch", "Quầy 4", ""])
    book.save(example_dir / "rosters" / "binh-thanh.xlsx")
    config = example_dir / "formkit.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("binh-thanh.csv", "binh-thanh.xlsx"), encoding="utf-8")
    officers = load_workspace(example_dir).commune("binh-thanh").officers
    assert [(o.id, o.name, o.counter, o.photo) for o in officers] == [("mai-anh", "Lý Mai Anh", "Quầy 4", None)]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BAD_INPUTS = {
    "broken toml": (lambda d: edit(d / "formkit.toml", 'name = "Tây Ninh"', 'name = "Tây Ninh'),
                    "formkit.toml", "not valid TOML"),
    "unknown template": (lambda d: edit(d / "formkit.toml", 'template = "sipas-2640"', 'template = "sipas-9"'),
                         "formkit.toml: template", "unknown template 'sipas-9'"),
    "duplicate commune id": (lambda d: edit(d / "formkit.toml", 'id = "nam-dong"', 'id = "hoa-thanh"'),
                             "formkit.toml: communes[3].id", "commune id 'hoa-thanh' is already used"),
    "duplicate officer id": (lambda d: edit(d / "formkit.toml", 'id = "vo-duc-thang"', 'id = "pham-thu-ha"'),
                             "communes[3].officers[2].id", "officer id 'pham-thu-ha' is already used"),
    "roster wrong columns": (lambda d: edit(d / "rosters" / "binh-thanh.csv", "id,name,title", "ma_so,name,chuc"),
                             "rosters/binh-thanh.csv: row 1", "missing column(s) id, title"),
    "roster wrong encoding": (lambda d: (d / "rosters" / "binh-thanh.csv").write_bytes(
        (d / "rosters" / "binh-thanh.csv").read_text(encoding="utf-8").encode("utf-16")),
        "rosters/binh-thanh.csv: line 1", "not UTF-8"),
    "officer without name": (lambda d: edit(d / "formkit.toml", 'name = "Trần Văn Minh"\n', ""),
                             "communes[1].officers[2].name", "missing"),
    # Issue 9: an unknown key in any table names the table and the key.
    "issuing_body under [unit]": (lambda d: edit(d / "formkit.toml", 'name = "Tây Ninh"',
                                                 'name = "Tây Ninh"\nissuing_body = "UBND TỈNH"'),
                                  "formkit.toml: unit.issuing_body", "moved: write issuing_body under [report]"),
    "unknown key in [report]": (lambda d: edit(d / "formkit.toml", '# parent_body = ""', 'signer = "A"'),
                                "formkit.toml: report.signer", "unknown key"),
    "recipients not a list": (lambda d: edit(d / "formkit.toml", '# parent_body = ""',
                                             'recipients = "Sở Nội vụ"'),
                              "formkit.toml: report.recipients", "must be a list of lines"),
    "unknown key in [office_hours]": (lambda d: edit(d / "formkit.toml", 'start = "07:00"', 'begin = "07:00"'),
                                      "office_hours.begin", "unknown key"),
    "unknown key in [google]": (lambda d: edit(d / "formkit.toml", '# credentials = "credentials.json"',
                                               'credential = "c.json"'), "google.credential", "unknown key"),
    # Issue 12: what `check` rejects before anything is sent.
    "name too long": (lambda d: edit(d / "formkit.toml", 'name = "Trần Văn Minh"', f'name = "{"Minh " * 60}"'),
                      "communes[1].officers[2].name", "characters long; at most 200"),
    "list for a string": (lambda d: edit(d / "formkit.toml", 'name = "Hòa Thành"', 'name = ["Hòa", "Thành"]'),
                          "communes[1].name", "must be text, not a list"),
    "control character in a name": (lambda d: edit(d / "formkit.toml", 'name = "Trần Văn Minh"',
                                                   'name = "Trần Văn\\u001b[31m Minh"'),
                                    "communes[1].officers[2].name", "control character(s) U+001B"),
    "number for a name is fine but a table is not": (lambda d: edit(d / "formkit.toml", 'kind = "Tỉnh"',
                                                                    'kind = { a = 1 }'),
                                                     "unit.kind", "must be text, not a table"),
    "office hours backwards": (lambda d: edit(d / "formkit.toml", 'end = "17:30"', 'end = "06:00"'),
                               "office_hours.end", "06:00 is not after the start (07:00)"),
    "two communes, one tab": (lambda d: edit(d / "formkit.toml", 'name = "Bình Thạnh"',
                                             'name = "Bình Thạnh"\nsheet_tab = "Xã Hòa Thành"'),
                              "communes[2].sheet_tab", "tab name 'Xã Hòa Thành' is already used by communes[1]"),
    "tab name spreadsheets refuse": (lambda d: edit(d / "formkit.toml", 'name = "Bình Thạnh"',
                                                    'name = "Bình Thạnh"\nsheet_tab = "Xã Bình Thạnh [cũ]"'),
                                     "communes[2].sheet_tab", "which spreadsheets refuse"),
    "NUL in a roster cell": (lambda d: edit(d / "rosters" / "binh-thanh.csv", "Đặng Thị Hồng", "Đặng Thị\x00Hồng"),
                             "rosters/binh-thanh.csv: row 2, column name", "control character(s) U+0000"),
    "roster cell over csv's limit": (lambda d: edit(d / "rosters" / "binh-thanh.csv", "Đặng Thị Hồng",
                                                    "Đặng Thị Hồng" + "x" * 140_000),
                                     "rosters/binh-thanh.csv: line", "cannot be read as CSV"),
    "roster cell long": (lambda d: edit(d / "rosters" / "binh-thanh.csv", "Đặng Thị Hồng", "Đặng Thị Hồng" + "x" * 300),
                         "rosters/binh-thanh.csv: row 2, column name", "at most 200"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_exits_2_names_the_place_and_calls_nothing(case, example_dir, endpoint, formkit):
    damage, place, message = BAD_INPUTS[case]
    damage(example_dir)
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 2, result.output
    assert place in result.err and message in result.err, result.err
    assert "Traceback" not in result.err
    assert server_calls(endpoint) == {}
    assert not (example_dir / "state").exists()


def test_several_problems_are_reported_together(example_dir):
    edit(example_dir / "formkit.toml", 'id = "nam-dong"', 'id = "hoa-thanh"')
    (example_dir / "photos" / "tran-van-minh.jpg").unlink()
    edit(example_dir / "rosters" / "binh-thanh.csv", "id,name", "mã số,name")
    with pytest.raises(InputError) as err:
        load_workspace(example_dir)
    assert len(err.value.problems) >= 3


def test_commune_without_fields_cannot_make_a_sipas_form(example_dir, endpoint, formkit):
    edit(example_dir / "formkit.toml", 'fields = ["Hộ tịch", "Chứng thực", "Kinh doanh"]', "fields = []")
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 2 and "communes[id=nam-dong].fields" in result.err
    assert server_calls(endpoint) == {}


def test_check_validates_without_remote_calls(example_dir, formkit):
    result = formkit("check", "-w", example_dir)
    assert result.exit_code == 0 and "3 communes, 8 officers" in result.out


def _damage_photos(root: Path) -> None:
    (root / "photos" / "tran-van-minh.jpg").unlink()  # missing
    (root / "photos" / "nguyen-thi-lan.jpg").write_bytes(b"not a photo at all")  # not an image
    whole = (root / "photos" / "vo-duc-thang.jpg").read_bytes()
    (root / "photos" / "vo-duc-thang.jpg").write_bytes(whole[: len(whole) // 3])  # cut short in a copy


def test_check_warns_about_missing_and_unreadable_photos_and_strict_makes_them_errors(example_dir, formkit):
    _damage_photos(example_dir)
    result = formkit("check", "-w", example_dir)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.err.splitlines() if line.startswith("warning: photos/")]
    assert len(warnings) == 3, result.err
    assert "photos/tran-van-minh.jpg: photo of officer 'tran-van-minh' (Trần Văn Minh): file not found" in result.err
    assert "photos/nguyen-thi-lan.jpg" in result.err and "photos/vo-duc-thang.jpg" in result.err
    strict = formkit("check", "-w", example_dir, "--strict")
    assert strict.exit_code == 2
    assert "photos missing or unreadable (--strict)" in strict.err
    assert all(name in strict.err for name in ("tran-van-minh.jpg", "nguyen-thi-lan.jpg", "vo-duc-thang.jpg"))


def test_create_warns_about_a_missing_photo_and_makes_the_forms(example_dir, endpoint, formkit):
    _damage_photos(example_dir)
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0, result.output
    assert "photos/tran-van-minh.jpg: photo of officer 'tran-van-minh' (Trần Văn Minh): file not found" in result.err
    assert (example_dir / "state" / "forms.json").is_file()


def test_no_workspace_is_a_usage_error(tmp_path, formkit):
    result = formkit("create", "-w", tmp_path)
    assert result.exit_code == 2 and "formkit init" in result.err

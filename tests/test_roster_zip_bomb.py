"""An XLSX roster is a zip archive: one that unzips to far more than any roster (a zip bomb, 840 KB
that expands to gigabytes) is refused from the archive's own directory, before openpyxl parses it."""

from __future__ import annotations

import time
import zipfile

from formkit.errors import InputError
from formkit.workspace.config import load_workspace
from formkit.workspace.roster import MAX_XLSX_UNZIPPED


def roster_xlsx(example_dir, padding: int):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(["Mã", "Họ và tên", "Chức vụ", "Quầy"])
    sheet.append(["mai-anh", "Lý Mai Anh", "Công chức Tư pháp - Hộ tịch", "Quầy 4"])
    plain = example_dir / "rosters" / "plain.xlsx"
    book.save(plain)
    bomb = example_dir / "rosters" / "binh-thanh.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":  # blanks between elements: valid XML, any size
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * padding)
            target.writestr(item, data, zipfile.ZIP_DEFLATED, 9)
    plain.unlink()
    config = example_dir / "formkit.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("binh-thanh.csv", "binh-thanh.xlsx"), encoding="utf-8")
    return bomb


def test_a_zip_bomb_roster_is_refused_fast_with_file_and_size(example_dir):
    bomb = roster_xlsx(example_dir, MAX_XLSX_UNZIPPED + (8 << 20))
    assert bomb.stat().st_size < 200_000
    started = time.monotonic()
    try:
        load_workspace(example_dir)
    except InputError as exc:
        problems = [p for p in exc.problems if "binh-thanh.xlsx" in p.file]
    else:
        problems = []
    assert time.monotonic() - started < 2
    assert problems and "MB" in problems[0].message, problems


def test_a_roster_with_room_to_spare_still_loads(example_dir):
    roster_xlsx(example_dir, 1 << 20)
    officers = load_workspace(example_dir).commune("binh-thanh").officers
    assert [o.id for o in officers] == ["mai-anh"]

"""formkit.toml as Vietnamese officials write it: working days by name (numbers, which read
differently in Vietnamese and in ISO, refused with what to write), kinds of unit only with their
diacritics, and `formkit init`'s example commented in Vietnamese with the 2025 structure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formkit.errors import InputError
from formkit.workspace.config import load_workspace

VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


def set_line(path: Path, pattern: str, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, line, text, count=1, flags=re.M)
    assert count == 1, pattern
    path.write_text(changed, encoding="utf-8")


def problems(root: Path) -> dict[str, str]:
    with pytest.raises(InputError) as caught:
        load_workspace(root)
    return {p.place: p.message for p in caught.value.problems}


@pytest.mark.parametrize("written, days", [
    ('["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"]', (1, 2, 3, 4, 5, 6)),
    ('["thứ 2", "THỨ 3", "Thứ  4", "Thứ 5", "Thứ 6"]', (1, 2, 3, 4, 5)),
    ('["Chủ nhật", "Thứ Bảy"]', (6, 7)),
    ('["CN"]', (7,)),
])
def test_working_days_are_written_by_name(example_dir, written, days):
    set_line(example_dir / "formkit.toml", r"^weekdays = .*$", f"weekdays = {written}")
    assert load_workspace(example_dir).office_hours.weekdays == days


def test_numbered_days_are_refused_with_what_to_write(example_dir):
    """[2, 3, 4, 5, 6, 7] is how a Vietnamese writes Monday–Saturday, and formkit read it as
    Tuesday–Sunday: numbers are refused, and the message says what they meant until now."""
    set_line(example_dir / "formkit.toml", r"^weekdays = .*$", "weekdays = [2, 3, 4, 5, 6, 7]")
    message = problems(example_dir)["office_hours.weekdays"]
    assert "by name" in message or "tên ngày" in message
    assert '"Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"' in message
    set_line(example_dir / "formkit.toml", r"^weekdays = .*$", 'weekdays = ["Thứ Hai", "Thu Ba"]')
    assert '"Thu Ba"' in problems(example_dir)["office_hours.weekdays"]


def test_kinds_only_with_their_diacritics(example_dir, formkit):
    config = example_dir / "formkit.toml"
    set_line(config, r'^kind = "Xã"$', 'kind = "Xa"')
    set_line(config, r'^kind = "Tỉnh"$', 'kind = "Tinh"')
    found = problems(example_dir)
    assert "Xã, Phường, Đặc khu" in found["communes[1].kind"] and "'Xa'" in found["communes[1].kind"]
    assert "Tỉnh, Thành phố" in found["unit.kind"]
    result = formkit("--lang", "en", "check", "-w", example_dir)
    assert result.exit_code == 2 and "communes[1].kind: 'Xa' is not a known kind" in result.err, result.output
    set_line(config, r'^kind = "Xa"$', 'kind = "xã"')
    set_line(config, r'^kind = "Tinh"$', 'kind = "tỉnh"')
    ws = load_workspace(example_dir)
    assert ws.communes[0].display_name == "Xã Hòa Thành" and ws.unit.display_name == "Tỉnh Tây Ninh"
    assert ws.commune("hoa-thanh").report.issuing_body == "ỦY BAN NHÂN DÂN XÃ HÒA THÀNH"


def test_init_writes_vietnamese_comments_and_the_2025_structure(example_dir):
    text = (example_dir / "formkit.toml").read_text(encoding="utf-8")
    prose = [line for line in text.splitlines() if line.startswith("#")
             and not re.match(r"^#\s*(\[|[a-z_]+ = )", line)]  # not a commented-out setting
    assert len(prose) > 15
    english = [line for line in prose if not VIETNAMESE.search(line) and len(line) > 3]
    assert english == []
    ws = load_workspace(example_dir)
    assert ws.unit.kind == "Tỉnh"  # communes directly under the province, since 1 July 2025
    assert {c.kind for c in ws.communes} <= {"Xã", "Phường", "Đặc khu"}
    assert 'weekdays = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"]' in text
    assert ws.office_hours.weekdays == (1, 2, 3, 4, 5, 6)

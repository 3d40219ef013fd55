"""The CLI speaks Vietnamese by default and English on request, through gettext catalogs that are
complete and up to date with the source (extracted again with Babel here and compared)."""

from __future__ import annotations

import gettext
import importlib.util
import os
import re
import string
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from formkit import i18n
from formkit.cli import cli
from formkit.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def _catalogs():
    spec = importlib.util.spec_from_file_location("catalogs", REPO / "tools" / "catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("domain", ["formkit", "click"])
def test_every_message_has_a_vietnamese_translation_and_the_catalog_is_up_to_date(domain):
    # Extracts the messages from the source again (formkit's, and the installed Click's), and
    # compares them with the .po; checks the committed .mo is the compiled .po.
    assert _catalogs().problems(domain) == []


def test_the_vietnamese_catalog_renders_every_message():
    """Every msgid through the compiled catalog: none comes back in English, none is left
    unformattable (placeholders the code fills are the ones the translation uses)."""
    catalogs = _catalogs()
    compiled = gettext.translation("formkit", i18n.LOCALE_DIR, languages=["vi"])
    for message in catalogs.extract("formkit"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for n, source in ((1, ids[0]), (3, ids[-1])):
            shown = compiled.ngettext(ids[0], ids[-1], n) if len(ids) > 1 else compiled.gettext(source)
            assert shown != source or not any(c.isalpha() for c in source.replace("{", "").replace("}", "")), source
            fields = {name for _, name, _, _ in string.Formatter().parse(shown) if name}
            wanted = {name for _, name, _, _ in string.Formatter().parse(ids[0] + ids[-1]) if name}
            assert fields <= wanted, (source, shown)


@pytest.mark.parametrize("environ, expected", [
    ({}, "vi"),
    ({"LANG": "C.UTF-8"}, "vi"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "vi_VN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
    ({"LANGUAGE": "fr:en", "LANG": "vi_VN.UTF-8"}, "en"),
    ({"LANGUAGE": "vi", "LANG": "en_US.UTF-8"}, "vi"),
    ({"LC_MESSAGES": "fr_FR"}, "vi"),
])
def test_language_follows_the_environment_vietnamese_by_default(environ, expected):
    locale = Settings.from_environment(environ).locale
    assert i18n.choose(None, locale) == expected
    assert i18n.choose("en", locale) == "en"


def _run(formkit, monkeypatch, lang_env, *args):
    monkeypatch.delenv("LANGUAGE", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    if lang_env:
        monkeypatch.setenv("LANG", lang_env)
    return formkit(*args)


def test_commands_speak_vietnamese_by_default_and_english_on_request(example_dir, formkit, monkeypatch):
    vi = _run(formkit, monkeypatch, None, "check", "-w", example_dir)
    assert vi.exit_code == 0
    assert vi.out.strip() == "Hợp lệ: 3 xã, 8 cán bộ, bộ câu hỏi sipas-2640 v2, Tỉnh Tây Ninh"
    en = _run(formkit, monkeypatch, "en_US.UTF-8", "check", "-w", example_dir)
    assert en.out.strip() == "OK: 3 communes, 8 officers, template sipas-2640 v2, Tỉnh Tây Ninh"
    flag = _run(formkit, monkeypatch, None, "check", "-w", example_dir, "--lang", "en")
    assert flag.out == en.out
    back = _run(formkit, monkeypatch, "en_US.UTF-8", "--lang", "vi", "check", "-w", example_dir)
    assert back.out == vi.out  # --lang wins over the environment


def test_errors_and_clicks_own_strings_are_vietnamese(example_dir, formkit, monkeypatch):
    posters = _run(formkit, monkeypatch, None, "posters", "-w", example_dir)
    assert posters.exit_code == 2
    assert posters.err.startswith("Lỗi: chưa có biểu mẫu đã xuất bản cho hoa-thanh")
    unknown = _run(formkit, monkeypatch, None, "check", "--bogus")
    assert unknown.exit_code == 2
    assert "Cách dùng: formkit check" in unknown.err and "Không có tùy chọn '--bogus'" in unknown.err
    english = _run(formkit, monkeypatch, "en_US.UTF-8", "check", "--bogus")
    assert "Usage: formkit check" in english.err and "No such option '--bogus'" in english.err


def test_counts_agree_with_their_nouns():
    with i18n.speaking("en"):
        assert [i18n.ngettext("{n} response", "{n} responses", n).format(n=n) for n in (1, 3)] == [
            "1 response", "3 responses"]
    with i18n.speaking("vi"):
        assert [i18n.ngettext("{n} response", "{n} responses", n).format(n=n) for n in (1, 3)] == [
            "1 câu trả lời", "3 câu trả lời"]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_commands_help_has_an_example_in_both_languages(name, formkit, monkeypatch):
    vi = _run(formkit, monkeypatch, None, name, "--help")
    assert vi.exit_code == 0 and "Cách dùng: formkit" in vi.out
    assert f"Ví dụ: formkit {name}" in vi.out, vi.out
    assert "Hiện hướng dẫn này rồi thoát." in vi.out
    en = _run(formkit, monkeypatch, "en_US.UTF-8", name, "--help")
    assert f"Example: formkit {name}" in en.out and "Show this message and exit." in en.out


def test_a_checkout_speaks_vietnamese_without_any_build_step(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    done = subprocess.run([sys.executable, str(REPO / "cli.py"), "--help"], capture_output=True, text=True, check=False,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and "Cách dùng: formkit" in done.stdout and "Lệnh:" in done.stdout


def test_the_report_summary_in_vietnamese_uses_the_decimal_comma_and_day_first_dates(
        example_dir, formkit, monkeypatch, tmp_path):
    import shutil

    export = tmp_path / ("Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành (Câu trả lời) - "
                         "Câu trả lời biểu mẫu 1.csv")
    shutil.copy(REPO / "tests" / "data" / "export-vi.csv", export)
    args = ("report", "-w", example_dir, "--from-csv", export, "--year", "2025", "--format", "json")
    vi = _run(formkit, monkeypatch, None, *args)
    assert vi.exit_code == 0, vi.output
    first = vi.out.splitlines()[0]
    assert "từ 2 câu trả lời (01/01/2025 – 31/12/2025)" in first
    assert re.search(r": \d+,\d\d % từ", first), first
    en = _run(formkit, monkeypatch, "en_US.UTF-8", *args)
    assert "from 2 responses (2025-01-01 – 2025-12-31)" in en.out
    assert re.search(r": \d+\.\d\d % from", en.out), en.out


def _break(workspace: Path) -> None:
    """Five problems from three readers: formkit.toml's, the TOML reader's and the roster's."""
    config = workspace / "formkit.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('end = "17:30"', 'end = "06:00"\ncolour = "blue"')
    text = text.replace('name = "Hòa Thành"', 'name = ""', 1).replace('id = "tran-van-minh"', 'id = "Tran Van Minh"')
    config.write_text(text, encoding="utf-8")
    (workspace / "rosters" / "binh-thanh.csv").write_text("id,name,title,quầy,email\nx,Y,Z,1,a@b\n", encoding="utf-8")


def test_the_librarys_problems_are_vietnamese_with_no_english_left(example_dir, formkit, monkeypatch):
    # The problems come from deep in the library (workspace/config.py, toml.py, roster.py), not
    # from the CLI: each must reach the reader translated, its place ("hàng 1, cột 5") too.
    _break(example_dir)
    vi = _run(formkit, monkeypatch, None, "check", "-w", example_dir)
    en = _run(formkit, monkeypatch, "en_US.UTF-8", "check", "-w", example_dir)
    assert vi.exit_code == en.exit_code == 2
    assert f"Lỗi: không gian làm việc {example_dir} không hợp lệ" in vi.err
    for line in ("formkit.toml: office_hours.colour: khóa không xác định (các khóa đã biết: end, start, weekdays)",
                 "formkit.toml: office_hours.end: 06:00 không muộn hơn giờ bắt đầu (07:00)",
                 "formkit.toml: communes[1].name: thiếu",
                 "rosters/binh-thanh.csv: hàng 1, cột 5: cột 'email' không xác định"):
        assert f"  - {line}\n" in vi.err, vi.err
    problems = [line for line in en.err.splitlines() if line.startswith("  - ")]
    assert len(problems) == 5, en.err
    assert not set(problems) & set(vi.err.splitlines())  # no problem reads as it does in English
    for english in ("unknown key", "is not after", "missing", "must be lower-case", "row 1", "column"):
        assert english not in vi.err and any(english in p for p in problems), english
    assert unicodedata.is_normalized("NFC", vi.err)


def test_library_warnings_and_retries_speak_the_chosen_language():
    from formkit.google.retry import describe
    from formkit.responses.timestamps import parse_text

    with i18n.speaking("vi"):
        assert describe(ConnectionError("refused")).message == "kết nối thất bại (ConnectionError: refused)"
        with pytest.raises(ValueError, match="'31/02/2025 8:00:00' không phải thời điểm ngày/tháng/năm hợp lệ"):
            parse_text("31/02/2025 8:00:00", day_first=True)
    with i18n.speaking("en"):
        assert describe(ConnectionError("refused")).message == "connection failed (ConnectionError: refused)"

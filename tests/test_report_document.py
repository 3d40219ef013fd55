"""The report as a document people read and sign (issue 19, second half; issue 22's PDF list):
each commune's own letterhead, headings kept with what follows, periods and the question set as
people name them, notes that apply, no placeholder recipient, the real date, a follow-up list
bounded and laid out a page at a time. Everything is read back from the PDF (pypdf) or the DOCX."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader
from report_data import hand_rows, store_of

from formkit.errors import InputError
from formkit.report import build_report, parse_period, write_report
from formkit.workspace.config import load_workspace

TODAY = date(2026, 11, 24)
# A heading or a paragraph that introduces what follows: "III. KẾT QUẢ …", "1. Theo xã, phường:",
# "1. Xã Hòa Thành (3 phiếu)".
LEAD = re.compile(r"^([IVX]+\. [A-ZÀ-Ỹ ,]+|\d+\. .*(:|phiếu\)))$")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pages(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(pdf).pages]


def docx_text(path: Path) -> str:
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    doc = Document(str(path))
    return squeeze(" ".join(Paragraph(p, doc).text for p in doc.element.body.iter(qn("w:p"))))


def write(ws, tmp_path: Path, communes=(), formats=("pdf", "docx"), dossiers=None, **period) -> dict[str, Path]:
    report = build_report(ws, store_of(hand_rows(ws.template), ws.template),
                          parse_period(**(period or {"quarter": "2026Q3"})), commune_ids=communes,
                          dossiers=dossiers, today=TODAY)
    return {p.suffix: p for p in write_report(report, formats, tmp_path / "out")}


def both(files: dict[str, Path]) -> list[str]:
    return [squeeze(" ".join(pages(files[".pdf"]))), docx_text(files[".docx"])]


def test_a_single_commune_report_speaks_of_that_commune_under_its_own_letterhead(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    for text in both(write(ws, tmp_path, ("hoa-thanh",))):
        assert "ỦY BAN NHÂN DÂN XÃ HÒA THÀNH" in text and "TỈNH TÂY NINH" not in text
        assert "Hòa Thành, ngày 24 tháng 11 năm 2026" in text and "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text
        assert "nhà nước tại xã Hòa Thành, kết quả khảo sát" in text
        assert "trên địa bàn" not in text and "1 xã, phường" not in text and "Xếp hạng" not in text
        assert "Số phiếu khảo sát: 3 phiếu (từ ngày 01/07/2026" in text
    for text in both(write(ws, tmp_path)):  # the province's report is the province's
        assert "ỦY BAN NHÂN DÂN TỈNH TÂY NINH" in text and "trên địa bàn tỉnh Tây Ninh" in text
        assert "phiếu của 3 xã, phường" in text


def test_a_commune_signs_with_its_own_report_table_and_the_workspace_fills_the_rest(example_dir, tmp_path):
    config = example_dir / "formkit.toml"
    edit(config, "[report]\n", '[report]\nnumber = "125"\nsigner_name = "Nguyễn Văn An"\n'
                               'recipients = ["Sở Nội vụ;", "Lưu: VT."]\n')
    edit(config, '[[communes.officers]]\nid = "nguyen-thi-lan"',
         '[communes.report]\nnumber = "45"\nauthority = "KT. Chủ tịch"\nsigner_title = "Phó Chủ tịch"\n'
         'signer_name = "Trần Thị Bình"\n\n[[communes.officers]]\nid = "nguyen-thi-lan"')
    ws = load_workspace(example_dir)
    own = ws.commune("hoa-thanh").report
    assert (own.issuing_body, own.number, own.place, own.signer_name) == (
        "ỦY BAN NHÂN DÂN XÃ HÒA THÀNH", "45", "Hòa Thành", "Trần Thị Bình")
    assert own.recipients == ("Sở Nội vụ;", "Lưu: VT.")  # the workspace's
    other = ws.commune("nam-dong").report  # no table of its own: its committee, the workspace's recipients
    assert (other.issuing_body, other.number, other.signer_name, other.place) == (
        "ỦY BAN NHÂN DÂN PHƯỜNG NAM ĐÔNG", "", "", "Nam Đông")
    assert other.recipients == ("Sở Nội vụ;", "Lưu: VT.")
    for text in both(write(ws, tmp_path, ("hoa-thanh",))):
        assert "Số: 45/BC-UBND" in text and "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text and "Trần Thị Bình" in text
        assert "Nguyễn Văn An" not in text and "125" not in text


def test_a_commune_report_table_is_checked_like_the_workspace_one(example_dir):
    edit(example_dir / "formkit.toml", '[[communes.officers]]\nid = "nguyen-thi-lan"',
         '[communes.report]\nsigner = "x"\nrecipients = "Sở Nội vụ"\n\n[[communes.officers]]\nid = "nguyen-thi-lan"')
    with pytest.raises(InputError) as caught:
        load_workspace(example_dir)
    places = [p.place for p in caught.value.problems]
    assert "communes[1].report.signer" in places and "communes[1].report.recipients" in places


def test_no_heading_ends_a_page_alone(example_dir, tmp_path):
    """A longer province name moves everything down a little: at some lengths the old layout left
    "1. Theo xã, phường:" at the foot of page 4 and its table on page 5."""
    config = example_dir / "formkit.toml"
    original = config.read_text(encoding="utf-8")
    for words in (0, 6, 13):
        config.write_text(original.replace('name = "Tây Ninh"', 'name = "Tây Ninh' + " Mới" * words + '"', 1),
                          encoding="utf-8")
        ws = load_workspace(example_dir)
        for communes in ((), ("hoa-thanh",)):
            pdf = write(ws, tmp_path / f"{words}-{len(communes)}", communes, ("pdf",))[".pdf"]
            for number, text in enumerate(pages(pdf)[:-1], 1):
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                assert not LEAD.match(lines[-1]), (words, communes, number, lines[-1])


def test_periods_and_the_question_set_are_named_as_people_say_them(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    files = write(ws, tmp_path, formats=("pdf", "docx", "xlsx"), dossiers=example_dir / "dossiers.csv")
    for text in both(files):
        assert not re.search(r"\b20\d\dQ\d\b", text), re.search(r".{40}\b20\d\dQ\d\b.{20}", text)
        assert "Quý III/2026" in text  # the dossiers' period, in the participation table
        assert ("kết quả khảo sát quý III năm 2026 theo phương pháp giai đoạn 2017–2020 của Bộ Nội vụ tại Quyết định "
                "số 2640/QĐ-BNV (bộ câu hỏi 22 tiêu chí thuộc 5 yếu tố) như sau:") in text
        assert "bộ câu hỏi Hòa Thành" not in text
    from openpyxl import load_workbook

    cells = [c for sheet in load_workbook(files[".xlsx"]) for r in sheet.iter_rows(values_only=True) for c in r]
    assert "Quý III/2026" in cells


def test_a_template_without_a_method_is_cited_by_its_name_and_a_bad_method_is_refused(example_dir, tmp_path):
    from formkit.resources import shipped_dir

    own = example_dir / "templates"
    own.mkdir(parents=True)
    text = (shipped_dir("templates") / "forms" / "tra-ket-qua-6.toml").read_text(encoding="utf-8")
    text = re.sub(r"\nmethod = .*\n", "\n", text)
    (own / "tra-ket-qua-6.toml").write_text(text, encoding="utf-8")
    from formkit.workspace.templates import load_template

    template = load_template("tra-ket-qua-6", example_dir)
    assert template.cited == f"bộ câu hỏi “{template.name}”"
    (own / "tra-ket-qua-6.toml").write_text(text.replace("\nform_title", '\nmethod = """a\nb"""\nform_title', 1),
                                            encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_template("tra-ket-qua-6", example_dir)
    assert [p.place for p in caught.value.problems] == ["method"]


def test_notes_explain_the_columns_the_table_has_and_only_what_applies(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    plain, with_dossiers = (both(write(ws, tmp_path / name, dossiers=d))
                            for name, d in (("a", None), ("b", example_dir / "dossiers.csv")))
    for text in plain + with_dossiers:
        assert "Mức k" not in text
        assert "các cột 1–5 dưới “Số câu trả lời theo mức điểm” là số câu trả lời được 1, 2, 3, 4 hoặc 5 điểm" in text
    for text in plain:
        assert "Tỷ lệ tham gia" not in text  # no dossiers file: no participation, no note about it
    for text in with_dossiers:
        assert "- Tỷ lệ tham gia = số phiếu ÷ số hồ sơ đã giải quyết" in text


def test_the_pdf_is_dated_as_the_report_not_2000(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    files = write(ws, tmp_path)
    info = PdfReader(files[".pdf"]).metadata
    assert info["/CreationDate"].startswith("D:20261124")
    assert Document(str(files[".docx"])).core_properties.created.date() == TODAY
    again = write(ws, tmp_path / "again")
    assert again[".pdf"].read_bytes() == files[".pdf"].read_bytes()  # the same report, the same file


def test_check_warns_while_no_recipients_are_configured(example_dir, formkit):
    result = formkit("--lang", "en", "check", "-w", example_dir)
    assert result.exit_code == 0 and "[report] recipients is not set" in result.err, result.output
    edit(example_dir / "formkit.toml", "[report]\n", '[report]\nrecipients = ["Sở Nội vụ;", "Lưu: VT."]\n')
    result = formkit("--lang", "en", "check", "-w", example_dir)
    assert result.exit_code == 0 and "recipients" not in result.err, result.output


def test_a_follow_up_list_longer_than_configured_is_counted_and_its_files_named(example_dir, tmp_path):
    edit(example_dir / "formkit.toml", "[report]\n", "[report]\nfollow_up_listed = 2\n")
    ws = load_workspace(example_dir)
    assert ws.report.follow_up_listed == 2 and ws.commune("hoa-thanh").report.follow_up_listed == 2
    for text in both(write(ws, tmp_path, ("hoa-thanh",))):
        assert "Tổng số: 3 phiếu cần liên hệ lại" in text and "nhiều hơn 2 phiếu" in text
        assert ("trang tính “Cần liên hệ lại” của tệp bao-cao-2026Q3-hoa-thanh.xlsx và trong tệp CSV "
                "bao-cao-2026Q3-hoa-thanh-csv/can-lien-he-lai/hoa-thanh.csv") in text
        assert "06/07/2026 09:00" not in text  # no entry listed
        assert "Nguyễn Thị Lan" in text  # the counts per officer
    edit(example_dir / "formkit.toml", "follow_up_listed = 2", "follow_up_listed = 3")
    for text in both(write(load_workspace(example_dir), tmp_path / "listed", ("hoa-thanh",))):
        assert "06/07/2026 09:00" in text and "chỉ ghi số lượng. Danh sách đầy đủ" not in text


def test_a_long_follow_up_list_keeps_every_row_once_under_a_header_on_every_page(example_dir, tmp_path):
    """The list laid out a page at a time (pdf_pages.PagedTable): every entry once, in order, the
    header row at the top of each page it runs over."""
    from report_data import answers, row

    ws = load_workspace(example_dir)
    edit(example_dir / "formkit.toml", "[report]\n", "[report]\nfollow_up_listed = 1000\n")
    ws = load_workspace(example_dir)
    low = answers(ws.template, {"1": 1, "2": 4, "3": 4, "4": 4}, "Không", 4)
    rows = [row("hoa-thanh", f"2026-08-{1 + k // 60:02d} {8 + k % 60 // 6:02d}:{k % 6 * 10:02d}:00", low,
                "nguyen-thi-lan") for k in range(240)]
    report = build_report(ws, store_of(rows, ws.template), parse_period(quarter="2026Q3"),
                          commune_ids=("hoa-thanh",), today=TODAY)
    texts = pages(write_report(report, ("pdf",), tmp_path)[0])
    first = next(i for i, t in enumerate(texts) if "IV. DANH SÁCH CẦN LIÊN HỆ LẠI" in t)
    last = next(i for i, t in enumerate(texts) if "V. CẢNH BÁO VỀ TÍNH TOÀN VẸN" in t)
    assert last - first >= 4
    listed = [texts[first].split("IV. DANH SÁCH CẦN LIÊN HỆ LẠI")[1], *texts[first + 1:last],
              texts[last].split("V. CẢNH BÁO VỀ TÍNH TOÀN VẸN")[0]]
    for number, text in enumerate(listed[1:], first + 2):
        if re.search(r"\d\d/08/2026", text):
            start = squeeze(text).removeprefix(f"{number} ").removeprefix("1. Xã Hòa Thành (240 phiếu) ")
            assert start.startswith("STT Thời gian Cán bộ Nội dung Điện thoại"), text[:80]
    stamps = re.findall(r"(\d\d/08/2026)\s+(\d\d:\d\d)", "\n".join(listed))
    expected = [(f"{1 + k // 60:02d}/08/2026", f"{8 + k % 60 // 6:02d}:{k % 6 * 10:02d}") for k in range(240)]
    assert stamps == expected

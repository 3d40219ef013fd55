"""The report to sign (PDF) and to edit (DOCX): the [report] table read back from both, the DOCX
page setup, fonts, tables and repeated header rows, people and questions named (never by id) in
every format, an empty period said plainly, real dates in the XLSX, every PDF font embedded."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from report_data import answers, hand_rows, row, store_of

from formkit.report import build_report, parse_period, write_report
from formkit.workspace.config import load_workspace

TODAY = date(2026, 11, 24)
DATA = Path(__file__).parent / "data"
EXPORT = "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành (Câu trả lời) - Câu trả lời biểu mẫu 1.csv"
FULL = """[report]
parent_body = "Ủy ban nhân dân tỉnh Tây Ninh"
issuing_body = "Sở Nội vụ"
number = "125"
symbol = "BC-SNV"
place = "Tây Ninh"
authority = "KT. Giám đốc"
signer_title = "Phó Giám đốc"
signer_name = "Nguyễn Văn An"
recipients = ["Bộ Nội vụ;", "UBND tỉnh (để báo cáo);", "- Lưu: VT, CCHC."]
"""


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return squeeze(" ".join(page.extract_text() for page in PdfReader(path).pages))


def docx_paragraphs(doc) -> list:
    """Every paragraph, those inside tables included, in document order."""
    from docx.text.paragraph import Paragraph

    return [Paragraph(p, doc) for p in doc.element.body.iter(qn("w:p"))]


def docx_text(path: Path) -> str:
    return squeeze(" ".join(p.text for p in docx_paragraphs(Document(str(path)))))


def written(ws, rows, formats=("pdf", "docx"), folder: Path | None = None, communes=(), **period) -> dict[str, Path]:
    assert folder is not None, "every test writes into its own tmp_path"
    report = build_report(ws, store_of(rows, ws.template), parse_period(**(period or {"quarter": "2026Q3"})),
                          commune_ids=communes, today=TODAY)
    paths = write_report(report, formats, folder)
    return {p.suffix: p for p in paths} | {p.relative_to(folder).as_posix(): p for p in paths}


@pytest.fixture
def signed(example_dir):
    path = example_dir / "formkit.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("[report]\n", FULL), encoding="utf-8")
    return load_workspace(example_dir)


def test_the_report_table_is_read(signed):
    s = signed.report
    assert (s.parent_body, s.issuing_body, s.number, s.symbol, s.place) == (
        "Ủy ban nhân dân tỉnh Tây Ninh", "Sở Nội vụ", "125", "/BC-SNV", "Tây Ninh")
    assert (s.authority, s.signer_title, s.signer_name) == ("KT. Giám đốc", "Phó Giám đốc", "Nguyễn Văn An")
    assert s.recipients == ("Bộ Nội vụ;", "UBND tỉnh (để báo cáo);", "Lưu: VT, CCHC.")  # a typed "- " is not doubled


def test_defaults_stay_what_the_report_printed(tmp_path):
    from formkit.workspace.example import write_example_workspace

    write_example_workspace(tmp_path / "ws")
    ws = load_workspace(tmp_path / "ws")
    s = ws.report
    assert (s.issuing_body, s.symbol, s.number, s.place) == (
        "ỦY BAN NHÂN DÂN TỈNH TÂY NINH", "/BC-UBND", "", "Tây Ninh")
    assert (s.authority, s.signer_title, s.signer_name, s.parent_body) == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "", "")
    assert s.recipients == ("Lưu: VT.",) and not s.recipients_given  # no placeholder; `check` warns
    files = written(ws, hand_rows(ws.template), folder=tmp_path / "out")
    for text in (pdf_text(files[".pdf"]), docx_text(files[".docx"])):
        assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text and "/BC-UBND" in text
        assert "(Ký, ghi rõ họ tên và đóng dấu)" in text and "- Lưu: VT." in text
        assert "Cơ quan nhận báo cáo" not in text


def test_pdf_and_docx_carry_the_signer_recipients_and_symbol(signed, tmp_path):
    files = written(signed, hand_rows(signed.template), folder=tmp_path)
    for text in (pdf_text(files[".pdf"]), docx_text(files[".docx"])):
        assert "ỦY BAN NHÂN DÂN TỈNH TÂY NINH" in text and "SỞ NỘI VỤ" in text  # parent body above the issuer
        assert "Số: 125/BC-SNV" in text
        assert "Tây Ninh, ngày 24 tháng 11 năm 2026" in text
        assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in text and "Nguyễn Văn An" in text
        assert "Nơi nhận: - Bộ Nội vụ; - UBND tỉnh (để báo cáo); - Lưu: VT, CCHC." in text
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
        assert "(Ký, ghi rõ họ tên" not in text  # the name is printed instead


def test_docx_layout_of_decree_30(signed, tmp_path):
    report = build_report(signed, store_of(hand_rows(signed.template), signed.template),
                          parse_period(quarter="2026Q3"), today=TODAY)
    path = write_report(report, ("docx",), tmp_path)[0]
    doc = Document(str(path))
    section = doc.sections[0]
    size = [(section.page_width, Mm(210)), (section.page_height, Mm(297)), (section.top_margin, Mm(20)),
            (section.bottom_margin, Mm(20)), (section.left_margin, Mm(30)), (section.right_margin, Mm(15))]
    assert all(abs(got - want) < Mm(0.1) for got, want in size), size
    assert section.different_first_page_header_footer and "PAGE" in section.header._element.xml
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    # No other font anywhere: every font named in the document is Times New Roman.
    names = {v for f in doc.element.iter(qn("w:rFonts")) for k, v in f.attrib.items() if not k.endswith("Theme")}
    normal_fonts = normal.element.rPr.rFonts
    assert names <= {"Times New Roman"}
    assert {normal_fonts.get(qn(f"w:{k}")) for k in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
    paragraphs = docx_paragraphs(doc)
    body = [p for p in paragraphs if p.text.startswith("Thực hiện việc đo lường")]
    assert body and body[0].style.font.size == Pt(13)
    assert abs(body[0].style.paragraph_format.first_line_indent - Mm(10)) < Mm(0.1)
    title = [p for p in paragraphs if p.text == "BÁO CÁO"]
    assert title and title[0].style.font.size == Pt(14) and title[0].style.font.bold
    # The criteria table: two header rows repeated on every page, one row per criterion, the
    # numbers as the PDF prints them; no row splits across pages.
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Mã")
    repeated = [r._tr.trPr is not None and r._tr.trPr.find(qn("w:tblHeader")) is not None for r in table.rows]
    assert repeated[:2] == [True, True] and not any(repeated[2:])
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)
    ids = [r.cells[0].text for r in table.rows[2:]]
    assert ids == [c.id for c in report.criteria]
    first = report.criteria[0]
    assert table.rows[2].cells[1].text == first.title
    assert table.rows[2].cells[-2].text == (f"{first.index:.2f}".replace(".", ",") if first.index is not None else "–")
    # Every table of the PDF is in the DOCX: communes, officers, fields, follow-up, integrity, invalid.
    heads = [t.rows[0].cells[1].text for t in doc.tables if len(t.rows[0].cells) > 2]
    for wanted in ("Tên yếu tố", "Xã, phường", "Cán bộ, công chức", "Lĩnh vực"):
        assert wanted in heads, heads
    assert len(doc.inline_shapes) >= 3  # the charts: factors, trend, communes ranked
    assert docx_text(path).count("I. KẾT QUẢ CHUNG") == 1 and "VIII. GHI CHÚ VỀ CÁCH TÍNH" in docx_text(path)


def officer_rows(ws):
    """Five identical answers for Trần Văn Minh within nine minutes (an integrity warning) and one
    response rating the overall question low (on the follow-up list), all in one commune."""
    same = answers(ws.template, {"1": 5, "2": 5, "3": 5, "4": 5}, "Không", 5)
    base = datetime(2026, 8, 4, 9, 0)
    rows = [row("hoa-thanh", (base + timedelta(minutes=m)).isoformat(sep=" "), same, "tran-van-minh")
            for m in (0, 2, 4, 6, 9)]
    low = answers(ws.template, {"1": 4, "2": 4, "3": 4, "4": 4}, "Không", 1)
    return rows + [row("hoa-thanh", "2026-08-05 10:00:00", low, "nguyen-thi-lan")]


def test_people_and_questions_are_named_never_by_id(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    # One commune's report: its PDF and DOCX list the responses to call back.
    files = written(ws, officer_rows(ws), ("pdf", "docx", "xlsx", "csv", "json"), tmp_path, ("hoa-thanh",),
                    month="2026-08")
    overall = "Nhìn chung, Ông/Bà hài lòng như thế nào"
    for text in (pdf_text(files[".pdf"]), docx_text(files[".docx"])):
        assert "Trần Văn Minh" in text and "cán bộ: Trần Văn Minh" in text
        assert overall in text
        assert "tran-van-minh" not in text and "nguyen-thi-lan" not in text and "hai-long-chung" not in text
    from openpyxl import load_workbook

    book = load_workbook(files[".xlsx"])
    for sheet in ("Cảnh báo", "Cần liên hệ lại"):
        cells = [str(c) for r in book[sheet].iter_rows(values_only=True) for c in r if c is not None]
        assert not any(i in c for c in cells for i in ("tran-van-minh", "nguyen-thi-lan", "hai-long-chung")), sheet
    warning = next(r for r in book["Cảnh báo"].iter_rows(values_only=True) if r[0] == "Phiếu giống hệt nhau dồn dập")
    assert warning[2] == "Trần Văn Minh" and "cán bộ: Trần Văn Minh" in warning[6]
    csv_dir = "bao-cao-2026-08-hoa-thanh-csv"
    for name in ("canh-bao.csv", "can-lien-he-lai/hoa-thanh.csv"):
        text = files[f"{csv_dir}/{name}"].read_text(encoding="utf-8-sig")
        assert "tran-van-minh" not in text and "nguyen-thi-lan" not in text and "hai-long-chung" not in text, name
    follow = list(csv.DictReader(io.StringIO(files[f"{csv_dir}/can-lien-he-lai/hoa-thanh.csv"]
                                             .read_text(encoding="utf-8-sig"))))
    assert follow[0]["Cán bộ"] == "Nguyễn Thị Lan" and follow[0]["Tiêu chí đánh giá thấp"].startswith(overall)
    data = json.loads(files[".json"].read_text(encoding="utf-8"))
    cluster = next(w for w in data["integrity"] if w["kind"] == "identical_answers")
    assert (cluster["officer"], cluster["officer_name"]) == ("tran-van-minh", "Trần Văn Minh")  # ids kept, names added
    low = data["follow_up"][0]["low_criteria"][0]
    assert low["id"] == "hai-long-chung" and low["title"].startswith(overall)


def test_an_empty_period_is_said_plainly(example_dir, tmp_path):
    ws = load_workspace(example_dir)
    files = written(ws, hand_rows(ws.template), folder=tmp_path, quarter="2026Q4")
    for text in (pdf_text(files[".pdf"]), docx_text(files[".docx"])):
        assert "Trong quý IV năm 2026 (từ ngày 01/10/2026 đến ngày 31/12/2026) chưa có phiếu khảo sát nào" in text


def test_report_of_an_empty_period_exits_3_and_says_what_the_store_holds(example_dir, formkit, tmp_path):
    export = tmp_path / EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    result = formkit("report", "-w", example_dir, "--from-csv", export, "--year", "2024", "--format", "pdf")
    assert result.exit_code == 3, result.output
    assert "0 responses in 2024; the store holds 3 responses from 2015-07-06 to 2025-09-27" in result.err
    assert "did you mean --year 2025?" in result.err
    assert (example_dir / "output" / "reports" / "bao-cao-2024.pdf").is_file()  # written, and says so
    vi = formkit("--lang", "vi", "report", "-w", example_dir, "--from-csv", export, "--quarter", "2025Q4",
                 "--format", "pdf")
    assert vi.exit_code == 3 and "27/09/2025" in vi.err and "--quarter 2025Q3" in vi.err, vi.output
    full = formkit("report", "-w", example_dir, "--from-csv", export, "--year", "2025", "--format", "pdf")
    assert full.exit_code == 0 and "did you mean" not in full.output


def test_xlsx_dates_are_dates(example_dir, tmp_path):
    from openpyxl import load_workbook

    ws = load_workspace(example_dir)
    files = written(ws, hand_rows(ws.template), ("xlsx",), tmp_path)
    sheet = load_workbook(files[".xlsx"])["Tổng hợp"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[:3] == ("Mẫu phiếu", "Từ ngày", "Đến ngày"))
    assert rows[head + 1][1:3] == (datetime(2026, 7, 1), datetime(2026, 9, 30))
    assert sheet.cell(head + 2, 2).number_format == "dd/mm/yyyy"
    trend = next(i for i, r in enumerate(rows) if r[:3] == ("Quý", "Từ ngày", "Đến ngày"))
    assert isinstance(rows[trend + 1][1], datetime)
    follow = load_workbook(files[".xlsx"])["Cần liên hệ lại"]
    assert any(isinstance(c, datetime) for r in follow.iter_rows(values_only=True) for c in r)


def test_every_pdf_font_is_embedded(signed, tmp_path):
    from pypdf import PdfReader

    files = written(signed, hand_rows(signed.template), ("pdf",), tmp_path)
    fonts = {}

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            described = font["/DescendantFonts"][0].get_object() if font.get("/Subtype") == "/Type0" else font
            descriptor = described.get("/FontDescriptor")
            fonts[str(font.get("/BaseFont"))] = descriptor is not None and "/FontFile2" in descriptor.get_object()
        for xobject in (resources.get("/XObject") or {}).values():
            visit(xobject.get_object().get("/Resources"))

    for page in PdfReader(files[".pdf"]).pages:
        visit(page.get("/Resources"))
    assert fonts and all(fonts.values()), fonts  # Helvetica came in through the layout tables' cells


@pytest.mark.slow
def test_docx_alone_in_a_fresh_process(example_dir, tmp_path):
    """`--format docx` on its own: the DOCX measures its columns with the PDF's fonts, which must
    be registered even when no PDF is written in the same run."""
    import os
    import subprocess
    import sys

    export = tmp_path / EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    repo = str(Path(__file__).resolve().parent.parent)
    run = subprocess.run([sys.executable, "-m", "formkit", "--lang", "en", "report", "-w", str(example_dir),
                          "--from-csv", str(export), "--year", "2025", "--format", "docx"],
                         capture_output=True, text=True, env=os.environ | {"PYTHONPATH": repo}, timeout=120)
    assert run.returncode == 0, run.stderr
    path = example_dir / "output" / "reports" / "bao-cao-2025.docx"
    assert "Số phiếu khảo sát: 2 phiếu" in docx_text(path)


def test_an_issuing_body_whose_words_cannot_fit_the_header_is_refused_and_the_longest_allowed_prints(
        example_dir, formkit, tmp_path):
    from formkit.workspace.signing import HEADER_WORD_MAX

    path = example_dir / "formkit.toml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("[report]\n", '[report]\nissuing_body = "ỦYBANNHÂNDÂNXÃHÒATHÀNHTỈNHTÂYNINH"\n'),
                    encoding="utf-8")
    result = formkit("check", "-w", example_dir)
    assert result.exit_code == 2 and "formkit.toml: report.issuing_body" in result.err, result.output
    assert "Internal error" not in result.output
    # The widest capitals at the limit still fit the header column: the PDF is written.
    widest = " ".join(["W" * HEADER_WORD_MAX] * 3)
    path.write_text(original.replace("[report]\n", f'[report]\nissuing_body = "{widest}"\n'), encoding="utf-8")
    ws = load_workspace(example_dir)
    files = written(ws, hand_rows(ws.template), ("pdf",), tmp_path / "out")
    assert "W" * HEADER_WORD_MAX in pdf_text(files[".pdf"])

"""The report's outputs: JSON shape, the follow-up list and where phone numbers may appear,
XLSX sheets and formats, CSV encoding, formula injection, the PDF read back, integrity flags,
participation from a dossiers CSV, invalid answers."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from report_data import INJECTION, LEVEL, PHONE, PHONE_DIGITS, TEXT_PHONE, answers, hand_rows, row, store_of

from formkit.errors import InputError, UsageError
from formkit.report import IntegrityRules, build_report, parse_period, write_report
from formkit.report.privacy import mask_phone, mask_text
from formkit.responses.queries import SEP
from formkit.workspace.config import load_workspace

approx = pytest.approx
TODAY = date(2026, 11, 24)
MM = 72 / 25.4


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir)


@pytest.fixture(scope="module")
def written_once(example_snapshot, tmp_path_factory):
    ws = load_workspace(example_snapshot)
    store = store_of(hand_rows(ws.template), ws.template)
    report = build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY)
    folder = tmp_path_factory.mktemp("reports")
    return report, folder, [p.relative_to(folder).as_posix() for p in write_report(
        report, ("pdf", "xlsx", "csv", "json"), folder)]


@pytest.fixture
def written(written_once, tmp_path):
    """The hand-made quarter (see report_data.hand_rows) in every format: built and written once
    for this module; each test gets its own copy of the files."""
    report, folder, names = written_once
    shutil.copytree(folder, tmp_path / "reports")
    return report, {name: tmp_path / "reports" / name for name in names}


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_files_written(written):
    _, files = written
    assert set(files) == {
        "bao-cao-2026Q3.pdf", "bao-cao-2026Q3.xlsx", "bao-cao-2026Q3.json",
        *(f"bao-cao-2026Q3-csv/{name}.csv" for name in ("tong-hop", "yeu-to", "tieu-chi", "xu-huong", "theo-xa",
                                                          "theo-can-bo", "theo-linh-vuc", "theo-doi-lien-he",
                                                          "canh-bao", "khong-hop-le")),
        "bao-cao-2026Q3-csv/can-lien-he-lai/hoa-thanh.csv", "bao-cao-2026Q3-csv/can-lien-he-lai/nam-dong.csv"}


def test_json_shape(written):
    report, files = written
    text = files["bao-cao-2026Q3.json"].read_text(encoding="utf-8")
    assert "Xã Hòa Thành" in text  # UTF-8, not \\u escapes
    data = json.loads(text)
    files = data.pop("files")  # the set's checksums: see test_report_written_as_one_set
    assert data == json.loads(json.dumps(report.to_json()))  # the fast writer says what to_json says
    assert set(files) == set(written[1]) - {"bao-cao-2026Q3.json"}
    for key in ("template", "period", "responses", "sipas", "index_name", "factors", "criteria", "communes",
                "officers", "fields", "follow_up", "integrity", "invalid", "trend", "previous_period", "notes"):
        assert key in data, key
    assert data["template"] == "sipas-2640"
    assert (data["period"]["start"], data["period"]["end"]) == ("2026-07-01", "2026-09-30")
    assert set(data["factors"]) == {"1", "2", "3", "4", "5"} and set(data["factors"]["1"]) >= {"title", "index"}
    assert len(data["criteria"]) == 22
    assert set(data["criteria"]["1.1"]) >= {"factor", "title", "answers", "satisfied", "index", "mean", "counts"}
    assert set(data["communes"][0]) >= {"id", "name", "responses", "sipas", "factors", "rank", "change"}
    assert data["sipas"] == approx(66.416666666) and isinstance(data["sipas"], float)  # unrounded


def test_follow_up_list(written):
    report, _ = written
    items = report.to_json()["follow_up"]
    # hoa-thanh first (workspace order), each commune in time order
    assert [(f["commune"], f["submitted"]) for f in items] == [
        ("hoa-thanh", "2026-07-06 09:00:00"), ("hoa-thanh", "2026-07-08 16:00:00"),
        ("hoa-thanh", "2026-07-12 10:00:00"),
        ("nam-dong", "2026-07-07 18:30:00"), ("nam-dong", "2026-07-11 10:00:00")]
    r1, r5, r3, r4, r2 = items
    assert r1["reasons"] == ["comment", "phone"] and r1["comment"] == INJECTION and r1["phone"] == "091****678"
    assert r1["officer_name"] == "Nguyễn Thị Lan" and r1["field"] == "Hộ tịch"
    assert [a["id"] for a in r5["low_criteria"]] == ["5.1", "5.2", "5.3", "5.4"]
    assert r5["low_criteria"][0]["answer"] == LEVEL[2] and r5["officer_name"] == "old-officer"
    assert [a["id"] for a in r3["low_criteria"]] == [
        "1.1", "1.2", "1.3", "1.4", "5.1", "5.2", "5.3", "5.4", "hai-long-chung"]
    assert r4["comment"] == "Xin gọi lại cho tôi theo số 098****321 nhé" and r4["officer"] is None
    assert [a["id"] for a in r2["low_criteria"]] == ["4.1", "4.2", "4.3"]
    assert report.follow_up[0].phone == PHONE  # kept in full for the commune's own list
    low = report.follow_up[2].low[0]
    assert (low.question, low.answer) == ("1.1", LEVEL[2]) and low.title.startswith("Nơi ngồi chờ")


def test_report_written_as_one_set(written, monkeypatch):
    """The JSON names the checksum of each sibling; a failure while writing (here a full disk)
    leaves the previous set byte for byte, and no temporary folder behind."""
    import errno
    import hashlib

    from formkit.errors import StateError
    from formkit.report import xlsx_out

    report, files = written
    folder = files["bao-cao-2026Q3.json"].parent
    manifest = json.loads(files["bao-cao-2026Q3.json"].read_text(encoding="utf-8"))
    assert manifest["responses"] == 5
    for name, digest in manifest["files"].items():
        assert digest == "sha256:" + hashlib.sha256((folder / name).read_bytes()).hexdigest(), name
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    def full_disk(_report):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsx_out, "render", full_disk)
    (folder / ".partial-bao-cao-2026Q3.left-by-a-kill").mkdir()
    with pytest.raises(StateError, match="disk is full.*unchanged"):
        write_report(report, ("pdf", "xlsx", "csv", "json"), folder)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert not list(folder.glob(".partial-*"))
    monkeypatch.undo()
    (folder / "bao-cao-2026Q3-csv" / "stale.csv").write_text("from an older set")
    paths = write_report(report, ("pdf", "xlsx", "csv", "json"), folder)
    assert {p.relative_to(folder).as_posix() for p in paths} == set(files)  # the CSV folder was swapped whole
    assert not (folder / "bao-cao-2026Q3-csv" / "stale.csv").exists() and not list(folder.glob(".partial-*"))


def test_a_phone_that_lost_its_leading_zero_in_the_sheet_gets_it_back():
    from formkit.report.privacy import as_dialled

    assert as_dialled("912345678") == "0912345678"
    assert as_dialled("0912345678") == "0912345678"
    assert as_dialled("+84912345678") == "+84912345678" and as_dialled("12345") == "12345"


def test_phone_masking():
    assert mask_phone("0912345678") == mask_phone(" 0912 345 678") == mask_phone("0912.345.678") == "091****678"
    assert mask_phone("+84 912 345 678") == "+849*****678"
    assert mask_phone("12345") == "*****" and mask_phone("") == ""
    assert mask_text("gọi 0912 345 678 hoặc +84912345678.") == "gọi 091****678 hoặc +849*****678."
    assert mask_text("phí 1.000.000 đồng, hồ sơ số 2026/123") == "phí 1.000.000 đồng, hồ sơ số 2026/123"


def test_phones_only_in_each_communes_follow_up_list(written):
    _, files = written
    phone = squeeze(PHONE)
    for name, path in files.items():
        if path.suffix == ".csv":
            text = squeeze(path.read_text(encoding="utf-8-sig"))
            assert (phone in text) == (name == "bao-cao-2026Q3-csv/can-lien-he-lai/hoa-thanh.csv"), name
            assert (TEXT_PHONE in text) == (name == "bao-cao-2026Q3-csv/can-lien-he-lai/nam-dong.csv"), name
        elif path.suffix == ".json":
            text = squeeze(path.read_text(encoding="utf-8"))
            assert PHONE_DIGITS not in text and phone not in text and TEXT_PHONE not in text
    from openpyxl import load_workbook

    # The PDF and XLSX go upward: phones masked, the follow-up list still there.
    book = load_workbook(files["bao-cao-2026Q3.xlsx"])
    for sheet in book.worksheets:
        text = squeeze(" ".join(str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None))
        assert phone not in text and TEXT_PHONE not in text, sheet.title
        if sheet.title == "Cần liên hệ lại":
            assert "091****678" in text
    text = squeeze(pdf_text(files["bao-cao-2026Q3.pdf"]))
    assert phone not in text and TEXT_PHONE not in text
    assert "091****678" not in text[text.index("V.DANHSÁCHCẦNLIÊNHỆLẠI"):text.index("VI.CẢNHBÁO")]  # counts only


def test_pdf_follow_up_counts_for_many_communes_and_the_list_for_one(written, ws, tmp_path):
    """The province's PDF says how many to call back per commune and officer; a commune's own
    report lists them (phones masked: it goes to the commune's leaders too)."""
    report, files = written
    lines = pdf_table_lines(files["bao-cao-2026Q3.pdf"])
    end = next(i for i, x in enumerate(lines) if x.startswith("VI. "))
    part = lines[lines.index("V. DANH SÁCH CẦN LIÊN HỆ LẠI"):end]
    # hoa-thanh: R1 comment + phone, R3 and R5 low ratings; nam-dong: R2 low, R4 a comment
    assert "1 | Xã Hòa Thành | 3 | 2 | 1 | 1" in part and "2 | Phường Nam Đông | 2 | 1 | 1 | 0" in part
    assert "1 | Nguyễn Thị Lan | Xã Hòa Thành | 2 | 1 | 1" in part
    assert not any("2026" in line for line in part)  # no response listed
    single = build_report(ws, store_of(hand_rows(ws.template), ws.template), parse_period(quarter="2026Q3"),
                          commune_ids=("hoa-thanh",), today=TODAY)
    text = squeeze(pdf_text(write_report(single, ("pdf",), tmp_path)[0]))
    start, end = text.index("IV.DANHSÁCHCẦNLIÊNHỆLẠI"), text.index("V.CẢNHBÁO")  # no section on communes
    assert start < text.index("091****678") < end and squeeze(PHONE) not in text
    assert text.count("06/07/202609:00") == 1


def test_a_single_communes_warnings_and_invalid_answers_do_not_repeat_its_name(written, ws, tmp_path):
    """Hòa Thành's own report has R3's off-hours warning and R5's invalid answer, without a commune
    column in the PDF; the province's report keeps it, and so do the single report's CSV files."""
    def tail(lines: list[str], first: str) -> str:  # from the integrity section to the notes
        start = next(i for i, x in enumerate(lines) if x.endswith(first))
        return "\n".join(lines[start:next(i for i, x in enumerate(lines) if x.endswith("GHI CHÚ VỀ CÁCH TÍNH"))])

    _, files = written
    province = tail(pdf_table_lines(files["bao-cao-2026Q3.pdf"]), "CẢNH BÁO VỀ TÍNH TOÀN VẸN CỦA SỐ LIỆU")
    assert "Loại | Xã, phường | Cán bộ" in province and "Xã, phường | Thời gian" in province
    single = build_report(ws, store_of(hand_rows(ws.template), ws.template), parse_period(quarter="2026Q3"),
                          commune_ids=("hoa-thanh",), today=TODAY)
    paths = write_report(single, ("pdf", "csv"), tmp_path)
    own = tail(pdf_table_lines(next(p for p in paths if p.suffix == ".pdf")), "CẢNH BÁO VỀ TÍNH TOÀN VẸN CỦA SỐ LIỆU")
    assert "Gửi ngoài giờ" in own and "12/07/2026" in own and "Tàm tạm" in own  # the rows are there
    assert "Xã, phường" not in own and "Hòa Thành" not in own
    assert "Loại | Cán bộ" in own and "Thời gian | Câu trả lời | Lý do" in own
    for name in ("canh-bao", "khong-hop-le"):  # machine-readable files keep the column (a province merges them)
        text = (tmp_path / "bao-cao-2026Q3-hoa-thanh-csv" / f"{name}.csv").read_text(encoding="utf-8-sig")
        assert "Xã, phường" in text.splitlines()[0] and "Xã Hòa Thành" in text


def test_xlsx_sheets_formats_and_formula_injection(written):
    from openpyxl import load_workbook

    report, files = written
    book = load_workbook(files["bao-cao-2026Q3.xlsx"])
    assert book.sheetnames == ["Tổng hợp", "Theo xã", "Theo cán bộ", "Theo lĩnh vực", "Theo dõi liên hệ lại",
                               "Cần liên hệ lại", "Cảnh báo", "Không hợp lệ"]
    sheet = book["Theo xã"]
    header = [c.value for c in sheet[1]]
    hoa = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "hoa-thanh")
    index = hoa[header.index("Chỉ số (%)")]
    assert index.value == approx(0.675) and index.number_format == "0.00%"  # 67.5 %, a real number
    change = hoa[header.index("Thay đổi (điểm %)")]
    assert change.value == approx(-0.325) and change.number_format.startswith("+0.00%")
    assert hoa[header.index("Số phiếu")].value == 3
    cells = [c for s in book.worksheets for r in s.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    follow = book["Cần liên hệ lại"]
    comments = [c.value for r in follow.iter_rows() for c in r if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert comments == ["'" + INJECTION]
    assert any(c.value == "Xã Hòa Thành: 3 phiếu cần liên hệ lại" for r in follow.iter_rows() for c in r)
    times = [c.value for r in follow.iter_rows() for c in r if isinstance(c.value, datetime)]
    assert datetime(2026, 7, 6, 9, 0) in times


def test_csv_bom_and_formula_injection(written):
    _, files = written
    raw = files["bao-cao-2026Q3-csv/theo-xa.csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    hoa = dict(zip(rows[0], next(r for r in rows if r[0] == "hoa-thanh"), strict=True))
    assert (hoa["Xã, phường"], hoa["Chỉ số (%)"], hoa["Thay đổi (điểm %)"]) == ("Xã Hòa Thành", "67.50", "-32.50")
    follow_text = files["bao-cao-2026Q3-csv/can-lien-he-lai/hoa-thanh.csv"].read_text("utf-8-sig")
    follow = list(csv.reader(io.StringIO(follow_text)))
    assert follow[1][follow[0].index("Ý kiến")] == "'" + INJECTION
    assert follow[1][follow[0].index("Số điện thoại")] == PHONE


def test_pdf_read_back(written):
    from pypdf import PdfReader

    report, files = written
    path = files["bao-cao-2026Q3.pdf"]
    text = pdf_text(path)
    assert unicodedata.is_normalized("NFC", text)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN",
                     "BÁO CÁO", "quý III năm 2026", "Tây Ninh, ngày 24 tháng 11 năm 2026", "Xã Hòa Thành",
                     "Xã Bình Thạnh", "Phường Nam Đông", "66,42", "GHI CHÚ VỀ CÁCH TÍNH", "CHỦ TỊCH", "Nơi nhận"):
        assert squeeze(expected) in squeeze(text), expected
    reader = PdfReader(path)
    used = {}
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == approx((595.27, 841.89), abs=0.1)
        resources = page["/Resources"]["/Font"]
        # ReportLab lists Helvetica in every page's resources and sets it in empty text objects;
        # what counts is the fonts of the text objects that draw glyphs (Tj, TJ).
        content = page.get_contents().get_data().decode("latin-1")
        drawing = [block for block in re.findall(r"\bBT\b(.*?)\bET\b", content, re.S) if re.search(r"T[jJ]\b", block)]
        for key in {k for block in drawing for k in re.findall(r"(/F[\d+]+) [\d.]+ Tf", block)}:
            font = resources[key].get_object()
            used[font["/BaseFont"]] = font
    assert sorted(name.split("+")[-1] for name in used) == ["LiberationSerif", "LiberationSerif-Bold",
                                                            "LiberationSerif-Italic"]
    assert all("/FontFile2" in f["/FontDescriptor"] for f in used.values())  # embedded


def test_pdf_margins(written):
    import pypdfium2

    _, files = written
    pdf = pypdfium2.PdfDocument(str(files["bao-cao-2026Q3.pdf"]))
    for page in pdf:
        text = page.get_textpage()
        boxes = [text.get_charbox(i) for i in range(text.count_chars())]
        boxes = [b for b in boxes if b[2] > b[0]]
        assert min(b[0] for b in boxes) >= 30 * MM - 1  # left 30 mm
        assert max(b[2] for b in boxes) <= (210 - 15) * MM + 1  # right 15 mm
        assert min(b[1] for b in boxes) >= 20 * MM - 1  # bottom 20 mm


def test_invalid_answers_listed(written):
    report, _ = written
    invalid = report.to_json()["invalid"]
    assert [(e["commune"], e["question"]) for e in invalid] == [("nam-dong", f"5.{k}") for k in range(1, 5)] + [
        ("hoa-thanh", "1.1")]
    tam = invalid[-1]
    assert (tam["raw"], tam["submitted"]) == ("Tàm tạm", "2026-07-08 16:00:00")
    assert tam["reason"].startswith("không thuộc các phương án trả lời")


def test_off_hours_flagged(written):
    report, _ = written
    off = {w["commune"]: w for w in report.to_json()["integrity"] if w["kind"] == "off_hours"}
    # R3 on a Sunday (not an office day), R4 at 18:30 on a Tuesday; R2 on Saturday 10:00 is inside
    assert (off["hoa-thanh"]["count"], off["hoa-thanh"]["non_working_days"]) == (1, 1)
    assert (off["nam-dong"]["count"], off["nam-dong"]["non_working_days"]) == (1, 0)
    assert off["nam-dong"]["first"] == "2026-07-07 18:30:00"


def test_integrity_warnings_read_back_from_their_json_shape(written):
    """A check that returns the JSON shape (a dict) gives the same warning as one built typed."""
    from formkit.report.model import IntegrityWarning

    report, _ = written
    assert report.integrity and all(IntegrityWarning.from_json(w.to_json()) == w for w in report.integrity)
    assert report.integrity[0].to_json()["non_working_days"] == 1  # a kind's own fields sit beside the common ones


def test_identical_answer_clusters(ws):
    same = answers(ws.template, {"1": 5, "2": 5, "3": 5, "4": 5}, "Không", 5)
    other = answers(ws.template, {"1": 4, "2": 4, "3": 4, "4": 4}, "Không", 4)
    base = datetime(2026, 8, 4, 9, 0)

    def at(minutes, officer, answered=same, commune="hoa-thanh"):
        return row(commune, (base + timedelta(minutes=minutes)).isoformat(sep=" "), answered, officer)

    rows = [at(m, "tran-van-minh") for m in (0, 2, 4, 6, 9)]  # 5 in 9 minutes: flagged
    rows += [at(m, "le-hoang-phuong") for m in (0, 1, 2, 3)]  # only 4
    rows += [at(m, "nguyen-thi-lan") for m in (0, 5, 10, 15, 20)]  # 5, but over 20 minutes
    rows += [at(m, "tran-van-minh", other) for m in (1, 3, 5)]  # other answers, same officer
    rows += [at(m, "pham-thu-ha", commune="nam-dong") for m in (100, 101)]
    rows += [at(102, "vo-duc-thang", commune="nam-dong")]
    rows += [at(m, "pham-thu-ha", commune="nam-dong") for m in (200, 201, 202, 203, 204, 205)]  # 6: flagged
    store = store_of(rows, ws.template)
    report = build_report(ws, store, parse_period(month="2026-08"), today=TODAY).to_json()
    clusters = [w for w in report["integrity"] if w["kind"] == "identical_answers"]
    assert [(w["commune"], w["officer"], w["count"], w["minutes"]) for w in clusters] == [
        ("hoa-thanh", "tran-van-minh", 5, 9.0), ("nam-dong", "pham-thu-ha", 6, 5.0)]
    assert clusters[0]["first"] == "2026-08-04 09:00:00" and len(clusters[0]["response_ids"]) == 5
    assert clusters[0]["answers"].startswith("19 × Rất hài lòng")  # 18 criteria and the overall question
    assert report["responses"] == len(rows)  # flagged, never removed
    looser = build_report(ws, store, parse_period(month="2026-08"), rules=IntegrityRules(4, 30),
                          today=TODAY).to_json()
    counts = sorted(w["count"] for w in looser["integrity"] if w["kind"] == "identical_answers")
    assert counts == [4, 5, 5, 6]


def write_dossiers(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_participation_from_dossiers(ws, tmp_path):
    # Bình Thạnh's figures: 14,895 evaluations for 15,771 dossiers = 94.44 %
    levels = [LEVEL[4], LEVEL[5], LEVEL[3]]
    start = datetime(2026, 7, 1, 7, 30)
    rows = [row("binh-thanh", (start + timedelta(days=k // 170, minutes=3 * (k % 170))).isoformat(sep=" "),
                {"1.1": levels[k % 3]}, "dang-thi-hong") for k in range(14_895)]
    rows += [row("nam-dong", f"2026-08-0{k + 3} 09:00:00", {"1.1": LEVEL[5]}, "pham-thu-ha") for k in range(3)]
    rows += [row("hoa-thanh", "2026-07-15 09:00:00", {"1.1": LEVEL[5]}, None),
             row("hoa-thanh", "2026-09-15 09:00:00", {"1.1": LEVEL[5]}, None)]
    dossiers = write_dossiers(tmp_path / "ho-so.csv", "xã;kỳ;số hồ sơ\n"
                              "binh-thanh;2026-07;5.000\nBình Thạnh;2026-08;5.271\nXã Bình Thạnh;09/2026;5500\n"
                              "nam-dong;2026Q3;2\nhoa-thanh;2026-07;40\nhoa-thanh;2026Q2;160\n")
    report = build_report(ws, store_of(rows, ws.template), parse_period(quarter="2026Q3"), dossiers=dossiers,
                          today=TODAY).to_json()
    p = {c["id"]: c for c in report["participation"]["communes"]}
    assert (p["binh-thanh"]["responses"], p["binh-thanh"]["dossiers"]) == (14_895, 15_771)
    assert p["binh-thanh"]["rate"] == approx(94.4455, abs=1e-4) and p["binh-thanh"]["complete"]
    assert p["binh-thanh"]["periods"] == ["2026-07", "2026-08", "2026-09"]
    assert (p["nam-dong"]["rate"], p["nam-dong"]["over"]) == (approx(150.0), True)
    # hoa-thanh: only July has a count in the quarter (2026Q2 is another period): July's responses only
    assert (p["hoa-thanh"]["responses"], p["hoa-thanh"]["dossiers"], p["hoa-thanh"]["complete"]) == (1, 40, False)
    over = [w for w in report["integrity"] if w["kind"] == "more_than_dossiers"]
    assert [(w["commune"], w["count"], w["dossiers"], w["excess"]) for w in over] == [("nam-dong", 3, 2, 1)]
    assert report["participation"]["rate"] == approx(100 * (14_895 + 3 + 1) / (15_771 + 2 + 40))
    by_id = {c["id"]: c for c in report["communes"]}
    assert by_id["binh-thanh"]["participation"] == approx(94.4455, abs=1e-4)


def test_dossiers_file_problems_listed_at_once(ws, tmp_path):
    path = write_dossiers(tmp_path / "bad.csv", "commune,period,count\nxa-khong-co,2026Q3,10\nhoa-thanh,2026Q5,10\n"
                          "nam-dong,2026-07,mười\nbinh-thanh,2026Q3,10\nbinh-thanh,2026-08,5\n")
    with pytest.raises(InputError) as caught:
        build_report(ws, store_of([], ws.template), parse_period(quarter="2026Q3"), dossiers=path)
    messages = [f"{p.place}: {p.message}" for p in caught.value.problems]
    assert len(messages) == 4
    assert any("line 2" in m and "xa-khong-co" in m for m in messages)
    assert any("line 3" in m and "2026Q5" in m for m in messages)
    assert any("line 4" in m and "mười" in m for m in messages)
    assert any("overlaps" in m for m in messages)
    with pytest.raises(InputError, match="no 'count' column"):
        build_report(ws, store_of([], ws.template), parse_period(quarter="2026Q3"),
                     dossiers=write_dossiers(tmp_path / "x.csv", "commune,period\nhoa-thanh,2026Q3\n"))


def test_chosen_communes_and_bad_choices(ws, tmp_path):
    store = store_of(hand_rows(ws.template), ws.template)
    report = build_report(ws, store, parse_period(quarter="2026Q3"), commune_ids=("nam-dong",), today=TODAY)
    data = report.to_json()
    assert [c["id"] for c in data["communes"]] == ["nam-dong"] and data["responses"] == 2
    assert data["sipas"] == approx(75.0) and report.stem == "bao-cao-2026Q3-nam-dong"
    with pytest.raises(UsageError):
        build_report(ws, store, parse_period(quarter="2026Q3"), commune_ids=("khong-co",))
    with pytest.raises(UsageError):
        write_report(report, ("pdf", "odt"), tmp_path)


@pytest.mark.parametrize("communes", [(), ("hoa-thanh",)])  # the counts per commune; one commune's own list
def test_empty_period_writes_every_format(ws, tmp_path, communes):
    report = build_report(ws, store_of([], ws.template), parse_period(year="2027"), commune_ids=communes, today=TODAY)
    paths = write_report(report, "pdf,xlsx,csv,json", tmp_path)
    assert {p.suffix for p in paths} == {".pdf", ".xlsx", ".csv", ".json"}
    assert "Không có phiếu nào cần liên hệ lại" in pdf_text(next(p for p in paths if p.suffix == ".pdf"))


def test_long_comment_and_separator_do_not_break_outputs(ws, tmp_path):
    long = "Ý kiến rất dài. " * 400
    rows = [row("hoa-thanh", "2026-07-06 09:00:00", answers(ws.template, {"1": 2}, "Không", y_kien_khac=long,
                                                            linh_vuc=f"Hộ{SEP}tịch"), "nguyen-thi-lan")]
    report = build_report(ws, store_of(rows, ws.template), parse_period(quarter="2026Q3"), commune_ids=("hoa-thanh",),
                          today=TODAY)
    fields = {f["name"]: f["responses"] for f in report.to_json()["fields"]}
    assert fields["Hộ tịch"] == 1  # the separator inside a value became a space
    paths = write_report(report, ("pdf", "xlsx"), tmp_path)
    assert squeeze("đầy đủ trong tệp XLSX") in squeeze(pdf_text(paths[0]))


@pytest.mark.parametrize("table", ["tieu-chi", "yeu-to", "theo-xa", "theo-can-bo", "theo-linh-vuc"])
def test_index_tables_match_golden(ws, tmp_path, table):
    """The index tables of the hand-computed responses (checked number by number in
    test_indices.py), pinned as they are written: a change in any figure or column shows here."""
    from golden import check_golden

    report = build_report(ws, store_of(hand_rows(ws.template), ws.template), parse_period(quarter="2026Q3"),
                          today=date(2026, 11, 24))
    write_report(report, ("csv",), tmp_path)
    text = (tmp_path / "bao-cao-2026Q3-csv" / f"{table}.csv").read_text(encoding="utf-8-sig")
    check_golden(f"report-{table}.csv", text.replace("\r\n", "\n"))


def pdf_table_lines(path: Path) -> list[str]:
    """The PDF's text as lines of cells: the pieces of text on one baseline, left to right,
    joined by " | " (a table row of numbers reads as its columns), page numbers left out."""
    from pypdf import PdfReader

    lines = []
    for page in PdfReader(path).pages:
        pieces: dict[float, list[tuple[float, str]]] = {}

        def visit(text, cm, tm, font, size, pieces=pieces):
            x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if text.strip() and y < A4_HEIGHT - 20 * MM:  # the page number sits in the top margin
                pieces.setdefault(round(y * 2) / 2, []).append((x, text.strip()))

        page.extract_text(visitor_text=visit)
        lines += [" | ".join(t for _, t in sorted(pieces[y], key=lambda p: p[0])) for y in sorted(pieces, reverse=True)]
    return lines


A4_HEIGHT = 841.89


def test_pdf_tables_match_golden(written):
    """The numbers of the signed document, read back from the PDF: the overall figures, the factor
    and criterion tables (counts per level, answers, index, mean), communes, officers and fields
    of the hand-computed responses (checked by hand in test_indices.py). A wrong column fails here."""
    from golden import check_golden

    _, files = written
    lines = pdf_table_lines(files["bao-cao-2026Q3.pdf"])
    start = lines.index("I. KẾT QUẢ CHUNG")
    end = next(i for i, line in enumerate(lines) if line.startswith("V. "))
    text = "\n".join(lines[start:end]) + "\n"
    assert "1.1 | Nơi ngồi chờ giải quyết thủ tục hành chính và Bộ phận | 0 | 1 | 0 | 1 | 2 | 4 | 75,00 | 4,00" in text
    check_golden("report-pdf-tables.txt", text)


def test_columnar_copy_gives_the_same_report(ws, tmp_path):
    """A store on disk keeps a columnar copy of the coded answers (one segment per add); the report
    read from it equals the one read from SQLite, also after the copy was lost, left behind by a
    kill, or grew to many segments (merged as they come: tests/test_columnar.py)."""
    import shutil

    from formkit.responses import columnar
    from formkit.responses.store import ResponseStore

    rows = hand_rows(ws.template)
    memory = ResponseStore(":memory:")  # added the same way, so the response ids are the same
    memory.add(rows[:2], ws.template)
    memory.add(rows[2:], ws.template)
    expected = build_report(ws, memory, parse_period(quarter="2026Q3"), today=TODAY).to_json()
    path = tmp_path / "state" / "responses.sqlite"
    with ResponseStore(path) as store:
        store.add(rows[:2], ws.template)
        store.add(rows[2:], ws.template)
        folder = columnar.folder_of(path)
        assert len(list(folder.glob("seg-*/meta.json"))) == 2
        assert build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json() == expected
        shutil.rmtree(columnar.folder_of(path))  # a store written before the copy existed
        assert build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json() == expected
        store.add([row("nam-dong", "2026-07-20 09:00:00", answers(ws.template, {"1": 4}, "Không"))], ws.template)
        memory.add([row("nam-dong", "2026-07-20 09:00:00", answers(ws.template, {"1": 4}, "Không"))], ws.template)
        expected = build_report(ws, memory, parse_period(quarter="2026Q3"), today=TODAY).to_json()
        newest = max(folder.glob("seg-*/meta.json"), key=lambda p: json.loads(p.read_text())["first_id"])
        newest.unlink()  # a kill after the store's commit, before the segment was complete
        assert build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json() == expected
        assert build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json() == expected
        more = [row("nam-dong", f"2026-08-{day:02d} 09:00:00", answers(ws.template, {"1": 4}, "Không"))
                for day in range(1, 12)]
        for item in more:  # eleven segments more: eight of them merged with the rebuilt one when added
            store.add([item], ws.template)
        assert len(list(folder.glob("seg-*/meta.json"))) == 1 + 4
        grown = build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json()
    for item in more:
        memory.add([item], ws.template)
    assert grown == build_report(ws, memory, parse_period(quarter="2026Q3"), today=TODAY).to_json()
    assert grown["responses"] == 5 + 1 + 11

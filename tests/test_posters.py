"""formkit posters: every claim checked on the PDF itself — QR codes decoded by a real decoder
from pages rendered at 150 dpi, text extracted back, fonts and images read out of the file."""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import threading
import unicodedata
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from formkit.ballots.read import QR_ONLY
from formkit.errors import InputError, UsageError
from formkit.forms.formspec import build_bodies, entry_number, prefill_url
from formkit.forms.state import FormRecord, QuestionRecord, State
from formkit.posters import PosterOptions, list_layouts, load_layout, make_posters
from formkit.posters.layouts import load_layout_file
from formkit.workspace.config import load_workspace
from formkit.workspace.example import sample_photo

DPI = 150
REPO = Path(__file__).resolve().parent.parent
MM = 72 / 25.4
LAYOUTS = ["a5-table-stand", "a4-portrait", "a6-counter-card"]
LONG_NAME = "Tôn Nữ Huyền Trân Nguyễn Phước Công Tằng Tôn Nữ Thị Thu Hằng"  # 60 characters
LONG_TITLE = "Công chức Văn phòng - Thống kê kiêm Văn hóa - Xã hội và Tư pháp"
assert len(LONG_NAME) == 60


# -- a workspace whose forms are published (ids and options exactly as `formkit create` makes them)


def publish(ws, state: State | None = None, skip: tuple[str, ...] = ()) -> State:
    state = state or State(ws.state_file)
    for commune in ws.communes:
        if commune.id in skip:
            continue
        bodies = build_bodies(ws.template, commune, ws.unit, "t3st")
        questions = {b.question.id: QuestionRecord(b.question_id, b.item_id, b.question.title, list(b.options))
                     for b in bodies.questions if b.question_id}
        key = (commune.id.replace("-", "") * 8)[:47]
        state.add(commune.id, FormRecord(
            template=ws.template.id, template_version=ws.template.version, endpoint="google",
            document_title=bodies.create["info"]["documentTitle"], step="published", form_id=f"form-{commune.id}",
            responder_uri=f"https://docs.google.com/forms/d/e/1FAIpQLS{key}/viewform",
            questions=questions, officer_options=dict(bodies.officer_options),
            field_options=list(bodies.field_options)))
    return state


@pytest.fixture
def root(example_dir) -> Path:
    return example_dir


def load(root: Path):
    ws = load_workspace(root, check_photos=False)
    return ws, publish(ws)


def edit_config(root: Path, old: str, new: str) -> None:
    path = root / "formkit.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- reading PDFs back


def render_pages(path: Path, dpi: int = DPI) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in pdf]
    finally:
        pdf.close()


def decode(image: Image.Image) -> list:
    return zxingcpp.read_barcodes(image, formats=QR_ONLY)


def decode_one(image: Image.Image) -> str:
    codes = decode(image)
    assert len(codes) == 1, f"expected one QR code, found {len(codes)}"
    return codes[0].text


def page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [unicodedata.normalize("NFC", page.get_textpage().get_text_range()) for page in pdf]
    finally:
        pdf.close()


def squash(text: str) -> str:
    """Text without whitespace: a wrapped name reads the same as on one line."""
    return "".join(unicodedata.normalize("NFC", text).split())


def officer_url(ws, state, commune_id: str, officer_id: str) -> str:
    form = state.published(commune_id)
    question = form.questions[ws.template.by_role("officer").id]
    return prefill_url(form.responder_uri, [(question.question_id, form.officer_options[officer_id])])


def field_url(ws, state, commune_id: str, field: str) -> str:
    form = state.published(commune_id)
    question = form.questions[ws.template.by_role("field").id]
    return prefill_url(form.responder_uri, [(question.question_id, field)])


def prefilled(url: str) -> dict[str, str]:
    return {k: v for k, v in parse_qsl(urlsplit(url).query) if k.startswith("entry.")}


# -- the QR codes


def test_every_page_of_the_example_decodes_to_its_prefilled_link(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions())
    assert result.files == [ws.output_dir / "posters" / f"{c.id}-a5-table-stand.pdf" for c in ws.communes]
    assert result.pages == sum(1 + len(c.officers) for c in ws.communes)
    for commune, path in zip(ws.communes, result.files, strict=False):
        form = state.published(commune.id)
        decoded = [decode_one(image) for image in render_pages(path)]
        assert decoded[0] == form.responder_uri  # the waiting-area page: nothing prefilled
        assert decoded[1:] == [officer_url(ws, state, commune.id, o.id) for o in commune.officers]
        dropdown = form.questions["can-bo"]
        for officer, url in zip(commune.officers, decoded[1:], strict=False):
            # One answer prefilled: the officer question, with exactly one of its options.
            assert prefilled(url) == {f"entry.{entry_number(dropdown.question_id)}": form.officer_options[officer.id]}
            assert prefilled(url)[f"entry.{entry_number(dropdown.question_id)}"] in dropdown.options
            assert urlsplit(url).query.startswith("usp=pp_url&")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_decodes_and_prints_the_code_large_enough(root, layout):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",), layout=layout))
    minimum = {"a5-table-stand": 35, "a4-portrait": 35, "a6-counter-card": 30}[layout]
    commune = ws.commune("hoa-thanh")
    expected = [state.published("hoa-thanh").responder_uri] + [officer_url(ws, state, "hoa-thanh", o.id)
                                                                for o in commune.officers]
    for image, url in zip(render_pages(result.files[0]), expected, strict=True):
        (code,) = decode(image)
        assert code.text == url
        assert code.ec_level in ("M", "Q", "H")
        width_mm = (code.position.top_right.x - code.position.top_left.x) / DPI * 25.4
        assert width_mm >= minimum, f"{layout}: QR printed {width_mm:.1f} mm wide"


def test_field_labels_decode_to_field_prefilled_links(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("binh-thanh", "nam-dong"), fields=True))
    names = [p.name for p in result.files]
    assert names == ["binh-thanh-a5-table-stand.pdf", "binh-thanh-a4-field-labels.pdf", "nam-dong-a5-table-stand.pdf",
                     "nam-dong-a4-field-labels.pdf"]
    for commune_id in ("binh-thanh", "nam-dong"):
        commune = ws.commune(commune_id)
        form = state.published(commune_id)
        decoded = [c.text for image in render_pages(ws.output_dir / "posters" / f"{commune_id}-a4-field-labels.pdf")
                   for c in decode(image)]
        assert sorted(decoded) == sorted(field_url(ws, state, commune_id, f) for f in commune.fields)
        for url in decoded:
            (value,) = prefilled(url).values()
            assert value in form.questions["linh-vuc"].options
        text = squash(" ".join(page_texts(ws.output_dir / "posters" / f"{commune_id}-a4-field-labels.pdf")))
        for field in commune.fields:
            assert squash(field) in text


def test_combined_is_one_document_for_the_selection(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(combined=True, communes=("hoa-thanh", "nam-dong")))
    assert [p.name for p in result.files] == ["posters-a5-table-stand.pdf"]
    assert result.pages == len(PdfReader(result.files[0]).pages) == 4 + 3
    assert [len(embedded_images(result.files[0], i)) for i in range(7)] == [0, 1, 1, 1, 0, 1, 1]
    expected = [state.published("hoa-thanh").responder_uri,
                *(officer_url(ws, state, "hoa-thanh", o.id) for o in ws.commune("hoa-thanh").officers),
                state.published("nam-dong").responder_uri,
                *(officer_url(ws, state, "nam-dong", o.id) for o in ws.commune("nam-dong").officers)]
    assert [decode_one(image) for image in render_pages(result.files[0])] == expected
    both = make_posters(ws, state, PosterOptions(combined=True, fields=True))
    assert [p.name for p in both.files] == ["posters-a5-table-stand.pdf", "fields-a4-field-labels.pdf"]
    labels = [c.text for image in render_pages(both.files[1]) for c in decode(image)]
    assert len(labels) == sum(len(c.fields) for c in ws.communes)


# -- text and fonts


def test_vietnamese_text_round_trips(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    texts = page_texts(result.files[0])
    form = state.published("hoa-thanh")
    link = form.responder_uri.removeprefix("https://")
    for text in texts:
        for line in ("ỦY BAN NHÂN DÂN XÃ HÒA THÀNH", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG",
                     "Mở Zalo hoặc camera điện thoại", "Quét mã QR", "Chọn mức độ hài lòng và gửi",
                     "Không cần cung cấp thông tin cá nhân"):
            assert line in text
        assert squash(link) in squash(text)
    for officer, text in zip(ws.commune("hoa-thanh").officers, texts[1:], strict=True):
        assert officer.name in text and officer.title in text and officer.counter in text


def test_a_name_typed_decomposed_in_the_roster_prints_and_prefills_composed(root):
    decomposed = unicodedata.normalize("NFD", "Đặng Thị Hồng")
    assert decomposed != "Đặng Thị Hồng"
    roster = root / "rosters" / "binh-thanh.csv"
    rows = list(csv.reader(io.StringIO(roster.read_text(encoding="utf-8"))))
    rows[1][1] = decomposed
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    roster.write_text(buffer.getvalue(), encoding="utf-8")

    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(officers=("dang-thi-hong",)))
    assert [p.name for p in result.files] == ["binh-thanh-a5-table-stand.pdf"]
    (text,) = page_texts(result.files[0])
    assert "Đặng Thị Hồng" in text
    (image,) = render_pages(result.files[0])
    url = decode_one(image)
    assert url == officer_url(ws, state, "binh-thanh", "dang-thi-hong")
    (value,) = prefilled(url).values()
    pattern = ws.template.by_role("officer").option_label
    assert value == ws.commune("binh-thanh").officer("dang-thi-hong").option_label(pattern)
    assert value.startswith("Đặng Thị Hồng") and unicodedata.is_normalized("NFC", value)


def test_fonts_are_embedded_never_the_standard_ones(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",), fields=True))
    for path in result.files:
        for page in PdfReader(path).pages:
            fonts = page["/Resources"]["/Font"]
            assert fonts
            for ref in fonts.values():
                font = ref.get_object()
                assert "NotoSans" in font["/BaseFont"], font["/BaseFont"]
                descriptor = (font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                              if "/DescendantFonts" in font else font["/FontDescriptor"]).get_object()
                assert "/FontFile2" in descriptor, f"{path.name}: {font['/BaseFont']} is not embedded"


@pytest.mark.parametrize("layout", ["a5-table-stand", "a6-counter-card"])
def test_long_names_and_titles_stay_inside_and_off_the_qr(root, layout):
    edit_config(root, 'name = "Nguyễn Thị Lan"', f'name = "{LONG_NAME}"')
    edit_config(root, 'title = "Công chức Văn phòng - Thống kê"', f'title = "{LONG_TITLE}"')
    # The worst case for the QR code too: a workspace template whose dropdown lists name, title
    # and counter, so the link carries ~130 accented characters, percent-encoded.
    shipped = load_workspace(root, check_photos=False).template.source.read_text(encoding="utf-8")
    (root / "templates").mkdir()
    (root / "templates" / "sipas-2640.toml").write_text(
        re.sub(r'option_label = ".*"', 'option_label = "{name} – {title} – {counter}"', shipped), encoding="utf-8")
    ws, state = load(root)
    assert ws.template.source.parent == root / "templates"
    spec = load_layout(layout)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",), officers=("nguyen-thi-lan",),
                                                   layout=layout))
    (image,) = render_pages(result.files[0])
    url = decode_one(image)
    assert url == officer_url(ws, state, "hoa-thanh", "nguyen-thi-lan")
    (value,) = prefilled(url).values()
    assert value == f"{LONG_NAME} – {LONG_TITLE} – Quầy 1"
    assert len(url) > 500

    (text,) = page_texts(result.files[0])
    assert squash(LONG_NAME) in squash(text) and squash(LONG_TITLE) in squash(text)

    # Geometry, read from the PDF: every character inside the margins, none on the QR code or
    # its quiet zone (the code's corners come from the decoder, the quiet zone is 4 modules).
    (code,) = decode(image)
    version = int(code.extra["Version"])
    px = DPI / 72
    left, top = code.position.top_left.x / px, code.position.top_left.y / px
    right, bottom = code.position.bottom_right.x / px, code.position.bottom_right.y / px
    quiet = 4 * (right - left) / (17 + 4 * version)
    page_h = image.height / px
    qr_box = (left - quiet, page_h - bottom - quiet, right + quiet, page_h - top + quiet)  # PDF coordinates
    margin = spec.margin_mm * MM
    pdf = pdfium.PdfDocument(str(result.files[0]))
    try:
        textpage = pdf[0].get_textpage()
        width, height = pdf[0].get_size()
        checked = 0
        for i in range(textpage.count_chars()):
            if not textpage.get_text_range(i, 1).strip():
                continue
            left, b, r, t = textpage.get_charbox(i)
            assert margin - 0.5 <= left and r <= width - margin + 0.5, f"char {i} leaves the page's side margins"
            assert margin - 0.5 <= b and t <= height - margin + 0.5, f"char {i} leaves the top or bottom margin"
            overlaps = left < qr_box[2] and qr_box[0] < r and b < qr_box[3] and qr_box[1] < t
            assert not overlaps, f"'{textpage.get_text_range(i, 1)}' overlaps the QR code"
            checked += 1
        assert checked > 150
    finally:
        pdf.close()


# -- photos


def embedded_images(path: Path, page: int) -> list[Image.Image]:
    return [image.image for image in PdfReader(path).pages[page].images if image.image is not None]


def test_photos_are_upright_cropped_and_small(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    commune = ws.commune("hoa-thanh")
    assert embedded_images(result.files[0], 0) == []  # the commune page has no photo
    for index, officer in enumerate(commune.officers, 1):
        (photo,) = embedded_images(result.files[0], index)
        assert photo.mode == "RGB"
        assert abs(photo.width / photo.height - 3 / 4) < 0.01
        assert photo.width <= 400  # ~300 dpi at the printed size (33 × 44 mm), not the original 900 px
        # The sample is a light head above dark shoulders: upright means the head is at the top
        # centre and the shoulders at the bottom centre, for the one stored sideways (EXIF 6) too.
        head = photo.getpixel((photo.width // 2, int(photo.height * 0.35)))
        body = photo.getpixel((photo.width // 2, int(photo.height * 0.92)))
        side = photo.getpixel((int(photo.width * 0.06), int(photo.height * 0.35)))
        assert sum(head) > sum(side) + 90 > sum(body) + 180, (officer.id, head, side, body)
    assert Image.open(commune.officer("tran-van-minh").photo).getexif()[0x0112] == 6


def test_cmyk_jpeg_and_transparent_png(root):
    rgb = Image.open(io.BytesIO(sample_photo((93, 139, 186))))
    rgb.convert("CMYK").save(root / "photos" / "nguyen-thi-lan.jpg", "JPEG", quality=90)
    cutout = Image.new("RGBA", (600, 800), (0, 0, 0, 0))
    cutout.paste((200, 30, 30, 255), (150, 100, 450, 800))
    cutout.save(root / "photos" / "pham-thu-ha.png")
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(officers=("nguyen-thi-lan", "pham-thu-ha")))
    assert result.warnings == []
    (cmyk,) = embedded_images(ws.output_dir / "posters" / "hoa-thanh-a5-table-stand.pdf", 0)
    assert cmyk.mode == "RGB"
    r, g, b = cmyk.getpixel((5, 5))  # the background colour survives CMYK → RGB
    assert abs(r - 93) < 25 and abs(g - 139) < 25 and abs(b - 186) < 25
    (png,) = embedded_images(ws.output_dir / "posters" / "nam-dong-a5-table-stand.pdf", 0)
    assert png.mode == "RGB"
    assert min(png.getpixel((2, 2))) > 245  # transparent → white paper, not black
    r, g, b = png.getpixel((png.width // 2, png.height // 2))
    assert r > 150 and g < 80 and b < 80


def test_missing_unreadable_or_absent_photos_print_a_placeholder_with_a_warning(root):
    (root / "photos" / "tran-van-minh.jpg").unlink()
    (root / "photos" / "le-hoang-phuong.jpg").write_bytes(b"not a picture")
    edit_config(root, 'photo = "photos/nguyen-thi-lan.jpg"\n', "")
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    warnings = "\n".join(result.warnings)
    assert "tran-van-minh" in warnings and "photos/tran-van-minh.jpg" in warnings and "not found" in warnings
    assert "le-hoang-phuong" in warnings and "photos/le-hoang-phuong.jpg" in warnings and "cannot be read" in warnings
    assert "nguyen-thi-lan" in warnings and "no photo" in warnings
    assert len(result.warnings) == 3
    path = result.files[0]
    for index in (1, 2, 3):
        assert embedded_images(path, index) == []  # the placeholder is drawn, not an image
    commune = ws.commune("hoa-thanh")
    for image, officer in zip(render_pages(path)[1:], commune.officers, strict=True):
        assert decode_one(image) == officer_url(ws, state, "hoa-thanh", officer.id)


def test_strict_refuses_before_writing_anything(root):
    (root / "photos" / "tran-van-minh.jpg").unlink()
    (root / "photos" / "vo-duc-thang.jpg").write_bytes(b"\xff\xd8\xff broken")
    ws, state = load(root)
    with pytest.raises(InputError) as caught:
        make_posters(ws, state, PosterOptions(strict=True))
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "tran-van-minh" in message and "vo-duc-thang" in message
    assert len(caught.value.problems) == 2
    assert not (ws.output_dir / "posters").exists()


def test_photo_preparation_handles_what_phones_and_print_shops_send(tmp_path):
    from formkit.posters.photos import PhotoError, pixels_for, prepare

    size = pixels_for(33, 44)
    assert size == (390, 520)
    sideways = tmp_path / "sideways.jpg"
    sideways.write_bytes(sample_photo((120, 160, 110), orientation=6, size=(3000, 4000)))
    photo = prepare(sideways, size)
    image = Image.open(io.BytesIO(photo.jpeg))
    # Decoded at 1/8 straight away: 375 × 500 is within 90 % of 300 dpi, so no resize follows.
    assert (photo.width, photo.height) == image.size == (375, 500)
    w, h = image.size
    assert sum(image.getpixel((w // 2, int(h * 0.35)))) > sum(image.getpixel((w // 2, int(h * 0.95)))) + 150
    landscape = tmp_path / "landscape.jpg"
    Image.open(io.BytesIO(sample_photo((120, 160, 110), size=(4000, 3000)))).save(landscape)
    assert (prepare(landscape, size).width, prepare(landscape, size).height) == size  # 1/4, then resized
    wide = tmp_path / "wide.png"
    Image.new("RGB", (1600, 900), (10, 200, 10)).save(wide)
    assert (prepare(wide, size).width, prepare(wide, size).height) == size
    small = tmp_path / "small.jpg"
    Image.new("RGB", (90, 160), (10, 10, 200)).save(small)
    assert (prepare(small, size).width, prepare(small, size).height) == (90, 120)  # cropped, never enlarged
    with pytest.raises(PhotoError, match="not found"):
        prepare(tmp_path / "nowhere.jpg", size)
    (tmp_path / "photo.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    with pytest.raises(PhotoError, match="cannot be read"):
        prepare(tmp_path / "photo.heic", size)


def test_photos_prepared_in_parallel_match_the_serial_result(tmp_path, monkeypatch):
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from formkit.posters import photos

    monkeypatch.setattr(photos, "MIN_POOL_JOBS", 2)
    jobs = []
    for i, orientation in enumerate((1, 6, 1)):
        path = tmp_path / f"p{i}.jpg"
        path.write_bytes(sample_photo((40 * i + 60, 120, 150), orientation))
        jobs.append((path, photos.pixels_for(33, 44)))
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 truncated")
    jobs.append((tmp_path / "bad.jpg", photos.pixels_for(33, 44)))

    def flat(results):
        return [r.jpeg if isinstance(r, photos.Photo) else f"error: {r}" for r in results]

    with photos.Preparer(1) as preparer:
        serial = flat(preparer.map(jobs))
    assert serial[3].startswith("error: cannot be read") and all(isinstance(r, bytes) for r in serial[:3])
    with photos.Preparer(2) as preparer:
        assert flat(preparer.map(jobs)) == serial
        assert preparer.pool is not None  # the pool's output, not the serial path's
        if threading.active_count() == 1 and sys.platform.startswith("linux"):
            assert isinstance(preparer.pool, ProcessPoolExecutor)
    # The forked workers, in a process with one thread (a test runner seldom is one).
    script = ("import hashlib, json, sys; from pathlib import Path; from formkit.posters import photos\n"
              "photos.MIN_POOL_JOBS = 2\n"
              "jobs = [(Path(p), tuple(s)) for p, s in json.loads(sys.argv[1])]\n"
              "with photos.Preparer(2) as preparer:\n"
              "    out = [r.jpeg.hex() if isinstance(r, photos.Photo) else f'error: {r}' for r in preparer.map(jobs)]\n"
              "    print(json.dumps([type(preparer.pool).__name__, out]))\n")
    import json
    import subprocess

    run = subprocess.run([sys.executable, "-c", script, json.dumps([(str(p), s) for p, s in jobs])],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    kind, forked = json.loads(run.stdout)
    assert kind == ("ProcessPoolExecutor" if sys.platform.startswith("linux") else "ThreadPoolExecutor")
    assert [bytes.fromhex(r) if not r.startswith("error") else r for r in forked] == serial
    # A process already running threads is never forked: the photos go to threads instead.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with photos.Preparer(2) as preparer:
            assert flat(preparer.map(jobs)) == serial
            assert isinstance(preparer.pool, ThreadPoolExecutor)
    finally:
        stop.set()
        other.join()


# -- selection and state


def test_selecting_officers_prints_only_their_pages(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(officers=("tran-van-minh", "vo-duc-thang")))
    assert [p.name for p in result.files] == ["hoa-thanh-a5-table-stand.pdf", "nam-dong-a5-table-stand.pdf"]
    assert result.pages == 2
    with pytest.raises(UsageError, match="no officer 'nobody'"):
        make_posters(ws, state, PosterOptions(officers=("nobody",)))
    with pytest.raises(UsageError, match="'tran-van-minh' belongs to commune 'hoa-thanh'"):
        make_posters(ws, state, PosterOptions(communes=("nam-dong",), officers=("tran-van-minh",)))
    with pytest.raises(UsageError, match="no commune 'atlantis'"):
        make_posters(ws, state, PosterOptions(communes=("atlantis",)))
    with pytest.raises(UsageError, match="unknown layout 'a2-billboard'"):
        make_posters(ws, state, PosterOptions(layout="a2-billboard"))


def test_a_commune_without_a_published_form_asks_for_formkit_create(root):
    ws = load_workspace(root, check_photos=False)
    state = publish(ws, skip=("nam-dong",))
    with pytest.raises(UsageError, match="nam-dong: run `formkit create` first") as raised:
        make_posters(ws, state, PosterOptions())
    assert raised.value.exit_code == 2  # what to run first, not a runtime failure
    assert not (ws.output_dir / "posters").exists()


def test_posters_before_create_exits_2_saying_what_to_run_first(example_dir, formkit):
    result = formkit("posters", "-w", example_dir)
    assert result.exit_code == 2
    assert "formkit create" in result.err and "binh-thanh" in result.err


def test_each_layout_writes_its_own_file(root):
    ws, state = load(root)
    first = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    second = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",), layout="a6-counter-card"))
    assert [p.name for p in first.files + second.files] == ["hoa-thanh-a5-table-stand.pdf",
                                                           "hoa-thanh-a6-counter-card.pdf"]
    assert all(p.is_file() for p in first.files + second.files)


def test_the_commune_page_says_how_long_the_form_takes(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    text = squash(" ".join(page_texts(result.files[0])))
    assert "dànhkhoảng3phútđánhgiá" in text  # as sipas-2640's description says (squash drops spaces)
    assert "mộtphút" not in text


def test_an_officer_added_after_the_form_was_made_asks_for_formkit_create(root):
    ws, state = load(root)
    edit_config(root, '[[communes.officers]]\nid = "vo-duc-thang"',
                '[[communes.officers]]\nid = "moi-den"\nname = "Hồ Văn Mới"\ntitle = "Công chức"\n'
                'counter = "Quầy 3"\n\n'
                '[[communes.officers]]\nid = "vo-duc-thang"')
    newer = load_workspace(root, check_photos=False)
    with pytest.raises(InputError, match="formkit create") as caught:
        make_posters(newer, state, PosterOptions())
    assert "moi-den" in str(caught.value) and len(caught.value.problems) == 1
    assert not (newer.output_dir / "posters").exists()


def test_output_is_reproducible_and_compact(root):
    ws, state = load(root)
    first = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    data = first.files[0].read_bytes()
    second = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    assert second.files[0].read_bytes() == data
    assert len(data) / first.pages < 150_000


# -- layouts


def test_shipped_layouts_load_and_are_listed():
    assert set(LAYOUTS) <= set(list_layouts())
    assert list_layouts(kind="labels") == ["a4-field-labels"]
    a5 = load_layout("a5-table-stand")
    assert (a5.width_mm, a5.height_mm) == (148, 210)
    qr = a5.block("officer", "qr")
    assert min(qr.box.w, qr.box.h) >= 35
    assert load_layout("a6-counter-card").block("officer", "qr").box.w >= 30


def test_a_broken_layout_is_refused_with_every_problem_named(root):
    (root / "posters").mkdir()
    bad = root / "posters" / "broken.toml"
    bad.write_text("""
id = "broken"
name = "Broken"
page = "A5"
shade = 3

[[officer]]
kind = "qr"
box = [40, 90, 25, 25]

[[officer]]
kind = "text"
box = [10, 100, 128, 10]
text = "{name} {age}"
colour = "blueish"

[[commune]]
kind = "photo"
box = [10, 10, 30, 40]
""", encoding="utf-8")
    ws, state = load(root)
    assert "broken" in list_layouts(root)
    with pytest.raises(InputError) as caught:
        make_posters(ws, state, PosterOptions(layout="broken"))
    problems = {(p.place, p.message.split(" ")[0]) for p in caught.value.problems}
    assert all(p.file == str(bad) for p in caught.value.problems)
    text = str(caught.value)
    assert "shade: unknown key" in text
    assert "officer[1].box: the QR code needs at least 36" in text
    assert "officer[2].box: overlaps officer[1] (qr)" in text
    assert "officer[2].text: unknown placeholder {age}" in text
    assert "officer[2].colour: 'blueish'" in text
    assert "commune: needs exactly one qr block" in text
    assert "commune: only an officer page has a photo" in text
    assert len(problems) == 7
    assert not (ws.output_dir / "posters").exists()


def test_a_workspace_layout_overrides_the_shipped_one(root):
    (root / "posters").mkdir()
    shipped = load_layout("a5-table-stand").source.read_text(encoding="utf-8")
    custom = shipped.replace('accent = "#0b4f9c"', 'accent = "#1b5e20"').replace('"{OFFICE}"',
                                                                                  '"BỘ PHẬN MỘT CỬA"')
    (root / "posters" / "a5-table-stand.toml").write_text(custom, encoding="utf-8")
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("nam-dong",)))
    assert "BỘ PHẬN MỘT CỬA" in page_texts(result.files[0])[0]
    assert load_layout_file(root / "posters" / "a5-table-stand.toml").id == "a5-table-stand"


def test_text_fitting_wraps_shrinks_and_never_overflows():
    from formkit.posters import textfit

    font = textfit.FONTS["bold"]
    fitted = textfit.fit([LONG_NAME], font, 200, 40, 16, 8)
    assert len(fitted.lines) == 2 and fitted.height <= 40 and 8 <= fitted.size <= 16
    assert all(textfit.width(line, font, fitted.size) <= 200 for line in fitted.lines)
    link = "docs.google.com/forms/d/e/1FAIpQLSdexampleexampleexampleexampleexampleexampl/viewform"
    lines = textfit.wrap(link, font, 7, 150)
    assert "".join(lines) == link and len(lines) > 1
    tiny = textfit.fit([LONG_NAME * 5], font, 60, 12, 16, 8)
    assert tiny.squeezed and tiny.height <= 12 and tiny.lines[-1].endswith("…")


# -- end to end, with forms really created on the local Google-compatible server


def test_posters_for_forms_created_on_the_local_server(published_workspace):
    ws, state, base_url = published_workspace
    result = make_posters(ws, state, PosterOptions(fields=True))
    assert result.warnings == []
    for commune in ws.communes:
        form = state.published(commune.id)
        pdf = ws.output_dir / "posters" / f"{commune.id}-a5-table-stand.pdf"
        decoded = [decode_one(image) for image in render_pages(pdf)]
        assert decoded[0] == form.responder_uri
        officer_q = form.questions[ws.template.by_role("officer").id]
        for officer, url in zip(commune.officers, decoded[1:], strict=True):
            assert url == officer_url(ws, state, commune.id, officer.id)
            assert prefilled(url) == {f"entry.{entry_number(officer_q.question_id)}": form.officer_options[officer.id]}
            assert form.officer_options[officer.id] in officer_q.options
        labels = [c.text for image in render_pages(ws.output_dir / "posters" / f"{commune.id}-a4-field-labels.pdf")
                  for c in decode(image)]
        assert sorted(labels) == sorted(field_url(ws, state, commune.id, f) for f in commune.fields)


def test_the_readable_link_is_the_short_one_where_the_workspace_gives_it(root):
    edit_config(root, 'fields = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng"]\n',
                'fields = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng"]\nshort_link = "https://forms.gle/AbC123xyz"\n')
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh", "nam-dong")))
    hoa_thanh, nam_dong = result.files
    texts = [squash(t) for t in page_texts(hoa_thanh)]
    assert all("forms.gle/AbC123xyz" in t for t in texts)  # commune page and every officer page
    assert "viewform" not in texts[0]
    form = state.published("hoa-thanh")
    assert decode_one(render_pages(hoa_thanh)[0]) == form.responder_uri  # the QR keeps the full link
    assert not any("forms.gle" in t for t in page_texts(nam_dong))  # no short link given: the long one


def test_a_short_link_that_is_not_one_is_an_input_error(root):
    edit_config(root, 'fields = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng"]\n',
                'fields = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng"]\nshort_link = "forms.gle/AbC"\n')
    with pytest.raises(InputError, match=r"communes\[1\]\.short_link: 'forms.gle/AbC' is not a short form link"):
        load_workspace(root, check_photos=False)

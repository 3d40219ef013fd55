"""The office's name and the reception points as workspace data: from formkit.toml into the form,
the posters, the paper ballots and the report — no copied template or layout — and `check`
naming what is wrong with file and place."""

from __future__ import annotations

import json

import pytest
from report_data import answers, row, store_of
from test_posters import edit_config, load, page_texts
from test_report import pdf_text, squeeze

from formkit.ballots.issue import make_ballots
from formkit.errors import InputError
from formkit.forms.formspec import build_bodies
from formkit.posters import PosterOptions, make_posters
from formkit.report import build_report, parse_period, write_report
from formkit.workspace.config import load_workspace
from formkit.workspace.example import write_example_workspace

OLD_NAME = "Bộ phận Tiếp nhận và Trả kết quả"
POINT = "Điểm tiếp nhận ấp Phố Thành"


@pytest.fixture
def root(tmp_path):
    """The example workspace with its commented reception points switched on, the old office name
    set once for the workspace, and Nam Đông's own name for its office."""
    root = tmp_path / "ws"
    write_example_workspace(root)
    text = (root / "formkit.toml").read_text(encoding="utf-8")
    for line in ('[[communes.points]]', 'id = "tru-so"', 'name = "Trụ sở Ủy ban nhân dân xã"', 'id = "pho-thanh"',
                 f'name = "{POINT}"', 'point = "tru-so"', 'point = "pho-thanh"'):
        text = text.replace(f"# {line}", line)
    text = text.replace('name = "Trung tâm Phục vụ hành chính công"', f'name = "{OLD_NAME}"')
    text = text.replace('name = "Nam Đông"', 'name = "Nam Đông"\noffice = "Trung tâm Phục vụ hành chính công phường"')
    (root / "formkit.toml").write_text(text, encoding="utf-8")
    return root


def test_the_office_name_flows_into_the_form(root):
    ws = load_workspace(root, check_photos=False)
    hoa_thanh, nam_dong = ws.commune("hoa-thanh"), ws.commune("nam-dong")
    assert (hoa_thanh.office, nam_dong.office) == (OLD_NAME, "Trung tâm Phục vụ hành chính công phường")
    assert [p.id for p in hoa_thanh.points] == ["tru-so", "pho-thanh"]
    assert ws.commune("hoa-thanh").officer("le-hoang-phuong").point == "pho-thanh"
    for commune in (hoa_thanh, nam_dong):
        bodies = build_bodies(ws.template, commune, ws.unit, "x")
        description = bodies.batch_update["requests"][0]["updateFormInfo"]["info"]["description"]
        titles = [r["createItem"]["item"]["title"] for r in bodies.batch_update["requests"] if "createItem" in r]
        assert f"sự phục vụ của {commune.office} để nâng cao" in description
        assert f"Nhìn chung, Ông/Bà hài lòng như thế nào về sự phục vụ của {commune.office}?" in titles
        assert "{office}" not in json.dumps(bodies.batch_update, ensure_ascii=False)


def test_the_office_and_a_point_flow_into_the_posters(root):
    ws, state = load(root)
    result = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",), point="pho-thanh"))
    [path] = result.files
    assert path.name == "hoa-thanh-pho-thanh-a5-table-stand.pdf"  # never overwrites the whole commune's file
    pages = page_texts(path)
    assert len(pages) == 2  # the commune page and the point's one officer
    for page in pages:
        assert OLD_NAME.upper() in page and POINT.upper() in page
    assert "Lê Hoàng Phương" in pages[1] and "Trần Văn Minh" not in "".join(pages)
    # Without --point every officer's stand names that officer's own point; Nam Đông lists none.
    everyone = make_posters(ws, state, PosterOptions(communes=("hoa-thanh", "nam-dong")))
    hoa, nam = (page_texts(p) for p in everyone.files)
    assert "TRỤ SỞ ỦY BAN NHÂN DÂN XÃ" in hoa[1] and POINT.upper() in hoa[3]
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG" in nam[0] and "ĐIỂM" not in "".join(nam)


def test_the_office_and_a_point_flow_into_the_ballots(root):
    ws, state = load(root)
    issued = make_ballots(ws, state, "hoa-thanh", 1, point_id="pho-thanh", out_dir=root / "out")
    assert issued.pdf.name == "phieu-hoa-thanh-pho-thanh-000001-000001.pdf"
    text = squeeze(pdf_text(issued.pdf))
    assert squeeze(f"Điểm tiếp nhận: {POINT}") in text and squeeze(OLD_NAME) in text
    officers = {b.get("officer") for b in json.loads(issued.geometry.read_text(encoding="utf-8"))["bubbles"]}
    assert officers - {None} == {"le-hoang-phuong"}  # only the point's officers to mark
    with pytest.raises(Exception, match="no reception point 'cho-moi'"):
        make_ballots(ws, state, "hoa-thanh", 1, point_id="cho-moi", out_dir=root / "out")


def test_the_office_and_the_points_flow_into_the_report(root, tmp_path):
    ws = load_workspace(root, check_photos=False)
    rows = [row("hoa-thanh", "2026-07-06 09:00:00", answers(ws.template, {"1": 5, "2": 5, "3": 5, "4": 5}, "Không",
                                                           overall=5), "nguyen-thi-lan"),
            row("hoa-thanh", "2026-07-07 09:00:00", answers(ws.template, {"1": 2, "2": 2, "3": 2, "4": 2}, "Không",
                                                           overall=2), "le-hoang-phuong"),
            row("hoa-thanh", "2026-07-08 09:00:00", answers(ws.template, {"1": 4, "2": 4, "3": 4, "4": 4}, "Không",
                                                           overall=4), "le-hoang-phuong")]
    report = build_report(ws, store_of(rows, ws.template), parse_period(quarter="2026Q3"), commune_ids=("hoa-thanh",))
    assert report.office == OLD_NAME
    by_point = {p.id: (p.name, p.officers, p.responses, p.sipas, p.low_ratings) for p in report.points}
    assert by_point == {"tru-so": ("Trụ sở Ủy ban nhân dân xã", 2, 1, 100.0, 0),
                        "pho-thanh": (POINT, 1, 2, 50.0, 1)}
    paths = write_report(report, ("pdf", "csv", "json"), tmp_path)
    text = squeeze(pdf_text(next(p for p in paths if p.suffix == ".pdf")))
    assert squeeze(f"KẾT QUẢ THEO ĐIỂM TIẾP NHẬN CỦA {OLD_NAME.upper()}") in text and squeeze(POINT) in text
    assert squeeze(f"chỉ gửi cho {OLD_NAME} của xã, phường đó") in text
    csv_text = next(p for p in paths if p.name == "theo-diem-tiep-nhan.csv").read_text(encoding="utf-8-sig")
    assert f"Xã Hòa Thành,pho-thanh,{POINT},1,2," in csv_text
    assert json.loads(next(p for p in paths if p.suffix == ".json").read_text(encoding="utf-8"))["points"][1]["id"] \
        == "pho-thanh"


def test_check_names_a_wrong_point_and_a_roster_gives_points(root):
    edit_config(root, 'point = "pho-thanh"', 'point = "pho-thang"')
    (root / "rosters" / "binh-thanh.csv").write_text(
        "id,name,title,counter,Điểm tiếp nhận,Đồng ý dùng ảnh\n"
        "dang-thi-hong,Đặng Thị Hồng,Công chức,Quầy 1,,có\n"
        "bui-quang-huy,Bùi Quang Huy,Công chức,Quầy 2,,chắc vậy\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_workspace(root, check_photos=False)
    found = {(p.file, p.place): p.message for p in err.value.problems}
    assert "no reception point 'pho-thang'" in found[("formkit.toml", "communes[1].officers[3].point")]
    assert "is not a yes or no" in found[("rosters/binh-thanh.csv", "row 3, column photo_consent")]


def test_photos_without_consent_are_named_by_check_and_posters(root, formkit):
    text = (root / "formkit.toml").read_text(encoding="utf-8")
    (root / "formkit.toml").write_text(text.replace("photo_consent = true\n", "", 1), encoding="utf-8")
    checked = formkit("--lang", "en", "check", "-w", root)
    assert checked.exit_code == 0, checked.output
    assert "officer 'nguyen-thi-lan' (Nguyễn Thị Lan): no consent recorded to print the photo" in checked.err
    assert checked.err.count("no consent recorded") == 1  # the others (and the roster's "có") have it
    strict = formkit("--lang", "en", "check", "--strict", "-w", root)
    assert strict.exit_code == 2 and "without the officer's consent (--strict)" in strict.err
    ws, state = load(root)
    printed = make_posters(ws, state, PosterOptions(communes=("hoa-thanh",)))
    assert any("nguyen-thi-lan" in w and "no consent" in w for w in printed.warnings)
    with pytest.raises(InputError, match="consent"):
        make_posters(ws, state, PosterOptions(communes=("hoa-thanh",), strict=True, out_dir=root / "strict"))
    assert not (root / "strict").exists()

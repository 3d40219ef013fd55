"""`report --format html` in a real browser (Debian's Chromium, driven by Playwright) at a 360 px
phone and a 1280 px desktop: nothing scrolls sideways, the text is Vietnamese, nothing is fetched
from anywhere, every number shown equals the JSON report's, and it prints (Chromium's own PDF).
FORMKIT_UPDATE_GOLDEN=1 also writes the screenshots the README shows (docs/report-html-*.png)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser import DESKTOP, PHONE, no_horizontal_scroll
from pypdf import PdfReader
from test_followup_report import worked  # noqa: F401 - the fixture: a quarter's answers and worked cases

from formkit.report import build_report, parse_period, write_report
from formkit.responses.store import ResponseStore

DOCS = Path(__file__).resolve().parent.parent / "docs"


def shown(value) -> str:
    """What the page must show for a JSON index: two decimals, a decimal comma."""
    return "–" if value is None else f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@pytest.fixture
def html_report(worked, tmp_path):  # noqa: F811 - the imported fixture
    with ResponseStore(worked.responses_file) as store:
        report = build_report(worked, store, parse_period(quarter="2026Q3"))
    write_report(report, "html,json", tmp_path)
    return tmp_path / "bao-cao-2026Q3.html", json.loads((tmp_path / "bao-cao-2026Q3.json").read_text("utf-8"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_the_html_report_on_a_phone_and_a_desktop(chromium, html_report, viewport, tmp_path):
    path, document = html_report
    context = chromium.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(path.as_uri())
    assert fetched == [path.as_uri()]  # self-contained: no style sheet, font, image or script fetched
    assert no_horizontal_scroll(page), f"the report scrolls sideways at {viewport['width']} px"
    text = page.content()  # at 360 px the column names are drawn by CSS (data-label), not in innerText
    for words in ("Xếp hạng xã, phường", "Diễn biến qua các quý", "Chỉ số từng yếu tố theo xã, phường",
                  "Liên hệ lại người dân chưa hài lòng", "Không liên lạc được"):
        assert words in text
    assert page.locator("svg").count() == 2

    # The numbers: the overall index, each commune's rank and index, each factor by commune, the loop.
    overall = page.locator("#overall .num").first
    assert overall.get_attribute("data-value") == repr(document["sipas"])
    assert overall.inner_text() == shown(document["sipas"])
    rows = page.evaluate("""id => [...document.querySelectorAll(`#${id} tbody tr`)].map(tr =>
        [...tr.children].map(td => [td.innerText.split('\\n').pop().trim(),
                                    td.querySelector('.num') ? td.querySelector('.num').dataset.value : null]))""",
                         "ranking")
    by_name = {c["name"]: c for c in document["communes"]}
    assert len(rows) == len(by_name)
    for name, rank, responses, index, _change in rows:
        commune = by_name[name[0]]
        assert rank[0] == str(commune["rank"] or "–") and responses[0] == str(commune["responses"])
        assert index[0] == shown(commune["sipas"]) and index[1] == (repr(commune["sipas"]) if commune["sipas"]
                                                                    is not None else "")
    factors = page.evaluate("""() => [...document.querySelectorAll('#factors tbody tr')].map(tr =>
        [...tr.querySelectorAll('.num')].map(n => n.dataset.value))""")
    for commune, values in zip(document["communes"], factors, strict=False):
        assert values == [repr(v) if v is not None else "" for v in [*commune["factors"].values(), commune["sipas"]]]
    loop = page.evaluate("""() => [...document.querySelectorAll('#followup tbody tr')].map(tr =>
        [...tr.querySelectorAll('.num')].map(n => n.innerText))""")
    assert loop == [[str(x["opened"]), str(x["contacted_in_time"]), str(x["resolved"]), str(x["unreachable"]),
                     str(x["still_open"]), "–" if x["median_days"] is None else shown(x["median_days"])]
                    for x in document["follow_up_loop"]["communes"]]

    shot = tmp_path / f"report-html-{viewport['width']}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("FORMKIT_UPDATE_GOLDEN"):
        (DOCS / shot.name).write_bytes(shot.read_bytes())
    context.close()


def test_the_html_report_prints(chromium, html_report, tmp_path):
    path, _document = html_report
    page = chromium.new_page()
    page.goto(path.as_uri())
    page.emulate_media(media="print")
    printed = tmp_path / "printed.pdf"
    page.pdf(path=str(printed), format="A4")
    # Chromium's PDF breaks its text into runs where the glyphs change font: compared without spaces
    text = "".join("".join(p.extract_text() for p in PdfReader(printed).pages).split())
    assert "Xếphạngxã,phường" in text and "Liênhệlạingườidânchưahàilòng" in text
    page.close()

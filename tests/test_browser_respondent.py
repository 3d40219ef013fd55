"""The citizen's page in a real browser (Debian's Chromium, driven by Playwright) at the sizes
citizens use: a 360 px phone and a 10" tablet. Screenshots are kept under the test's folder."""

from __future__ import annotations

import pytest
from browser import PHONE, TABLET_PORTRAIT, no_horizontal_scroll
from conftest import credentials


def _answer_every_visible_question(page) -> None:
    """Choose the first option of every visible dropdown and radio group, as a hurried citizen
    would; the page's script may reveal a section after a choice, so repeat until none is left."""
    for _ in range(50):
        pending = page.evaluate("""() => {
            const seen = new Set();
            for (const el of document.querySelectorAll('input[type=radio], select')) {
                if (el.offsetParent === null || seen.has(el.name)) continue;
                seen.add(el.name);
                const group = document.getElementsByName(el.name);
                const done = el.tagName === 'SELECT' ? el.value !== ''
                                                    : [...group].some(r => r.checked);
                if (!done) return el.name;
            }
            return null;
        }""")
        if pending is None:
            return
        first = page.locator(f'[name="{pending}"]').first
        if first.evaluate("el => el.tagName") == "SELECT":
            first.select_option(index=1)
        else:
            first.check()
    raise AssertionError("questions kept appearing")


@pytest.mark.parametrize("viewport", [PHONE, TABLET_PORTRAIT], ids=["phone-360", "tablet-800"])
def test_a_citizen_answers_on_a_phone_and_a_tablet(chromium, published_workspace, viewport, tmp_path):
    from googleapiclient.discovery import build

    ws, state, base_url = published_workspace
    record = state.published(ws.communes[0].id)
    context = chromium.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.goto(record.responder_uri)
    assert "Bắt buộc" in page.content()
    assert no_horizontal_scroll(page), f"the form scrolls sideways at {viewport['width']} px"
    page.screenshot(path=str(tmp_path / f"form-{viewport['width']}.png"), full_page=True)

    _answer_every_visible_question(page)
    page.get_by_role("button", name="Gửi").click()
    page.wait_for_load_state()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / f"sent-{viewport['width']}.png"))
    assert page.locator(".error").count() == 0, page.content()
    assert "Chúng tôi đã ghi lại câu trả lời" in page.content()
    context.close()

    forms = build("forms", "v1", credentials=credentials(), static_discovery=True,
                  client_options={"api_endpoint": base_url})
    listed = forms.forms().responses().list(formId=record.form_id).execute()
    assert len(listed.get("responses", [])) == 1

"""The counter tablet in a real Chromium at tablet size: pairing, a rating, the idle reset,
repeated taps, a receipt number from a barcode scanner, and the office PC stopped mid-session and
started again with every rating stored exactly once. Screenshots of the idle, rating and thank-you
screens go to docs/ (FORMKIT_UPDATE_SCREENSHOTS=1) and, always, under the test's folder.

The tablet's clock is Playwright's, paused: its timers (back to idle, the thank-you screen, the
resend) keep the shipped durations and fire only when a test runs the clock on, so no test waits
for them and a slow machine never resets a rating half-way through a test."""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from browser import TABLET_LANDSCAPE, TABLET_PORTRAIT, no_horizontal_scroll

from formkit.kiosk import manage
from formkit.kiosk.server import IDLE_SECONDS, RESEND_SECONDS, THANKS_SECONDS, KioskServer
from formkit.workspace.config import load_workspace

DOCS = Path(__file__).resolve().parent.parent / "docs"


class Office:
    """The office PC's counter server on one port, stopped and started again as a test needs, and
    the tablets' pages; the fixture closes whatever is still open after the test."""

    def __init__(self, ws, chromium) -> None:
        self.ws, self.chromium = ws, chromium
        self.server: KioskServer | None = None
        self.contexts: list = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.server = KioskServer(self.ws, "127.0.0.1", self.port).start()  # the shipped seconds

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.server = None

    def tablet(self, viewport, code: str | None = None, init_script: str | None = None):
        """A page with the clock installed and paused (see the docstring); paired with `code`, on
        its idle screen."""
        context = self.chromium.new_context(viewport=viewport, locale="vi-VN")
        self.contexts.append(context)
        now = datetime.now()
        context.clock.install(time=now)
        context.clock.pause_at(now + timedelta(seconds=1))
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        if code is not None:
            page.goto(f"{self.url}?code={code}")
            page.wait_for_selector("#idle:not([hidden])")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        if self.server is not None:
            self.stop()


def _run_clock(page, seconds: float) -> None:
    page.clock.run_for(round(seconds * 1000))


def _thanked(page) -> None:
    """The thank-you screen, kept for the shipped seconds, then idle again."""
    page.wait_for_selector("#thanks:not([hidden])")
    _run_clock(page, THANKS_SECONDS)
    page.wait_for_selector("#idle:not([hidden])")


def _counter_rows(ws) -> list[tuple]:
    if not ws.responses_file.exists():
        return []
    with sqlite3.connect(ws.responses_file) as db:
        return db.execute("SELECT key, answers, officer_id FROM responses JOIN coded USING (id)"
                          " WHERE channel = 'quầy' ORDER BY responses.id").fetchall()


@pytest.fixture
def office(chromium, example_dir):
    office = Office(load_workspace(example_dir, check_photos=False), chromium)
    office.start()
    yield office
    office.close()


@pytest.fixture
def counter(office):
    device, code = manage.pair(office.ws, "hoa-thanh", "Quầy 3", "can-bo-3", "intake", "Hộ tịch")
    pins = manage.new_pins(office.ws, "hoa-thanh", ())
    return office.ws, device, code, pins


def _rate(page, choices: list[str], receipt: str = "") -> None:
    """From the idle screen: a receipt (typed), then one tap per criterion, then send."""
    if receipt:
        page.fill("#receipt", receipt)
    page.click("#start")
    for i, label in enumerate(choices):
        page.locator(".question").nth(i).get_by_role("button", name=label, exact=True).click()
    page.click("#send")


def _wait(condition, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _wait_sent(page) -> None:
    """Until the tablet's queue is empty: the PC has acknowledged every rating."""
    _wait(lambda: page.evaluate("localStorage.getItem('formkit.kiosk.queue')") == "[]")


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["portrait", "landscape"])
def test_pair_rate_and_return_to_idle(office, counter, viewport, tmp_path):
    ws, device, code, pins = counter
    page = office.tablet(viewport)
    page.goto(office.url)
    page.fill("#pair-code", "000000" if code != "000000" else "111111")
    page.click("#pair-form button")
    page.wait_for_selector("text=Mã ghép nối không đúng")
    page.fill("#pair-code", code)
    page.click("#pair-form button")
    page.wait_for_selector("#idle:not([hidden])")
    assert "Quầy 3" in page.inner_text("#idle")

    # Staff set who is serving with the officer's PIN; a wrong PIN changes nothing.
    page.click("#staff-button")
    page.fill("#pin", "999999" if pins["tran-van-minh"] != "999999" else "888888")
    page.click("#pin-form button[type=submit]")
    page.wait_for_selector("text=Mã PIN không đúng")
    page.fill("#pin", pins["tran-van-minh"])
    page.click("#pin-form button[type=submit]")
    page.wait_for_selector("#idle:not([hidden])")
    officer = ws.commune("hoa-thanh").officer("tran-van-minh")
    assert page.inner_text("#officer-name") == officer.name
    assert no_horizontal_scroll(page)
    shots = [tmp_path]
    if os.environ.get("FORMKIT_UPDATE_SCREENSHOTS") and viewport is TABLET_LANDSCAPE:
        shots.append(DOCS)
    for folder in shots:
        page.screenshot(path=str(folder / "kiosk-idle.png"))

    page.click("#start")
    page.locator(".question").nth(0).get_by_role("button", name="Tốt", exact=True).click()
    assert no_horizontal_scroll(page)
    for folder in shots:
        page.screenshot(path=str(folder / "kiosk-rating.png"))
    page.locator(".question").nth(1).get_by_role("button", name="Dễ hiểu", exact=True).click()
    page.locator(".question").nth(2).get_by_role("button", name="Tốt", exact=True).click()
    page.click("#send")
    page.wait_for_selector("#thanks:not([hidden])")
    for folder in shots:
        page.screenshot(path=str(folder / "kiosk-thanks.png"))
    _wait(lambda: len(_counter_rows(ws)) == 1)
    _run_clock(page, THANKS_SECONDS - 0.5)
    assert page.is_visible("#thanks")
    _run_clock(page, 0.5)
    page.wait_for_selector("#idle:not([hidden])")

    # A partial rating left alone goes back to idle after the idle seconds, and is never sent.
    page.click("#start")
    page.locator(".question").nth(0).get_by_role("button", name="Kém", exact=True).click()
    _run_clock(page, IDLE_SECONDS - 1)
    assert page.is_visible("#rate")
    _run_clock(page, 1)
    page.wait_for_selector("#idle:not([hidden])")

    # A low rating asks the follow-up question.
    _rate(page, ["Kém", "Khó hiểu", "Bình thường"])
    page.wait_for_selector("#followup:not([hidden])")
    page.fill("#comment", "Chờ lâu quá")
    page.click("#followup-send")
    page.wait_for_selector("#thanks:not([hidden])")
    _wait(lambda: len(_counter_rows(ws)) == 2)
    # The tablet empties its queue once the PC acknowledges; the partial rating was never in it.
    _wait_sent(page)
    rows = _counter_rows(ws)
    assert len(rows) == 2
    assert all(officer_id == "tran-van-minh" for _, _, officer_id in rows)
    assert "Chờ lâu quá" in rows[1][1] and "Hộ tịch" in rows[1][1]
    # Nothing of the citizen stays on the tablet once the PC has the rating.
    kept = page.evaluate("Object.fromEntries(Object.entries(localStorage))")
    assert sorted(kept) == ["formkit.kiosk.config", "formkit.kiosk.queue", "formkit.kiosk.token"]
    assert kept["formkit.kiosk.queue"] == "[]" and "Chờ lâu quá" not in str(kept)


def test_repeated_taps_and_receipts_count_once(office, counter):
    ws, device, code, pins = counter
    page = office.tablet(TABLET_PORTRAIT, code)
    # A barcode scanner types the receipt number and Enter, with nothing focused.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.type("000.12.34.H56-241007-0012")
    page.keyboard.press("Enter")
    assert page.input_value("#receipt") == "000.12.34.H56-241007-0012"
    page.click("#start")
    assert "000.12.34.H56-241007-0012" in page.inner_text("#rate-receipt")
    first = page.locator(".question").nth(0)
    # "Tốt" then "Kém" at once (one script, no waiting between the taps): the second is a bounce, ignored.
    page.evaluate("""() => {
        const buttons = [...document.querySelectorAll('.question')[0].querySelectorAll('.choice')];
        buttons.find(b => b.textContent === 'Tốt').click();
        buttons.find(b => b.textContent === 'Kém').click();
    }""")
    assert first.get_by_role("button", name="Tốt", exact=True).get_attribute("aria-pressed") == "true"
    page.locator(".question").nth(1).get_by_role("button", name="Dễ hiểu", exact=True).click()
    page.locator(".question").nth(2).get_by_role("button", name="Tốt", exact=True).click()
    page.dblclick("#send")  # a double tap on "Gửi" is one rating
    page.mouse.click(400, 400)  # taps on the thank-you screen do nothing
    _thanked(page)
    # The same dossier rated again (another citizen, the same receipt): refused, counted once.
    _rate(page, ["Bình thường", "Bình thường", "Bình thường"], receipt="000.12.34.h56-241007-0012")
    _thanked(page)
    _wait_sent(page)
    rows = _counter_rows(ws)
    assert len(rows) == 1, rows
    assert rows[0][0] == "hoa-thanh|quầy|intake|000.12.34.H56-241007-0012"
    assert '"1.1": "Tốt"' in rows[0][1]


def test_office_pc_stopped_mid_session_every_rating_stored_once(office, counter):
    ws, device, code, pins = counter
    page = office.tablet(TABLET_LANDSCAPE, code)
    _rate(page, ["Tốt", "Dễ hiểu", "Tốt"])
    _thanked(page)
    _wait(lambda: len(_counter_rows(ws)) == 1)
    _wait_sent(page)  # acknowledged before the PC goes
    office.stop()

    # The PC is gone: the tablet keeps rating, and shows staff how many wait.
    for choices in (["Tốt", "Bình thường", "Tốt"], ["Bình thường", "Dễ hiểu", "Tốt"], ["Tốt", "Dễ hiểu", "Tốt"]):
        _rate(page, choices)
        _thanked(page)
    assert page.inner_text("#waiting") == "Chờ gửi: 3 đánh giá"
    # The tablet sleeps and wakes (the page hidden and shown), still offline: nothing is lost.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert len(page.evaluate("JSON.parse(localStorage.getItem('formkit.kiosk.queue'))")) == 3

    # Back: the queue goes by itself on the page's timer (no reload, no event), each rating once.
    office.start()
    _run_clock(page, RESEND_SECONDS)
    _wait(lambda: len(_counter_rows(ws)) == 4)
    page.wait_for_selector("text=Đã gửi hết")
    # A reload resends nothing twice: the tablet-made ids are already stored.
    queued = [{"id": "6f1c1c3e-8a51-4b51-9f0e-1d2a3b4c5d6e", "at": int(time.time() * 1000), "officer": None,
               "answers": {"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, "receipt": "", "comment": ""}]
    page.evaluate("q => localStorage.setItem('formkit.kiosk.queue', JSON.stringify(q))", queued + queued)
    page.reload()
    page.wait_for_selector("#idle:not([hidden])")
    _wait_sent(page)
    assert len(_counter_rows(ws)) == 5
    keys = [key for key, _, _ in _counter_rows(ws)]
    assert len(set(keys)) == 5


def test_a_revoked_tablet_is_refused(office, counter):
    ws, device, code, pins = counter
    page = office.tablet(TABLET_PORTRAIT, code)
    manage.revoke(ws, device.id)
    # A citizen rates meanwhile: refused (401), kept on the tablet, and after the thank-you screen
    # the tablet asks to be paired again.
    _rate(page, ["Tốt", "Dễ hiểu", "Tốt"])
    page.wait_for_selector("#thanks:not([hidden])")
    _run_clock(page, THANKS_SECONDS)
    page.wait_for_selector("#pair:not([hidden])")
    assert len(page.evaluate("JSON.parse(localStorage.getItem('formkit.kiosk.queue'))")) == 1
    assert _counter_rows(ws) == []
    page.reload()
    page.wait_for_selector("#pair:not([hidden])")
    page.fill("#pair-code", code)  # a pairing code works once
    page.click("#pair-form button")
    page.wait_for_selector("text=Mã ghép nối không đúng")
    again, new_code = manage.pair(ws, "hoa-thanh", "Quầy 3", "can-bo-3", "intake", None)
    page.fill("#pair-code", new_code)
    page.click("#pair-form button")
    page.wait_for_selector("#idle:not([hidden])")
    _wait(lambda: len(_counter_rows(ws)) == 1)  # the kept rating, sent under the new pairing
    assert _counter_rows(ws)[0][0].startswith("hoa-thanh|quầy|")


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["portrait", "landscape"])
def test_the_six_return_criteria_fit_a_tablet_screen(office, viewport):
    ws = office.ws
    device, code = manage.pair(ws, "hoa-thanh", "Quầy 6", "tra-ket-qua-6", "return", "Chứng thực")
    page = office.tablet(viewport, code)
    page.fill("#receipt", "HS-0042")
    page.click("#start")
    assert page.locator(".question").count() == 6
    assert no_horizontal_scroll(page)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight"), "scrolls to reach Gửi"
    for i, label in enumerate(["Tốt", "Tốt", "Một lần", "Đã giải quyết xong", "Đúng hạn", "Hài lòng"]):
        page.locator(".question").nth(i).get_by_role("button", name=label, exact=True).click()
    page.click("#send")
    page.wait_for_selector("#thanks:not([hidden])")
    _wait(lambda: len(_counter_rows(ws)) == 1)
    key, answers, _officer = _counter_rows(ws)[0]
    assert key == "hoa-thanh|quầy|return|HS-0042"
    assert '"so-bien-nhan": "HS-0042"' in answers and '"linh-vuc": "Chứng thực"' in answers


def test_a_full_tablet_storage_keeps_the_ratings_in_memory_until_sent(office, counter):
    ws, device, code, pins = counter
    # The tablet's storage holds one queued rating at most (a full tablet, simulated).
    page = office.tablet(TABLET_PORTRAIT, code, init_script="""(() => {
        const set = Storage.prototype.setItem;
        Storage.prototype.setItem = function (key, value) {
            if (key === 'formkit.kiosk.queue' && JSON.parse(value).length > 1)
                throw new DOMException('full', 'QuotaExceededError');
            return set.call(this, key, value);
        };
    })()""")
    office.stop()
    for _ in range(3):
        _rate(page, ["Tốt", "Dễ hiểu", "Tốt"])
        _thanked(page)
    assert page.inner_text("#waiting").startswith("Chờ gửi: 3 đánh giá — bộ nhớ máy đầy, 2 chưa lưu được")
    office.start()
    _run_clock(page, RESEND_SECONDS)
    _wait(lambda: len(_counter_rows(ws)) == 3)
    page.wait_for_selector("text=Đã gửi hết")
    assert page.evaluate("localStorage.getItem('formkit.kiosk.queue')") == "[]"

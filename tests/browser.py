"""A real browser for the tests: Debian's Chromium, driven by Playwright.

Playwright cannot download its own browser here (only package registries are reachable), so it
drives the distribution's Chromium. The `chromium` fixture installs Debian's package when it is
missing and the tests run as root with apt-get (a fresh CI machine); elsewhere it fails with the
command to run — a browser test is never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("FORMKIT_TEST_CHROMIUM", "/usr/bin/chromium"))
# Headless, and nothing that reaches for the network this machine does not have.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# The sizes people use: a small Android phone, an iPhone, a 10" tablet either way up, a desktop.
PHONE = {"width": 360, "height": 740}
TABLET_PORTRAIT = {"width": 800, "height": 1280}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def ensure_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        import fcntl  # a fresh Debian machine: both test workers may get here at once

        with open(Path(tempfile.gettempdir()) / "formkit-tests-chromium.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not CHROMIUM.exists():
                env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
                subprocess.run([apt, "update", "-q"], check=True, env=env, capture_output=True)
                subprocess.run([apt, "install", "-y", "-q", "chromium"], check=True, env=env, capture_output=True)
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: `sudo apt-get install chromium` "
                    "(Debian/Ubuntu), or set FORMKIT_TEST_CHROMIUM to a Chromium binary")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session; each test opens its own context (no shared state)."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=ARGS, headless=True)
        yield browser
        browser.close()


def no_horizontal_scroll(page) -> bool:
    """True when nothing on the page is wider than the viewport (the reader never scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

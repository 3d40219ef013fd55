"""Shared fixtures. Every path a test touches is under a temporary folder (HOME and the config
folder included), and Google is the project's own local server over real HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from formkit import i18n
from formkit.cli import main


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in ("FORMKIT_GOOGLE_ENDPOINT", "FORMKIT_GOOGLE_TOKEN", "FORMKIT_CREDENTIALS",
                 "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    # Retries keep their schedule, scaled down from seconds to hundredths.
    monkeypatch.setenv("FORMKIT_RETRY_BASE", "0.01")
    # No accidental Application Default Credentials from the machine running the tests.
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(home / "gcloud"))
    # Tests that assert on text choose a language: the older ones read English (the source
    # strings); tests/test_i18n.py sets Vietnamese where it checks it.
    monkeypatch.setenv("LANGUAGE", "en")
    i18n.use("en")
    yield home
    i18n.use("en")


CLIENT_ID, CLIENT_SECRET = "123-test.apps.googleusercontent.com", "s3cret-client"


@pytest.fixture
def local_google(tmp_path_factory):
    """A fresh local server per test, started for tests (faults, call counts, back-dating): its
    forms, faults and call counts are this test's alone. Its OAuth endpoint serves CLIENT_ID."""
    from formkit.localserver import LocalGoogle

    server = LocalGoogle(tmp_path_factory.mktemp("google") / "google.sqlite", testing=True,
                         clients={CLIENT_ID: CLIENT_SECRET}).start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(local_google, monkeypatch):
    """Send this test's Google traffic to its local server, with its API token (what
    `formkit serve --show-token` gives another machine)."""
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", local_google.base_url)
    monkeypatch.setenv("FORMKIT_GOOGLE_TOKEN", local_google.token)
    return local_google.base_url


def bearer(token: str | None = None) -> dict[str, str]:
    """The Authorization header for the local server (default: this test's FORMKIT_GOOGLE_TOKEN)."""
    import os

    return {"Authorization": f"Bearer {token or os.environ['FORMKIT_GOOGLE_TOKEN']}"}


def credentials(token: str | None = None):
    """A real google-auth credential carrying the local server's token, as formkit builds one."""
    import os

    from google.oauth2.credentials import Credentials

    return Credentials(token or os.environ["FORMKIT_GOOGLE_TOKEN"])


@pytest.fixture
def example_dir(tmp_path) -> Path:
    from formkit.workspace.example import write_example_workspace

    root = tmp_path / "ws"
    write_example_workspace(root)
    return root


@dataclass
class Result:
    exit_code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


@pytest.fixture
def formkit(capsys):
    """Run the CLI in-process exactly as the console script does: formkit("create", "-w", dir)."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def server_calls(base_url: str) -> dict[str, int]:
    import requests

    return requests.get(f"{base_url}/formkit/v1/calls", timeout=5, headers=bearer()).json()


def add_fault(base_url: str, **fault) -> None:
    import requests

    fault.setdefault("count", 1)
    response = requests.post(f"{base_url}/formkit/v1/faults", json=fault, timeout=5, headers=bearer())
    response.raise_for_status()


@pytest.fixture
def published_workspace(example_dir, endpoint, formkit):
    """The example workspace with every commune's form created, published and linked on the
    local server. Returns (workspace, state, base_url)."""
    from formkit.forms.state import State
    from formkit.workspace.config import load_workspace

    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0, result.output
    result = formkit("link", "-w", example_dir)
    assert result.exit_code == 0, result.output
    ws = load_workspace(example_dir)
    return ws, State.load(ws.state_file), endpoint


# The real browser (Debian Chromium via Playwright) for the page tests: tests/browser.py.
from browser import chromium  # noqa: E402,F401

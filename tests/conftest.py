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
    for name in ("FORMKIT_GOOGLE_ENDPOINT", "FORMKIT_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"):
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


@pytest.fixture
def local_google(tmp_path_factory):
    """A fresh local server per test: its forms, faults and call counts are this test's alone."""
    from formkit.localserver import LocalGoogle

    server = LocalGoogle(tmp_path_factory.mktemp("google") / "google.sqlite").start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(local_google, monkeypatch):
    """Send this test's Google traffic to its local server."""
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", local_google.base_url)
    return local_google.base_url


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

    return requests.get(f"{base_url}/formkit/v1/calls", timeout=5).json()


def add_fault(base_url: str, **fault) -> None:
    import requests

    fault.setdefault("count", 1)
    response = requests.post(f"{base_url}/formkit/v1/faults", json=fault, timeout=5)
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

"""Shared fixtures. Every path a test touches is under a temporary folder (HOME and the config
folder included), and Google is the project's own local server over real HTTP."""

from __future__ import annotations

import filecmp
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from formkit import i18n
from formkit.cli import main


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """The environment every formkit run in the tests sees (a test's, or a session snapshot's)."""
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in ("FORMKIT_GOOGLE_ENDPOINT", "FORMKIT_GOOGLE_TOKEN", "FORMKIT_CREDENTIALS",
                 "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    # Retries keep their schedule, scaled down from seconds to hundredths: formkit's, and
    # google-auth's own when a token endpoint fails (1 s, then 2 s, before it gives up).
    monkeypatch.setenv("FORMKIT_RETRY_BASE", "0.01")
    scale_google_auth_backoff(monkeypatch)
    # No accidental Application Default Credentials from the machine running the tests.
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(home / "gcloud"))
    # Tests that assert on text choose a language: the older ones read English (the source
    # strings); tests/test_i18n.py sets Vietnamese where it checks it.
    monkeypatch.setenv("LANGUAGE", "en")
    i18n.use("en")


def scale_google_auth_backoff(monkeypatch: pytest.MonkeyPatch, first_wait: float = 0.01) -> None:
    from google.auth import _exponential_backoff as backoff

    original = backoff.ExponentialBackoff.__init__

    def scaled(self, *args, **kwargs):
        if len(args) < 2:  # total_attempts, initial_wait_seconds: the caller left the wait to the default
            kwargs.setdefault("initial_wait_seconds", first_wait)
        original(self, *args, **kwargs)

    monkeypatch.setattr(backoff.ExponentialBackoff, "__init__", scaled)


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    isolate(monkeypatch, home)
    yield home
    i18n.use("en")


@pytest.fixture(autouse=True)
def simulated_windows(monkeypatch):
    """FORMKIT_SIMULATE_WINDOWS=1 (.ci/run): every test meets Windows' limits (tests/winsim.py)."""
    from winsim import ACTIVE, simulate

    if ACTIVE:
        simulate(monkeypatch)


CLIENT_ID, CLIENT_SECRET = "123-test.apps.googleusercontent.com", "s3cret-client"


@pytest.fixture
def local_google(request, tmp_path_factory):
    """A fresh local server per test, started for tests (faults, call counts, back-dating): its
    forms, faults and call counts are this test's alone. Its OAuth endpoint serves CLIENT_ID.
    For a test that asks for a workspace with forms (SNAPSHOTS), its database starts as a copy of
    the one those forms were made on once this session; otherwise it starts empty."""
    from formkit.localserver import LocalGoogle

    database = tmp_path_factory.mktemp("google") / "google.sqlite"
    wanted = [name for name in SNAPSHOTS if name in request.fixturenames]
    if wanted:  # the most advanced one: published (create, link) includes created (create)
        shutil.copyfile(request.getfixturevalue(SNAPSHOTS[wanted[-1]]).database, database)
    server = LocalGoogle(database, testing=True, clients={CLIENT_ID: CLIENT_SECRET}).start()
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


@pytest.fixture(scope="session")
def example_snapshot(tmp_path_factory) -> Path:
    """`formkit init`'s example workspace, written once a session (its photos take a while)."""
    from formkit.workspace.example import write_example_workspace

    root = tmp_path_factory.mktemp("example") / "ws"
    write_example_workspace(root)
    return root


@pytest.fixture
def example_dir(tmp_path, example_snapshot) -> Path:
    """This test's own copy of the example workspace, in tmp_path / "ws"."""
    root = tmp_path / "ws"
    shutil.copytree(example_snapshot, root)
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


@dataclass
class Snapshot:
    """A workspace and the local server's database after real formkit commands, made once a
    session; each test gets copies (local_google, then the fixture named in SNAPSHOTS)."""
    workspace: Path
    database: Path
    base_url: str  # of the server the commands ran against: the state names it
    files: list[Path]  # relative to the workspace: what the commands wrote or changed


def make_snapshot(tmp_path_factory, example: Path, *commands: str) -> Snapshot:
    """Run `formkit <command> -w <copy of the example>` for each command, over HTTP through the
    real client libraries against a local server of its own, then keep the database and files."""
    from formkit.localserver import LocalGoogle

    folder = tmp_path_factory.mktemp("snapshot")
    root = folder / "ws"
    shutil.copytree(example, root)
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, folder / "home")
        with LocalGoogle(folder / "google" / "google.sqlite", testing=True).start() as server:
            monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", server.base_url)
            monkeypatch.setenv("FORMKIT_GOOGLE_TOKEN", server.token)
            for command in commands:
                assert main([command, "-w", str(root)]) == 0, command
            base_url = server.base_url
    i18n.use("en")
    database = folder / "google.sqlite"  # one self-contained file (no -wal beside it)
    with closing(sqlite3.connect(folder / "google" / "google.sqlite")) as source, \
            closing(sqlite3.connect(database)) as copy:
        source.backup(copy)

    def changed(path: Path) -> bool:
        before = example / path.relative_to(root)
        return not before.is_file() or not filecmp.cmp(path, before, shallow=False)

    files = [path.relative_to(root) for path in sorted(root.rglob("*")) if path.is_file() and changed(path)]
    return Snapshot(root, database, base_url, files)


def from_snapshot(snapshot: Snapshot, root: Path, base_url: str) -> None:
    """Put the snapshot's files into the workspace at root, naming the server at base_url where
    they named the snapshot's (the only difference a run against this test's server makes)."""
    for relative in snapshot.files:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(snapshot.workspace / relative, target)
        data = target.read_bytes()
        if snapshot.base_url.encode() in data:
            target.write_bytes(data.replace(snapshot.base_url.encode(), base_url.encode()))


@pytest.fixture(scope="session")
def published_snapshot(tmp_path_factory, example_snapshot) -> Snapshot:
    return make_snapshot(tmp_path_factory, example_snapshot, "create", "link")


@pytest.fixture(scope="session")
def created_snapshot(tmp_path_factory, example_snapshot) -> Snapshot:
    return make_snapshot(tmp_path_factory, example_snapshot, "create")


# Workspace fixture -> the session snapshot its test's local server and workspace start from,
# least advanced first.
SNAPSHOTS = {"created_workspace": "created_snapshot", "published_workspace": "published_snapshot"}


def workspace_from(snapshot: Snapshot, example_dir: Path, endpoint: str):
    from formkit.forms.state import State
    from formkit.workspace.config import load_workspace

    from_snapshot(snapshot, example_dir, endpoint)
    ws = load_workspace(example_dir)
    return ws, State.load(ws.state_file), endpoint


@pytest.fixture
def created_workspace(example_dir, endpoint, created_snapshot):
    """Forms created and published, not linked (`formkit create`): pull reads them through the
    Forms API. Returns (workspace, state, base_url)."""
    return workspace_from(created_snapshot, example_dir, endpoint)


@pytest.fixture
def published_workspace(example_dir, endpoint, published_snapshot):
    """The example workspace with every commune's form created, published and linked on the
    local server (`formkit create`, `formkit link`). Returns (workspace, state, base_url)."""
    return workspace_from(published_snapshot, example_dir, endpoint)


@pytest.fixture
def short_busy_wait(monkeypatch) -> float:
    """formkit waits a twentieth of a second, not BUSY_WAIT, for a database another connection holds
    (name it before a fixture that opens one, such as test_kiosk.py's `served`)."""
    from formkit.responses import store

    monkeypatch.setattr(store, "BUSY_WAIT", 0.05)
    return store.BUSY_WAIT


# The real browser (Debian Chromium via Playwright) for the page tests: tests/browser.py.
from browser import chromium  # noqa: E402,F401


def pytest_xdist_auto_num_workers(config):
    """pyproject's `-n auto`: two workers for the suite or a folder of it (measured on two cores:
    benchmarks/suite.py); one process when test files or tests are named, where starting workers
    costs more than they save. PYTEST_XDIST_AUTO_NUM_WORKERS still decides when it is set."""
    import os

    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    named = [arg for arg in config.args if not (config.invocation_params.dir / arg.split("::")[0]).is_dir()]
    return 0 if named or (os.cpu_count() or 1) < 2 else 2


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """A test in the browser is end to end (slow). The counter tablet's tests are one xdist_group
    and the other pages another, so the two workers share the browser time (about 15 s and 10 s);
    each worker starts one Chromium (tests/browser.py installs it once, under a lock, on a fresh
    machine)."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            group = "browser-kiosk" if item.path.name == "test_browser_kiosk.py" else "browser"
            item.add_marker(pytest.mark.xdist_group(group))

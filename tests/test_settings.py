"""Settings are read from the environment in one module (formkit/settings.py), resolved once per
run at the CLI edge and passed down; the old variable names keep working."""

from __future__ import annotations

import re
from pathlib import Path

from formkit import settings
from formkit.settings import Settings

FORMKIT = Path(__file__).resolve().parent.parent / "formkit"
READS = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\b")


def test_the_environment_is_read_in_one_module():
    readers = sorted(str(path.relative_to(FORMKIT)) for path in FORMKIT.rglob("*.py")
                     if READS.search(path.read_text(encoding="utf-8")))
    assert readers == ["settings.py"], readers


def test_every_variable_keeps_its_name():
    environ = {"FORMKIT_GOOGLE_ENDPOINT": " http://127.0.0.1:8765 ", "FORMKIT_GOOGLE_TOKEN": "t0k",
               "FORMKIT_CREDENTIALS": "creds.json", "FORMKIT_RETRY_BASE": "0.01", "FORMKIT_LOCK_WAIT": "3",
               "FORMKIT_SERVER_LOG": "1", "XDG_CONFIG_HOME": "/cfg", "APPDATA": r"C:\Users\an\AppData\Roaming",
               "LANG": "en_US.UTF-8", "PYTHONIOENCODING": "cp1258"}
    posix = Settings.from_environment(environ, windows=False)
    assert (posix.google_endpoint, posix.google_token, posix.credentials, posix.retry_base, posix.lock_wait,
            posix.server_log, posix.config_home, posix.io_encoding) == (
        "http://127.0.0.1:8765", "t0k", Path("creds.json"), "0.01", "3", True, Path("/cfg"), "cp1258")
    assert posix.locale == ("", "", "", "en_US.UTF-8")
    assert Settings.from_environment(environ, windows=True).config_home == Path(environ["APPDATA"])
    assert Settings.from_environment({}, windows=False).server_log is False


def test_the_demo_and_the_cli_change_settings_not_the_environment(monkeypatch):
    from formkit.google.backend import current

    monkeypatch.delenv("FORMKIT_GOOGLE_ENDPOINT", raising=False)
    assert current().endpoint is None
    with settings.use(settings.current().with_endpoint("http://127.0.0.1:9", "test")):
        assert current().endpoint == "http://127.0.0.1:9"
    assert current().endpoint is None


def test_instructions_for_a_variable_suit_the_shell():
    assert settings.set_variable("FORMKIT_GOOGLE_ENDPOINT", "http://x:1", windows=False) == [
        "export FORMKIT_GOOGLE_ENDPOINT=http://x:1"]
    assert settings.set_variable("FORMKIT_GOOGLE_ENDPOINT", "http://x:1", windows=True) == [
        'PowerShell:  $env:FORMKIT_GOOGLE_ENDPOINT = "http://x:1"', "cmd.exe:     set FORMKIT_GOOGLE_ENDPOINT=http://x:1"]


def test_a_duration_that_is_not_a_number_is_named_not_an_internal_error(example_dir, endpoint, formkit, monkeypatch):
    for variable, value in (("FORMKIT_LOCK_WAIT", "ten"), ("FORMKIT_RETRY_BASE", "nan")):
        monkeypatch.setenv(variable, value)
        result = formkit("create", "-w", example_dir)
        assert result.exit_code == 2, result.output
        assert f"{variable}='{value}' must be a number of seconds" in result.err, result.err
        monkeypatch.delenv(variable)

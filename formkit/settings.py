"""Everything formkit takes from the environment, read here and nowhere else
(tests/test_settings.py greps for it).

The CLI resolves a `Settings` once per run (main(): the environment; then the workspace, for the
endpoint a running `formkit serve` recorded there) and installs it for the run; library code asks
`current()`. Library callers without the CLI (tests, scripts) get the environment as it is now.
`formkit demo` runs its pipeline inside `use(...)` with its own backend instead of changing the
process's environment.

This module is the lowest layer: it imports nothing of formkit, and parses nothing it would have
to explain; the values are checked, with messages, where they are used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

ENDPOINT_VARIABLE = "FORMKIT_GOOGLE_ENDPOINT"  # send Google traffic to a local backend
TOKEN_VARIABLE = "FORMKIT_GOOGLE_TOKEN"  # that backend's API token, for another machine
CREDENTIALS_VARIABLE = "FORMKIT_CREDENTIALS"  # the OAuth client or service-account file
RETRY_BASE_VARIABLE = "FORMKIT_RETRY_BASE"  # seconds; scales the whole retry schedule
LOCK_WAIT_VARIABLE = "FORMKIT_LOCK_WAIT"  # seconds a second run waits for the workspace lock
SERVER_LOG_VARIABLE = "FORMKIT_SERVER_LOG"  # the local backend logs every request
SMTP_PASSWORD_VARIABLE = "FORMKIT_SMTP_PASSWORD"  # the digest's mail server password ([digest] user)
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
WINDOWS = os.name == "nt"  # instructions for PowerShell and cmd.exe, tokens under %APPDATA%


@dataclass(frozen=True)
class Settings:
    google_endpoint: str = ""  # as given: transport.endpoint_override() checks it
    google_token: str = ""
    credentials: Path | None = None
    retry_base: str = ""
    lock_wait: str = ""
    server_log: bool = False
    config_home: Path = Path.home() / ".config"  # where the Google sign-in tokens are kept
    locale: tuple[str, ...] = ()  # LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as set
    io_encoding: str = ""  # PYTHONIOENCODING: an output encoding the user chose
    endpoint_source: str = ENDPOINT_VARIABLE  # what set google_endpoint, for messages
    windows: bool = False
    smtp_password: str = field(default="", repr=False)  # never shown, not even in a traceback's repr

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, windows: bool | None = None) -> Settings:
        env = os.environ if environ is None else environ
        windows = WINDOWS if windows is None else windows
        if windows:
            config_home = Path(env.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        else:
            config_home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        credentials = env.get(CREDENTIALS_VARIABLE, "").strip()
        return cls(
            google_endpoint=env.get(ENDPOINT_VARIABLE, "").strip(),
            google_token=env.get(TOKEN_VARIABLE, "").strip(),
            credentials=Path(credentials) if credentials else None,
            retry_base=env.get(RETRY_BASE_VARIABLE, "").strip(),
            lock_wait=env.get(LOCK_WAIT_VARIABLE, "").strip(),
            server_log=env.get(SERVER_LOG_VARIABLE, "") not in ("", "0"),
            config_home=config_home,
            locale=tuple(env.get(name, "") for name in LANGUAGE_VARIABLES),
            io_encoding=env.get("PYTHONIOENCODING", ""),
            windows=windows,
            smtp_password=env.get(SMTP_PASSWORD_VARIABLE, ""),
        )

    def with_endpoint(self, endpoint: str, source: str, token: str | None = None) -> Settings:
        return replace(self, google_endpoint=endpoint, endpoint_source=source,
                       google_token=self.google_token if token is None else token)


_installed: list[Settings] = []  # a stack: the innermost use() wins, in every thread


def current() -> Settings:
    """The settings of this run, or the environment's as it is now."""
    return _installed[-1] if _installed else Settings.from_environment()


@contextmanager
def use(settings: Settings) -> Iterator[Settings]:
    depth = len(_installed)
    _installed.append(settings)
    try:
        yield settings
    finally:
        del _installed[depth:]


def refine(settings: Settings) -> None:
    """Replace the innermost settings (the CLI, once it has read the workspace)."""
    if _installed:
        _installed[-1] = settings


def set_variable(name: str, value: str, windows: bool | None = None) -> list[str]:
    """How to set an environment variable in the user's shells (PowerShell and cmd.exe on Windows)."""
    if current().windows if windows is None else windows:
        return [f'PowerShell:  $env:{name} = "{value}"', f"cmd.exe:     set {name}={value}"]
    return [f"export {name}={value}"]


@contextmanager
def language_variable(lang: str) -> Iterator[None]:
    """LANGUAGE set to `lang` for the duration: Click translates its own strings through the
    standard library's gettext, which reads only the environment."""
    saved = os.environ.get("LANGUAGE")
    os.environ["LANGUAGE"] = lang
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = saved

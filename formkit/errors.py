"""The one error hierarchy. The CLI catches FormkitError once and exits with its exit_code.

Exit codes (documented in the README):
  0  success
  1  a remote or runtime failure (Google refused, network gone, quota exhausted after retries);
     a workspace or a database another formkit command holds (BusyError, StoreBusyError): run again
  2  bad usage, configuration, template, input data or credentials, or a damaged state file
     (DamagedFileError: forms.json, its journal, ballots.json, paper-scans.json, responses.sqlite,
     kiosk.sqlite, digest.json, a follow-up export formkit would write again); an address or port
     `serve` or `kiosk` cannot listen on
  3  nothing to report: `formkit report` found no answers in the period asked for (the files are
     still written and say so); the terminal says what the store holds and which period was meant.
     Before any pull (no store) nothing is written at all
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .i18n import _, ngettext

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2
EXIT_EMPTY = 3


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: which file, where in it, and what."""

    file: str
    place: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.place}" if self.place else self.file
        return f"{where}: {self.message}"


class FormkitError(Exception):
    exit_code = EXIT_RUNTIME


class InputError(FormkitError):
    """Bad configuration, template, roster, photo or response data: every problem at once."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[Problem] | Problem, headline: str = "") -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        n = len(self.problems)
        self.headline = headline or ngettext("{n} problem in the input", "{n} problems in the input", n).format(n=n)
        super().__init__(self.headline + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class DamagedFileError(InputError):
    """A file formkit wrote (state/forms.json, its journal, ballots.json, paper-scans.json, the
    response store) is not what formkit writes. One kind of damage, one exit code (2): a person
    must restore it or move it aside; running the command again would only fail again."""

    def __init__(self, path: str | os.PathLike[str], place: str, what: str, advice: str = "") -> None:
        advice = advice or _("the file is damaged: restore it from a backup or move it aside")
        self.path = str(path)
        super().__init__(Problem(self.path, place, f"{what}; {advice}"),
                         _("{path} is damaged").format(path=self.path))


class UsageError(FormkitError):
    exit_code = EXIT_USAGE


def seconds(value: str, variable: str, default: float) -> float:
    """A duration from an environment variable (settings.py), or a UsageError naming it."""
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise UsageError(_("{variable}={value!r} must be a number of seconds, such as 10").format(
            variable=variable, value=value))
    return number


class CredentialsError(FormkitError):
    """No usable Google credential: explained in one paragraph, never with the secret."""

    exit_code = EXIT_USAGE


class RemoteError(FormkitError):
    """Google (or the local backend) failed after retries, or answered something unusable."""

    exit_code = EXIT_RUNTIME


class BusyError(FormkitError):
    """Another formkit run holds the workspace lock (workspace/lock.py)."""

    exit_code = EXIT_RUNTIME


class StoreBusyError(FormkitError):
    """A database formkit keeps (state/responses.sqlite, state/kiosk.sqlite) stayed locked by another
    connection for as long as formkit waits (responses/store.py BUSY_WAIT). Not damage: the file is
    whole, and the command's last transaction was rolled back, so running it again finishes the job."""

    exit_code = EXIT_RUNTIME

    def __init__(self, path: str | os.PathLike[str], waited: float) -> None:
        self.path = str(path)
        super().__init__(_(
            "{path} is busy: another formkit command is using it (`formkit kiosk` storing counter ratings, "
            "`pull`, `retention`, `followup import`…), or another program holds the file open (a database "
            "browser?); formkit waited {wait:g} s. Nothing was lost and nothing is half-written: run this "
            "command again when the other has finished.").format(path=self.path, wait=waited))


class StateError(FormkitError):
    """The workspace state disagrees with what a command needs (a form lacks a question a poster
    prints), or a file could not be written (a full disk). A damaged state file is a DamagedFileError."""

    exit_code = EXIT_RUNTIME


class Problems:
    """Collects problems so validation can report all of them at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str | os.PathLike[str], place: str, message: str) -> None:
        self.items.append(Problem(str(file), place, message))

    def extend(self, other: Problems | list[Problem]) -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, headline: str = "") -> None:
        if self.items:
            raise InputError(self.items, headline)

"""Atomic file writes: a crash leaves either the old file or the new one, never half of each."""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .i18n import _


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    atomic_write_chunks(path, [data], mode)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes | str], mode: int | None = None) -> None:
    """Bytes or text (UTF-8) written piece by piece (a large document is never held whole), synced,
    then swapped in."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            _set_mode(fd, tmp, mode)
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is None:  # a failed write names no file: say which one (a full disk, say)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _set_mode(fd: int, path: str, mode: int) -> None:
    """The file's permission bits, before anything is written into it. Windows Python has no
    os.fchmod before 3.13; its os.chmod keeps only the read-only bit, and a file under the user's
    profile is the user's alone by inheritance."""
    fchmod = getattr(os, "fchmod", None)
    if fchmod is not None:
        fchmod(fd, mode)
    else:
        os.chmod(path, mode)


def owner_only(path: Path) -> Path:
    """Make sure `path` exists and only its owner can read or write it (0600), before anything
    private is written into it; SQLite gives its journal files the database's mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    return path


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def atomic_write_json(path: Path, value: Any, mode: int | None = None) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    atomic_write_text(path, text, mode)


def read_versioned_json(path: Path, version: int) -> dict[str, Any]:
    """A JSON state file formkit wrote as {"format": <version>, ...}: the object, or a
    DamagedFileError naming the file and the place where it goes wrong (so someone can restore it
    or move it aside). The one loader of the state files (forms.json, ballots.json, paper-scans.json)."""
    from .errors import DamagedFileError

    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DamagedFileError(path, _("byte {n}").format(n=exc.start), _("not UTF-8 text")) from None
    except json.JSONDecodeError as exc:
        raise DamagedFileError(path, _("line {line}, column {column}").format(line=exc.lineno, column=exc.colno),
                               exc.msg) from None
    if not isinstance(raw, dict):
        raise DamagedFileError(path, "", _("not a JSON object"))
    if raw.get("format") != version:
        raise DamagedFileError(path, "format", _("format {format!r} is not {version} (written by another version "
                                                 "of formkit?)").format(format=raw.get("format"), version=version))
    return raw


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML data file (workspace, template, layout), every text NFC; a file that cannot be read
    is an InputError naming it (and the line, for TOML syntax: tomlsyntax.py)."""
    from .errors import InputError, Problem
    from .tomlsyntax import parse

    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # Notepad before Windows 10 1903 saved "ANSI" (cp1258, cp1252)
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(Problem(str(path), _("line {line}").format(line=line), _(
            "not UTF-8 text ({reason}); in Notepad choose File → Save as, Encoding: UTF-8").format(
                reason=exc.reason))) from exc
    return _nfc_all(parse(text, str(path)))


def nfc(text: str) -> str:
    """Text in Unicode NFC, the one form formkit keeps and compares (an editor or macOS may hand
    over NFD, the same letters spelled with combining marks)."""
    return unicodedata.normalize("NFC", text)


def same_name_on_disk(path: Path) -> Path:
    """`path`, or the file beside it whose name is the same letters in another normal form: a
    photo copied from a Mac keeps its NFD name ("Trần" as T-r-a-combining marks), which neither
    Windows nor Linux treats as the NFC name formkit.toml holds."""
    if path.exists():
        return path
    try:
        wanted = nfc(path.name)
        return next((entry for entry in path.parent.iterdir() if nfc(entry.name) == wanted), path)
    except OSError:
        return path


def _nfc_all(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value).strip("\n")
    if isinstance(value, list):
        return [_nfc_all(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): _nfc_all(v) for k, v in value.items()}
    return value

"""Writing a report in the formats asked for, as one set.

Every file is written into a temporary folder beside the outputs first; only when all of them are
complete are they moved into place (renames on one file system), the JSON last. The JSON names
the response count and the SHA-256 of each sibling it was written with, so anyone can check that
the PDF, DOCX, XLSX and CSV files in a folder belong to it. A failure while writing (a full disk, a
kill) leaves the previous set as it was; a folder left over by a kill is removed by the next run,
after putting back any previous file a kill left aside. A previous file that cannot be moved (on
Windows, one open in Excel or Word) stops the run before anything is replaced, naming it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import StateError, UsageError
from ..i18n import _
from .model import Report

PARTIAL = ".partial-"  # temporary folders: .partial-<stem>.<random>


def _pdf(report: Report, folder: Path) -> list[Path]:
    from .pdf_out import write_pdf
    return [write_pdf(report, folder)]


def _docx(report: Report, folder: Path) -> list[Path]:
    from .docx_out import write_docx
    return [write_docx(report, folder)]


def _xlsx(report: Report, folder: Path) -> list[Path]:
    from .xlsx_out import write_xlsx
    return [write_xlsx(report, folder)]


def _csv(report: Report, folder: Path) -> list[Path]:
    from .csv_out import write_csv
    return write_csv(report, folder)


def _html(report: Report, folder: Path) -> list[Path]:
    from .html_out import write_html
    return [write_html(report, folder)]


# One writer per format, in the order they are written (each imported only when asked for). The
# JSON is not here: it is written last, naming the others' checksums.
WRITERS: dict[str, Callable[[Report, Path], list[Path]]] = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "csv": _csv,
                                                           "html": _html}
FORMATS = (*WRITERS, "json")


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """"pdf,xlsx" (or a sequence of names) -> ("pdf", "xlsx"); the one check of the formats asked
    for, for the command line and the library alike."""
    chosen = tuple(f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)
                   if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(_("--format: unknown {formats} (choose from {known})").format(
            formats=", ".join(unknown) or _("nothing chosen"), known=", ".join(FORMATS)))
    return chosen


def write_report(report: Report, formats: str | Iterable[str] = FORMATS, out_dir: Path | None = None) -> list[Path]:
    """Write the report; returns every file written (CSV: one per table, and one follow-up list per commune)."""
    formats = parse_formats(formats)
    if out_dir is None:
        raise UsageError(_("write_report needs out_dir (formkit report uses <workspace>/output/reports)"))
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(out_dir, report.stem)
        staging = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{report.stem}.", dir=out_dir))
    except OSError as exc:
        raise _write_error(out_dir, exc) from exc
    try:
        written = _write_all(report, formats, staging)
        return _move_into_place(staging, out_dir, written, report.stem)
    except OSError as exc:
        raise _write_error(out_dir, exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_all(report: Report, formats: tuple[str, ...], folder: Path) -> list[Path]:
    paths: list[Path] = []
    for name, write in WRITERS.items():
        if name in formats:
            paths += write(report, folder)
    if "json" in formats:  # last: it names the others' checksums
        from .json_out import write_json
        paths.append(write_json(report, folder, {p.relative_to(folder).as_posix(): sha256(p) for p in paths}))
    return paths


def _move_into_place(staging: Path, out_dir: Path, written: list[Path], stem: str) -> list[Path]:
    """The previous files step aside first, then the new ones (folders, the CSV tables, whole) take
    their places, the JSON last. A previous file that cannot be moved (open in Excel or Word on
    Windows) stops the run before anything is replaced, with every file put back."""
    entries = sorted(staging.iterdir(), key=lambda p: p.suffix == ".json")  # the JSON last
    aside = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{stem}.old-", dir=out_dir))
    moved: list[str] = []
    try:
        for entry in entries:
            target = out_dir / entry.name
            if target.exists():
                _step_aside(target, aside / entry.name)
                moved.append(entry.name)
        for entry in entries:
            os.replace(entry, out_dir / entry.name)
    except BaseException:
        _put_back(aside, out_dir, moved, staging)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    _fsync_dir(out_dir)
    return [out_dir / p.relative_to(staging) for p in written]


def _step_aside(target: Path, aside: Path) -> None:
    try:
        os.replace(target, aside)
    except PermissionError as exc:  # Windows: another program has it open
        raise HeldOpen(target) from exc


class HeldOpen(OSError):
    """A report file another program holds open, so it cannot be replaced."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.EACCES, "held open", str(path))
        self.path = path


def _put_back(aside: Path, out_dir: Path, moved: list[str], staging: Path) -> None:
    """Undo a move that failed part-way: the new files back into staging, the previous ones back."""
    for name in moved:
        target = out_dir / name
        if target.exists():
            os.replace(target, staging / f"{name}.new")
        os.replace(aside / name, target)
    shutil.rmtree(aside, ignore_errors=True)


def _remove_leftovers(out_dir: Path, stem: str) -> None:
    """A kill while the files were moving left the previous ones aside: back where they were, if
    nothing took their place; then every leftover folder goes."""
    for leftover in out_dir.glob(f"{PARTIAL}{stem}.old-*"):
        for entry in leftover.iterdir():
            if not (out_dir / entry.name).exists():
                os.replace(entry, out_dir / entry.name)
    for leftover in out_dir.glob(f"{PARTIAL}{stem}.*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_error(out_dir: Path, exc: OSError) -> StateError:
    if isinstance(exc, HeldOpen):
        return StateError(_("cannot replace {file}: another program has it open (Excel or Word?), or it is read-only. "
                            "Close it and run the command again; the previous report files are unchanged.")
                          .format(file=exc.path))
    why = _("the disk is full") if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    return StateError(_("cannot write the report into {folder}: {why}. The previous report files there are "
                        "unchanged; free some space (or choose another folder with --out) and run the command again.")
                      .format(folder=out_dir, why=why))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""What staff typed in a commune's export and did not import yet, kept when formkit writes the file
again (after an erasure, on `followup export`).

An export is read back before the command changes anything: a file that cannot be read stops it
(nothing erased, nothing written), so a re-run after the file is fixed or moved aside finishes.
A cell counts as typed when it differs from what formkit wrote there (the hidden sheet WRITTEN
keeps that; a file written before it existed is compared with the register as it stood). Typed
cells of cases still listed are carried into the new file, so the next `followup import` applies
them; a phone never is (it comes from the register), and a note on a case whose phone was erased
is masked as the register's notes are. A typed row whose case is no longer listed is returned,
masked, for the command to report: nothing of it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from ..errors import DamagedFileError
from ..i18n import _
from ..report.privacy import as_dialled, mask_text
from ..responses import cases as register
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from . import sheet
from .register import parse_status

Cells = dict[str, object]  # a filled header (sheet.FILLED) -> what staff typed under it


@dataclass
class Found:
    """An export as it stood before formkit writes it again."""

    path: Path
    typed: dict[int, Cells] = field(default_factory=dict)  # case -> the cells staff changed
    phones: dict[int, str] = field(default_factory=dict)  # case -> its phone cell, as the file holds it


@dataclass(frozen=True)
class Left:
    """A typed row that could not be carried: its case is no longer listed. Masked."""

    commune: str
    path: Path
    response_id: int
    cells: tuple[tuple[str, str], ...]  # (header, value as shown)


def read(ws: Workspace, store: ResponseStore, skip: Path | None = None) -> dict[str, Found]:
    """Every commune's existing export (but `skip`, the file being imported), read back."""
    found = {}
    for commune in ws.communes:
        path = sheet.path_of(ws, commune.id)
        if path.exists() and not (skip is not None and skip.exists() and path.samefile(skip)):
            found[commune.id] = read_one(path, store, commune.id)
    return found


def _damaged(path: Path, place: str, what: str) -> DamagedFileError:
    return DamagedFileError(path, place, what, _(
        "formkit will not replace it and lose what was typed in it: open it in Excel and save it again as an "
        "Excel workbook (.xlsx), or move it aside; then run the command again"))


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else " ".join(str(value).split())


def read_one(path: Path, store: ResponseStore, commune_id: str) -> Found:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not an XLSX
        raise _damaged(path, "", _("cannot be read as an XLSX file: {why}").format(why=exc)) from exc
    try:
        if sheet.SHEET not in book.sheetnames:
            raise _damaged(path, "", _("not a follow-up list written by `formkit followup export`"))
        rows = list(book[sheet.SHEET].iter_rows(values_only=True))
        written_rows = (list(book[sheet.WRITTEN].iter_rows(values_only=True, min_row=2))
                        if sheet.WRITTEN in book.sheetnames else None)
    finally:
        book.close()
    found = tuple(_text(v) for v in rows[0]) if rows else ()
    layout = next((h for h in (sheet.HEADERS, sheet.EARLIER_HEADERS) if found[:len(h)] == h), None)
    if layout is None:
        raise _damaged(path, _("row 1"), _("the headers must stay {headers}").format(headers=", ".join(sheet.HEADERS)))
    now: dict[int, tuple[str, ...]] = {c.response_id: (register.STATUS_NAMES[c.status], c.actor, c.note)
                                       for c in register.cases(store, [commune_id])}
    if written_rows is None:  # written before formkit kept what it wrote: the register is what it wrote
        written = now
    else:
        written = {int(str(r[0])): tuple(_text(v) for v in r[1:4]) for r in written_rows if r and str(r[0]).isdigit()}
    result = Found(path)
    phone_at = layout.index("Số điện thoại")
    for values in rows[1:]:
        values = tuple(values) + (None,) * (len(layout) - len(values))
        try:
            response_id = int(str(values[0]).strip())
        except ValueError:
            continue  # no case to carry it to (the import names such a row)
        # typed: not what formkit wrote, nor what the register says now (a file already imported)
        typed: Cells = {h: values[layout.index(h)] for h in sheet.FILLED
                 if not _same(h, values[layout.index(h)], _cell(written.get(response_id), h))
                 and not _same(h, values[layout.index(h)], _cell(now.get(response_id), h))}
        if typed:
            result.typed[response_id] = typed
        result.phones[response_id] = _text(values[phone_at])
    return result


def _cell(row: tuple[str, ...] | None, header: str) -> str | None:
    """A filled column's value in (status, who, note) as formkit writes them; the day: blank."""
    if row is None:
        return None
    return "" if header == "Ngày liên hệ" else row[("Trạng thái", "Người liên hệ", "Ghi chú").index(header)]


def carried(case: register.Case, typed: Cells) -> Cells:
    """The typed cells as the new file holds them: a note masked once the case's phone is erased."""
    cells = dict(typed)
    if "Ghi chú" in cells and case.phone_erased:
        cells["Ghi chú"] = mask_text(_text(cells["Ghi chú"])) or None
    return cells


def stale(store: ResponseStore, commune_id: str, found: Found) -> bool:
    """The file still holds a phone the register no longer has (a rewrite that failed half-way)."""
    phones = {c.response_id: c.phone for c in register.cases(store, [commune_id], texts=True)}
    return any(cell and not as_dialled(phones.get(i, "")) for i, cell in found.phones.items())


def write(ws: Workspace, store: ResponseStore, commune_id: str, found: Found | None) -> tuple[Path, int, list[Left]]:
    """Write the commune's export again with what staff typed; the typed rows that are left out."""
    typed = found.typed if found else {}
    path, n, listed = sheet.export(ws, store, commune_id, typed, carried)
    cases = {c.response_id: c for c in register.cases(store, [commune_id], ids=[i for i in typed if i not in listed])
             } if typed else {}
    left = []
    for response_id, cells in sorted(typed.items()):
        if response_id in listed:
            continue
        case = cases.get(response_id)
        now = (register.STATUS_NAMES[case.status], case.actor, case.note) if case else None
        shown = tuple((h, mask_text(_text(v))) for h, v in cells.items() if _text(v) and not _same(h, v, _cell(now, h)))
        if any(h != "Ngày liên hệ" for h, _v in shown):  # the register says so already: nothing lost
            left.append(Left(commune_id, path, response_id, shown))
    return path, n, left


def _same(header: str, value: object, other: str | None) -> bool:
    """The cell says what `other` says (None: nothing to compare with); a status in any spelling."""
    if other is None:
        return False
    if header == "Trạng thái" and _text(value):
        return parse_status(_text(value)) == parse_status(other)
    return _text(value) == _text(other)

"""Closing the loop: the follow-up register (cases from the report's follow-up rule, worked in
Excel or one at a time), the phones of closed cases erased, and the daily digest to leaders.

The calls the command line makes, each opening the store once: `open_cases` (after every pull),
`export_cases`, `import_cases`, `set_case_status`, `list_cases`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import UsageError
from ..i18n import _
from ..responses import cases as case_table
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from . import sheet
from .register import erase_due, open_from_store, parse_status, set_case, status_choices


def _store(ws: Workspace) -> ResponseStore:
    if not ws.responses_file.exists():
        raise UsageError(_("no responses yet in {file}: run `formkit pull` first").format(file=ws.responses_file))
    return ResponseStore(ws.responses_file)


def open_cases(ws: Workspace, store: ResponseStore, now: datetime | None = None) -> list[int]:
    """New cases from the stored answers (and phones due erased); the ids opened."""
    opened = open_from_store(ws, store)
    _erase(ws, store, now)
    return opened


def _erase(ws: Workspace, store: ResponseStore, now: datetime | None = None) -> list[tuple[int, str]]:
    """Erase the phones due, and write again each export file that held one (it lists open cases only)."""
    erased, communes = erase_due(ws, store, now)
    rewrite_exports(ws, store, communes)
    return erased


def rewrite_exports(ws: Workspace, store: ResponseStore, commune_ids: set[str]) -> list[Path]:
    """Write again each of these communes' exports that exists, from the store as it now is: after
    an erasure (a closed case, or `formkit retention`) the file must not keep the phone."""
    written = []
    for commune_id in sorted(commune_ids):
        if sheet.path_of(ws, commune_id).exists():
            written.append(sheet.export(ws, store, commune_id)[0])
    return written


def export_cases(ws: Workspace, commune_ids: tuple[str, ...] = ()) -> list[tuple[str, Path, int]]:
    """(commune, file, open cases) per commune: one XLSX each, its own cases and phones only."""
    with _store(ws) as store:
        open_cases(ws, store)
        return [(c.id, *sheet.export(ws, store, c.id)) for c in ws.select(commune_ids)]


@dataclass
class Imported:
    commune: str
    rows: int
    changed: int
    erased: int


def import_cases(ws: Workspace, path: Path, now: datetime | None = None) -> Imported:
    """Apply a filled export: all its rows or, on any problem, none."""
    with _store(ws) as store:
        commune_id, changes = sheet.read_changes(path, store, now)
        changed = case_table.apply(store, changes)
        erased = _erase(ws, store, now)
    return Imported(commune_id, len(changes), changed, len(erased))


def set_case_status(ws: Workspace, response_id: int, status: str, actor: str, note: str, day: str = "",
                    now: datetime | None = None) -> case_table.Case:
    with _store(ws) as store:
        case = set_case(ws, store, response_id, status, actor, note, now, day)
        _erase(ws, store, now)
        return case


def list_cases(ws: Workspace, commune_ids: tuple[str, ...] = (), status: str = "") -> list[case_table.Case]:
    code = parse_status(status) if status else None
    if status and code is None:
        raise UsageError(_("'{status}' is not a status: choose {choices}").format(status=status,
                                                                                  choices=status_choices()))
    ws.select(commune_ids)  # an unknown commune is a usage error
    if not ws.responses_file.exists():  # nothing pulled: no case, and no store made by a listing
        return []
    with _store(ws) as store:
        return case_table.cases(store, commune_ids, [code] if code else (), origin=True)

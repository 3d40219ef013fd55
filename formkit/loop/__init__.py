"""Closing the loop: the follow-up register (cases from the report's follow-up rule, worked in
Excel or one at a time), the phones of closed cases erased, and the daily digest to leaders.

The calls the command line makes, each opening the store once: `open_cases` (after every pull),
`export_cases`, `import_cases`, `set_case_status`, `list_cases`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import UsageError
from ..i18n import _
from ..responses import cases as case_table
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from . import carry, sheet
from .register import erase_due, open_from_store, parse_status, set_case, status_choices


def _store(ws: Workspace) -> ResponseStore:
    if not ws.responses_file.exists():
        raise UsageError(_("no responses yet in {file}: run `formkit pull` first").format(file=ws.responses_file))
    return ResponseStore(ws.responses_file)


def open_cases(ws: Workspace, store: ResponseStore, now: datetime | None = None,
               lost: list[carry.Left] | None = None) -> list[int]:
    """New cases from the stored answers (and phones due erased); the ids opened. The typed rows of
    an export written again that could not be carried are added to `lost`."""
    found = carry.read(ws, store)  # before anything changes: a damaged export stops the command here
    opened = open_from_store(ws, store)
    _erase(ws, store, found, now, lost)
    return opened


def _erase(ws: Workspace, store: ResponseStore, found: dict[str, carry.Found], now: datetime | None = None,
           lost: list[carry.Left] | None = None, besides: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """Erase the phones due, and write again each export file that held one (it lists open cases
    only), but the communes `besides` (the caller writes them)."""
    erased, communes = erase_due(ws, store, now)
    done = rewrite_exports(ws, store, communes - besides, found, besides)
    if lost is not None:
        lost += done.lost
    return erased


@dataclass
class Rewritten:
    files: list[Path]
    lost: list[carry.Left]  # typed rows whose case is no longer listed


def rewrite_exports(ws: Workspace, store: ResponseStore, commune_ids: set[str],
                    found: dict[str, carry.Found] | None = None, besides: frozenset[str] = frozenset()) -> Rewritten:
    """Write again each of these communes' exports that exists, from the store as it now is: after
    an erasure (a closed case, or `formkit retention`) the file must not keep the phone. What staff
    typed in it (`found`, read before the erasure) is carried. An export that still holds a phone the
    store no longer has (a rewrite stopped by Excel holding it open) is written again too."""
    if found is None:
        found = carry.read(ws, store)
    stale = {c for c, f in found.items() if c not in besides and carry.stale(store, c, f)}
    done = Rewritten([], [])
    for commune_id in sorted(commune_ids | stale):
        if sheet.path_of(ws, commune_id).exists():
            path, _n, left = carry.write(ws, store, commune_id, found.get(commune_id))
            done.files.append(path)
            done.lost += left
    return done


def export_cases(ws: Workspace, commune_ids: tuple[str, ...] = (),
                 lost: list[carry.Left] | None = None) -> list[tuple[str, Path, int]]:
    """(commune, file, open cases) per commune: one XLSX each, its own cases and phones only; what
    staff typed in an earlier one and did not import is carried (the rows it cannot be: `lost`)."""
    communes = ws.select(commune_ids)
    with _store(ws) as store:
        found = carry.read(ws, store)
        open_from_store(ws, store)
        _erase(ws, store, found, None, lost, frozenset(c.id for c in communes))
        written = []
        for c in communes:
            path, n, left = carry.write(ws, store, c.id, found.get(c.id))
            written.append((c.id, path, n))
            if lost is not None:
                lost += left
        return written


@dataclass
class Imported:
    commune: str
    rows: int
    changed: int
    erased: int
    lost: list[carry.Left] = field(default_factory=list)


def import_cases(ws: Workspace, path: Path, now: datetime | None = None) -> Imported:
    """Apply a filled export: all its rows or, on any problem, none."""
    with _store(ws) as store:
        commune_id, changes = sheet.read_changes(path, store, now)
        found = carry.read(ws, store, skip=path)  # the file imported: what was typed in it is applied
        changed = case_table.apply(store, changes)
        lost: list[carry.Left] = []
        erased = _erase(ws, store, found, now, lost)
    return Imported(commune_id, len(changes), changed, len(erased), lost)


def set_case_status(ws: Workspace, response_id: int, status: str, actor: str, note: str, day: str = "",
                    now: datetime | None = None, lost: list[carry.Left] | None = None) -> case_table.Case:
    with _store(ws) as store:
        found = carry.read(ws, store)
        case = set_case(ws, store, response_id, status, actor, note, now, day)
        _erase(ws, store, found, now, lost)
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

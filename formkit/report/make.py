"""`formkit report` as one call: the store to read (the pulled responses, or Google's CSV exports
read into a store in memory), the report built from it, and — when the period holds no answers —
what the store does hold, for the command line to say which period was probably meant."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..forms.state import State
from ..i18n import _
from ..responses.queries import Held, held
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from .build import build_report
from .model import Report
from .period import Period


@dataclass
class Made:
    report: Report
    held: Held | None  # what the store holds, when the period had no answers
    warnings: list[str] = field(default_factory=list)  # from reading the CSV exports


def make_report(ws: Workspace, period: Period, commune_ids: tuple[str, ...] = (), dossiers: Path | None = None,
                csv_files: tuple[Path, ...] = (), state: State | None = None, receipts: Path | None = None,
                template_id: str | None = None, date_order: str | None = None) -> Made:
    """The report of `period` from the pulled responses, or from `csv_files` (Google's exports,
    read with the workspace's `state`, their dates in `date_order` "dmy"/"mdy" where the dates
    leave it open) with no Google access at all; receipts: the dossiers' receipt numbers (counter
    participation); template_id: another question set than the workspace's."""
    from ..workspace.templates import load_template

    template = load_template(template_id, ws.root) if template_id else None
    warnings: list[str] = []
    if csv_files:
        assert state is not None, "the CSV exports are matched to forms through the state file"
        store = _store_from_exports(ws, state, list(csv_files), commune_ids, warnings, date_order)
    elif (why := nothing_pulled(ws)) is not None:
        raise UsageError(why)
    else:
        store = ResponseStore(ws.responses_file)
    with store:
        result = build_report(ws, store, period, commune_ids=commune_ids, dossiers=dossiers, template=template,
                              receipts=receipts)
        holding = held(store, result.template, result.scope) if result.responses == 0 else None
    return Made(result, holding, warnings)


def nothing_pulled(ws: Workspace) -> str | None:
    """Why there is nothing to report from the store yet (it does not exist: a report must not make
    it), else None."""
    if ws.responses_file.exists():
        return None
    return _("no responses yet in {file}: run `formkit pull` first, or use --from-csv FILE…").format(
        file=ws.responses_file)


def _store_from_exports(ws: Workspace, state: State, files: list[Path], communes: tuple[str, ...],
                        warnings: list[str], date_order: str | None = None) -> ResponseStore:
    """Google's CSV exports into a store in memory: the same computation, no Google access."""
    from ..responses.csvfiles import read_exports
    from ..workspace.templates import load_template

    if len(communes) > 1:
        raise UsageError(_("with --from-csv, --commune names the commune of the files (one at most)"))
    rows, found = read_exports(ws, state, files, communes[0] if communes else None, date_order)
    warnings += found
    store = ResponseStore(":memory:")
    for template_id in sorted({r.template for r in rows}):
        store.add([r for r in rows if r.template == template_id], load_template(template_id, ws.root))
    return store

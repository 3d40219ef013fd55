"""`formkit status`: per commune, what Google says about its form right now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..google.client import Google, grid_cells
from ..workspace.config import Workspace
from .formspec import responders
from .linking import CELL_LIMIT
from .state import FormRecord, State, Step


@dataclass
class CommuneStatus:
    commune_id: str
    step: Step | Literal["not created"]
    responder_uri: str = ""
    published: bool | None = None
    accepting: bool | None = None
    linked_sheet: str = ""
    responses: int | None = None
    template: str = ""
    responders: str | None = None  # "anyone", "domain:<name>", "" (nobody may answer); None: not asked
    possible_duplicates: tuple[str, ...] = ()  # ids of other forms carrying this one's Drive name
    other_forms: tuple[str, ...] = ()  # ids of forms named for this commune that the state does not record

    @property
    def who_may_answer(self) -> str:
        """In Vietnamese, for the officer who reads `formkit status`."""
        if self.responders is None:
            return "?"
        if self.responders == "anyone":
            return "ai cũng trả lời được"
        if self.responders.startswith("domain:"):
            return f"chỉ trong tổ chức ({self.responders[7:]})"
        return "chưa ai trả lời được"


WARN_FILL = 0.8  # a spreadsheet this full is named with what to do: years before it is full at the planned rate


@dataclass
class SheetUse:
    spreadsheet_id: str
    cells: int  # every tab's rowCount x columnCount: what Google's limit counts
    communes: tuple[str, ...]
    trashed: bool = False

    @property
    def share(self) -> float:
        return self.cells / CELL_LIMIT

    @property
    def warn(self) -> bool:
        return self.share >= WARN_FILL


def spreadsheet_use(google: Google, rows: list[CommuneStatus]) -> list[SheetUse]:
    """Each linked spreadsheet's cells against Google's 10,000,000 (one spreadsheets.get, one
    Drive files.get each), fullest first."""
    feeding: dict[str, list[str]] = {}
    for row in rows:
        if row.linked_sheet:
            feeding.setdefault(row.linked_sheet, []).append(row.commune_id)
    used = []
    for sheet, communes in feeding.items():
        cells = grid_cells(google.sheet_metadata(sheet))
        used.append(SheetUse(sheet, cells, tuple(communes), google.file_trashed(sheet)))
    return sorted(used, key=lambda u: -u.cells)


def collect(ws: Workspace, state: State, google: Google, commune_ids=()) -> list[CommuneStatus]:
    rows = []
    for commune in ws.select(commune_ids):
        form = state.current(commune.id)
        if form is None:
            rows.append(CommuneStatus(commune.id, "not created"))
            continue
        row = CommuneStatus(commune.id, form.step, form.responder_uri,
                            template=f"{form.template} v{form.template_version}")
        if form.form_id:
            remote = google.get_form(form.form_id, fields="publishSettings,linkedSheetId,responderUri")
            # Google leaves out an unpublished form's empty publishSettings (legacy forms have none
            # either, but formkit makes none): absent, as any field inside, reads as false.
            publish = (remote.get("publishSettings") or {}).get("publishState") or {}
            row.published = bool(publish.get("isPublished", False))
            row.accepting = bool(publish.get("isAcceptingResponses", False))
            row.responders = responders(google.responder_permissions(form.form_id))
            row.possible_duplicates = tuple(f["id"] for name in form.possible_duplicates
                                            for f in google.find_forms_named(name) if f["id"] != form.form_id)
            row.other_forms = tuple(sorted(unrecorded_forms(google, state.forms(commune.id))
                                           - set(row.possible_duplicates)))
            row.linked_sheet = remote.get("linkedSheetId", "")
            row.responder_uri = remote.get("responderUri", row.responder_uri)
            row.responses = sum(1 for _ in google.responses(form.form_id, fields="responseId"))
        rows.append(row)
    return rows


def unrecorded_forms(google: Google, forms: list[FormRecord]) -> set[str]:
    """Ids of forms in Drive named as this commune's forms are (the same title and
    "[formkit <commune>", any nonce) that the state does not record: a second form made after the
    state lost the first (a journal moved aside, a state restored from an old backup)."""
    recorded = {f.form_id for f in forms if f.form_id}
    stems = {f.document_title.rsplit(" ", 1)[0] + " " for f in forms if f.form_id and f.nonce
             and f.document_title.endswith(f" {f.nonce}]")}
    return {f["id"] for stem in sorted(stems) for f in google.find_forms_starting(stem)} - recorded

"""`formkit status`: per commune, what Google says about its form right now."""

from __future__ import annotations

from dataclasses import dataclass

from ..google.client import Google
from .state import State
from ..workspace.config import Workspace


@dataclass
class CommuneStatus:
    commune_id: str
    step: str  # the state file's step, or "not created"
    responder_uri: str = ""
    published: bool | None = None
    accepting: bool | None = None
    linked_sheet: str = ""
    responses: int | None = None
    template: str = ""


def collect(ws: Workspace, state: State, google: Google, commune_ids=()) -> list[CommuneStatus]:
    rows = []
    for commune in ws.select(commune_ids):
        form = state.current(commune.id)
        if form is None:
            rows.append(CommuneStatus(commune.id, "not created"))
            continue
        row = CommuneStatus(commune.id, form.step, form.responder_uri, template=f"{form.template} v{form.template_version}")
        if form.form_id:
            remote = google.get_form(form.form_id, fields="publishSettings,linkedSheetId,responderUri")
            publish = remote.get("publishSettings", {}).get("publishState", {})
            row.published = publish.get("isPublished")
            row.accepting = publish.get("isAcceptingResponses")
            row.linked_sheet = remote.get("linkedSheetId", "")
            row.responder_uri = remote.get("responderUri", row.responder_uri)
            row.responses = sum(1 for _ in google.responses(form.form_id, fields="responseId"))
        rows.append(row)
    return rows

"""formkit's own endpoints under /formkit/v1/ (not Google's; never faulted, never counted):

  POST   /formkit/v1/forms/{formId}:linkSheet  {"spreadsheetId"?, "spreadsheetTitle"?, "tabName"?}
         link a form to a spreadsheet as the Forms UI does (see linking.py): a new tab first,
         named as Google names it ("Câu trả lời biểu mẫu N") unless tabName is given (what the
         Apps Script's rename does); a new spreadsheet is on Asia/Ho_Chi_Minh, so a test wanting
         another zone makes it with spreadsheets.create and passes its id; answers
         {"spreadsheetId", "sheetId", "tabName"}
  POST   /formkit/v1/forms/{formId}:unlinkSheet  unlink the form as the Forms UI does: the tab stays
         with its rows, forms.get has no linkedSheetId any more; answers {}
  POST   /formkit/v1/faults   add a fault (see faults.py); GET lists them; DELETE clears them
  GET    /formkit/v1/calls    {"forms.create": n, ...}: Google API requests received, faulted ones
         included; GET /formkit/v1/calls/faulted counts the faulted ones only; DELETE resets both
  PUT    /formkit/v1/limits   {"cells": n}: a spreadsheet's cell limit (Google's 10,000,000), lowered
         so tests can fill a spreadsheet; answers {"cells": n}
"""

from __future__ import annotations

import json
from dataclasses import asdict

from . import forms_api, linking
from .errors import ApiError, invalid
from .routing import Request


def _body(req: Request) -> dict:
    try:
        body = json.loads(req.body or b"{}")
    except (ValueError, RecursionError):
        raise invalid("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.")
    return body


def link_sheet(req: Request) -> dict:
    body = _body(req)
    unknown = set(body) - {"spreadsheetId", "spreadsheetTitle", "tabName"}
    if unknown:
        raise invalid(f"Unknown field(s): {', '.join(sorted(unknown))}")
    form = forms_api.load(req.store, req.params["formId"])
    result = linking.link(req.store, form, body.get("spreadsheetId") or "", body.get("spreadsheetTitle") or "",
                          body.get("tabName") or "")
    forms_api.save(req.store, form)
    return result


def unlink_sheet(req: Request) -> dict:
    form = forms_api.load(req.store, req.params["formId"])
    linking.unlink(form)
    forms_api.save(req.store, form)
    return {}


def add_fault(req: Request) -> dict:
    try:
        return asdict(req.app.faults.add(_body(req)))
    except (ValueError, TypeError) as exc:
        raise ApiError(400, f"Bad fault: {exc}") from None


def list_faults(req: Request) -> dict:
    return {"faults": req.app.faults.list()}


def clear_faults(req: Request) -> dict:
    req.app.faults.clear()
    return {}


def calls(req: Request) -> dict:
    return req.app.calls.snapshot()


def faulted_calls(req: Request) -> dict:
    return req.app.calls.snapshot(faulted=True)


def reset_calls(req: Request) -> dict:
    req.app.calls.reset()
    return {}


def set_limits(req: Request) -> dict:
    cells = _body(req).get("cells")
    if not isinstance(cells, int) or isinstance(cells, bool) or cells < 1:
        raise invalid("cells must be a positive whole number")
    req.store.cell_limit = cells
    return {"cells": cells}

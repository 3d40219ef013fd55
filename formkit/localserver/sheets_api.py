"""Sheets API v4: spreadsheets.create, get and batchUpdate (addSheet, updateSheetProperties,
deleteSheet), and values get, batchGet, update, append, clear and batchUpdate.

Values come back as Google renders them (see cells.py); `fields` selects a partial response (server.py).
"""

from __future__ import annotations

import copy
from typing import Any

from . import masks, spreadsheets
from .discovery import check_field_mask
from .errors import ApiError, invalid, unsupported
from .routing import Request


def create(req: Request) -> dict:
    body = req.json or {}
    props = body.get("properties") or {}
    tabs = [sheet.get("properties") or {} for sheet in body.get("sheets") or []] or None
    doc = spreadsheets.create(req.store, props.get("title", ""), props.get("locale") or "vi_VN",
                              props.get("timeZone") or "Asia/Ho_Chi_Minh", tabs)
    return spreadsheets.metadata(doc, req.base_url)


def get(req: Request) -> dict:
    if req.flag("includeGridData"):
        raise unsupported("includeGridData=true")
    doc = spreadsheets.load(req.store, req.params["spreadsheetId"], read_only=True)
    for text in req.query.get("ranges", []):  # Google refuses a range it cannot parse ("Unable to parse range")
        spreadsheets.resolve(doc, text)
    return spreadsheets.metadata(doc, req.base_url)


def batch_update(req: Request) -> dict:
    body = req.json or {}
    doc = copy.deepcopy(spreadsheets.load(req.store, req.params["spreadsheetId"]))
    replies = []
    for i, request in enumerate(body.get("requests") or []):
        kinds = [k for k, v in request.items() if v is not None]
        if len(kinds) != 1:
            raise invalid(f"Invalid requests[{i}]: exactly one kind of request must be set, not {len(kinds)}.")
        apply = _REQUESTS.get(kinds[0])
        if apply is None:
            raise unsupported(f"requests[{i}].{kinds[0]}")
        try:
            replies.append(apply(req, doc, request[kinds[0]]))
        except ApiError as exc:  # the store's transaction undoes any cells already changed
            raise invalid(f"Invalid requests[{i}].{kinds[0]}: {exc.message}") from None
    spreadsheets.save(req.store, doc)
    result: dict[str, Any] = {"spreadsheetId": doc["spreadsheetId"], "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        result["updatedSpreadsheet"] = spreadsheets.metadata(doc, req.base_url)
    return result


def _add_sheet(req: Request, doc: dict, request: dict) -> dict:
    return {"addSheet": {"properties": spreadsheets.add_tab(doc, request.get("properties") or {})}}


def _update_sheet(req: Request, doc: dict, request: dict) -> dict:
    props, fields = request.get("properties") or {}, request.get("fields") or ""
    if not fields.strip():
        raise invalid("You must specify at least one field to update.")
    problems = check_field_mask("sheets", "v4", "SheetProperties", fields)
    if problems:
        raise invalid("; ".join(problems))
    tab = spreadsheets.tab_by_id(doc, int(props.get("sheetId", 0)))
    if tab is None:
        raise invalid(f"No grid with id: {props.get('sheetId', 0)}")
    new = copy.deepcopy(tab)
    masks.apply(new, props, fields)
    title = new.get("title") or ""
    if not title:
        raise invalid("A sheet's title must not be empty.")
    if title != tab["title"] and spreadsheets.tab_by_title(doc, title):
        raise invalid(f'A sheet with the name "{title}" already exists. Please enter another name.')
    grid = new.get("gridProperties") or {}
    for key in ("rowCount", "columnCount"):
        grid[key] = int(grid.get(key) or tab["gridProperties"][key])
    index = new.get("index", tab["index"])
    tab.update({k: v for k, v in new.items() if k not in ("sheetId", "sheetType", "index")}, gridProperties=grid)
    if index != tab["index"]:
        spreadsheets.move_tab(doc, tab, int(index))
    req.store.clear_cells(doc["spreadsheetId"], tab["sheetId"], (grid["rowCount"], 2**31), (0, 2**31))
    req.store.clear_cells(doc["spreadsheetId"], tab["sheetId"], (0, 2**31), (grid["columnCount"], 2**31))
    return {}


def _delete_sheet(req: Request, doc: dict, request: dict) -> dict:
    spreadsheets.delete_tab(req.store, doc, int(request.get("sheetId", 0)))
    return {}


_REQUESTS = {"addSheet": _add_sheet, "updateSheetProperties": _update_sheet, "deleteSheet": _delete_sheet}


def _render_options(req: Request) -> tuple[str, str, str]:
    major = req.arg("majorDimension", "ROWS")
    return (req.arg("valueRenderOption", "FORMATTED_VALUE"), req.arg("dateTimeRenderOption", "SERIAL_NUMBER"),
            "ROWS" if major == "DIMENSION_UNSPECIFIED" else major)


def values_get(req: Request) -> dict:
    doc = spreadsheets.load(req.store, req.params["spreadsheetId"], read_only=True)
    return spreadsheets.read(req.store, doc, req.params["range"], *_render_options(req))


def values_batch_get(req: Request) -> dict:
    doc = spreadsheets.load(req.store, req.params["spreadsheetId"], read_only=True)
    options, by_title = _render_options(req), spreadsheets.tabs_by_title(doc)
    ranges = [spreadsheets.read(req.store, doc, text, *options, by_title=by_title)
              for text in req.query.get("ranges", [])]
    result: dict[str, Any] = {"spreadsheetId": doc["spreadsheetId"]}
    if ranges:
        result["valueRanges"] = ranges
    return result


def _input_option(value: str | None) -> bool:
    """True for USER_ENTERED; RAW is False; anything else is Google's 400."""
    if value not in ("RAW", "USER_ENTERED"):
        raise invalid(f"Invalid valueInputOption: {value or 'INPUT_VALUE_OPTION_UNSPECIFIED'}", "value_input_option")
    return value == "USER_ENTERED"


def _rows(value_range: dict) -> list[list[Any]]:
    rows = value_range.get("values") or []
    if value_range.get("majorDimension") == "COLUMNS":
        width = max((len(c) for c in rows), default=0)
        rows = [[c[i] if i < len(c) else None for c in rows] for i in range(width)]
    return rows


def values_update(req: Request) -> dict:
    user_entered = _input_option(req.arg("valueInputOption"))
    doc = spreadsheets.load(req.store, req.params["spreadsheetId"])
    return spreadsheets.write(req.store, doc, req.params["range"], _rows(req.json or {}), user_entered)


def values_append(req: Request) -> dict:
    user_entered = _input_option(req.arg("valueInputOption"))
    doc = spreadsheets.load(req.store, req.params["spreadsheetId"])
    return spreadsheets.append(req.store, doc, req.params["range"], _rows(req.json or {}), user_entered)


def values_clear(req: Request) -> dict:
    doc = spreadsheets.load(req.store, req.params["spreadsheetId"])
    return spreadsheets.clear(req.store, doc, req.params["range"])


def values_batch_update(req: Request) -> dict:
    body = req.json or {}
    user_entered = _input_option(body.get("valueInputOption"))
    doc = spreadsheets.load(req.store, req.params["spreadsheetId"])
    responses = []
    for value_range in body.get("data") or []:
        if not value_range.get("range"):
            raise invalid("Each data[] entry needs a range.", "data.range")
        responses.append(spreadsheets.write(req.store, doc, value_range["range"], _rows(value_range), user_entered))
    totals = {f"total{k[0].upper()}{k[1:]}": sum(r.get(k, 0) for r in responses)
              for k in ("updatedRows", "updatedColumns", "updatedCells")}
    return {"spreadsheetId": doc["spreadsheetId"], **totals, "totalUpdatedSheets": len(responses),
            "responses": responses}

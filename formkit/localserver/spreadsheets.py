"""Spreadsheets: tabs, and reading and writing cell values by A1 range.

The metadata (title, locale, time zone, tabs) is one document; cells live in the store's cells
table. Grids grow when something is written beyond them, rather than failing as Google's
values.update can: tests edit sheets freely and nothing in formkit relies on that error.

A spreadsheet holds at most `store.cell_limit` grid cells (10,000,000, empty cells included, as
Google Drive counts them): a change that would take it past the limit is refused with Google's
message, whatever makes it (a new tab, a grown grid, a value written beyond the grid).
"""

from __future__ import annotations

from typing import Any

from . import a1, cells, ids
from .errors import ApiError, invalid, not_found
from .store import Store

DEFAULT_ROWS, DEFAULT_COLS = 1000, 26


def _vietnamese(doc: dict) -> bool:
    return doc["properties"]["locale"].startswith("vi")


def create(store: Store, title: str = "", locale: str = "vi_VN", time_zone: str = "Asia/Ho_Chi_Minh",
           tabs: list[dict] | None = None) -> dict:
    """A new spreadsheet; with no tabs given it gets the default first tab ("Trang tính1")."""
    doc: dict[str, Any] = {
        "spreadsheetId": ids.file_id(),
        "properties": {"title": title, "locale": locale, "autoRecalc": "ON_CHANGE", "timeZone": time_zone},
        "sheets": [],
        "createdTime": ids.rfc3339(ids.now()),
    }
    if not title:
        doc["properties"]["title"] = "Bảng tính không có tiêu đề" if _vietnamese(doc) else "Untitled spreadsheet"
    for props in tabs if tabs is not None else [{"sheetId": 0}]:
        add_tab(doc, props)
    save(store, doc)
    return doc


def load(store: Store, spreadsheet_id: str, read_only: bool = False) -> dict:
    """read_only: for a request that changes nothing (its tabs are shared with other readers)."""
    doc = store.spreadsheet_to_read(spreadsheet_id) if read_only else store.get("spreadsheet", spreadsheet_id)
    if doc is None:
        raise not_found()
    return doc


def grid_cells(doc: dict) -> int:
    """Every tab's rowCount x columnCount: what the cell limit counts."""
    return sum(t["gridProperties"]["rowCount"] * t["gridProperties"]["columnCount"] for t in doc["sheets"])


def over_limit(store: Store) -> ApiError:
    return invalid(f"This action would increase the number of cells in the workbook above the limit of "
                   f"{store.cell_limit} cells.")


def save(store: Store, doc: dict) -> None:
    """Store the whole document; refused if it grew past the cell limit (a change that does not add
    cells passes even over it: only an increase is refused)."""
    total = grid_cells(doc)
    if total > store.cell_limit and total > store.grid_cells(doc["spreadsheetId"]):
        raise over_limit(store)
    store.put("spreadsheet", doc["spreadsheetId"], doc)


def metadata(doc: dict, base_url: str) -> dict:
    """The Spreadsheet resource as spreadsheets.get returns it without grid data."""
    return {
        "spreadsheetId": doc["spreadsheetId"],
        "properties": doc["properties"],
        "sheets": [{"properties": tab} for tab in doc["sheets"]],
        "spreadsheetUrl": f"{base_url}/spreadsheets/d/{doc['spreadsheetId']}/edit",
    }


def tab_by_id(doc: dict, sheet_id: int) -> dict | None:
    return next((t for t in doc["sheets"] if t["sheetId"] == sheet_id), None)


def tab_by_title(doc: dict, title: str) -> dict | None:
    return next((t for t in doc["sheets"] if t["title"] == title), None)


def next_title(doc: dict, stem: str) -> str:
    """`stem N` with the first N not in use: how Google names new tabs."""
    taken = {t["title"] for t in doc["sheets"]}  # one pass: a province's spreadsheet has thousands of tabs
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def add_tab(doc: dict, props: dict) -> dict:
    title = props.get("title") or next_title(doc, "Trang tính" if _vietnamese(doc) else "Sheet")
    if tab_by_title(doc, title):
        raise invalid(f'A sheet with the name "{title}" already exists. Please enter another name.')
    taken = {t["sheetId"] for t in doc["sheets"]}
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = ids.sheet_id(taken)
    elif int(sheet_id) in taken:
        raise invalid(f"A sheet with the id {sheet_id} already exists.")
    grid = props.get("gridProperties", {})
    tab = {"sheetId": int(sheet_id), "title": title, "index": 0, "sheetType": "GRID",
           "gridProperties": {"rowCount": int(grid.get("rowCount", DEFAULT_ROWS)),
                              "columnCount": int(grid.get("columnCount", DEFAULT_COLS))}}
    index = min(int(props.get("index", len(doc["sheets"]))), len(doc["sheets"]))
    doc["sheets"].insert(index, tab)
    _reindex(doc)
    return tab


def _reindex(doc: dict) -> None:
    for i, tab in enumerate(doc["sheets"]):
        tab["index"] = i


def move_tab(doc: dict, tab: dict, index: int) -> None:
    doc["sheets"].remove(tab)
    doc["sheets"].insert(max(0, min(index, len(doc["sheets"]))), tab)
    _reindex(doc)


def delete_tab(store: Store, doc: dict, sheet_id: int) -> None:
    tab = tab_by_id(doc, sheet_id)
    if tab is None:
        raise invalid(f"No grid with id: {sheet_id}")
    if len(doc["sheets"]) == 1:
        raise invalid("You can't remove all the sheets in a document.")
    doc["sheets"].remove(tab)
    _reindex(doc)
    store.drop_sheet(doc["spreadsheetId"], sheet_id)


def tabs_by_title(doc: dict) -> dict[str, dict]:
    """Title -> tab, in tab order: for reading many ranges of one spreadsheet (thousands of tabs)."""
    return {t["title"]: t for t in doc["sheets"]}


def resolve(doc: dict, text: str, by_title: dict[str, dict] | None = None) -> tuple[dict, a1.Bounds]:
    by_title = tabs_by_title(doc) if by_title is None else by_title
    try:
        title, bounds = a1.parse(text, by_title)
    except ValueError:
        raise invalid(f"Unable to parse range: {text}") from None
    return by_title[title], bounds


def _grow(tab: dict, last_row: int, last_col: int) -> None:
    grid = tab["gridProperties"]
    grid["rowCount"] = max(grid["rowCount"], last_row + 1)
    grid["columnCount"] = max(grid["columnCount"], last_col + 1)


def read(store: Store, doc: dict, text: str, value_option: str = "FORMATTED_VALUE",
         datetime_option: str = "SERIAL_NUMBER", major: str = "ROWS", by_title: dict[str, dict] | None = None) -> dict:
    """A ValueRange: trailing empty cells and rows left out, gaps filled with "" as Google does."""
    tab, bounds = resolve(doc, text, by_title)
    grid = tab["gridProperties"]
    r0, c0, r1, c1 = bounds.within(grid["rowCount"], grid["columnCount"])
    locale = doc["properties"]["locale"]
    lines: dict[int, dict[int, Any]] = {}
    for r, c, kind, value in store.cells(doc["spreadsheetId"], tab["sheetId"], (r0, r1), (c0, c1)):
        major_at, minor_at = (c - c0, r - r0) if major == "COLUMNS" else (r - r0, c - c0)
        lines.setdefault(major_at, {})[minor_at] = cells.render((kind, value), value_option, datetime_option, locale)
    values = [[line.get(j, "") for j in range(max(line) + 1)] if (line := lines.get(i)) else []
              for i in range(max(lines) + 1 if lines else 0)]
    result: dict[str, Any] = {"range": a1.format_range(tab["title"], r0, c0, r1, c1), "majorDimension": major}
    if values:
        result["values"] = values
    return result


def write(store: Store, doc: dict, text: str, values: list[list[Any]], user_entered: bool) -> dict:
    """values.update: rows written from the range's top-left cell; a range of more than one cell
    must hold them all, a single cell is only where writing starts (as with Google)."""
    tab, bounds = resolve(doc, text)
    single = bounds.r0 is not None and bounds.c0 is not None and (bounds.r0, bounds.c0) == (bounds.r1, bounds.c1)
    return _write_at(store, doc, tab, bounds.r0 or 0, bounds.c0 or 0, values, user_entered,
                     None if single else bounds, text)


def append(store: Store, doc: dict, text: str, values: list[list[Any]], user_entered: bool) -> dict:
    """values.append: rows written below the last row holding data in the range's columns."""
    tab, bounds = resolve(doc, text)
    c0 = bounds.c0 or 0
    cols = (c0, 2**31 if bounds.c1 is None else bounds.c1)
    last = store.last_row(doc["spreadsheetId"], tab["sheetId"], cols)
    result: dict[str, Any] = {"spreadsheetId": doc["spreadsheetId"]}
    if last >= 0:
        used = store.cells(doc["spreadsheetId"], tab["sheetId"], (bounds.r0 or 0, last), cols)
        if used:
            result["tableRange"] = a1.format_range(tab["title"], min(r for r, *_ in used), c0, last,
                                                   max(c for _, c, *_ in used))
    start = max(last + 1, bounds.r0 or 0)
    result["updates"] = _write_at(store, doc, tab, start, c0, values, user_entered, None, text)
    return result


def _write_at(store: Store, doc: dict, tab: dict, r0: int, c0: int, values: list[list[Any]], user_entered: bool,
              bounds: a1.Bounds | None, text: str) -> dict:
    locale = doc["properties"]["locale"]
    last_row, last_col = r0 + len(values) - 1, c0 + max((len(row) for row in values), default=0) - 1
    if bounds is not None and bounds.r1 is not None and last_row > bounds.r1:
        raise invalid(f"Requested writing within range [{text}], but tried writing to row [{last_row + 1}]")
    if bounds is not None and bounds.c1 is not None and last_col > bounds.c1:
        raise invalid(f"Requested writing within range [{text}], but tried writing to column "
                      f"[{a1.column_letters(last_col)}]")
    updates, written = [], 0
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            try:
                cell = cells.from_input(value, user_entered, locale)
            except ValueError as exc:
                raise invalid(f"Invalid values[{i}][{j}]: {exc}") from None
            if cell is not None:
                updates.append((r0 + i, c0 + j, cell[0], cell[1]))
                written += 1
    store.write_cells(doc["spreadsheetId"], tab["sheetId"], updates)
    result: dict[str, Any] = {"spreadsheetId": doc["spreadsheetId"]}
    if written:
        _grow(tab, last_row, last_col)
        save(store, doc)
        result.update(updatedRange=a1.format_range(tab["title"], r0, c0, last_row, last_col),
                      updatedRows=sum(1 for row in values if any(v is not None for v in row)),
                      updatedColumns=last_col - c0 + 1, updatedCells=written)
    return result


def clear(store: Store, doc: dict, text: str) -> dict:
    tab, bounds = resolve(doc, text)
    grid = tab["gridProperties"]
    r0, c0, r1, c1 = bounds.within(grid["rowCount"], grid["columnCount"])
    store.clear_cells(doc["spreadsheetId"], tab["sheetId"], (r0, r1), (c0, c1))
    return {"spreadsheetId": doc["spreadsheetId"], "clearedRange": a1.format_range(tab["title"], r0, c0, r1, c1)}


def put_row(store: Store, doc: dict, tab: dict, row: int, start_col: int, row_cells: list[cells.Cell]) -> None:
    """Cells written as they are (already typed): how a linked form writes a response."""
    store.write_cells(doc["spreadsheetId"], tab["sheetId"],
                      [(row, start_col + j, kind, value) for j, (kind, value) in enumerate(row_cells)])
    _grow(tab, row, start_col + len(row_cells) - 1)

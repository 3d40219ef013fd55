"""A form's link to a spreadsheet, and the rows Google Forms writes into it.

Google links in the Forms UI (or Apps Script's form.setDestination); the Forms API cannot.
Like Google: the link adds a tab "Câu trả lời biểu mẫu N" (N the next free number) at the front,
its first column "Dấu thời gian" holds each response's time as a date-time cell in the
spreadsheet's time zone, then one column per question titled as the question, in form order.
A text question's answer is written as text (a phone keeps its leading zero, as Google's own
response sheets show it); other answers are typed the way Sheets types user input; checkbox
answers are joined with ", ". (Links made before this kept no column kinds: their text answers
are typed as user input, as they were.) Columns belong to question ids: a question added later
gets a new column at the end, and a retitled or deleted question keeps its old column and header.
"""

from __future__ import annotations

from datetime import datetime

from . import cells, forms_model, spreadsheets
from .errors import invalid
from .store import Store

_WORDS = {True: ("Câu trả lời biểu mẫu ", "Dấu thời gian"), False: ("Form Responses ", "Timestamp")}
# A tab a form makes starts small and grows a row per answer (a real one: rowCount 102 and
# columnCount 12 for 2 answers to a 6-column header); its grid counts against the cell limit.
FORM_TAB_ROWS, SPARE_COLUMNS = 100, 6


def link(store: Store, form: dict, spreadsheet_id: str = "", spreadsheet_title: str = "",
         tab_name: str = "") -> dict:
    """Link `form` (saved by the caller) to a spreadsheet, new unless an id is given, and copy
    in the responses it already has. Linking again to the same spreadsheet changes nothing."""
    current = form.get("link")
    if current and spreadsheet_id in ("", current["spreadsheetId"]):
        doc = spreadsheets.load(store, current["spreadsheetId"])
        tab = spreadsheets.tab_by_id(doc, current["sheetId"])
        if tab is not None:
            return {"spreadsheetId": doc["spreadsheetId"], "sheetId": tab["sheetId"], "tabName": tab["title"]}
    if spreadsheet_id:
        doc = spreadsheets.load(store, spreadsheet_id)
    else:
        title = spreadsheet_title or f"{form['info']['title'] or form['info']['documentTitle']} (Câu trả lời)"
        doc = spreadsheets.create(store, title, tabs=[])
    stem, timestamp = _WORDS[doc["properties"]["locale"].startswith("vi")]
    width = 1 + len(forms_model.questions(form)) + SPARE_COLUMNS
    tab = spreadsheets.add_tab(doc, {"title": spreadsheets.next_title(doc, stem), "index": 0,
                                     "gridProperties": {"rowCount": FORM_TAB_ROWS, "columnCount": width}})
    if tab_name and tab_name != tab["title"]:
        if spreadsheets.tab_by_title(doc, tab_name):
            raise invalid(f'A sheet with the name "{tab_name}" already exists. Please enter another name.')
        tab["title"] = tab_name  # what formkit's Apps Script does right after linking
    form["link"] = {"spreadsheetId": doc["spreadsheetId"], "sheetId": tab["sheetId"], "columns": [], "text": []}
    spreadsheets.put_row(store, doc, tab, 0, 0, [("s", timestamp)])
    _add_columns(store, form, doc, tab)
    total: int | None = spreadsheets.grid_cells(doc)
    if total is not None and total > store.cell_limit:
        raise spreadsheets.over_limit(store)
    for _, _, response in store.responses(form["formId"]):
        total = _append(store, form, doc, tab, response, total) if total is not None else None
    spreadsheets.save(store, doc)
    return {"spreadsheetId": doc["spreadsheetId"], "sheetId": tab["sheetId"], "tabName": tab["title"]}


def unlink(form: dict) -> None:
    """The Forms UI's "Unlink form" (Apps Script's removeDestination): the form stops writing to
    its tab, which keeps its rows; the form keeps every response."""
    form.pop("link", None)


def _target(store: Store, form: dict) -> tuple[dict, dict] | None:
    """The linked spreadsheet and tab, or None when unlinked or the tab was deleted."""
    current = form.get("link")
    if not current:
        return None
    doc = store.get("spreadsheet", current["spreadsheetId"])
    tab = spreadsheets.tab_by_id(doc, current["sheetId"]) if doc else None
    return (doc, tab) if doc and tab else None


def add_new_columns(store: Store, form: dict) -> None:
    """After the form changed: a header for every question the sheet has no column for yet."""
    target = _target(store, form)
    if target and _add_columns(store, form, *target):
        spreadsheets.save(store, target[0])


def record(store: Store, form: dict, response: dict) -> bool:
    """Write one response as the next row of the linked tab, if there is one. It reads and writes
    that tab alone, whatever the number of tabs. True when the form changed (new columns)."""
    current = form.get("link")
    if not current:
        return False
    if any(question_id not in current["columns"] for question_id in _question_ids(form)):
        target = _target(store, form)  # the rare case: columns to add first, the whole document
        if target:
            _add_columns(store, form, *target)
            _append(store, form, *target, response, spreadsheets.grid_cells(target[0]))
            spreadsheets.save(store, target[0])
        return bool(target)
    append_row(store, current, response)
    return False


def append_row(store: Store, link: dict, response: dict) -> None:
    """record() where the link has a column for every question already (the common case): only
    the link is read, not the form."""
    doc = store.spreadsheet_with_tab(link["spreadsheetId"], link["sheetId"])
    if doc is None:
        return
    tab = doc["sheets"][0]
    grid = dict(tab["gridProperties"])
    _append(store, {"link": link}, doc, tab, response, store.grid_cells(doc["spreadsheetId"]))
    if tab["gridProperties"] != grid:
        store.put_tab(doc["spreadsheetId"], tab)


def _question_ids(form: dict) -> list[str]:
    return [forms_model.question_id(item) for item in forms_model.questions(form)]


def _add_columns(store: Store, form: dict, doc: dict, tab: dict) -> bool:
    columns = form["link"]["columns"]
    text = form["link"].setdefault("text", [])  # the columns of text questions, written as text
    added = False
    for item in forms_model.questions(form):
        question_id = forms_model.question_id(item)
        if question_id not in columns:
            columns.append(question_id)
            if "textQuestion" in (forms_model.question_of(item) or {}):
                text.append(question_id)
            spreadsheets.put_row(store, doc, tab, 0, len(columns), [("s", item.get("title", ""))])
            added = True
    return added


def _append(store: Store, form: dict, doc: dict, tab: dict, response: dict, total: int) -> int | None:
    """The response as the tab's next row, the grid one row taller; `total` is the spreadsheet's
    grid cells before it. A row that would take the spreadsheet past the cell limit is not written:
    the answer stays in the form's own store only (what Google Forms does then is not documented;
    see docs/google-behaviour.md). The new total, or None when the row was not written."""
    grid = tab["gridProperties"]
    if total + grid["columnCount"] > store.cell_limit:
        return None
    grid["rowCount"] += 1
    row = max(1, store.last_row(doc["spreadsheetId"], tab["sheetId"]) + 1)
    moment = datetime.fromisoformat(response["lastSubmittedTime"].replace("Z", "+00:00"))
    locale = doc["properties"]["locale"]
    row_cells: list[cells.Cell] = [("d", cells.serial(moment, doc["properties"]["timeZone"]))]
    as_text = set(form["link"].get("text", ()))
    for question_id in form["link"]["columns"]:
        answer = response.get("answers", {}).get(question_id)
        values = [a.get("value", "") for a in (answer or {}).get("textAnswers", {}).get("answers", [])]
        text = ", ".join(values)
        cell: cells.Cell = ("s", text) if question_id in as_text else cells.user_typed(text, locale)
        row_cells.append(cell if text else ("", None))
    spreadsheets.put_row(store, doc, tab, row, 0, row_cells)
    return total + grid["columnCount"]

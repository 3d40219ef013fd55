"""A commune's open cases as an XLSX staff fill in Excel, and the filled file read back.

The sheet "Cần liên hệ lại" lists one case a row: its id (Mã phiếu), when it was answered, the
officer, why it is listed, the comment, the phone in full (this file goes to the commune that
calls back, and to no one else), the channel (Trực tuyến, Giấy, Quầy) and a counter rating's
receipt number (a counter asks no phone: the office finds the citizen from its own dossier), then
four columns to fill: the status (a drop-down list of the four statuses), who contacted the
citizen, the day and a note. A hidden sheet names the commune, another keeps what formkit wrote in
the columns to fill (a cell that differs from it was typed by staff: loop/carry.py keeps it when
the file is written again). A file exported before the channel
and receipt columns existed is read back too: the columns are found by their headers.

Reading it back checks every row first and applies nothing unless every row is right; a row
that says what the register already says changes nothing, so importing a file twice is
importing it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import InputError, Problem, Problems
from ..files import atomic_write_bytes
from ..i18n import _
from ..kiosk.ratings import receipt_of
from ..report.labels import CHANNEL_NAMES
from ..report.privacy import as_dialled
from ..responses import cases as register
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from .register import contact_time, now_text, parse_status

SHEET, META = "Cần liên hệ lại", "formkit"
WRITTEN = "formkit-written"  # what formkit wrote in the filled columns (loop/carry.py)
HEADERS = ("Mã phiếu", "Thời gian đánh giá", "Cán bộ", "Lý do", "Ý kiến", "Số điện thoại", "Kênh", "Số biên nhận",
           "Trạng thái", "Người liên hệ", "Ngày liên hệ", "Ghi chú")
# The headers of a file exported before the channel and receipt columns: still read back.
EARLIER_HEADERS = tuple(h for h in HEADERS if h not in ("Kênh", "Số biên nhận"))
FILLED = ("Trạng thái", "Người liên hệ", "Ngày liên hệ", "Ghi chú")  # the columns staff fill
STATUS, ACTOR, DAY, NOTE = (HEADERS.index(h) + 1 for h in FILLED)  # 1-based, in the file formkit writes
LETTERS = "ABCDEFGHIJKL"
WIDTHS = (10, 20, 22, 28, 50, 16, 12, 26, 22, 22, 14, 50)
REASON_NAMES = ((register.LOW, "không hài lòng"), (register.COMMENT, "có ý kiến"),
                (register.PHONE, "để lại số điện thoại"))
MAX_NOTE = 2000


def folder(ws: Workspace) -> Path:
    return ws.output_dir / "followup"


def path_of(ws: Workspace, commune_id: str) -> Path:
    return folder(ws) / f"lien-he-lai-{commune_id}.xlsx"


def reasons_text(bits: int) -> str:
    return ", ".join(name for bit, name in REASON_NAMES if bits & bit)


def receipt_text(case: register.Case) -> str:
    """The dossier's receipt number a counter rating carries ("" for any other answer)."""
    bound = receipt_of(case.key)
    return bound[1] if bound else ""


def export(ws: Workspace, store: ResponseStore, commune_id: str, typed: dict[int, dict[str, object]] | None = None,
           carried: Callable[[register.Case, dict[str, object]], dict[str, object]] | None = None,
           ) -> tuple[Path, int, set[int]]:
    """Write the commune's open cases (chưa liên hệ, đã liên hệ), with the cells staff `typed` in
    the file before (loop/carry.py: `carried` says how each is kept); returns the file, how many
    and their ids. What formkit wrote from the register goes to the hidden sheet WRITTEN: a cell
    that differs from it next time was typed by staff."""
    typed = typed or {}
    commune = ws.commune(commune_id)
    officers = {o.id: o.name for o in commune.officers}
    rows = register.cases(store, [commune_id], (register.OPEN, register.CONTACTED), texts=True, origin=True)
    book = Workbook()
    sheet = book.create_sheet(SHEET, 0)
    book.remove(book.worksheets[1])  # the empty sheet a new workbook starts with
    sheet.append(list(HEADERS))
    written: list[tuple[object, ...]] = [("Mã phiếu", *FILLED[:2], FILLED[3])]
    for c in rows:
        filled: dict[str, object] = dict(zip(FILLED, (register.STATUS_NAMES[c.status], c.actor, None, c.note),
                                             strict=True))
        written.append((c.response_id, filled["Trạng thái"], c.actor, c.note))
        if c.response_id in typed and carried is not None:
            filled.update(carried(c, typed[c.response_id]))
        sheet.append([c.response_id, c.opened, officers.get(c.officer or "", c.officer or ""), reasons_text(c.reasons),
                      c.comment, as_dialled(c.phone) or None, CHANNEL_NAMES.get(c.channel, c.channel),
                      receipt_text(c) or None, *filled.values()])
        if isinstance(filled["Ngày liên hệ"], datetime):
            sheet.cell(sheet.max_row, DAY).number_format = "DD/MM/YYYY"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for letter, width in zip(LETTERS, WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[5].number_format = "@"  # a phone stays text: Excel must not drop its leading 0
        row[7].number_format = "@"  # a receipt number too
    sheet.freeze_panes = "B2"
    choices = ",".join(register.STATUS_NAMES.values())
    rule = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=False, showErrorMessage=True,
                          errorTitle="Trạng thái", error="Chọn một trạng thái trong danh sách.")
    sheet.add_data_validation(rule)
    status, day = LETTERS[STATUS - 1], LETTERS[DAY - 1]
    rule.add(f"{status}2:{status}{max(len(rows) + 1, 2)}")
    day_rule = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
                              showErrorMessage=True, errorTitle="Ngày liên hệ",
                              error="Nhập ngày liên hệ, ví dụ 08/07/2026; để trống là hôm nay.")
    sheet.add_data_validation(day_rule)
    day_rule.add(f"{day}2:{day}{max(len(rows) + 1, 2)}")
    meta = book.create_sheet(META)
    meta.append(["commune", commune_id])
    meta.append(["exported", now_text()])
    meta.sheet_state = "hidden"
    kept = book.create_sheet(WRITTEN)
    for line in written:
        kept.append(list(line))
    kept.sheet_state = "hidden"
    target = path_of(ws, commune_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    book.save(buffer)
    atomic_write_bytes(target, buffer.getvalue())  # owner-only, as every file mkstemp makes: it holds phones
    return target, len(rows), {c.response_id for c in rows}


def read_changes(path: Path, store: ResponseStore, now: datetime | None = None) -> tuple[str, list[register.Change]]:
    """(commune id, the changes) of a filled file; every problem, with its row and column, raised
    together (InputError) before anything is applied."""
    problems = Problems()
    shown = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not an XLSX
        raise InputError(Problem(shown, "", _("cannot be read as an XLSX file: {why}").format(why=exc))) from exc
    if SHEET not in book.sheetnames or META not in book.sheetnames:
        raise InputError(Problem(shown, "", _("not a follow-up list written by `formkit followup export`")))
    meta = {str(r[0]): r[1] for r in book[META].iter_rows(values_only=True) if r and r[0]}
    commune_id = str(meta.get("commune") or "")
    rows = list(book[SHEET].iter_rows(values_only=True))
    book.close()
    found = tuple(str(v or "").strip() for v in rows[0]) if rows else ()
    layout = next((h for h in (HEADERS, EARLIER_HEADERS) if found[:len(h)] == h), None)
    if layout is None:
        problems.add(shown, _("row 1"), _("the headers must stay {headers}").format(headers=", ".join(HEADERS)))
        problems.raise_if_any()
    assert layout is not None
    status_at, actor_at, day_at, note_at = (layout.index(h) for h in FILLED)  # 0-based, in this file
    known = {c.response_id: c for c in register.cases(store, [commune_id])}
    when = now_text(now)
    changes: list[register.Change] = []
    seen: dict[int, int] = {}
    for number, values in enumerate(rows[1:], 2):
        values = tuple(values) + (None,) * (len(layout) - len(values))
        if all(v is None or str(v).strip() == "" for v in values[:len(layout)]):
            continue  # an empty row
        where = _("row {row}, column {column} ({header})")
        raw_id = values[0]
        try:
            response_id = int(str(raw_id).strip())
        except ValueError:
            problems.add(shown, where.format(row=number, column="A", header=HEADERS[0]),
                         _("'{value}' is not a case number").format(value=raw_id))
            continue
        if response_id not in known:
            problems.add(shown, where.format(row=number, column="A", header=HEADERS[0]),
                         _("case {id} is not one of this commune's cases").format(id=response_id))
            continue
        if response_id in seen:
            problems.add(shown, where.format(row=number, column="A", header=HEADERS[0]),
                         _("case {id} is also on row {other}").format(id=response_id, other=seen[response_id]))
            continue
        seen[response_id] = number
        status = parse_status(str(values[status_at] or ""))
        actor = " ".join(str(values[actor_at] or "").split())
        note = str(values[note_at] or "").strip()
        if status is None:
            problems.add(shown, where.format(row=number, column=LETTERS[status_at], header=layout[status_at]),
                         _("'{value}' is not a status: choose {choices}").format(
                             value=values[status_at] or "", choices=", ".join(register.STATUS_NAMES.values())))
            continue
        if status != register.OPEN and not actor:
            problems.add(shown, where.format(row=number, column=LETTERS[actor_at], header=layout[actor_at]),
                         _("missing: who contacted the citizen"))
        if len(note) > MAX_NOTE:
            problems.add(shown, where.format(row=number, column=LETTERS[note_at], header=layout[note_at]),
                         _("is {n} characters long; at most {max_length} are allowed").format(
                             n=len(note), max_length=MAX_NOTE))
        contact, why = contact_time(values[day_at], known[response_id].opened, when)
        if why:
            problems.add(shown, where.format(row=number, column=LETTERS[day_at], header=layout[day_at]), why)
        changes.append(register.Change(response_id, status, actor, note, when, contact))
    problems.raise_if_any(_("{file}: nothing was imported").format(file=shown))
    return commune_id, changes

"""Linking forms to a spreadsheet: the Forms API cannot do it (Form.linkedSheetId is output-only).

The layout we recommend: every commune's form feeds ONE spreadsheet, one tab per commune, the
tab named as the workspace says (commune.sheet_tab). `formkit pull` then reads all tabs in one
Sheets call. Three ways to get there:
  - the generated Apps Script (output/link-forms.gs) links every form in one run;
  - by hand in each form's Responses tab, then renaming the new tab;
  - on the embedded backend, `formkit link` does it directly.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..files import atomic_write_text
from .state import State
from ..workspace.config import Workspace

SCRIPT_NAME = "link-forms.gs"

_SCRIPT = """\
/**
 * formkit — liên kết mọi biểu mẫu của {unit} với MỘT bảng tính, mỗi xã/phường một trang tính.
 * formkit — links every form of this workspace to ONE spreadsheet, one tab per commune.
 *
 * 1. Mở https://script.google.com bằng tài khoản đã tạo biểu mẫu → "Dự án mới" (New project).
 * 2. Xóa nội dung có sẵn, dán toàn bộ tệp này, bấm Lưu (Save).
 * 3. Chọn hàm linkAllForms, bấm "Chạy" (Run) và cho phép quyền truy cập khi được hỏi.
 * 4. Xem "Nhật ký thực thi" (Execution log): mỗi xã một dòng, cuối cùng là địa chỉ bảng tính.
 * Chạy lại nhiều lần không sao: biểu mẫu đã liên kết đúng sẽ được giữ nguyên.
 * Safe to run again: forms already linked to the spreadsheet are left as they are.
 */
var SPREADSHEET_ID = {spreadsheet_id};  // '' = create a new spreadsheet; or paste an existing spreadsheet's ID
var SPREADSHEET_TITLE = {title};
var FORMS = {forms};

function linkAllForms() {{
  var created = !SPREADSHEET_ID;
  var ss = created ? SpreadsheetApp.create(SPREADSHEET_TITLE) : SpreadsheetApp.openById(SPREADSHEET_ID);
  FORMS.forEach(function (f) {{
    var form = FormApp.openById(f.formId);
    if (destinationOf(form) !== ss.getId()) {{
      form.setDestination(FormApp.DestinationType.SPREADSHEET, ss.getId());
      SpreadsheetApp.flush();
    }}
    var tab = tabOf(ss, form);
    if (tab && tab.getName() !== f.tab) tab.setName(f.tab);
    Logger.log(f.commune + ' → ' + (tab ? tab.getName() : 'KHÔNG TÌM THẤY TRANG TÍNH / tab not found'));
  }});
  if (created) removeEmptyDefaultTabs(ss);
  Logger.log('Bảng tính / spreadsheet: ' + ss.getUrl());
}}

function destinationOf(form) {{
  try {{ return form.getDestinationId(); }} catch (e) {{ return ''; }}  // no destination yet
}}

function tabOf(ss, form) {{
  var sheets = ss.getSheets();
  for (var i = 0; i < sheets.length; i++) {{
    var url = sheets[i].getFormUrl();
    if (url && (url.indexOf(form.getId()) >= 0 || url === form.getPublishedUrl() || url === form.getEditUrl())) {{
      return sheets[i];
    }}
  }}
  return null;
}}

function removeEmptyDefaultTabs(ss) {{
  ss.getSheets().forEach(function (sheet) {{
    if (!sheet.getFormUrl() && sheet.getLastRow() === 0 && ss.getSheets().length > 1) ss.deleteSheet(sheet);
  }});
}}
"""


def apps_script(ws: Workspace, state: State, spreadsheet_id: str = "") -> str:
    forms = []
    for commune in ws.communes:
        form = state.current(commune.id)
        if form is not None and form.done:
            forms.append({"commune": commune.id, "formId": form.form_id, "tab": commune.sheet_tab})
    lines = ",\n".join("  " + json.dumps(f, ensure_ascii=False) for f in forms)
    return _SCRIPT.format(
        unit=ws.unit.display_name,
        spreadsheet_id=json.dumps(spreadsheet_id),
        title=json.dumps(f"Khảo sát mức độ hài lòng — {ws.unit.display_name} (câu trả lời)", ensure_ascii=False),
        forms="[\n" + lines + "\n]",
    )


def write_apps_script(ws: Workspace, state: State, spreadsheet_id: str = "") -> Path:
    path = ws.output_dir / SCRIPT_NAME
    atomic_write_text(path, apps_script(ws, state, spreadsheet_id))
    return path


def instructions(ws: Workspace, script: Path) -> str:
    tabs = ", ".join(f"'{c.sheet_tab}'" for c in ws.communes)
    return (
        "Next: link the forms to one spreadsheet (the Forms API cannot do it).\n"
        f"  Quickest: open https://script.google.com, New project, paste {script}, run linkAllForms.\n"
        "  By hand, for each form: Responses → Link to Sheets → 'Select existing spreadsheet' (the same\n"
        f"  one for every commune), then rename the new tab to the commune's tab name: {tabs}.\n"
        "  Then `formkit status` shows the linked sheet, and `formkit pull` reads all tabs in one call."
    )


def link_local(ws: Workspace, state: State, endpoint: str, spreadsheet_id: str = "") -> list[tuple[str, str, str]]:
    """On the embedded backend, do what the Apps Script does on Google: every published form into
    one spreadsheet (created on first use), one tab per commune. Returns (commune, tab, sheet)."""
    import requests

    from ..errors import RemoteError
    from ..google.transport import bearer

    spreadsheet_id = spreadsheet_id or next(
        (f.spreadsheet_id for forms in state.communes.values() for f in forms if f.spreadsheet_id), "")
    linked = []
    for commune in ws.communes:
        form = state.current(commune.id)
        if form is None or not form.done:
            continue
        body = {"tabName": commune.sheet_tab,
                "spreadsheetTitle": f"Khảo sát mức độ hài lòng — {ws.unit.display_name} (câu trả lời)"}
        if spreadsheet_id:
            body["spreadsheetId"] = spreadsheet_id
        response = requests.post(f"{endpoint}/formkit/v1/forms/{form.form_id}:linkSheet", json=body, timeout=30,
                                 headers=bearer(endpoint, ws.local_google_dir))
        if not response.ok:
            raise RemoteError(f"linking {commune.id}'s form failed: HTTP {response.status_code} {response.text[:200]}")
        answer = response.json()
        spreadsheet_id = answer["spreadsheetId"]
        form.spreadsheet_id, form.sheet_tab = spreadsheet_id, answer["tabName"]
        state.save(form)
        linked.append((commune.id, form.sheet_tab, spreadsheet_id))
    return linked

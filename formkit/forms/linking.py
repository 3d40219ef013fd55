"""Linking forms to a spreadsheet: the Forms API cannot do it (Form.linkedSheetId is output-only).

The layout we recommend: every commune's forms feed ONE spreadsheet, one tab per form. Three
ways to get there, all ending in the same tab names (see `tab_names`), though `formkit pull`
finds each form's tab whatever it is called:
  - the generated Apps Script (output/link-forms.gs) links every form, re-runnable;
  - by hand in each form's Responses tab (Google names the tab "Câu trả lời biểu mẫu N");
  - on the embedded backend, `formkit link` does it directly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import RemoteError, UsageError
from ..files import atomic_write_text
from ..google.client import Google
from ..i18n import N_, _
from ..workspace.config import Workspace
from .state import FormRecord, State

SCRIPT_NAME = "link-forms.gs"

_SCRIPT = """\
/**
 * formkit — liên kết mọi biểu mẫu của {unit} với MỘT bảng tính, mỗi biểu mẫu một trang tính.
 * formkit — links every form of this workspace to ONE spreadsheet, one tab per form.
 *
 * 1. Mở https://script.google.com bằng tài khoản đã tạo biểu mẫu → "Dự án mới" (New project).
 * 2. Xóa nội dung có sẵn, dán toàn bộ tệp này, bấm Lưu (Save).
 * 3. Chọn hàm linkAllForms, bấm "Chạy" (Run) và cho phép quyền truy cập khi được hỏi.
 * 4. Xem "Nhật ký thực thi" (Execution log): mỗi biểu mẫu một dòng, cuối cùng là địa chỉ bảng tính.
 * Chạy lại bao nhiêu lần cũng được: bảng tính đã dùng được giữ nguyên, biểu mẫu đã liên kết không bị
 * liên kết lại; lần chạy bị dừng vì quá 6 phút sẽ được lần chạy sau làm tiếp.
 * Run it as often as you like: the spreadsheet the forms already feed is reused, linked forms are
 * left as they are, and a run stopped by the 6-minute limit is finished by the next run.
 */
var SPREADSHEET_ID = {spreadsheet_id};  // '' = the one the forms already feed, else a new one
var SPREADSHEET_TITLE = {title};
var FORMS = {forms};
var TIME_BUDGET_MS = 5 * 60 * 1000;  // stop cleanly before Apps Script's 6-minute limit
var PROBE_FORMS = 25;  // forms asked for their destination when no spreadsheet is known yet

function linkAllForms() {{
  var started = Date.now();
  var properties = PropertiesService.getScriptProperties();
  var ss = findSpreadsheet(properties);
  properties.setProperty('spreadsheetId', ss.getId());
  // One pass over the tabs: which form feeds which tab (getFormUrl names the form).
  var tabs = {{}};
  ss.getSheets().forEach(function (sheet) {{
    var id = formIdOf(sheet.getFormUrl());
    if (id) tabs[id] = sheet;
  }});
  var linked = 0, renamed = 0;
  for (var i = 0; i < FORMS.length; i++) {{
    var f = FORMS[i];
    if (Date.now() - started > TIME_BUDGET_MS) {{
      Logger.log('Dừng trước giới hạn 6 phút: còn ' + (FORMS.length - i) + ' biểu mẫu, hãy chạy lại. / ' +
                 'Stopped before the 6-minute limit: ' + (FORMS.length - i) + ' forms left, run again.');
      return;
    }}
    var tab = tabs[f.formId] || tabs[f.publishedId];
    if (!tab) {{
      var form = FormApp.openById(f.formId);
      form.setDestination(FormApp.DestinationType.SPREADSHEET, ss.getId());
      SpreadsheetApp.flush();
      tab = ss.getSheets()[0];  // Google puts the new tab first
      if (formIdOf(tab.getFormUrl()) !== f.formId && formIdOf(tab.getFormUrl()) !== f.publishedId) {{
        Logger.log(f.commune + ': ' + f.formId + ' → KHÔNG THẤY TRANG TÍNH MỚI / new tab not found');
        continue;
      }}
      tabs[f.formId] = tab;
      linked++;
    }}
    if (tab.getName() !== f.tab) {{
      try {{
        tab.setName(f.tab);
        renamed++;
      }} catch (e) {{  // the name is taken by another tab: formkit pull finds the tab anyway
        Logger.log(f.commune + ': tên "' + f.tab + '" đã có, giữ "' + tab.getName() + '" / name taken, kept');
      }}
    }}
    Logger.log(f.commune + ' → ' + tab.getName());
  }}
  if (properties.getProperty('cleanedUp') !== ss.getId()) {{  // once: a tab the user adds later stays
    removeEmptyDefaultTab(ss);
    properties.setProperty('cleanedUp', ss.getId());
  }}
  Logger.log('Liên kết mới / newly linked: ' + linked + '; đổi tên / renamed: ' + renamed);
  Logger.log('Bảng tính / spreadsheet: ' + ss.getUrl());
}}

function findSpreadsheet(properties) {{
  var ss = openSpreadsheet(SPREADSHEET_ID) || openSpreadsheet(properties.getProperty('spreadsheetId'));
  for (var i = 0; !ss && i < FORMS.length && i < PROBE_FORMS; i++) {{
    ss = openSpreadsheet(destinationOf(FORMS[i].formId));
  }}
  return ss || SpreadsheetApp.create(SPREADSHEET_TITLE);
}}

function openSpreadsheet(id) {{
  if (!id) return null;
  try {{ return SpreadsheetApp.openById(id); }} catch (e) {{ return null; }}  // deleted or not shared
}}

function destinationOf(formId) {{
  try {{ return FormApp.openById(formId).getDestinationId(); }} catch (e) {{ return ''; }}  // unset: throws
}}

function formIdOf(url) {{
  var match = /\\/forms\\/d\\/(?:e\\/)?([^\\/?#]+)/.exec(url || '');
  return match ? match[1] : '';
}}

function removeEmptyDefaultTab(ss) {{
  var sheets = ss.getSheets();
  for (var i = 0; i < sheets.length && ss.getSheets().length > 1; i++) {{
    if (!sheets[i].getFormUrl() && sheets[i].getLastRow() === 0) ss.deleteSheet(sheets[i]);
  }}
}}
"""


def tab_names(ws: Workspace, state: State) -> list[tuple[str, FormRecord, str]]:
    """(commune id, form, tab name) for every published form, old versions too. The rule: a
    commune's first form gets the commune's sheet_tab; each later form (a new template version)
    gets "<sheet_tab> (v<version>)", and ", <n>" inside the brackets if that is taken."""
    named = []
    for commune in ws.communes:
        used: set[str] = set()
        for n, form in enumerate(state.forms(commune.id), start=1):
            if not form.done:
                continue
            name = commune.sheet_tab if not used else f"{commune.sheet_tab} (v{form.template_version})"
            if name in used:
                name = f"{commune.sheet_tab} (v{form.template_version}, {n})"
            used.add(name)
            named.append((commune.id, form, name))
    return named


def js_string(value: str) -> str:
    """A JavaScript string literal: JSON's escapes, plus the two line separators JSON leaves raw."""
    return json.dumps(value, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def comment_text(value: str) -> str:
    """Text safe inside a /* */ comment: on one line, and no '*/' to end the comment early."""
    flat = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", value)
    while "*/" in flat:
        flat = flat.replace("*/", "* /")
    return flat


def _published_id(form: FormRecord) -> str:
    match = re.search(r"/forms/d/e/([^/?#]+)", form.responder_uri)
    return match.group(1) if match else ""


def apps_script(ws: Workspace, state: State, spreadsheet_id: str = "") -> str:
    named = tab_names(ws, state)
    forms = [{"commune": cid, "formId": form.form_id, "publishedId": _published_id(form), "tab": tab}
             for cid, form, tab in named]
    if not spreadsheet_id:  # what a pull saw the forms feed, if any
        spreadsheet_id = next((form.spreadsheet_id for _commune, form, _tab in named if form.spreadsheet_id), "")
    lines = ",\n".join("  {" + ", ".join(f"{js_string(k)}: {js_string(v)}" for k, v in f.items()) + "}"
                       for f in forms)
    return _SCRIPT.format(
        unit=comment_text(ws.unit.display_name),
        spreadsheet_id=js_string(spreadsheet_id),
        title=js_string(spreadsheet_title(ws)),
        forms="[\n" + lines + "\n]",
    )


def spreadsheet_title(ws: Workspace) -> str:
    return f"Khảo sát mức độ hài lòng — {ws.unit.display_name} (câu trả lời)"


def _require_forms(ws: Workspace, state: State) -> list[tuple[str, FormRecord, str]]:
    named = tab_names(ws, state)
    if not named:
        raise UsageError(_("no published form to link yet: run `formkit create` first"))
    return named


def write_apps_script(ws: Workspace, state: State, spreadsheet_id: str = "") -> Path:
    _require_forms(ws, state)
    path = ws.output_dir / SCRIPT_NAME
    atomic_write_text(path, apps_script(ws, state, spreadsheet_id))
    return path


def instructions(ws: Workspace, script: Path) -> str:
    return _(
        "Next: link the forms to one spreadsheet (the Forms API cannot do it).\n"
        "  Quickest: open https://script.google.com, New project, paste {script}, run linkAllForms\n"
        "  (run it again after `create --new-version`, or if it stopped at the 6-minute limit).\n"
        "  By hand, for each form: Responses → Link to Sheets → 'Select existing spreadsheet' (the same\n"
        "  one for every commune); the tab names Google gives are fine, `formkit pull` finds each form's tab.\n"
        "  Then `formkit status` shows the linked sheet, and `formkit pull` reads the answers."
    ).format(script=script)


LOCAL_INSTRUCTIONS = N_("Next: `formkit link` links every form to one spreadsheet on this embedded backend.")


def link_local(ws: Workspace, state: State, google: Google, spreadsheet_id: str = "",
               google_names: bool = False) -> list[tuple[str, str, str]]:
    """On the embedded backend, do what the Apps Script does on Google: every published form into
    one spreadsheet (created on first use), tabs named by `tab_names` (or left with the names
    Google gives, `google_names`). Returns (commune, tab, spreadsheet) per form."""
    named = _require_forms(ws, state)
    spreadsheet_id = spreadsheet_id or next((f.spreadsheet_id for _commune, f, _tab in named if f.spreadsheet_id), "")
    linked = []
    try:
        for commune_id, form, tab in named:
            body = {"spreadsheetTitle": spreadsheet_title(ws)}
            if not google_names:
                body["tabName"] = tab
            if spreadsheet_id:
                body["spreadsheetId"] = spreadsheet_id
            try:
                answer = google.link_sheet(form.form_id, body)
            except RemoteError as exc:
                raise RemoteError(_("linking {commune}'s form failed: {error}").format(
                    commune=commune_id, error=exc)) from exc
            spreadsheet_id = answer["spreadsheetId"]
            form.spreadsheet_id = spreadsheet_id
            form.sheet_tab, form.sheet_tab_id = answer["tabName"], answer["sheetId"]
            linked.append((commune_id, form.sheet_tab, spreadsheet_id))
    finally:
        # Once, not per form (the state file of a province is megabytes): linking again is a no-op on
        # the backend, so a run killed before this line is finished by the next one.
        if linked:
            state.save()
    return linked

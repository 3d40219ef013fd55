"""Linking forms to a spreadsheet: the Forms API cannot do it (Form.linkedSheetId is output-only).

The layout we recommend: the communes in groups, each group's forms feeding one spreadsheet, one
tab per form. A spreadsheet holds at most 10,000,000 cells, blank grid cells included, and a form's
tab grows a row per answer: a group is as many communes as fill half of that with `[link] years`
of answers at `[link] answers_per_quarter` (see `spreadsheet_groups`), so none comes near the limit
in the life planned for it, and `formkit status` warns well before one does. Three ways to get
there, all ending in the same tab names (see `tab_names`), though `formkit pull` finds each
form's tab whatever it is called:
  - the generated Apps Script (output/link-forms.gs) links every form, re-runnable;
  - by hand in each form's Responses tab (Google names the tab "Câu trả lời biểu mẫu N");
  - on the embedded backend, `formkit link` does it directly.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RemoteError, UsageError
from ..files import atomic_write_text
from ..google.client import Google
from ..i18n import N_, _
from ..workspace.config import Workspace
from .state import FormRecord, State

SCRIPT_NAME = "link-forms.gs"
CELL_LIMIT = 10_000_000  # cells in one spreadsheet, blank grid cells included (Google Drive)
PLAN_FILL = 0.5  # a group's planned answers fill at most this share of it
# A form-made tab: about 100 rows to start, a row per answer; its columns are the time, one per
# question, and some spare (a real one: 12 columns for a 6-column header). See docs/google-behaviour.md.
FORM_TAB_ROWS, SPARE_COLUMNS = 100, 6

_SCRIPT = """\
/**
 * formkit — liên kết mọi biểu mẫu của {unit} với bảng tính của nhóm xã mình, mỗi biểu mẫu một trang tính.
 * formkit — links every form of this workspace to its group's spreadsheet, one tab per form
 * (a spreadsheet holds at most 10,000,000 cells: a group is as many communes as fit for years).
 *
 * 1. Mở https://script.google.com bằng tài khoản đã tạo biểu mẫu → "Dự án mới" (New project).
 * 2. Xóa nội dung có sẵn, dán toàn bộ tệp này, bấm Lưu (Save).
 * 3. Chọn hàm linkAllForms, bấm "Chạy" (Run) và cho phép quyền truy cập khi được hỏi.
 * 4. Xem "Nhật ký thực thi" (Execution log): mỗi biểu mẫu một dòng, cuối cùng là địa chỉ bảng tính.
 * Chạy lại bao nhiêu lần cũng được: bảng tính đã dùng được giữ nguyên, biểu mẫu đã liên kết không bị
 * liên kết lại; lần chạy bị dừng vì quá 6 phút sẽ được lần chạy sau làm tiếp.
 * Run it as often as you like: the spreadsheets the forms already feed are reused, linked forms are
 * left as they are, and a run stopped by the 6-minute limit is finished by the next run.
 */
// One per group of communes: id '' = the one the group's forms already feed, else a new one
var SPREADSHEETS = {spreadsheets};
var FORMS = {forms};
var TIME_BUDGET_MS = 5 * 60 * 1000;  // stop cleanly before Apps Script's 6-minute limit
var PROBE_FORMS = 25;  // forms asked for their destination when no spreadsheet is known yet

function linkAllForms() {{
  var started = Date.now();
  var properties = PropertiesService.getScriptProperties();
  var books = {{}};  // group -> {{ss, tabs}}, opened when the group's first form comes
  var linked = 0, renamed = 0;
  for (var i = 0; i < FORMS.length; i++) {{
    var f = FORMS[i];
    if (Date.now() - started > TIME_BUDGET_MS) {{
      Logger.log('Dừng trước giới hạn 6 phút: còn ' + (FORMS.length - i) + ' biểu mẫu, hãy chạy lại. / ' +
                 'Stopped before the 6-minute limit: ' + (FORMS.length - i) + ' forms left, run again.');
      return;
    }}
    var group = f.group || 0;
    var book = books[group] || (books[group] = openBook(properties, group));
    var ss = book.ss, tabs = book.tabs;
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
  Logger.log('Liên kết mới / newly linked: ' + linked + '; đổi tên / renamed: ' + renamed);
  for (var g in books) {{
    var done = books[g].ss;
    var cleaned = properties.getProperty('cleanedUp') || '';
    if ((',' + cleaned + ',').indexOf(',' + done.getId() + ',') < 0) {{  // once: a tab added later stays
      removeEmptyDefaultTab(done);
      properties.setProperty('cleanedUp', cleaned ? cleaned + ',' + done.getId() : done.getId());
    }}
    Logger.log('Bảng tính / spreadsheet ' + (Number(g) + 1) + ': ' + done.getUrl());
  }}
}}

function openBook(properties, group) {{
  var ss = findSpreadsheet(properties, group);
  properties.setProperty(propertyKey(group), ss.getId());
  // One pass over its tabs: which form feeds which tab (getFormUrl names the form).
  var tabs = {{}};
  ss.getSheets().forEach(function (sheet) {{
    var id = formIdOf(sheet.getFormUrl());
    if (id) tabs[id] = sheet;
  }});
  return {{ss: ss, tabs: tabs}};
}}

function propertyKey(group) {{
  return group ? 'spreadsheetId.' + group : 'spreadsheetId';
}}

function findSpreadsheet(properties, group) {{
  var spec = SPREADSHEETS[group] || SPREADSHEETS[0];
  var ss = openSpreadsheet(spec.id) || openSpreadsheet(properties.getProperty(propertyKey(group)));
  for (var i = 0, probed = 0; !ss && i < FORMS.length && probed < PROBE_FORMS; i++) {{
    if ((FORMS[i].group || 0) !== group) continue;
    probed++;
    ss = openSpreadsheet(destinationOf(FORMS[i].formId));
  }}
  return ss || SpreadsheetApp.create(spec.title);
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


@dataclass
class Group:
    """Communes whose forms feed one spreadsheet."""

    index: int
    title: str
    spreadsheet_id: str = ""  # as the state has it (a pull or `formkit link` saw it); "" = not yet made
    forms: list[tuple[str, FormRecord, str]] = field(default_factory=list)  # (commune, form, tab name)


def cells_per_commune(ws: Workspace) -> int:
    """The grid cells one commune's tab reaches after `plan_years` of answers."""
    columns = 1 + len(ws.template.questions) + SPARE_COLUMNS
    return (FORM_TAB_ROWS + ws.answers_per_quarter * 4 * ws.plan_years) * columns


def communes_per_spreadsheet(ws: Workspace) -> int:
    return max(1, int(CELL_LIMIT * PLAN_FILL) // cells_per_commune(ws))


def spreadsheet_groups(ws: Workspace, state: State, spreadsheet_id: str = "") -> list[Group]:
    """The communes in workspace order, `communes_per_spreadsheet` to a group (a commune's old
    form versions with it). Stable while communes are added at the end; a group's spreadsheet is
    the one its forms were last seen feeding (so a province linked to one spreadsheet before
    stays as it is until its communes are moved: `formkit status` says when), or `spreadsheet_id`
    for a workspace of one group."""
    size = communes_per_spreadsheet(ws)
    order = {c.id: i for i, c in enumerate(ws.communes)}
    groups: dict[int, Group] = {}
    count = -(-len(ws.communes) // size)
    for commune_id, form, tab in tab_names(ws, state):
        index = order[commune_id] // size
        group = groups.setdefault(index, Group(index, spreadsheet_title(ws, index if count > 1 else None)))
        group.forms.append((commune_id, form, tab))
    for group in groups.values():
        seen = Counter(form.spreadsheet_id for _, form, _ in group.forms if form.spreadsheet_id)
        group.spreadsheet_id = seen.most_common(1)[0][0] if seen else ""
    if spreadsheet_id and count > 1:
        raise UsageError(_("--spreadsheet names one spreadsheet, but this workspace's communes need {n} ({size} "
                           "each, see [link] in formkit.toml); leave it out").format(n=count, size=size))
    if spreadsheet_id:
        for group in groups.values():
            group.spreadsheet_id = spreadsheet_id
    return [groups[k] for k in sorted(groups)]


def apps_script(ws: Workspace, state: State, spreadsheet_id: str = "") -> str:
    groups = spreadsheet_groups(ws, state, spreadsheet_id)
    forms = [({"commune": cid, "formId": form.form_id, "publishedId": _published_id(form), "tab": tab}, position)
             for position, group in enumerate(groups) for cid, form, tab in group.forms]
    lines = ",\n".join("  {" + ", ".join(f"{js_string(k)}: {js_string(v)}" for k, v in f.items())
                       + f', "group": {position}}}' for f, position in forms)
    books = ",\n".join(f"  {{\"id\": {js_string(g.spreadsheet_id)}, \"title\": {js_string(g.title)}}}" for g in groups)
    return _SCRIPT.format(
        unit=comment_text(ws.unit.display_name),
        spreadsheets="[\n" + books + "\n]",
        forms="[\n" + lines + "\n]",
    )


def spreadsheet_title(ws: Workspace, group: int | None = None) -> str:
    if group is None:
        return f"Khảo sát mức độ hài lòng — {ws.unit.display_name} (câu trả lời)"
    return f"Khảo sát mức độ hài lòng — {ws.unit.display_name} (câu trả lời, nhóm {group + 1})"


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
    size = communes_per_spreadsheet(ws)
    return _(
        "Next: link the forms to their spreadsheets (the Forms API cannot do it): {size} communes at most\n"
        "  share one, in the order of formkit.toml (a spreadsheet holds at most 10,000,000 cells).\n"
        "  Quickest: open https://script.google.com, New project, paste {script}, run linkAllForms\n"
        "  (run it again after `create --new-version`, or if it stopped at the 6-minute limit).\n"
        "  By hand, for each form: Responses → Link to Sheets → 'Select existing spreadsheet' (the same\n"
        "  one for every commune of a group); the tab names Google gives are fine, `formkit pull` finds\n"
        "  each form's tab. Then `formkit status` shows the linked sheets, and `formkit pull` reads the answers."
    ).format(script=script, size=size)


LOCAL_INSTRUCTIONS = N_("Next: `formkit link` links every form to its group's spreadsheet on this embedded backend.")


def link_local(ws: Workspace, state: State, google: Google, spreadsheet_id: str = "",
               google_names: bool = False) -> list[tuple[str, str, str]]:
    """On the embedded backend, do what the Apps Script does on Google: every published form into
    its group's spreadsheet (created on first use), tabs named by `tab_names` (or left with the names
    Google gives, `google_names`). Returns (commune, tab, spreadsheet) per form."""
    _require_forms(ws, state)
    linked = []
    try:
        for group in spreadsheet_groups(ws, state, spreadsheet_id):
            sheet = group.spreadsheet_id
            for commune_id, form, tab in group.forms:
                body = {"spreadsheetTitle": group.title}
                if not google_names:
                    body["tabName"] = tab
                if sheet:
                    body["spreadsheetId"] = sheet
                try:
                    answer = google.link_sheet(form.form_id, body)
                except RemoteError as exc:
                    raise RemoteError(_("linking {commune}'s form failed: {error}").format(
                        commune=commune_id, error=exc)) from exc
                sheet = answer["spreadsheetId"]
                form.spreadsheet_id = sheet
                form.sheet_tab, form.sheet_tab_id = answer["tabName"], answer["sheetId"]
                linked.append((commune_id, form.sheet_tab, sheet))
    finally:
        # Once, not per form (the state file of a province is megabytes): linking again is a no-op on
        # the backend, so a run killed before this line is finished by the next one.
        if linked:
            state.save()
    return linked

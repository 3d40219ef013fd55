"""`formkit pull`: every commune form's responses into the local store, with as few calls as can be.

Per form one forms.get tells whether it feeds a sheet (linkedSheetId). Linked forms are read from
their tabs: all tabs of one spreadsheet in ONE values:batchGet, whatever the number of communes,
and the whole tab every time (the store keeps only what is new). Unlinked forms are read with
forms.responses.list from the newest second already stored (`timestamp >=` that second, so the
second is whole again for the store's key). Nothing is stored when a tab cannot be read: the
problems are raised together, before any store write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Problems, RemoteError
from ..google.client import Google
from ..google.retry import describe
from ..forms.state import FormRecord, State
from ..workspace.templates import Template, load_template
from ..workspace.config import Commune, Workspace
from .columns import FormShape, read_table, title_key
from .store import ResponseRow, ResponseStore
from .timestamps import parse_rfc3339, rfc3339_utc


@dataclass
class PullResult:
    added: dict[str, int] = field(default_factory=dict)  # commune id -> responses new to the store
    source: dict[str, str] = field(default_factory=dict)  # commune id -> "sheet" | "api" (its current form)
    warnings: list[str] = field(default_factory=list)
    spreadsheets: int = 0  # Sheets API reads made


@dataclass
class _Job:
    commune: Commune
    form: FormRecord
    shape: FormShape
    sheet: str  # the linked spreadsheet; "" = read through the Forms API
    tab: str = ""
    tab_from_state: bool = False


def pull(ws: Workspace, state: State, google: Google, store: ResponseStore, commune_ids=()) -> PullResult:
    """Every form (old versions too) of the selected communes into `store`. `source` tells how
    each commune's current form was read; communes without a published form are only in `added`.
    The state file gains each form's linked spreadsheet and newest response time."""
    communes = ws.select(commune_ids)
    state.check_backend([c.id for c in communes], google.backend)
    result = PullResult({c.id: 0 for c in communes})
    jobs = _plan(ws, state, google, communes, result)
    sheet_rows = _read_sheets(google, [j for j in jobs if j.sheet], result)
    changed = False
    for job in jobs:
        rows = sheet_rows[id(job)] if job.sheet else _read_api(google, store, job, result)
        result.added[job.commune.id] += store.add(rows, job.shape.template)
        changed |= _remember(job, store)
    if changed:
        state.save()
    return result


def _plan(ws: Workspace, state: State, google: Google, communes: list[Commune], result: PullResult) -> list[_Job]:
    """One forms.get per form: linked to a sheet or not, and which tab."""
    templates: dict[str, Template] = {}
    jobs = []
    for commune in communes:
        forms = [f for f in state.forms(commune.id) if f.form_id]
        if not forms:
            result.warnings.append(f"{commune.id}: no form yet; run `formkit create`")
        for form in forms:
            if not form.done:
                result.warnings.append(f"{commune.id}: form {form.form_id} is not published yet; run `formkit create`")
                continue
            if form.template not in templates:
                templates[form.template] = load_template(form.template, ws.root)
            sheet = google.get_form(form.form_id, fields="linkedSheetId").get("linkedSheetId", "")
            job = _Job(commune, form, FormShape.from_record(commune.id, form, templates[form.template]), sheet)
            if sheet:
                # A tab recorded at linking time belongs to that spreadsheet only.
                job.tab_from_state = bool(form.sheet_tab) and form.spreadsheet_id in ("", sheet)
                job.tab = form.sheet_tab if job.tab_from_state else commune.sheet_tab
            jobs.append(job)
            result.source[commune.id] = "sheet" if sheet else "api"
    return jobs


def _read_sheets(google: Google, jobs: list[_Job], result: PullResult) -> dict[int, list[ResponseRow]]:
    """ONE batchGet per spreadsheet; every problem of every tab raised together."""
    by_sheet: dict[str, list[_Job]] = {}
    for job in jobs:
        by_sheet.setdefault(job.sheet, []).append(job)
    problems = Problems()
    rows: dict[int, list[ResponseRow]] = {}
    for sheet, group in by_sheet.items():
        tabs = list(dict.fromkeys(j.tab for j in group))
        for tab in tabs:
            sharing = [f"{j.commune.id} ({j.form.form_id})" for j in group if j.tab == tab]
            if len(sharing) > 1:
                problems.add(f"spreadsheet {sheet}", f"tab '{tab}'",
                             f"forms {', '.join(sharing)} would all be read from this one tab; each form needs "
                             "its own tab")
        if len(tabs) < len(group):
            continue
        ranges = _batch_get(google, sheet, group, tabs, result, problems)
        if ranges is None:
            continue
        for job, value_range in zip(group, ranges):
            where = f"{job.commune.id} (tab '{job.tab}')"
            got, warnings, bad = read_table(job.shape, value_range.get("values", []), "sheet", where,
                                            f"spreadsheet {sheet}", f"tab '{job.tab}', ")
            rows[id(job)] = got
            result.warnings.extend(warnings)
            problems.extend(bad)
    problems.raise_if_any("the response sheet cannot be read; nothing was stored")
    return rows


def _batch_get(google: Google, sheet: str, group: list[_Job], tabs: list[str], result: PullResult,
               problems: Problems) -> list[dict] | None:
    result.spreadsheets += 1
    try:
        return google.read_tabs(sheet, tabs)
    except RemoteError as exc:
        failure = describe(exc.__cause__) if exc.__cause__ is not None else None
        if failure is None or failure.status != 400:
            raise
        # Google says only "Unable to parse range": ask for the tab list, never guess a tab.
        result.spreadsheets += 1
        existing = google.tab_titles(sheet)
        missing = [j for j in group if j.tab not in existing]
        if not missing:
            raise
        listed = ", ".join(f"'{t}'" for t in existing) or "none"
        for job in missing:
            how = (f"rename the tab back to '{job.tab}' (the name recorded when the form was linked)"
                   if job.tab_from_state else
                   f"rename the commune's tab to '{job.tab}', or set sheet_tab = \"<its name>\" for the commune "
                   f"id = \"{job.commune.id}\" in formkit.toml")
            twin = next((t for t in existing if title_key(t) == title_key(job.tab)), None)
            if twin is not None:  # NFD from a Mac, a stray space: looks right, is not the same name
                how = f"the tab '{twin}' looks the same but is typed differently: retype its name as '{job.tab}'"
            problems.add(f"spreadsheet {sheet}", f"commune {job.commune.id}",
                         f"no tab '{job.tab}' (the spreadsheet's tabs: {listed}); {how}")
        return None


def _read_api(google: Google, store: ResponseStore, job: _Job, result: PullResult) -> list[ResponseRow]:
    """Responses from the newest stored second on; all of them the first time."""
    latest = store.latest(job.commune.id, job.form.form_id)
    by_question = {q.question_id: qid for qid, q in job.form.questions.items()}
    rows, unknown = [], set()
    for response in google.responses(job.form.form_id, since=rfc3339_utc(latest) if latest else None,
                                     fields="responseId,createTime,lastSubmittedTime,answers"):
        answers = {}
        for key, answer in (response.get("answers") or {}).items():
            qid = by_question.get(answer.get("questionId", key))
            if qid is None:
                unknown.add(answer.get("questionId", key))
                continue
            values = [a.get("value", "") for a in (answer.get("textAnswers") or {}).get("answers", [])]
            answers[qid] = ", ".join(values)  # as the linked sheet writes a checkbox answer
        stamp = response.get("lastSubmittedTime") or response.get("createTime")
        try:
            submitted = parse_rfc3339(stamp)
        except (TypeError, ValueError) as exc:
            raise RemoteError(f"forms.responses.list: response {response.get('responseId')} of form "
                              f"{job.form.form_id} has no usable time ({stamp!r})") from exc
        rows.append(job.shape.row("api", submitted, answers))
    if unknown:
        result.warnings.append(f"{job.commune.id}: form {job.form.form_id} has answers to question(s) "
                               f"{', '.join(sorted(unknown))} that the state does not know; ignored")
    return rows


def _remember(job: _Job, store: ResponseStore) -> bool:
    """Record the linked spreadsheet and the newest response in the state (for `formkit status`)."""
    form, before = job.form, (job.form.spreadsheet_id, job.form.sheet_tab, job.form.last_pulled)
    if job.sheet and job.sheet != form.spreadsheet_id:
        form.spreadsheet_id = job.sheet
        if not job.tab_from_state:
            form.sheet_tab = ""  # recorded for the spreadsheet the form fed before
    latest = store.latest(job.commune.id, form.form_id)
    if latest:
        form.last_pulled = rfc3339_utc(latest)
    return (form.spreadsheet_id, form.sheet_tab, form.last_pulled) != before

"""`formkit create`: one published form per commune that anyone with the link may answer, in 3
Forms API calls and 1 Drive call each, safe to interrupt.

Per commune: forms.create (title only, unpublished) → one forms.batchUpdate with every item
(our own item IDs, bottom-up so section jumps name sections already made; the form comes back
with it) → forms.setPublishSettings → drive.permissions.create "anyone with the link may answer".
That 4th call is needed because in Google's publishing model publishing does not say who may
respond: responders are Drive permissions (view "published"), and a form only a domain's
signed-in users may answer is useless to citizens who scan with Zalo. Granting the same
permission again changes nothing, so a fresh form skips the permissions.list check.
The state file is written before the first call and after each one; a re-run finishes what an
interrupted run left, and never makes a second form:
  pending   → the nonce in the Drive file name finds a form whose creation was not recorded
  created   → forms.get tells whether the batchUpdate already happened
  built     → publishing again is harmless
  published → permissions.list tells whether anyone may already answer (responders recorded: done)
Extra calls are spent only on that recovery, and on updating the officer/field dropdowns of an
existing form when the workspace lists different officers or fields (forms.get + batchUpdate).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import Problems, RemoteError
from ..files import atomic_write_json
from ..google.backend import Backend
from ..google.client import Google
from ..i18n import _, ngettext
from ..workspace.config import Commune, Workspace
from .formspec import ANYONE_MAY_ANSWER, FormBodies, build_bodies, check_commune, responders
from .state import FormRecord, QuestionRecord, State

Report = Callable[[str], None]
Action = Literal["create", "resume", "update-options", "done", "blocked", "refused"]  # refused: outcomes only


@dataclass
class PlanLine:
    commune: Commune
    action: Action
    detail: str = ""
    form: FormRecord | None = None
    bodies: FormBodies | None = field(default=None, repr=False)


def plan(ws: Workspace, state: State, commune_ids=(), new_version: bool = False,
         backend: Backend | None = None) -> list[PlanLine]:
    """What `create` would do for each selected commune. Raises before any remote call when the
    workspace cannot make valid forms or the state belongs to another backend."""
    communes = ws.select(commune_ids)
    problems = Problems()
    for commune in communes:
        check_commune(ws.template, commune, problems, ws.unit)
    problems.raise_if_any("the workspace cannot make valid forms")
    if backend:
        state.check_backend([c.id for c in communes], backend)
    return [_plan_commune(ws, c, state.current(c.id), new_version) for c in communes]


def _plan_commune(ws: Workspace, commune: Commune, current: FormRecord | None, new_version: bool) -> PlanLine:
    template = ws.template
    nonce = current.nonce if current and not current.done else secrets.token_hex(3)
    bodies = build_bodies(template, commune, ws.unit, nonce)
    line = PlanLine(commune, "done", "", current, bodies)
    if current is None:
        line.action, line.detail = "create", f"{template.id} v{template.version}"
        return line
    same_template = (current.template, current.template_version) == (template.id, template.version)
    if not current.done:
        if same_template:
            line.action, line.detail = "resume", _("finish from step '{step}'").format(step=current.step)
        else:
            line.action = "blocked"
            line.detail = _("an unfinished {template} v{version} form exists; set that template back and re-run "
                            "to finish it first").format(template=current.template, version=current.template_version)
    elif not same_template:
        if new_version:
            line.action = "create"
            line.detail = _("new form for {template} v{version} beside {old} v{old_version}, which keeps its "
                            "answers").format(template=template.id, version=template.version, old=current.template,
                                              old_version=current.template_version)
        else:
            line.action = "blocked"
            line.detail = _("its form uses {old} v{old_version} but the workspace says {template} v{version}; "
                            "`formkit create --new-version` makes a new form beside the old one (which keeps its "
                            "answers)").format(old=current.template, old_version=current.template_version,
                                               template=template.id, version=template.version)
    elif not current.responders:  # published before formkit checked who may answer
        line.action, line.detail = "resume", _("let anyone with the link answer")
    elif bodies.officer_options != current.officer_options or list(bodies.field_options) != current.field_options:
        line.action, line.detail = "update-options", _("the officer or field list changed")
    else:
        line.detail = _("already created")
    return line


def write_dry_run(lines: list[PlanLine], out_dir: Path) -> list[Path]:
    """The exact request bodies, one file per call, calling nothing."""
    written = []
    for line in lines:
        if line.action not in ("create", "resume") or line.bodies is None:
            continue
        base = out_dir / line.commune.id
        for name, body in (("1-forms.create", line.bodies.create), ("2-forms.batchUpdate", line.bodies.batch_update),
                           ("3-forms.setPublishSettings", line.bodies.publish),
                           ("4-drive.permissions.create", ANYONE_MAY_ANSWER)):
            atomic_write_json(base / f"{name}.json", body)
            written.append(base / f"{name}.json")
    return written


@dataclass
class Outcome:
    commune: Commune
    action: Action  # the plan's action, or "refused": Google would not let anyone answer the form
    form: FormRecord | None
    refusal: str = ""  # why, for "refused"


class RespondersRefused(RemoteError):
    """Google would not let anyone with the link answer one commune's form."""


def run(ws: Workspace, state: State, google: Google, lines: list[PlanLine], report: Report = print) -> list[Outcome]:
    """Every selected commune; one whose form Google will not open to anyone stops there (it is
    published but not answerable from Zalo) as a "refused" outcome, and the others go on."""
    outcomes = []
    for line in lines:
        if line.action in ("done", "blocked"):
            outcomes.append(Outcome(line.commune, line.action, line.form))
            continue
        if line.action == "update-options":
            _update_options(state, google, line, report)
        else:
            form = line.form if line.action == "resume" else None
            assert line.bodies is not None  # every line to create or resume was planned with its bodies
            try:
                line.form = _build(ws, state, google, line.commune, line.bodies, form, report)
            except RespondersRefused as exc:
                outcomes.append(Outcome(line.commune, "refused", state.current(line.commune.id), str(exc)))
                continue
        outcomes.append(Outcome(line.commune, line.action, line.form))
    return outcomes


def _build(ws: Workspace, state: State, google: Google, commune: Commune, bodies: FormBodies,
           form: FormRecord | None, report: Report) -> FormRecord:
    fresh = form is None  # made in this run: nothing to look for after a crash
    if form is None:
        form = FormRecord(ws.template.id, ws.template.version, google.backend.key,
                          bodies.create["info"]["documentTitle"], nonce=bodies.nonce)
        state.add(commune.id, form)
        state.save(form)  # the nonce is on disk before Google hears of the form
    if form.step == "pending":
        found = None if fresh else _find_orphan_patiently(google, state, form)
        created = found or google.create_form(bodies.create,
                                              recover=lambda: _find_orphan_patiently(google, state, form))
        form.form_id = created["formId"]
        form.responder_uri = created.get("responderUri", "")
        form.step = "created"
        state.save(form)
        report((_("{commune}: form {form} found again") if found else _("{commune}: form {form} created"))
               .format(commune=commune.id, form=form.form_id))
    if form.step == "created":
        existing = None if fresh else _built_form(google, form, bodies)
        answer = {"form": existing} if existing else google.batch_update(
            form.form_id, bodies.batch_update, recover=lambda: _wrap(_built_form(google, form, bodies)))
        _record_items(form, bodies, answer["form"], google.backend)
        form.step = "built"
        state.save(form)
        report((ngettext("{commune}: {n} question found in place", "{commune}: {n} questions found in place",
                         len(form.questions)) if existing else
                ngettext("{commune}: {n} question added", "{commune}: {n} questions added", len(form.questions)))
               .format(commune=commune.id, n=len(form.questions)))
    if form.step == "built":
        google.publish(form.form_id, bodies.publish)
        form.step = "published"
        state.save(form)
        report(_("{commune}: published — {url}").format(commune=commune.id, url=form.responder_uri))
    if form.step == "published" and not form.responders:
        form.responders = _let_anyone_answer(google, commune, form, check_first=not fresh)
        state.save(form)
        report(_("{commune}: anyone with the link may answer").format(commune=commune.id))
    return form


def _let_anyone_answer(google: Google, commune: Commune, form: FormRecord, check_first: bool) -> str:
    if check_first and responders(google.responder_permissions(form.form_id)) == "anyone":
        return "anyone"
    try:
        google.add_permission(form.form_id, ANYONE_MAY_ANSWER)
    except RemoteError as exc:
        raise RespondersRefused(_(
            "{commune}: Google would not let anyone with the link answer form {form} ({error}). "
            "The form is published, but citizens who scan with Zalo cannot sign in, so they could not answer. "
            "This is usually a Google Workspace policy of the account's organisation: ask its administrator "
            "to let forms take answers from anyone with the link (Admin console → Apps → Google Workspace → "
            "Drive and Docs, and Forms), or use the commune's own Google account; then run `formkit create` "
            "again, which finishes this commune without making a new form.").format(
                commune=commune.id, form=form.form_id, error=exc)) from None
    return "anyone"


def _wrap(form: dict | None) -> dict | None:
    return {"form": form} if form else None


# Drive's search is not read-after-write consistent: a form made a moment ago may not be found yet.
# Search again after 1, 2 and 4 s (scaled like every retry) before concluding there is none.
ORPHAN_SEARCH_WAITS = (1.0, 2.0, 4.0)


def _find_orphan_patiently(google: Google, state: State, form: FormRecord) -> dict | None:
    """The orphan of a lost forms.create answer, searched for with a bounded backoff. Not found:
    the caller makes the form (again), and if the lost one still shows up later it is a duplicate,
    so its Drive name is recorded and `formkit status` names any second form that carries it."""
    found = _find_orphan(google, form)
    for wait in ORPHAN_SEARCH_WAITS:
        if found is not None:
            return found
        google.policy.sleep(wait * google.policy.base)
        found = _find_orphan(google, form)
    if found is None and form.document_title not in form.possible_duplicates:
        form.possible_duplicates.append(form.document_title)
        state.save(form)
    return found


def _find_orphan(google: Google, form: FormRecord) -> dict | None:
    """The form a crashed run created but did not record: its Drive name carries our nonce."""
    files = google.find_forms_named(form.document_title)
    if len(files) > 1:
        raise RemoteError(_("{n} forms are named '{name}' in Drive; delete the extra ones (keep one) and run "
                            "again").format(n=len(files), name=form.document_title))
    return {"formId": files[0]["id"]} if files else None


def _built_form(google: Google, form: FormRecord, bodies: FormBodies) -> dict | None:
    """The form as Google has it, if our batchUpdate already put its items there."""
    current = google.get_form(form.form_id, fields="responderUri,items(itemId,title,questionItem/question/questionId)")
    ours = {b.item_id for b in bodies.questions}
    have = {item.get("itemId") for item in current.get("items", [])}
    if ours <= have:
        return current
    if have & ours:
        raise RemoteError(_("form {form} holds only some of its questions; delete it in Google Forms, remove its "
                            "entry from state/forms.json and run again").format(form=form.form_id))
    return None


def _record_items(form: FormRecord, bodies: FormBodies, google_form: dict, backend: Backend) -> None:
    items = {item.get("itemId"): item for item in google_form.get("items", [])}
    form.responder_uri = google_form.get("responderUri", form.responder_uri)
    form.edit_url = backend.edit_url(form.form_id)
    form.questions = {}
    for built in bodies.questions:
        if not built.question_id:
            continue
        item = items.get(built.item_id)
        if item is None:
            raise RemoteError(_("form {form}: question '{question}' is missing after the update").format(
                form=form.form_id, question=built.question.id))
        question_id = item["questionItem"]["question"]["questionId"]
        form.questions[built.question.id] = QuestionRecord(question_id, built.item_id, item.get("title", ""),
                                                           list(built.options))
    form.officer_options = dict(bodies.officer_options)
    form.field_options = list(bodies.field_options)


def _update_options(state: State, google: Google, line: PlanLine, report: Report) -> None:
    """New or departed officers, new fields: replace the dropdown options (answers are untouched;
    departed officers are remembered so their old answers still count for them)."""
    form, bodies = line.form, line.bodies
    assert form is not None and bodies is not None  # planned with both: the form exists, its lists changed
    current = google.get_form(form.form_id)
    positions = {item.get("itemId"): i for i, item in enumerate(current.get("items", []))}
    requests = []
    for built in bodies.questions:
        if built.question.role not in ("officer", "field"):
            continue
        record = form.questions.get(built.question.id)
        if record is None or record.options == list(built.options) or record.item_id not in positions:
            continue
        item = current["items"][positions[record.item_id]]
        item["questionItem"]["question"]["choiceQuestion"]["options"] = [{"value": v} for v in built.options]
        requests.append({"updateItem": {"item": {"itemId": record.item_id, "questionItem": item["questionItem"]},
                                        "location": {"index": positions[record.item_id]},
                                        "updateMask": "questionItem.question.choiceQuestion.options"}})
    if requests:
        google.batch_update(form.form_id, {"requests": requests})
    for officer_id, label in form.officer_options.items():
        if officer_id not in bodies.officer_options:
            form.former_officers[officer_id] = label
    for built in bodies.questions:
        if built.question.role in ("officer", "field") and built.question.id in form.questions:
            form.questions[built.question.id].options = list(built.options)
    form.officer_options = dict(bodies.officer_options)
    form.field_options = list(bodies.field_options)
    state.save(form)
    report(ngettext("{commune}: officer/field lists updated ({n} question)",
                    "{commune}: officer/field lists updated ({n} questions)", len(requests)).format(
        commune=line.commune.id, n=len(requests)))

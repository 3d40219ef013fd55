"""From a template and a commune to the exact Forms API request bodies, and back to prefilled links.

Item and question IDs are chosen here, not by Google: they are derived from the template and
question ids, so the one batchUpdate can wire section jumps (goToSectionId) to sections it is
creating, prefilled links are stable, and re-building a plan always gives the same bodies.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from ..errors import Problems
from ..i18n import _
from ..workspace.config import Commune, Unit
from ..workspace.templates import Question, Section, Template
from ..workspace.toml import MAX_NAME, MAX_TEXT

# Google's own IDs are 8 hex digits; entry.<int(id, 16)> must stay a positive 31-bit number.
_ID_LOW, _ID_SPAN = 0x10000000, 0x7FFFFFFF - 0x10000000


def stable_id(template_id: str, kind: str, key: str) -> str:
    digest = int.from_bytes(hashlib.sha256(f"{template_id}\0{kind}\0{key}".encode()).digest()[:8], "big")
    return format(_ID_LOW + digest % _ID_SPAN, "08x")


def entry_number(question_id: str) -> int:
    return int(question_id, 16)


def prefill_url(responder_uri: str, answers: list[tuple[str, str]]) -> str:
    """responderUri?usp=pp_url&entry.<int(questionId, 16)>=<value>, values URL-encoded UTF-8."""
    if not answers:
        return responder_uri
    params = "&".join(f"entry.{entry_number(qid)}={quote(value, safe='')}" for qid, value in answers)
    separator = "&" if "?" in responder_uri else "?"
    return f"{responder_uri}{separator}usp=pp_url&{params}"


# Who may answer: anyone with the link (Drive permission with view "published", Google's guide
# "Publish and manage responders on the form"). Citizens scan with Zalo, which cannot sign in.
ANYONE_MAY_ANSWER = {"type": "anyone", "role": "reader", "view": "published"}


def responders(permissions: list[dict]) -> str:
    """"anyone", "domain:<name>" (only that organisation's signed-in users) or "" (nobody yet),
    from a form's Drive permissions; absent fields read as Google's defaults."""
    published = [p for p in permissions if p.get("view") == "published" and p.get("role") == "reader"]
    if any(p.get("type") == "anyone" for p in published):
        return "anyone"
    domains = sorted(p.get("domain", "") for p in published if p.get("type") == "domain")
    return f"domain:{domains[0]}" if domains else ""


@dataclass(frozen=True)
class BuiltQuestion:
    question: Question
    item_id: str
    question_id: str  # "" for info items, which take no answer
    options: tuple[str, ...]


@dataclass(frozen=True)
class FormBodies:
    """Everything `formkit create` sends for one commune, in order."""

    create: dict
    batch_update: dict
    publish: dict
    questions: tuple[BuiltQuestion, ...]
    officer_options: dict[str, str]
    field_options: tuple[str, ...]
    nonce: str


def form_title(template: Template, commune: Commune, unit: Unit) -> str:
    return template.form_title.format(**commune.texts(unit))


def document_title(template: Template, commune: Commune, unit: Unit, nonce: str) -> str:
    """The Drive file name: readable, and carrying the nonce that finds an orphan after a crash."""
    return f"{form_title(template, commune, unit)} [formkit {commune.id} {nonce}]"


def check_commune(template: Template, commune: Commune, problems: Problems, unit: Unit | None = None) -> None:
    """What a commune must have for this template's form to be valid in Google Forms."""
    place = f"communes[id={commune.id}]"
    if unit is not None:
        _check_expanded(template, commune, unit, problems)
    officer_q, field_q = template.by_role("officer"), template.by_role("field")
    if officer_q is not None:
        if not commune.officers:
            problems.add("formkit.toml", place, _("template '{id}' asks which officer served: list at least one "
                                                  "officer").format(id=template.id))
        labels = [o.option_label(officer_q.option_label) for o in commune.officers]
        for dup in sorted({x for x in labels if labels.count(x) > 1}):
            problems.add("formkit.toml", place, _("two officers read the same in the form's list: '{dup}' (add the "
                                                  "counter or title)").format(dup=dup))
    if field_q is not None and not commune.fields:
        problems.add("formkit.toml", f"{place}.fields", _("template '{id}' asks the field of procedure: list the "
                                                          "commune's fields").format(id=template.id))


def _check_expanded(template: Template, commune: Commune, unit: Unit, problems: Problems) -> None:
    """Every templated text, expanded for this commune, within the limits a typed text has (the
    template's format specs are bounded when it loads, so expanding them here is cheap)."""
    values = commune.texts(unit)
    checked: list[tuple[str, str, dict[str, str], int]] = [
        ("form_title", template.form_title, values, MAX_NAME), ("description", template.description, values, MAX_TEXT)]
    for s_index, section in enumerate(template.sections, 1):
        checked += [(f"sections[{s_index}].title", section.title, values, MAX_TEXT),
                    (f"sections[{s_index}].description", section.description, values, MAX_TEXT)]
        for q_index, q in enumerate(section.questions, 1):
            where = f"sections[{s_index}].questions[{q_index}]"
            checked += [(f"{where}.title", q.title, values, MAX_TEXT),
                        (f"{where}.description", q.description, values, MAX_TEXT)]
            if q.role == "officer":
                checked += [(f"{where}.option_label", q.option_label, {"name": o.name, "title": o.title,
                                                                        "counter": o.counter, "id": o.id}, MAX_NAME)
                            for o in commune.officers]
    for place, pattern, given, limit in checked:
        length = len(pattern.format(**given))
        if length > limit:
            problems.add(str(template.source), place, _(
                "comes out {n} characters long for commune {commune}; at most {limit} are allowed").format(
                n=length, commune=commune.id, limit=limit))


def build_bodies(template: Template, commune: Commune, unit: Unit, nonce: str) -> FormBodies:
    values = commune.texts(unit)
    officer_q = template.by_role("officer")
    officer_options = {o.id: o.option_label(officer_q.option_label) for o in commune.officers} if officer_q else {}
    built: list[BuiltQuestion] = []
    for q in template.questions:
        if q.role == "officer":
            options = tuple(officer_options.values())
        elif q.role == "field":
            options = commune.fields
        else:
            options = q.fixed_options
        built.append(BuiltQuestion(
            q,
            stable_id(template.id, "item", q.id),
            stable_id(template.id, "question", q.id) if q.has_answer else "",
            options,
        ))
    by_id = {b.question.id: b for b in built}
    section_item = {s.id: stable_id(template.id, "section", s.id) for s in template.sections}

    requests: list[dict] = [
        {"updateFormInfo": {"info": {"description": template.description.format(**values)},
                            "updateMask": "description"}},
        # Never ask for e-mail: citizens scan with Zalo, whose in-app browser cannot sign in.
        {"updateSettings": {"settings": {"emailCollectionType": "DO_NOT_COLLECT"},
                            "updateMask": "emailCollectionType"}},
    ]
    jumps = _navigation(template, section_item)
    items: list[dict] = []
    for position, section in enumerate(template.sections):
        header = _section_header(section, position, section_item[section.id], values)
        if header:
            items.append(header)
        items.extend(_item(by_id[q.id], values, jumps.get(q.id)) for q in section.questions)
    # Google checks the requests of a batch one at a time, in order: a goToSectionId must name a
    # page break that is already in the form. Inserting every item at index 0, last item first,
    # creates each section before the questions that jump forward to it (jumps only go forward).
    requests += [{"createItem": {"item": item, "location": {"index": 0}}} for item in reversed(items)]

    create = {"info": {"title": form_title(template, commune, unit),
                       "documentTitle": document_title(template, commune, unit, nonce)}}
    batch = {"includeFormInResponse": True, "requests": requests}
    publish = {"publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}},
               "updateMask": "publishState"}
    return FormBodies(create, batch, publish, tuple(built), officer_options, commune.fields, nonce)


def _section_header(section: Section, position: int, item_id: str, values: dict) -> dict | None:
    if position == 0:
        # The first section is the form's opening page: no page break, a text header if titled.
        if not section.title:
            return None
        item = {"itemId": item_id, "title": section.title.format(**values), "textItem": {}}
    else:
        item = {"itemId": item_id, "title": section.title.format(**values), "pageBreakItem": {}}
    if section.description:
        item["description"] = section.description.format(**values)
    return item


def _navigation(template: Template, section_item: dict[str, str]) -> dict[str, dict[str, dict[str, str]]]:
    """question id -> {option -> where it goes} for the questions that decide a skip: a section,
    or the end of the form when the section skipped is the last one."""
    jumps: dict[str, dict[str, dict[str, str]]] = {}
    sections = template.sections
    for i, section in enumerate(sections):
        cond = section.ask_if
        if cond is None:
            continue
        gate = template.question(cond.question)
        assert gate.scale is not None  # the template checks that a section's gate is a choice question
        skip_to = {"goToSectionId": section_item[sections[i + 1].id]} if i + 1 < len(sections) \
            else {"goToAction": "SUBMIT_FORM"}
        jumps[gate.id] = {
            label: {"goToSectionId": section_item[section.id]} if label == cond.answer else skip_to
            for label in gate.scale.labels
        }
    return jumps


def _item(b: BuiltQuestion, values: dict, jumps: dict[str, dict[str, str]] | None) -> dict:
    q = b.question
    item: dict = {"itemId": b.item_id, "title": q.title.format(**values)}
    if q.description:
        item["description"] = q.description.format(**values)
    if q.kind == "info":
        item["textItem"] = {}
        return item
    question: dict = {"questionId": b.question_id, "required": q.required}
    if q.kind in ("choice", "dropdown"):
        options = []
        for label in b.options:
            option = {"value": label}
            if jumps:
                option.update(jumps[label])
            options.append(option)
        question["choiceQuestion"] = {"type": "RADIO" if q.kind == "choice" else "DROP_DOWN", "options": options}
    else:
        question["textQuestion"] = {"paragraph": q.kind == "paragraph"}
    item["questionItem"] = {"question": question}
    return item

"""Forms as stored, and the rules Google applies to them: batchUpdate requests, item checks,
sections and answer-based navigation (goToSectionId), which the respondent page follows too.

A stored form is the API resource plus what Google keeps out of sight: the published id of the
responder link, the revision counter, the publish state and the link to a sheet.

Each Google rule modelled here is listed, with its public source and test, in docs/google-behaviour.md.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from . import ids, masks
from .discovery import check_field_mask
from .proto import omit_defaults

ITEM_KINDS = ("questionItem", "textItem", "pageBreakItem", "imageItem", "videoItem", "questionGroupItem")
QUESTION_KINDS = ("choiceQuestion", "textQuestion", "scaleQuestion", "dateQuestion", "timeQuestion",
                  "fileUploadQuestion", "rowQuestion", "ratingQuestion")
SUPPORTED_ITEMS = {"questionItem", "textItem", "pageBreakItem"}
SUPPORTED_QUESTIONS = {"choiceQuestion", "textQuestion"}
JUMPING_TYPES = {"RADIO", "DROP_DOWN"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class Problem(ValueError):
    """Something Google would refuse in a request; the caller words it as a 400."""


def new_form(title: str, document_title: str, published: bool) -> dict:
    return {
        "formId": ids.file_id(),
        "publishedId": ids.published_id(),
        "info": {"title": title, "documentTitle": document_title or title or "Untitled form"},
        "settings": {},
        "items": [],
        "revision": 1,
        "publishState": {"isPublished": published, "isAcceptingResponses": published},
        "createdTime": ids.rfc3339(ids.now()),
    }


def resource(doc: dict, base_url: str) -> dict:
    """The Form as the API returns it, fields at their default left out (proto.py)."""
    form = {"formId": doc["formId"], "info": doc["info"], "settings": doc["settings"], "items": doc["items"],
            "revisionId": revision_id(doc), "responderUri": responder_uri(doc, base_url),
            "linkedSheetId": (doc.get("link") or {}).get("spreadsheetId", ""),
            "publishSettings": {"publishState": doc["publishState"]}}
    form = omit_defaults(form)
    # Google leaves out an empty settings and an unpublished form's empty publishSettings
    for key, inner in (("settings", None), ("publishSettings", "publishState")):
        if key in form and not (form[key].get(inner) if inner else form[key]):
            del form[key]
    return form


def revision_id(doc: dict) -> str:
    return format(doc["revision"], "08d")


def responder_uri(doc: dict, base_url: str) -> str:
    return f"{base_url}/forms/d/e/{doc['publishedId']}/viewform"


def accepting(doc: dict) -> bool:
    state = doc["publishState"]
    return bool(state.get("isPublished") and state.get("isAcceptingResponses"))


def anyone_may_answer(doc: dict) -> bool:
    """Publishing does not say who may respond: responders are Drive permissions with view
    "published" (kept in the stored form by drive_api.py). Only "anyone" lets a citizen who cannot
    sign in (Zalo's browser) answer; the backend serves no signed-in respondents."""
    return any(p.get("type") == "anyone" and p.get("view") == "published" for p in doc.get("permissions", []))


def question_of(item: dict) -> dict | None:
    return (item.get("questionItem") or {}).get("question")


def question_id(item: dict) -> str:
    """The questionId of a question item (one that `questions` yields)."""
    question = question_of(item)
    assert question is not None, item.get("itemId")
    return question["questionId"]


# batchUpdate -----------------------------------------------------------------------------------
def apply_requests(doc: dict, requests: list[dict]) -> list[dict]:
    """Apply batchUpdate requests to doc in place (the caller works on a copy); the replies."""
    replies = []
    for i, request in enumerate(requests):
        kinds = [k for k, v in request.items() if v is not None]
        if len(kinds) != 1:
            raise Problem(f"Invalid requests[{i}]: exactly one kind of request must be set, not {len(kinds)}.")
        try:
            replies.append(_APPLY[kinds[0]](doc, request[kinds[0]]))
        except Problem as exc:
            raise Problem(f"Invalid requests[{i}].{kinds[0]}: {exc}") from None
    check_navigation(doc)
    return replies


def _index(location: dict | None, name: str, limit: int) -> int:
    if not location or location.get("index") is None:
        raise Problem(f"{name}.index is required.")
    index = int(location["index"])
    if not 0 <= index <= limit:
        raise Problem(f"{name}.index {index} is out of range: the form has {limit} place(s) for it.")
    return index


def _mask(request: dict, schema: str) -> str:
    mask = request.get("updateMask") or ""
    if not mask.strip():
        raise Problem("updateMask is required.")
    problems = check_field_mask("forms", "v1", schema, mask)
    if problems:
        raise Problem("; ".join(problems))
    return mask


def _create_item(doc: dict, request: dict) -> dict:
    if not request.get("item"):
        raise Problem("item is required.")
    index = _index(request.get("location"), "location", len(doc["items"]))
    item = copy.deepcopy(request["item"])
    _assign_ids(doc, item, replacing=None)
    check_item(item)
    check_jumps(doc, item)
    doc["items"].insert(index, item)
    reply: dict = {"itemId": item["itemId"]}
    question = question_of(item)
    if question:
        reply["questionId"] = [question["questionId"]]
    return {"createItem": reply}


def _update_item(doc: dict, request: dict) -> dict:
    if not request.get("item"):
        raise Problem("item is required.")
    index = _index(request.get("location"), "location", len(doc["items"]) - 1)
    mask = _mask(request, "Item")
    old = doc["items"][index]
    item = copy.deepcopy(old)
    masks.apply(item, request["item"], mask)
    item["itemId"] = old["itemId"]  # an item keeps its id whatever the mask says
    new_q, old_q = question_of(item), question_of(old)
    if new_q is not None and old_q is not None and not new_q.get("questionId"):
        new_q["questionId"] = old_q["questionId"]
    _assign_ids(doc, item, replacing=old)
    check_item(item)
    check_jumps(doc, item)
    doc["items"][index] = item
    return {}


def _delete_item(doc: dict, request: dict) -> dict:
    del doc["items"][_index(request.get("location"), "location", len(doc["items"]) - 1)]
    return {}


def _move_item(doc: dict, request: dict) -> dict:
    last = len(doc["items"]) - 1
    source = _index(request.get("originalLocation"), "originalLocation", last)
    target = _index(request.get("newLocation"), "newLocation", last)
    doc["items"].insert(target, doc["items"].pop(source))
    return {}


def _update_info(doc: dict, request: dict) -> dict:
    mask = _mask(request, "Info")
    if any(p[0] == "documentTitle" for p in masks.paths(mask)):
        raise Problem("info.documentTitle can be set only when the form is created.")
    source = {k: v for k, v in (request.get("info") or {}).items() if k != "documentTitle"}
    info = {k: v for k, v in doc["info"].items() if k != "documentTitle"}
    masks.apply(info, source, mask)
    doc["info"] = {**info, "documentTitle": doc["info"]["documentTitle"]}
    return {}


def _update_settings(doc: dict, request: dict) -> dict:
    masks.apply(doc["settings"], request.get("settings") or {}, _mask(request, "FormSettings"))
    return {}


_APPLY = {"createItem": _create_item, "updateItem": _update_item, "deleteItem": _delete_item,
          "moveItem": _move_item, "updateFormInfo": _update_info, "updateSettings": _update_settings}


def _assign_ids(doc: dict, item: dict, replacing: dict | None) -> None:
    """Chosen ids must be hex and unused in the form (items and questions share one space);
    missing ones get 8 random hex digits like Google's."""
    taken = {i for other in doc["items"] if other is not replacing for i in _ids(other)}
    question = question_of(item)
    for holder, key in ((item, "itemId"), (question, "questionId")):
        if holder is None:
            continue
        chosen = holder.get(key)
        if chosen:
            if not _HEX.match(chosen):
                raise Problem(f'{key} "{chosen}" is invalid: ids must be hexadecimal strings.')
            if chosen in taken:
                raise Problem(f'{key} "{chosen}" is already used in this form.')
        else:
            holder[key] = chosen = ids.hex_id(taken)
        taken.add(chosen)


def _ids(item: dict) -> list[str]:
    question = question_of(item)
    return [item["itemId"]] + ([question["questionId"]] if question else [])


# Checks ----------------------------------------------------------------------------------------
def check_item(item: dict) -> None:
    kinds = [k for k in ITEM_KINDS if item.get(k) is not None]
    if len(kinds) != 1:
        raise Problem(f"item must have exactly one kind ({', '.join(ITEM_KINDS)}), not {len(kinds)}.")
    if kinds[0] not in SUPPORTED_ITEMS:
        raise Problem(f"{kinds[0]} is not supported by formkit's local Google backend.")
    if kinds[0] != "questionItem":
        return
    question = question_of(item)
    if not question:
        raise Problem("questionItem.question is required.")
    qkinds = [k for k in QUESTION_KINDS if question.get(k) is not None]
    if len(qkinds) != 1:
        raise Problem(f"question must have exactly one kind ({', '.join(QUESTION_KINDS)}), not {len(qkinds)}.")
    if qkinds[0] not in SUPPORTED_QUESTIONS:
        raise Problem(f"{qkinds[0]} is not supported by formkit's local Google backend.")
    if qkinds[0] == "choiceQuestion":
        _check_choice(question["choiceQuestion"])


def _check_choice(choice: dict) -> None:
    kind = choice.get("type", "CHOICE_TYPE_UNSPECIFIED")
    if kind == "CHOICE_TYPE_UNSPECIFIED":
        raise Problem("choiceQuestion.type is required.")
    options = choice.get("options") or []
    if not options:
        raise Problem("a choice question needs at least one option.")
    seen: set[str] = set()
    for n, option in enumerate(options):
        value = option.get("value", "")
        if option.get("isOther"):
            raise Problem("isOther options are not supported by formkit's local Google backend.")
        if not value:
            raise Problem(f"options[{n}].value must not be empty.")
        if value in seen:
            raise Problem(f'options[{n}]: duplicate option value "{value}".')
        seen.add(value)
        jumps = option.get("goToSectionId") is not None, option.get("goToAction") is not None
        if all(jumps):
            raise Problem(f"options[{n}]: set goToSectionId or goToAction, not both.")
        if any(jumps) and kind not in JUMPING_TYPES:
            raise Problem(f"options[{n}]: section navigation is only possible for RADIO and DROP_DOWN questions.")


def check_jumps(doc: dict, item: dict) -> None:
    """Google checks a batch's requests one at a time, in order: an option may jump only to a page
    break that is in the form at that point of the batch (not one a later request creates)."""
    sections = {other["itemId"] for other in doc["items"] if other.get("pageBreakItem") is not None}
    choice = (question_of(item) or {}).get("choiceQuestion") or {}
    for option in choice.get("options", []):
        target = option.get("goToSectionId")
        if target is not None and target not in sections:
            raise Problem(f'Invalid goToSectionId "{target}" in item "{item["itemId"]}" (option '
                          f'"{option.get("value", "")}"): it must be the itemId of a page break already '
                          "in the form.")


def check_navigation(doc: dict) -> None:
    """After the whole batch: no jump may be left pointing at a deleted page break."""
    for item in doc["items"]:
        check_jumps(doc, item)


# Sections and navigation -----------------------------------------------------------------------
@dataclass
class Section:
    header: dict | None  # its page break; None for the form's opening section
    items: list[dict] = field(default_factory=list)


def sections(doc: dict) -> list[Section]:
    found = [Section(None)]
    for item in doc["items"]:
        if item.get("pageBreakItem") is not None:
            found.append(Section(item))
        else:
            found[-1].items.append(item)
    return found


def questions(doc: dict) -> list[dict]:
    """Items that take an answer, in form order."""
    return [item for item in doc["items"] if question_of(item)]


@dataclass(frozen=True)
class Question:
    """What checking an answer to a question needs, and where its options lead."""

    id: str
    required: bool
    options: dict[str, int] | None  # a choice question's values -> their place (first one); None: text
    several: bool  # a checkbox question: more than one value allowed
    # RADIO/DROP_DOWN option value -> the section it jumps to, or "SUBMIT_FORM", "NEXT_SECTION",
    # "RESTART_FORM"; None for an option that leaves the way on unchanged
    jumps: dict[str, int | str | None]


def answer_rules(doc: dict) -> list[list[Question]]:
    """Each section's questions, compiled once per version of a form: a submission is checked
    against these, not against the document."""
    parts = sections(doc)
    where = {s.header["itemId"]: i for i, s in enumerate(parts) if s.header}
    compiled = []
    for part in parts:
        found = []
        for item in part.items:
            question = question_of(item)
            if not question:
                continue
            choice = question.get("choiceQuestion")
            options: dict[str, int] | None = None
            jumps: dict[str, int | str | None] = {}
            several = False
            if choice:
                options, several = {}, choice["type"] == "CHECKBOX"
                for n, option in enumerate(choice.get("options", [])):
                    options.setdefault(option.get("value"), n)
                    if choice.get("type") in JUMPING_TYPES:
                        target = option.get("goToSectionId")
                        action = option.get("goToAction")
                        jumps.setdefault(option.get("value"), where[target] if target in where else
                                         action if action in ("SUBMIT_FORM", "NEXT_SECTION", "RESTART_FORM")
                                         else None)
            found.append(Question(question["questionId"], bool(question.get("required")), options, several, jumps))
        compiled.append(found)
    return compiled


def path(rules: list[list[Question]], answers: dict[str, list[str]]) -> tuple[list[int], str]:
    """The sections a respondent passes through given their answers, and why the form cannot be
    submitted ("" when it can). The last answered jumping question of a section decides."""
    visited: list[int] = []
    i = 0
    while i < len(rules):
        if i in visited:
            return visited, "loop"
        visited.append(i)
        following = i + 1
        for question in rules[i]:
            if not question.jumps:
                continue
            chosen = next(iter(answers.get(question.id) or []), None)
            if chosen not in question.jumps:
                continue
            target = question.jumps[chosen]
            if isinstance(target, int):
                following = target
            elif target == "SUBMIT_FORM":
                following = len(rules)
            elif target == "NEXT_SECTION":
                following = i + 1
            elif target == "RESTART_FORM":
                return visited, "restart"
        i = following
    return visited, ""

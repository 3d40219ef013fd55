"""The page a citizen sees after scanning the QR code: /forms/d/e/<publishedId>/viewform, and
the answers it posts to .../formResponse (entry.<int(questionId, 16)>=value, as Google's does).

One page holds every section; a small inline script hides the sections the chosen answers skip,
but the server decides: it follows the navigation from the answers, drops answers to skipped
sections, and checks required questions and choice values, so the page works without script.
Prefilled links (?usp=pp_url&entry.N=value) preselect answers that stay editable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html import escape
from urllib.parse import parse_qsl

from . import forms_api, forms_model, ids, linking, pages
from .forms_model import question_of
from .routing import Reply, Request, html_reply
from .store import Store

REQUIRED = "Đây là một câu hỏi bắt buộc."
NOT_AN_OPTION = "Câu trả lời này không phải là một lựa chọn của câu hỏi."


def _form(req: Request) -> dict | None:
    return req.store.by_alias("form", req.params["publishedId"])


def view(req: Request) -> Reply:
    doc = _form(req)
    if doc is None:
        return pages.not_found()
    if not forms_model.accepting(doc):
        return pages.closed(doc["info"]["title"])
    if not forms_model.anyone_may_answer(doc):
        return pages.sign_in_required(doc["info"]["title"])
    return html_reply(render(doc, _given(_entries(doc), req.query), {}))


@dataclass(frozen=True)
class _Answering:
    """A stored form as taking a submission needs it, compiled once per version of the form:
    decoding and walking a 14 KB document for every citizen was most of what a submission cost."""

    form_id: str
    title: str
    accepting: bool
    anyone_may_answer: bool
    entries: dict[str, str]  # entry.<int(questionId, 16)> -> questionId
    rules: list[list[forms_model.Question]]
    link: dict | None  # the link to a sheet, when it has a column for every question already
    linked: bool


def _answering(doc: dict) -> _Answering:
    link = doc.get("link")
    complete = link is not None and all(q in link["columns"] for q in map(forms_model.question_id,
                                                                          forms_model.questions(doc)))
    return _Answering(doc["formId"], doc["info"]["title"], forms_model.accepting(doc),
                      forms_model.anyone_may_answer(doc), _entries(doc), forms_model.answer_rules(doc),
                      link if complete else None, link is not None)


def prepare(store: Store) -> None:
    """Compile the stored forms for answering (when the server starts)."""
    store.compile_all("form", _answering)


def submit(req: Request) -> Reply:
    form = req.store.compiled_by_alias("form", req.params["publishedId"], _answering)
    if form is None:
        return pages.not_found()
    if not form.accepting:
        return pages.closed(form.title, status=403)
    if not form.anyone_may_answer:
        return pages.sign_in_required(form.title, status=403)
    # Not Google: on a backend started for tests only, X-Formkit-Submit-Time (ISO 8601 with an
    # offset) back-dates a response so demos and tests can fill a quarter. Anywhere else the time
    # is the server's clock, as on Google.
    moment: datetime | None = ids.now()
    stamp = req.headers.get("X-Formkit-Submit-Time") if req.app.testing else None
    if stamp:
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            return Reply(400, b"X-Formkit-Submit-Time must be ISO 8601 with an offset", "text/plain; charset=utf-8")
    assert moment is not None  # now(), or a stamp checked above
    answers = _given(form.entries, _fields(req.body.decode("utf-8", "replace")))
    kept, errors, banner = check(form.rules, answers)
    if errors or banner:  # the page again, drawn from the whole form (read in this same transaction)
        doc = _form(req)
        assert doc is not None
        return html_reply(render(doc, answers, errors, banner), 400)
    response = _record(req, form.form_id, kept, moment)
    if form.link is not None:
        linking.append_row(req.store, form.link, response)
    elif form.linked:  # the rare case: the link gains columns first, and the form is saved with them
        doc = _form(req)
        if doc is not None and linking.record(req.store, doc, response):
            forms_api.save(req.store, doc)
    return pages.confirmation(form.title)


def _fields(body: str) -> dict[str, list[str]]:
    """parse_qs(body, keep_blank_values=True), each `name=value` decoded once: citizens choose
    among a few options, so the same pairs come again and again (percent-decoding them is most of
    reading a submission)."""
    fields: dict[str, list[str]] = {}
    for raw in body.split("&"):
        for name, value in _field(raw) if len(raw) <= 256 else parse_qsl(raw, keep_blank_values=True):
            fields.setdefault(name, []).append(value)
    return fields


@lru_cache(maxsize=4096)  # short pairs only (the options): a long text answer is decoded once anyway
def _field(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_qsl(raw, keep_blank_values=True))


def _entries(doc: dict) -> dict[str, str]:
    return {f"entry.{int(question_id, 16)}": question_id
            for question_id in map(forms_model.question_id, forms_model.questions(doc))}


def _given(entries: dict[str, str], pairs: dict[str, list[str]]) -> dict[str, list[str]]:
    """questionId -> the non-blank values given as entry.<int(questionId, 16)>."""
    answers = {}
    for name, values in pairs.items():
        values = [v for v in values if v.strip()]
        if name in entries and values:
            answers[entries[name]] = values
    return answers


def check(rules: list[list[forms_model.Question]], answers: dict[str, list[str]]) -> tuple[
        dict[str, list[str]], dict[str, str], str]:
    """(answers on the navigation path, errors by questionId, an error for the whole form)."""
    visited, why = forms_model.path(rules, answers)
    kept: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for index in visited:
        for question in rules[index]:
            values = answers.get(question.id, [])
            options = question.options
            if options is not None:
                if any(v not in options for v in values) or (not question.several and len(values) > 1):
                    errors[question.id] = NOT_AN_OPTION
                if len(values) > 1:
                    values = sorted(values, key=lambda v: options.get(v, len(options)))
            if values:
                kept[question.id] = values
            elif question.required:
                errors[question.id] = REQUIRED
    banner = {"loop": "Các lựa chọn dẫn về một phần đã qua; không thể gửi biểu mẫu.",
              "restart": "Lựa chọn này đưa Ông/Bà về đầu biểu mẫu; không thể gửi."}.get(why, "")
    if errors and not banner:
        banner = "Vui lòng kiểm tra lại các câu trả lời được đánh dấu."
    return kept, errors, banner


def _record(req: Request, form_id: str, answers: dict[str, list[str]], moment: datetime) -> dict:
    stamp = ids.rfc3339(moment)
    response: dict = {  # no formId: Google leaves it out of a listed response (responses.get adds it)
        "responseId": ids.response_id(),
        "createTime": stamp,
        "lastSubmittedTime": stamp,
    }
    if answers:  # Google leaves the key out of an empty response
        response["answers"] = {qid: {"questionId": qid, "textAnswers": {"answers": [{"value": v} for v in values]}}
                               for qid, values in answers.items()}
    req.store.add_response(form_id, response["responseId"], ids.epoch_us(moment), response)
    return response


# The page ---------------------------------------------------------------------------------------
def render(doc: dict, values: dict[str, list[str]], errors: dict[str, str], banner: str = "") -> str:
    info = doc["info"]
    parts = forms_model.sections(doc)
    where = {s.header["itemId"]: i for i, s in enumerate(parts) if s.header}
    head = [f"<h1>{escape(info.get('title', ''))}</h1>"]
    if info.get("description"):
        head.append(f'<p class="desc">{_text(info["description"])}</p>')
    head.append('<p class="note"><span class="req">*</span> Bắt buộc</p>')
    html = [f'<header class="card head">{"".join(head)}</header>']
    if banner:
        html.append(f'<p class="card banner" role="alert">{escape(banner)}</p>')
    html.append('<form method="post" action="formResponse" accept-charset="utf-8" novalidate>')
    for index, section in enumerate(parts):
        html.append(f'<section data-section="{index}">')
        if section.header:
            html.append(_heading("h2", section.header))
        for item in section.items:
            question = question_of(item)
            if question:
                html.append(_question(item, question, values, errors, where))
            elif item.get("textItem") is not None:
                html.append(_heading("h3", item))
        html.append("</section>")
    html.append('<div class="actions"><button type="submit">Gửi</button></div></form>')
    return pages.page(info.get("title", ""), "".join(html), script=pages.NAVIGATION_SCRIPT)


def _text(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _heading(tag: str, item: dict) -> str:
    inner = f"<{tag}>{escape(item.get('title', ''))}</{tag}>"
    if item.get("description"):
        inner += f'<p class="desc">{_text(item["description"])}</p>'
    return f'<div class="card part">{inner}</div>'


def _goto(option: dict, where: dict[str, int]) -> str:
    if option.get("goToSectionId") in where:
        return f' data-goto="{where[option["goToSectionId"]]}"'
    action = option.get("goToAction")
    return {"SUBMIT_FORM": ' data-goto="submit"', "NEXT_SECTION": ' data-goto="next"',
            "RESTART_FORM": ' data-goto="restart"'}.get(action or "", "")


def _question(item: dict, question: dict, values: dict[str, list[str]], errors: dict[str, str],
              where: dict[str, int]) -> str:
    question_id = question["questionId"]
    name = f"entry.{int(question_id, 16)}"
    given = values.get(question_id, [])
    mark = ' <span class="req" aria-label="Bắt buộc">*</span>' if question.get("required") else ""
    parts = [f'<div class="title" id="t{question_id}">{escape(item.get("title", ""))}{mark}</div>']
    if item.get("description"):
        parts.append(f'<p class="desc">{_text(item["description"])}</p>')
    choice = question.get("choiceQuestion")
    if choice and choice["type"] == "DROP_DOWN":
        options = "".join(f'<option value="{escape(o["value"])}"{_goto(o, where)}'
                          f'{" selected" if o["value"] in given else ""}>{escape(o["value"])}</option>'
                          for o in choice["options"])
        parts.append(f'<select name="{name}" aria-labelledby="t{question_id}"><option value="">Chọn</option>'
                     f"{options}</select>")
    elif choice:
        kind = "checkbox" if choice["type"] == "CHECKBOX" else "radio"
        parts += [f'<label class="opt"><input type="{kind}" name="{name}" value="{escape(o["value"])}"'
                  f'{_goto(o, where)}{" checked" if o["value"] in given else ""}> '
                  f'<span>{escape(o["value"])}</span></label>' for o in choice["options"]]
    elif (question.get("textQuestion") or {}).get("paragraph"):
        parts.append(f'<textarea name="{name}" rows="4" placeholder="Câu trả lời của Ông/Bà" '
                     f'aria-labelledby="t{question_id}">{escape(given[0] if given else "")}</textarea>')
    else:
        parts.append(f'<input type="text" name="{name}" value="{escape(given[0] if given else "")}" '
                     f'placeholder="Câu trả lời của Ông/Bà" aria-labelledby="t{question_id}">')
    if question_id in errors:
        parts.append(f'<p class="error" role="alert">{escape(errors[question_id])}</p>')
    css = "card q error-card" if question_id in errors else "card q"
    return f'<div class="{css}">{"".join(parts)}</div>'

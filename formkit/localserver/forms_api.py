"""Forms API v1: forms.create, get, batchUpdate, setPublishSettings, responses.list and get.

Each Google behaviour modelled here is listed, with its public source and test, in docs/google-behaviour.md.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import UTC, datetime

from . import forms_model, linking, masks
from .discovery import check_field_mask
from .errors import failed_precondition, invalid, not_found
from .forms_model import Problem, resource, revision_id
from .proto import omit_defaults
from .routing import Reply, Request
from .store import Store

MAX_PAGE = 5000
_FILTER = re.compile(r"^\s*timestamp\s*(>=|>)\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z\s*$")


def load(store: Store, form_id: str) -> dict:
    doc = store.get("form", form_id)
    if doc is None:
        raise not_found()
    return doc


def _must_exist(store: Store, form_id: str) -> None:
    if not store.exists("form", form_id):  # a 14 KB form not decoded for nothing
        raise not_found()


def save(store: Store, doc: dict) -> None:
    store.put("form", doc["formId"], doc, alias=doc["publishedId"])


def create(req: Request) -> dict:
    body = req.json or {}
    info = body.get("info") or {}
    extra = [f"info.{k}" for k, v in info.items() if k not in ("title", "documentTitle") and v is not None]
    extra += [k for k, v in body.items() if k != "info" and v not in (None, {}, [])]
    if extra:
        raise invalid("Only info.title and info.documentTitle can be set when a form is created; "
                      f"add {', '.join(extra)} with forms.batchUpdate.", extra[0])
    doc = forms_model.new_form(info.get("title", ""), info.get("documentTitle", ""), not req.flag("unpublished"))
    save(req.store, doc)
    return resource(doc, req.base_url)


def get(req: Request) -> dict:
    return resource(load(req.store, req.params["formId"]), req.base_url)


def batch_update(req: Request) -> dict:
    body = req.json or {}
    doc = load(req.store, req.params["formId"])
    required = (body.get("writeControl") or {}).get("requiredRevisionId")
    if required and required != revision_id(doc):
        raise failed_precondition(f"The required revision ID '{required}' does not match the latest "
                                  f"revision ID '{revision_id(doc)}'.")
    work = copy.deepcopy(doc)  # all or nothing: the stored form changes only if every request fits
    try:
        replies = forms_model.apply_requests(work, body.get("requests") or [])
    except Problem as exc:
        raise invalid(str(exc)) from None
    work["revision"] += 1
    linking.add_new_columns(req.store, work)  # a linked sheet gets a column for each new question
    save(req.store, work)
    result: dict = {"replies": replies, "writeControl": {"requiredRevisionId": revision_id(work)}}
    if body.get("includeFormInResponse"):
        result["form"] = resource(work, req.base_url)
    return result


def set_publish_settings(req: Request) -> dict:
    body = req.json or {}
    doc = load(req.store, req.params["formId"])
    mask = body.get("updateMask") or "*"
    problems = check_field_mask("forms", "v1", "PublishSettings", mask)
    if problems:
        raise invalid("; ".join(problems), "update_mask")
    settings = {"publishState": dict(doc["publishState"])}
    masks.apply(settings, body.get("publishSettings") or {}, mask)
    given = settings.get("publishState") or {}
    state = {"isPublished": bool(given.get("isPublished")),
             "isAcceptingResponses": bool(given.get("isAcceptingResponses"))}
    if state["isAcceptingResponses"] and not state["isPublished"]:
        raise invalid("An unpublished form cannot accept responses: set isPublished too.",
                      "publish_settings.publish_state.is_accepting_responses")
    doc["publishState"] = state
    save(req.store, doc)
    return omit_defaults({"formId": doc["formId"], "publishSettings": {"publishState": state}})


def list_responses(req: Request) -> Reply | dict:
    form_id = req.params["formId"]
    _must_exist(req.store, form_id)
    size = int(req.arg("pageSize") or 0)
    if size < 0:
        raise invalid("pageSize must not be negative.", "page_size")
    size = min(size or MAX_PAGE, MAX_PAGE)
    text = req.arg("filter") or ""
    min_ns, strict = _parse_filter(text) if text else (None, False)
    after = _read_token(req.arg("pageToken"), form_id, text)
    if req.arg("fields") is None:  # the responses go out as stored: nothing decoded, nothing encoded
        joined, last = req.store.response_page(form_id, after, min_ns, strict, size)
        parts = [b'"responses":[', joined, b"]"] if joined else []
        if last:
            token = _token({"f": form_id, "q": text, "t": last[0], "s": last[1]}).encode()
            parts += [b"," if joined else b"", b'"nextPageToken":"', token, b'"']
        return Reply(body=[b"{", *parts, b"}"])  # sent as it is: no copy of a page that can be 13 MB
    rows = req.store.responses(form_id, after, min_ns, strict, size + 1)
    result: dict = {}
    if rows:
        # Google lists responses in no particular order (forms.responses.list): here newest first
        result["responses"] = [data for _, _, data in rows[:size]][::-1]
    if len(rows) > size:
        t_us, seq, _ = rows[size - 1]
        result["nextPageToken"] = _token({"f": form_id, "q": text, "t": t_us, "s": seq})
    return result


def get_response(req: Request) -> dict:
    _must_exist(req.store, req.params["formId"])
    found = req.store.response(req.params["formId"], req.params["responseId"])
    if found is None:
        raise not_found()
    return {"formId": req.params["formId"], **found}  # stored (and listed) without it, as Google lists them


def _parse_filter(text: str) -> tuple[int, bool]:
    """`timestamp >= T` or `timestamp > T`, T in RFC 3339 UTC: (T in ns since 1970, strict)."""
    match = _FILTER.match(text)
    if not match:
        raise invalid(f"Invalid filter '{text}': use 'timestamp >= T' or 'timestamp > T' with T an "
                      "RFC 3339 UTC time such as 2026-01-01T00:00:00Z.", "filter")
    try:
        moment = datetime.strptime(match.group(2), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise invalid(f"Invalid filter '{text}': {match.group(2)} is not a date and time.", "filter") from None
    seconds = int(moment.timestamp())
    return seconds * 1_000_000_000 + int((match.group(3) or "").ljust(9, "0")), match.group(1) == ">"


def _token(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _read_token(token: str | None, form_id: str, text: str) -> tuple[int, int] | None:
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["f"] == form_id and data["q"] == text:
            return int(data["t"]), int(data["s"])
    except (ValueError, KeyError, TypeError):
        pass
    raise invalid("Invalid page token: it does not belong to this form and filter.", "page_token")

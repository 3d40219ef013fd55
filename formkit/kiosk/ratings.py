"""A rating sent by a counter tablet → a response in the store (channel "quầy").

Each rating carries an id made on the tablet (a random UUID), so a rating resent after a lost
answer is stored once. With a receipt number it is keyed by the dossier and stage instead: the
first rating of a dossier at a stage counts, a later one (another tablet, another citizen) is
refused — a dossier is never counted twice, and an earlier rating cannot be overwritten.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from ..responses.store import VIETNAM, Channel, ResponseRow, Source
from ..workspace.config import Commune
from ..workspace.templates import Template
from .registry import Device

CHANNEL_COUNTER: Channel = "quầy"
SOURCE: Source = "kiosk"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RECEIPT = re.compile(r"^[0-9A-Z][0-9A-Z./_-]{0,39}$")
COMMENT_MAX = 1000
PAST = timedelta(days=14)  # a tablet's clock is trusted this far back (offline for two weeks) …
FUTURE = timedelta(minutes=5)  # … and this far ahead; otherwise the server's clock is used


class Rejected(ValueError):
    """A rating that can never be stored (the tablet drops it; the server logs it)."""


def normal_receipt(text: str) -> str:
    """A receipt number as typed or scanned: NFC, trimmed, capitals ("000.12.34.h56-241007-0012")."""
    receipt = unicodedata.normalize("NFC", str(text)).strip().upper()
    if receipt and not RECEIPT.match(receipt):
        raise Rejected(f"receipt number {receipt!r} is not letters, digits and . / _ -")
    return receipt


def rating_key(commune_id: str, stage: str, rating_id: str, receipt: str) -> str:
    if receipt:
        return f"{commune_id}|{CHANNEL_COUNTER}|{stage}|{receipt}"
    return f"{commune_id}|{CHANNEL_COUNTER}|{rating_id}"


def receipt_of(key: str) -> tuple[str, str] | None:
    """(stage, receipt) of a counter rating's key, None for a rating without a receipt."""
    parts = key.split("|")
    return (parts[2], parts[3]) if len(parts) == 4 and parts[1] == CHANNEL_COUNTER else None


def kiosk_questions(template: Template) -> list:
    """What the tablet asks: the template's criteria (one tap each) — the officer, field and
    receipt come from the counter, the comment only after a low rating, nothing personal."""
    return [q for q in template.questions if q.is_criterion]


def to_row(item: dict, device: Device, commune: Commune, template: Template, received: datetime,
           served_here: set[str] | None = None) -> ResponseRow:
    """One rating from the tablet, checked; Rejected when it can never be stored. The officer it
    names counts only if staff set that officer at this tablet (served_here): a tablet cannot
    credit or blame an officer who never served there."""
    rating_id = str(item.get("id", ""))
    if not UUID.match(rating_id):
        raise Rejected("the rating has no tablet-made id")
    answers_in = item.get("answers")
    if not isinstance(answers_in, dict):
        raise Rejected("the rating has no answers")
    answers: dict[str, str] = {}
    for question in kiosk_questions(template):
        value = answers_in.get(question.id)
        if value is None:
            continue
        value = unicodedata.normalize("NFC", str(value))
        if value not in question.fixed_options:
            raise Rejected(f"{value!r} is not an answer to {question.id}")
        answers[question.id] = value
    if not answers:
        raise Rejected("the rating answers nothing")
    comment_q = template.by_role("comment")
    comment = unicodedata.normalize("NFC", str(item.get("comment") or "")).strip()[:COMMENT_MAX]
    if comment and comment_q is not None:
        answers[comment_q.id] = comment
    officer_id = item.get("officer") or None
    officers = {o.id: o for o in commune.officers}
    if officer_id not in officers or (served_here is not None and officer_id not in served_here):
        officer_id = None
    officer_q, field_q, receipt_q = (template.by_role(role) for role in ("officer", "field", "receipt"))
    if officer_id and officer_q is not None:
        answers[officer_q.id] = officers[officer_id].option_label(officer_q.option_label)
    if device.field and field_q is not None:
        answers[field_q.id] = device.field
    receipt = normal_receipt(str(item.get("receipt") or ""))
    if receipt and receipt_q is not None:
        answers[receipt_q.id] = receipt
    return ResponseRow(commune.id, f"quay-{device.id}", SOURCE, template.id, template.version,
                       _moment(item.get("at"), received), answers, officer_id=officer_id,
                       channel=CHANNEL_COUNTER, key=rating_key(commune.id, device.stage, rating_id, receipt))


def _moment(at, received: datetime) -> datetime:
    """When the citizen rated (the tablet's clock, in ms since the epoch), if plausible."""
    try:
        moment = datetime.fromtimestamp(float(at) / 1000, VIETNAM)
    except (TypeError, ValueError, OverflowError, OSError):
        return received
    return moment if received - PAST <= moment <= received + FUTURE else received

"""The follow-up list (Gia Lâm's practice): responses the office should call back or read.

A response is on it when it rates a counted question on a negative option (a criterion, or the
overall question), leaves a comment, or leaves a phone number (the form says to leave one only
to be called back).

Privacy: the full phone number appears only in the per-commune follow-up outputs (the PDF's
section per commune, the XLSX sheet "Cần liên hệ lại", one CSV per commune), which go to the
commune that must call back. Everywhere else, JSON included, it is masked like "091****678", and
phone-like numbers typed into comments are masked the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from ..responses.coding import HAS_COMMENT, HAS_PHONE
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from ..workspace.templates import Template
from . import indices as ix
from .groups import NO_OFFICER, Communes
from .load import Responses, texts_of

_SEP = r"[ \t\u00a0.\-_()]"  # what people type between digit groups: 0912 345 678, (091) 234-5678, 0912_345_681
PHONE_IN_TEXT = re.compile(  # 0…, (0…), 84…, +84…, +84 (0)… then 8 to 10 more digits
    rf"(?<![\d.,])(?:(?:\+{_SEP}{{0,2}})?84(?:{_SEP}{{0,2}}\(0\))?|\(?0){_SEP}{{0,2}}[1-9](?:{_SEP}{{0,2}}\d){{7,9}}(?!\d)",
    re.ASCII)
_ASCII_DIGITS = {0xFF10 + d: str(d) for d in range(10)}  # full-width ０…９, one character each


def mask_phone(text: str | None) -> str:
    """"0912345678" -> "091****678": first three and last three digits kept; "+84 (0) 912…"
    and full-width digits are read as the same number."""
    if not text:
        return ""
    digits = re.sub(r"\D", "", text.translate(_ASCII_DIGITS), flags=re.ASCII)
    if digits.startswith("840") and len(digits) >= 11:
        digits = "84" + digits[3:]  # the "(0)" of +84 (0) 912 …
    if len(digits) < 7:
        return "*" * len(digits)
    return ("+" if text.strip().startswith("+") else "") + digits[:3] + "*" * (len(digits) - 6) + digits[-3:]


def as_dialled(phone: str) -> str:
    """A phone typed into a sheet as a number loses its leading zero (0912345678 -> 912345678);
    Vietnamese numbers have ten digits, so nine digits get their zero back. The store keeps the
    answer as received; this is only how the call-back list shows it."""
    text = phone.strip()
    return "0" + text if text.isdigit() and len(text) == 9 and text[0] != "0" else phone


def mask_text(text: str | None) -> str:
    """Free text with every phone-like number in it masked (matched on a copy with full-width
    digits made ASCII: the same length, so the places agree)."""
    text = text or ""
    parts, last = [], 0
    for match in PHONE_IN_TEXT.finditer(text.translate(_ASCII_DIGITS)):
        parts += [text[last:match.start()], mask_phone(match.group(0))]
        last = match.end()
    return "".join(parts) + text[last:]


@dataclass(frozen=True, eq=False)  # shared instances, hashed by identity (fast)
class LowAnswer:
    question: str  # question id, e.g. "3.1"
    title: str
    answer: str  # the option chosen, e.g. "Không hài lòng"

    def to_json(self) -> dict:
        return {"id": self.question, "title": self.title, "answer": self.answer}


@dataclass(frozen=True, eq=False)
class FollowUp:
    response_id: int
    commune: str
    commune_name: str
    officer: str | None
    officer_name: str
    submitted: str  # "YYYY-MM-DD HH:MM:SS", local time
    field: str | None
    low: tuple[LowAnswer, ...] = ()
    comment: str = ""
    phone: str = ""  # in full: per-commune outputs only

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(name for name, present in (("low_rating", self.low), ("comment", self.comment),
                                                ("phone", self.phone)) if present)

    def items(self, full_phone: bool = False) -> list[tuple[str, object]]:
        """The JSON fields in order; the phone (and numbers typed into the comment) masked."""
        return [("response_id", self.response_id), ("commune", self.commune), ("commune_name", self.commune_name),
                ("officer", self.officer), ("officer_name", self.officer_name), ("submitted", self.submitted),
                ("field", self.field), ("reasons", self.reasons), ("low_criteria", self.low),
                ("comment", self.comment if full_phone else mask_text(self.comment)),
                ("phone", self.phone if full_phone else mask_phone(self.phone))]

    def to_json(self, full_phone: bool = False) -> dict:
        out = dict(self.items(full_phone))
        out["reasons"] = list(self.reasons)
        out["low_criteria"] = [a.to_json() for a in self.low]
        return out


class Encoder:
    """JSON text of follow-up entries, equal to json.dumps(entry.to_json()), with the values that
    repeat (communes, officers, fields, each low answer) encoded once: a province's year puts
    100,000 entries on the list, and json.dumps costs microseconds per call."""

    def __init__(self) -> None:
        self.cache: dict = {}

    def value(self, value) -> str:
        if value is None or isinstance(value, int):
            return "null" if value is None else str(value)
        if not value:
            return '""' if isinstance(value, str) else "[]"
        if isinstance(value, tuple):
            return "[" + ", ".join(self.value(v) for v in value) + "]"
        text = self.cache.get(value)
        if text is None:
            text = json.dumps(value.to_json() if isinstance(value, LowAnswer) else value, ensure_ascii=False)
            self.cache[value] = text
        return text

    def entry(self, item: FollowUp) -> str:
        """Equal to json.dumps(item.to_json()), from cached pieces: who (commune, officer), the
        field, the reasons and the low answers repeat across entries; times need no escaping."""
        cache = self.cache
        who_key = ("who", item.commune, item.commune_name, item.officer, item.officer_name)
        who = cache.get(who_key)
        if who is None:
            who = cache[who_key] = ", ".join(f'"{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in zip(
                ("commune", "commune_name", "officer", "officer_name"), who_key[1:], strict=True))
        low = cache.get(item.low)
        if low is None:
            low = cache[item.low] = self.value(item.low)
        reasons = cache.get(item.reasons)
        if reasons is None:
            reasons = cache[item.reasons] = self.value(item.reasons)
        comment = json.dumps(mask_text(item.comment), ensure_ascii=False) if item.comment else '""'
        phone = json.dumps(mask_phone(item.phone), ensure_ascii=False) if item.phone else '""'
        return (f'{{"response_id": {item.response_id}, {who}, "submitted": "{item.submitted}", '
                f'"field": {self.value(item.field)}, "reasons": {reasons}, "low_criteria": {low}, '
                f'"comment": {comment}, "phone": {phone}}}')


def follow_up_list(store: ResponseStore, template: Template, scoring: ix.Scoring, current: Responses,
                   bins: np.ndarray, follow: np.ndarray, ws: Workspace, communes: Communes) -> list[FollowUp]:
    """Vectorised per question, not per response: a province's year can put 100,000 on the list."""
    names = communes.names
    rank = np.array([communes.row[c] for c in current.communes], np.int64)
    rows = np.flatnonzero(follow)
    rows = rows[np.lexsort((current.ids[rows], current.time[rows], rank[current.commune[rows]]))]
    if not len(rows):
        return []
    # Low answers: one column per criterion (its bin) and per other scored question with negative
    # options (its code), a table of LowAnswer per (column, option), then np.nonzero row by row.
    columns, chosen = [], []
    for c, q in enumerate(scoring.criteria):
        columns.append(q)
        chosen.append(np.where(scoring.negative[c][bins[rows, c]], bins[rows, c], 0))
    for column, q, negative in ix.other_negatives(template):  # the overall question
        codes = current.codes[rows, column]
        columns.append(q)
        chosen.append(np.where(negative[codes], codes, 0))
    table: np.ndarray = np.empty((len(columns), max(len(q.scale_options) for q in columns) + 1), np.object_)
    for k, q in enumerate(columns):
        for i, option in enumerate(q.scale_options, 1):
            table[k, i] = LowAnswer(q.id, q.title, option.label)
    picked = np.stack(chosen, axis=1)
    hit_row, hit_column = np.nonzero(picked)
    flat = table[hit_column, picked[hit_row, hit_column]].tolist()
    ends = np.cumsum(np.bincount(hit_row, minlength=len(rows))).tolist()
    lows = [tuple(flat[a:b]) for a, b in zip([0] + ends[:-1], ends, strict=True)]
    texts = texts_of(store, current.ids[rows[(current.flags[rows] & (HAS_COMMENT | HAS_PHONE)) > 0]],
                     [q.id if q else None for q in (template.by_role("comment"), template.by_role("phone"))])
    everyone = {o.id: o.name for c in ws.communes for o in c.officers}
    officer_names = [everyone.get(o, o) if o else NO_OFFICER for o in current.officers]
    stamps = np.char.replace(np.datetime_as_string(current.time[rows].astype("datetime64[s]")), "T", " ").tolist()
    out = []
    for i, (response_id, commune, officer, field_index) in enumerate(zip(
            current.ids[rows].tolist(), current.commune[rows].tolist(), current.officer[rows].tolist(),
            current.field[rows].tolist(), strict=True)):
        cid = current.communes[commune]
        comment, phone = texts.get(response_id, ("", ""))
        out.append(FollowUp(response_id, cid, names.get(cid, cid), current.officers[officer], officer_names[officer],
                            stamps[i], current.fields[field_index], lows[i], comment or "", as_dialled(phone or "")))
    return out

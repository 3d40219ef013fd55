"""The answer coding: how a response's answers become the bytes the indices count.

Every scale question (criteria, the gate, the overall question…, in template order) gets one
byte: 0 blank, 1…k the option's position on its scale, 255 text that matches no option. A
response's flags say what the follow-up list and the integrity checks look for without reading
the raw answers. The store writes these codes; the report reads them; nothing else spells them.
"""

from __future__ import annotations

from ..workspace.templates import Question, Template, nfc

BLANK, INVALID = 0, 255

# Flag bits.
HAS_COMMENT, HAS_PHONE, HAS_NEGATIVE, HAS_INVALID = 1, 2, 4, 8


def scale_questions(template: Template) -> list[Question]:
    """The questions coded as bytes, in this order: criteria, the gate, the overall question…"""
    return [q for q in template.questions if q.scale is not None]


def encode(questions: list[Question], answers: dict[str, str]) -> tuple[bytes, list[tuple[str, str, str]]]:
    """(codes, invalid answers as (question id, raw, reason))."""
    codes = bytearray(len(questions))
    invalid = []
    for i, q in enumerate(questions):
        raw = answers.get(q.id)
        if raw is None:
            continue
        labels = q.scale.labels
        text = nfc(raw).strip()
        if text in labels:
            codes[i] = labels.index(text) + 1
        else:
            codes[i] = INVALID
            invalid.append((q.id, raw, f"not one of the options ({' / '.join(labels)})"))
    return bytes(codes), invalid


def text_flags(template: Template, answers: dict[str, str]) -> int:
    """HAS_COMMENT and HAS_PHONE: the free-text answers present."""
    comment, phone = template.by_role("comment"), template.by_role("phone")
    return ((HAS_COMMENT if comment and answers.get(comment.id) else 0)
            | (HAS_PHONE if phone and answers.get(phone.id) else 0))


def flags(template: Template, answers: dict[str, str], questions: list[Question], codes: bytes, invalid: list) -> int:
    out = text_flags(template, answers)
    for q, code in zip(questions, codes):
        if q.is_criterion and code not in (BLANK, INVALID) and q.scale.options[code - 1].negative:
            out |= HAS_NEGATIVE
    if invalid:
        out |= HAS_INVALID
    return out


def field_of(template: Template, answers: dict[str, str]) -> str | None:
    """The field of procedure chosen, if the template asks for one."""
    question = template.by_role("field")
    return answers.get(question.id) if question else None

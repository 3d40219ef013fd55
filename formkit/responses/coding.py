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


class Coder:
    """The coding of one template version's answers, its lookup tables made once (a pull or an
    export codes hundreds of thousands of responses)."""

    def __init__(self, template: Template) -> None:
        self.questions = questions = scale_questions(template)
        roles = [template.by_role(r) for r in ("comment", "phone", "field")]
        self.comment_id, self.phone_id, self.field_id = (q.id if q else None for q in roles)
        self.codes = [{label: k for k, label in enumerate(q.fixed_options, 1)} for q in questions]
        self.negative = [(i, frozenset(k for k, o in enumerate(q.scale_options, 1) if o.negative))
                         for i, q in enumerate(questions) if q.is_criterion]

    def encode(self, answers: dict[str, str]) -> tuple[bytes, list[tuple[str, str, str]]]:
        """(codes, invalid answers as (question id, raw, reason))."""
        codes = bytearray(len(self.questions))
        invalid = []
        for i, (q, lookup) in enumerate(zip(self.questions, self.codes, strict=True)):
            raw = answers.get(q.id)
            if raw is None:
                continue
            code = lookup.get(raw) or lookup.get(nfc(raw).strip())
            if code:
                codes[i] = code
            else:
                codes[i] = INVALID
                invalid.append((q.id, raw, f"not one of the options ({' / '.join(lookup)})"))
        return bytes(codes), invalid

    def text_flags(self, answers: dict[str, str]) -> int:
        """HAS_COMMENT and HAS_PHONE: the free-text answers present (needs the template)."""
        return ((HAS_COMMENT if self.comment_id and answers.get(self.comment_id) else 0)
                | (HAS_PHONE if self.phone_id and answers.get(self.phone_id) else 0))

    def flags(self, answers: dict[str, str], codes: bytes, invalid: list) -> int:
        out = self.text_flags(answers)
        if any(codes[i] in negative for i, negative in self.negative):
            out |= HAS_NEGATIVE
        if invalid:
            out |= HAS_INVALID
        return out

    def field_of(self, answers: dict[str, str]) -> str | None:
        """The field of procedure chosen, if the template asks for one."""
        return answers.get(self.field_id) if self.field_id else None


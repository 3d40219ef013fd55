"""The report's page, in one place for the PDF and the DOCX (Nghị định 30/2020/NĐ-CP): A4, margins
top/bottom 20 mm, left 30 mm, right 15 mm, body 13 pt and tables 11 pt; how a table's columns
share the text width, and how a centred heading breaks into two balanced lines."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..typography import SERIF, SERIF_BOLD
from .content import T

PAGE_MM = (210, 297)  # A4
MARGINS_MM = (20, 20, 30, 15)  # top, bottom, left, right
TEXT_MM = PAGE_MM[0] - MARGINS_MM[2] - MARGINS_MM[3]  # the text width
WIDTH = A4[0] - MARGINS_MM[2] * mm - MARGINS_MM[3] * mm  # the text width in points
BODY, SMALL = 13, 11
MIN_NUMBER = 15 * mm  # number columns get at least this when the table has room


def column_widths(head: list[list[str]], rows: list[list], kinds: str,
                  weights: dict[int, float] | None = None) -> list[float]:
    """Column widths in points over the text width (the DOCX lays its tables out the same way):
    number columns take the width their widest cell needs; text columns share the rest."""
    pad = 8
    widths: list[float | None] = []
    for i, kind in enumerate(kinds):
        if kind == "t":
            widths.append(None)
            continue
        cells = [str(r[i]) for r in rows] or [""]
        words = [w for h in head for w in str(h[i]).split()]
        widths.append(max([stringWidth(c, SERIF, SMALL) for c in cells]
                          + [stringWidth(w, SERIF_BOLD, SMALL) for w in words]) + pad)
    texts = [i for i, k in enumerate(kinds) if k == "t"]
    roomy = [max(w, MIN_NUMBER) if w is not None else None for w in widths]
    if sum(w for w in roomy if w is not None) <= WIDTH - 45 * mm * len(texts):
        widths = roomy  # headers like "Số câu trả lời" wrap in two lines, not four
    fixed = sum(w for w in widths if w is not None)
    room = WIDTH - fixed
    if texts and room < 30 * mm * len(texts):  # too many numbers: squeeze them, keep text readable
        scale = (WIDTH - 30 * mm * len(texts)) / fixed
        widths = [w * scale if w is not None else None for w in widths]
        room = 30 * mm * len(texts)
    weight = weights or {}
    total = sum(weight.get(i, 1.0) for i in texts) or 1.0
    final = [w if w is not None else room * weight.get(i, 1.0) / total for i, w in enumerate(widths)]
    if not texts:
        final = [w * WIDTH / sum(final) for w in final]
    return final


def balanced(text: str, width: float, font: str = SERIF_BOLD, size: float = BODY) -> str:
    """Text for a centred heading: one line if it fits, else two lines of similar length
    ("ỦY BAN NHÂN DÂN" / "TỈNH TÂY NINH" rather than a lone last word)."""
    if stringWidth(text, font, size) <= width:
        return T(text)
    words = text.split()
    if len(words) < 2:  # one word (the workspace check keeps it short enough): nothing to balance
        return T(text)
    best = min(range(1, len(words)), key=lambda i: max(stringWidth(" ".join(words[:i]), font, size),
                                                       stringWidth(" ".join(words[i:]), font, size)))
    return T(" ".join(words[:best])) + "<br/>" + T(" ".join(words[best:]))

"""Fitting text into a box: wrap at spaces, shrink step by step, and as a last resort cut.

Names and titles come from rosters and can be long (60 characters and more); a layout gives each
text a box and a size range, and the text must end up inside the box whatever it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..typography import SANS, SANS_BOLD, register_fonts

FONTS = {"regular": SANS, "bold": SANS_BOLD}  # the names layouts use
STEP = 0.25  # pt between the sizes tried
FLOOR = 4.0  # pt: below this, lines are cut with an ellipsis instead
BADGE = 1.5  # diameter of a step's number badge, in em
ROW_GAP = 0.45  # between step rows, in em


@dataclass(frozen=True)
class Metrics:
    """Ink extent of the font per point of size: everything drawn stays within these."""

    top: float  # above the baseline
    bottom: float  # below the baseline, positive


@cache
def metrics(font: str) -> Metrics:
    register_fonts()
    registered = pdfmetrics.getFont(font)
    assert isinstance(registered, TTFont)  # register_fonts registers TrueType fonts only
    face = registered.face
    # The font's bounding box, not its line metrics: stacked Vietnamese marks (Ấ, Ỗ) reach higher.
    return Metrics(max(face.ascent, face.bbox[3]) / 1000, -min(face.descent, face.bbox[1]) / 1000)


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def wrap(text: str, font: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap; a word longer than the line (a URL) is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if width(candidate, font, size) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while width(word, font, size) > max_width:
            cut = _longest_prefix(word, font, size, max_width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _longest_prefix(word: str, font: str, size: float, max_width: float) -> int:
    cut = 1
    while cut < len(word) and width(word[: cut + 1], font, size) <= max_width:
        cut += 1
    # Prefer breaking a link after a "/" or "." near the end of the line.
    for i in range(cut, max(cut - 12, 1), -1):
        if word[i - 1] in "/.-_?&=":
            return i
    return cut


@dataclass(frozen=True)
class Fitted:
    lines: tuple[str, ...]
    size: float
    line_gap: float  # baseline to baseline, pt
    height: float  # ink height of the whole block, pt
    squeezed: bool = False  # smaller than the layout's min_size, or cut: worth a warning

    def baselines(self, top: float, font: str) -> list[float]:
        """Baselines (PDF y, growing upwards) when the block's ink starts at `top`."""
        first = top - metrics(font).top * self.size
        return [first - i * self.line_gap for i in range(len(self.lines))]


def block_height(n_lines: int, font: str, size: float, leading: float = 1.2) -> float:
    m = metrics(font)
    return (m.top + m.bottom) * size + (n_lines - 1) * leading * size if n_lines else 0.0


def fit(paragraphs: list[str], font: str, box_w: float, box_h: float,
        max_size: float, min_size: float, leading: float = 1.2) -> Fitted:
    """The largest size ≤ max_size at which the wrapped paragraphs fit the box.

    Below min_size (which the layout checks can hold one line) the text keeps shrinking rather
    than overflowing; at FLOOR it is cut.
    """
    paragraphs = [p for p in paragraphs if p.strip()]
    size = max_size
    while True:
        lines = [line for p in paragraphs for line in wrap(p, font, size, box_w)]
        if block_height(len(lines), font, size, leading) <= box_h:
            return Fitted(tuple(lines), size, leading * size, block_height(len(lines), font, size, leading),
                          squeezed=size < min_size)
        if size <= FLOOR:
            break
        size = max(FLOOR, size - STEP)
    # Cut: as many lines as fit, the last one ending with an ellipsis.
    keep = max(1, int((box_h - (metrics(font).top + metrics(font).bottom) * size) // (leading * size)) + 1)
    lines = lines[:keep]
    last = lines[-1]
    while last and width(last + "…", font, size) > box_w:
        last = last[:-1]
    lines[-1] = last + "…"
    return Fitted(tuple(lines), size, leading * size, block_height(len(lines), font, size, leading), squeezed=True)


def steps_height(n_items: int, size: float) -> float:
    """Least height of n one-line steps: a row is at least its number badge, rows 0.45 em apart."""
    return n_items * BADGE * size + (n_items - 1) * ROW_GAP * size

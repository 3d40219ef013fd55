"""A1 ranges as the Sheets API reads them: `Tab`, `'Tab name'!A1:Z`, `Tab!A:C`, `Tab!1:3`,
`A1:B2` (the first tab), with '' for a quote inside a quoted name.

Rows and columns here are 0-based and inclusive; None marks an open end (to the grid's edge).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

_REF = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d{0,7})$")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Bounds:
    r0: int | None = None
    c0: int | None = None
    r1: int | None = None
    c1: int | None = None

    def within(self, rows: int, cols: int) -> tuple[int, int, int, int]:
        """Closed bounds, open ends extended to a grid of rows x cols."""
        return (self.r0 or 0, self.c0 or 0,
                rows - 1 if self.r1 is None else self.r1, cols - 1 if self.c1 is None else self.c1)


WHOLE = Bounds()


def column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_title(title: str) -> str:
    """How Google writes a tab name in a returned range: bare when it is a plain word."""
    return title if _PLAIN.match(title) else "'" + title.replace("'", "''") + "'"


def format_range(title: str, r0: int, c0: int, r1: int, c1: int) -> str:
    start, end = f"{column_letters(c0)}{r0 + 1}", f"{column_letters(c1)}{r1 + 1}"
    return f"{quote_title(title)}!{start}" + ("" if (r0, c0) == (r1, c1) else f":{end}")


def parse(text: str, titles: Collection[str]) -> tuple[str, Bounds]:
    """(tab title, bounds) of an A1 range, given the spreadsheet's tab titles in order (first =
    default; a dict's keys look a name up at once). Raises ValueError when the range cannot be
    read or names no tab."""
    text = text.strip()
    cells: str | None
    if text.startswith("'"):
        title, rest = _quoted(text)
        if rest and not rest.startswith("!"):
            raise ValueError(text)
        cells = rest[1:] if rest else None
    elif "!" in text:
        title, cells = text.rsplit("!", 1)
    elif text in titles:
        return text, WHOLE
    else:
        if not titles:
            raise ValueError(text)
        title, cells = next(iter(titles)), text
    if title not in titles:
        raise ValueError(text)
    return title, WHOLE if cells is None else _bounds(cells, text)


def _quoted(text: str) -> tuple[str, str]:
    name, i = [], 1
    while i < len(text):
        if text[i] == "'":
            if text[i + 1:i + 2] == "'":
                name.append("'")
                i += 2
                continue
            return "".join(name), text[i + 1:]
        name.append(text[i])
        i += 1
    raise ValueError(text)


def _ref(part: str, text: str) -> tuple[int | None, int | None]:
    match = _REF.match(part.strip())
    if not match or not (match.group(1) or match.group(2)) or match.group(2) == "0":
        raise ValueError(text)
    col = column_index(match.group(1)) if match.group(1) else None
    row = int(match.group(2)) - 1 if match.group(2) else None
    return col, row


def _bounds(cells: str, text: str) -> Bounds:
    parts = cells.split(":")
    if len(parts) > 2:
        raise ValueError(text)
    c0, r0 = _ref(parts[0], text)
    if len(parts) == 1:
        return Bounds(r0, c0, r0, c0)
    c1, r1 = _ref(parts[1], text)
    if c0 is not None and c1 is not None and c0 > c1:
        c0, c1 = c1, c0
    if r0 is not None and r1 is not None and r0 > r1:
        r0, r1 = r1, r0
    return Bounds(r0, c0, r1, c1)

"""TOML text as people write it on Windows, and its syntax errors in the reader's language.

- A UTF-8 byte-order mark (old Notepad writes one) is dropped before parsing.
- Values nested deeper than MAX_DEPTH are refused with the key and the line, before tomllib
  would recurse until RecursionError (`weekdays = [[[…]]]` 5,000 deep).
- A syntax error names the line and shows it; tomllib's English reason is translated. A
  backslash in a double-quoted string (`photo = "photos\\Tran.jpg"`, `"C:\\Users\\…"`) says
  what to write instead. An unclosed array, table or string names the line where it opened,
  not where the parser gave up.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from .errors import Problem
from .i18n import N_, _

MAX_DEPTH = 32  # formkit's files nest three levels; TOML itself sets no limit
BOM = "\ufeff"

_REASONS = {  # tomllib's reasons (Python 3.11-3.13), for the catalog
    "Invalid statement": N_("this line is not `key = value` nor a [table] header"),
    "Expected '=' after a key in a key/value pair": N_("'=' expected after the key"),
    "Invalid value": N_("the value is not valid TOML (text needs quotes: name = \"Hòa Thành\")"),
    "Invalid initial character for a key part": N_("a key starts with a character keys cannot have"),
    "Expected newline or end of document after a statement": N_("one line holds more than one `key = value`"),
    "Unclosed array": N_("the list opened here is not closed with ]"),
    "Unclosed inline table": N_("the inline table opened here has no closing brace"),
    "Unterminated string": N_("the text opened here has no closing quote"),
    "Invalid date or datetime": N_("not a valid date or time"),
    "Expected ']' at the end of a table declaration": N_("a [table] header must end with ]"),
    "Expected ']]' at the end of an array declaration": N_("an [[array]] header must end with ]]"),
    "Cannot overwrite a value": N_("this key is already given above"),
    "Cannot declare": N_("this table or key is already given above"),
    "Cannot redefine namespace": N_("this table or key is already given above"),
    "Cannot mutate immutable namespace": N_("this table or key is already given above"),
    "Duplicate inline table key": N_("this key is given twice in one table"),
    "Illegal character": N_("a character TOML does not allow here (a text value must end on its own line)"),
    "Found invalid character": N_("a character TOML does not allow here"),
}
_BACKSLASH = ("Unescaped '\\' in a string", "Invalid hex value", "Escaped character is not a Unicode scalar value")
_OPENED = ("Unclosed array", "Unclosed inline table", "Unterminated string")
_AT = re.compile(r" \(at (?:line (\d+), column \d+|end of document)\)$")


def parse(text: str, shown: str) -> dict[str, Any]:
    """The TOML document in `text`; an InputError naming `shown` and the line when it is not one."""
    from .errors import InputError

    if text.startswith(BOM):
        text = text[1:]
    deep = _Scan(text).deepest
    if deep is not None:
        line, key = deep
        raise InputError(Problem(shown, _("line {line}").format(line=line) + (f", {key}" if key else ""),
                                 _("nested more than {n} levels deep; formkit's files need three at most").format(
                                     n=MAX_DEPTH)))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(_syntax_problem(text, str(exc), shown)) from None
    except RecursionError:  # nesting MAX_DEPTH does not see (none known): still the file's fault
        raise InputError(Problem(shown, "", _("nested too deeply to read"))) from None


def _syntax_problem(text: str, message: str, shown: str) -> Problem:
    found = _AT.search(message)
    reason = message[:found.start()] if found else message
    lines = text.split("\n")
    line = int(found.group(1)) if found and found.group(1) else len(lines)
    if reason.startswith(_OPENED) or (found and not found.group(1)):
        line = _Scan(text).unclosed or line
    if reason.startswith(_BACKSLASH):
        said = _("a \\ inside \"double quotes\" starts an escape in TOML. Write a Windows path with forward "
                 "slashes, photo = \"photos/Tran.jpg\", or in single quotes, photo = 'photos\\Tran.jpg'")
    else:
        said = next((_(vi) for en, vi in _REASONS.items() if reason.startswith(en)), reason)
    source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return Problem(shown, _("line {line}").format(line=line),
                   _("not valid TOML: {reason}").format(reason=said) + (f": {source[:120]}" if source else ""))


class _Scan:
    """The brackets of a TOML text, outside strings and comments: `deepest` is the first line
    (and its statement's key) past MAX_DEPTH; `unclosed` the line of a bracket or string still
    open at the end."""

    def __init__(self, text: str) -> None:
        self.deepest: tuple[int, str] | None = None
        self.unclosed: int | None = None
        opened: list[int] = []
        line, key, i, n, line_start = 1, "", 0, len(text), 0
        while i < n:
            c = text[i]
            if c == "\n":
                line, line_start = line + 1, i + 1
            elif c == "#":
                end = text.find("\n", i)
                i = n if end < 0 else end
                continue
            elif c in "\"'":
                quote = c * 3 if text.startswith(c * 3, i) else c
                j = _string_end(text, i + len(quote), quote)
                if j < 0:
                    self.unclosed = line
                    return
                line += text.count("\n", i, j)
                i = j
                continue
            elif c == "=" and not opened:
                key = text[line_start:i].strip()
            elif c in "[{":
                opened.append(line)
                if len(opened) > MAX_DEPTH and self.deepest is None:
                    self.deepest = line, key
            elif c in "]}" and opened:
                opened.pop()
            i += 1
        self.unclosed = opened[0] if opened else None


def _string_end(text: str, j: int, quote: str) -> int:
    """Where the string whose content starts at j ends (after its closing quote); -1 if never."""
    while j < len(text):
        if text.startswith(quote, j):
            return j + len(quote)
        if quote[0] == '"' and text[j] == "\\":
            j += 1
        elif len(quote) == 1 and text[j] == "\n":
            return j  # a one-line string cut by the line's end: tomllib names that line itself
        j += 1
    return -1

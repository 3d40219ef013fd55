"""The one reader for formkit's TOML data files (formkit.toml, templates, poster layouts): parse
the file (files.read_toml: UTF-8, NFC), then read its tables through TomlReader, which collects
every problem with the file and the place ("communes[2].officers[1].name") before failing.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ..errors import Problems
from ..files import nfc
from ..i18n import N_, _

MAX_TEXT = 2000  # characters in any one text value (a description); names and titles are shorter
MAX_NAME = 200  # a person's, a commune's or a unit's name, a title, a tab name


def at(place: str, key: str) -> str:
    """The place of `key` inside the table at `place` ("" for the top level)."""
    return f"{place}.{key}" if place else key


def control_characters(text: str, allow_newlines: bool = False) -> list[str]:
    """The control characters in text (as U+XXXX), newlines and tabs allowed if asked."""
    allowed = {"\n", "\t"} if allow_newlines else set()
    return sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc" and c not in allowed})


class TomlReader:
    """Reads the tables of one parsed TOML file; each reader reports what is wrong and returns a
    usable default, so one run lists every problem."""

    def __init__(self, shown: str, raw: dict[str, Any], problems: Problems | None = None) -> None:
        self.shown = shown  # the file name as the user should read it
        self.raw = raw
        self.problems = problems if problems is not None else Problems()

    def problem(self, place: str, message: str, file: str | None = None) -> None:
        self.problems.add(file or self.shown, place, message)

    def unknown_keys(self, table: dict, known: set[str] | tuple[str, ...], place: str = "", what: str = "") -> None:
        """Every key of `table` formkit does not read is a problem naming the table and the key."""
        for key in sorted(set(table) - set(known)):
            self.problem(at(place, key), _("unknown key{what} (known: {known})").format(
                    what=what, known=', '.join(sorted(known))))

    def table(self, raw: dict, key: str, place: str = "", hint: str = "") -> dict | None:
        """raw[key] if it is a table, None if absent; anything else is a problem."""
        value = raw.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.problem(at(place, key), _("must be a table{hint}, not {kind}").format(
                hint=hint, kind=type(value).__name__))
        return None

    def text(self, table: dict, key: str, place: str, required: bool = True, default: str = "", *,
             numbers: bool = False, blank_is_missing: bool = False, max_length: int = MAX_TEXT,
             newlines: bool = True) -> str:
        """A text value, NFC; `numbers` accepts 12 for "12"; over `max_length` characters, with a
        control character (other than newline or tab where `newlines`), or of another type, it is
        a problem."""
        value = table.get(key)
        where = at(place, key)
        if value is None or (blank_is_missing and isinstance(value, str) and not value.strip()):
            if required:
                self.problem(where, _("missing"))
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int) if numbers else str):
            self.problem(where, _("must be text, not {kind}").format(kind=_type_name(value)))
            return default
        value = nfc(str(value))
        bad = control_characters(value, allow_newlines=newlines)
        if bad:
            self.problem(where, _("contains control character(s) {characters}; remove them").format(
                    characters=', '.join(bad)))
            return default
        if len(value) > max_length:
            self.problem(where, _("is {n} characters long; at most {max_length} are allowed").format(
                    n=len(value), max_length=max_length))
            return default
        return value

    def number(self, table: dict, key: str, place: str, default: float, low: float, high: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(at(place, key), _("must be a number, not {kind}").format(kind=_type_name(value)))
            return default
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(at(place, key), _("{value} is not a number formkit can use").format(value=value))
            return default
        if not low <= value <= high:
            self.problem(at(place, key), _("{value} is out of range ({low}–{high})").format(
                    value=value, low=low, high=high))
            return default
        return float(value)

    def choice(self, table: dict, key: str, place: str, options: tuple[str, ...], default: str) -> str:
        value = table.get(key, default)
        if value not in options:
            self.problem(at(place, key), _("'{value}' is not one of {options}").format(
                    value=value, options=', '.join(options)))
            return default
        return value


_TYPE_NAMES = {"list": N_("a list"), "dict": N_("a table"), "int": N_("a number"), "float": N_("a number"),
               "bool": "true/false", "datetime": N_("a date"), "date": N_("a date"), "time": N_("a time")}


def _type_name(value: Any) -> str:
    name = type(value).__name__
    return _(_TYPE_NAMES[name]) if name in _TYPE_NAMES else name

"""Typed cells the way Google Sheets keeps them, and how they come back in each render option.

A cell is (kind, value): 's' text, 'n' number, 'b' boolean (0/1), 'd' date-time as a serial
number (days since 1899-12-30 in the spreadsheet's own time zone). FORMATTED_VALUE renders with
the spreadsheet's locale, which is exactly what makes a report that reads formatted values
break when a sheet's locale changes; UNFORMATTED_VALUE with SERIAL_NUMBER does not.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

Cell = tuple[str, Any]
EPOCH = datetime(1899, 12, 30)
_FIXED_ZONES = {"Asia/Ho_Chi_Minh": 7, "Asia/Saigon": 7, "Asia/Bangkok": 7, "Asia/Jakarta": 7}
_COMMA_DECIMAL = {"vi", "de", "fr", "es", "it", "pt", "ru", "nl", "id", "tr", "pl"}
_POINT_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?$")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+(,\d+)?%?$")


_CUSTOM_ZONE = re.compile(r"^GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$")


def zone(name: str) -> tzinfo:
    """The spreadsheet's time zone: an IANA name, or a custom "GMT+07:00" as Sheets allows; fixed
    offsets when the system has no tz database (Windows)."""
    custom = _CUSTOM_ZONE.match(name)
    if custom:
        sign, hours, minutes = custom.groups()
        offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        return timezone(-offset if sign == "-" else offset)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, or no tzdata at all
        return timezone(timedelta(hours=_FIXED_ZONES.get(name, 0)))


def serial(moment: datetime, time_zone: str) -> float:
    """A moment as a Sheets date-time serial number in the spreadsheet's time zone."""
    delta = moment.astimezone(zone(time_zone)).replace(tzinfo=None) - EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def _from_serial(number: float) -> datetime:
    return EPOCH + timedelta(seconds=round(number * 86400))


def _comma_locale(locale: str) -> bool:
    return locale.split("_")[0].lower() in _COMMA_DECIMAL


def format_datetime(number: float, locale: str) -> str:
    """vi_VN: 27/09/2025 8:07:24 (day first, hour not padded); en_US: 9/27/2025 8:07:24."""
    moment = _from_serial(number)
    clock = f"{moment.hour}:{moment.minute:02d}:{moment.second:02d}"
    if locale == "en_US":
        return f"{moment.month}/{moment.day}/{moment.year} {clock}"
    return f"{moment.day:02d}/{moment.month:02d}/{moment.year} {clock}"


def format_number(number: float, locale: str) -> str:
    if float(number).is_integer() and abs(number) < 1e15:
        text = str(int(number))
    else:
        text = f"{number:.10g}"
    return text.replace(".", ",") if _comma_locale(locale) else text


def from_input(value: Any, user_entered: bool, locale: str) -> Cell | None:
    """The cell a values.update/append writes; None leaves the cell as it is (JSON null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("b", int(value))
    if isinstance(value, (int, float)):
        return ("n", float(value))
    if not isinstance(value, str):
        raise ValueError(f"a cell value must be a string, number or boolean, not {type(value).__name__}")
    if value == "":
        return ("", None)
    return user_typed(value, locale) if user_entered else ("s", value)


def user_typed(text: str, locale: str) -> Cell:
    """What Sheets makes of text typed into a cell: numbers lose leading zeros, TRUE is a
    boolean, a leading apostrophe keeps text as text. Dates typed as text stay text here."""
    return _typed_short(text, locale) if len(text) <= 256 else _typed(text, locale)


@lru_cache(maxsize=4096)  # every response to a linked form types its chosen options again
def _typed_short(text: str, locale: str) -> Cell:
    return _typed(text, locale)


def _typed(text: str, locale: str) -> Cell:
    if text.startswith("'"):
        return ("s", text[1:])
    plain = text.strip()
    if plain.upper() in ("TRUE", "FALSE"):
        return ("b", int(plain.upper() == "TRUE"))
    pattern = _COMMA_NUMBER if _comma_locale(locale) else _POINT_NUMBER
    if pattern.match(plain):
        percent = plain.endswith("%")
        number = float(plain.rstrip("%").replace(",", "."))
        return ("n", number / 100 if percent else number)
    return ("s", text)


def render(cell: Cell, value_option: str, datetime_option: str, locale: str) -> Any:
    kind, value = cell
    if value_option == "FORMATTED_VALUE":
        if kind == "n":
            return format_number(value, locale)
        if kind == "b":
            return "TRUE" if value else "FALSE"
        if kind == "d":
            return format_datetime(value, locale)
        return value
    if kind == "b":
        return bool(value)
    if kind == "d" and datetime_option == "FORMATTED_STRING":
        return format_datetime(value, locale)
    if kind in ("n", "d"):
        return int(value) if float(value).is_integer() else value
    return value

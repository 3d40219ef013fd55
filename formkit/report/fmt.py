"""Numbers and dates as a Vietnamese reader expects them in the PDF: "82,66", "14.895", "4,12",
"ngày 05 tháng 02 năm 2026". Indices are rounded to 2 decimals here and only here."""

from __future__ import annotations

import math
from datetime import date


def _vi(text: str) -> str:
    """Swap English separators for Vietnamese ones: 14,895.5 -> 14.895,5."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def number(value: int | float | None) -> str:
    return "" if value is None else _vi(f"{int(value):,}")


def percent(value: float | None, sign: bool = False) -> str:
    """An index 0–100 with two decimals ("82,66"); "–" when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return _vi(f"{value:+,.2f}" if sign else f"{value:,.2f}")


def score(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return _vi(f"{value:.2f}")


def when(stamp: str | None) -> str:
    """"2026-09-27 08:07:24" -> "27/09/2026 08:07"."""
    if not stamp:
        return ""
    day, _, clock = stamp.partition(" ")
    y, m, d = day.split("-")
    return f"{d}/{m}/{y} {clock[:5]}".strip()


def dated(place: str, day: date) -> str:
    """The place-date line of Nghị định 30/2020: days below 10 and months below 3 take a leading 0."""
    d = f"{day.day:02d}" if day.day < 10 else str(day.day)
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {d} tháng {m} năm {day.year}"

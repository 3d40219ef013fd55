"""Report periods: `--quarter 2026Q3`, `--month 2026-09`, `--year 2026`, `--from/--to`, the period
just before (for "change since"), and the quarters of the trend chart.

A period is whole days, start and end inclusive, in Vietnam local time (the store's clock).
The same short codes (2026Q3, 2026-09, 2026) name periods in the dossiers CSV.

The one place where days and periods become the store's text ("YYYY-MM-DD HH:MM:SS"), seconds
on the local clock (the arrays' time, epoch read as UTC) and the words a report says them in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..errors import UsageError
from ..i18n import _

ROMAN = ("I", "II", "III", "IV")
DAY = 86_400


def day_seconds(day: date) -> int:
    return (day - date(1970, 1, 1)).days * DAY


def day_text(day: date) -> str:
    """The store's text of a day's first second."""
    return f"{day.isoformat()} 00:00:00"


def stamp(seconds: int) -> str:
    """Seconds on the local clock -> "YYYY-MM-DD HH:MM:SS"."""
    return str(np.datetime64(int(seconds), "s")).replace("T", " ")


def stamps(seconds: np.ndarray) -> np.ndarray:
    """stamp() of many, as bytes (S19), in C: the ISO text with its "T" made a space."""
    text = np.datetime_as_string(seconds.astype("datetime64[s]")).astype("S19")
    chars = text.view(np.uint8).reshape(-1, 19).copy()
    chars[:, 10] = ord(" ")
    return chars.view("S19").ravel()


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str  # "quarter" | "month" | "year" | "range"

    @property
    def code(self) -> str:
        """Short name, also used in file names: 2026Q3, 2026-09, 2026, 2026-07-01_2026-08-15."""
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """As a report title says it: "quý III năm 2026", "tháng 9 năm 2026", "năm 2026"."""
        if self.kind == "quarter":
            return f"quý {ROMAN[(self.start.month - 1) // 3]} năm {self.start.year}"
        if self.kind == "month":
            return f"tháng {self.start.month} năm {self.start.year}"
        if self.kind == "year":
            return f"năm {self.start.year}"
        return self.dates

    @property
    def dates(self) -> str:
        """The days in words: "từ ngày 01/07/2026 đến ngày 30/09/2026"."""
        return f"từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"

    @property
    def short_label(self) -> str:
        """For chart axes and table headers: "Quý III/2026", "09/2026", "2026"."""
        if self.kind == "quarter":
            return f"Quý {ROMAN[(self.start.month - 1) // 3]}/{self.start.year}"
        if self.kind == "month":
            return f"{self.start:%m/%Y}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"

    @property
    def shown(self) -> str:
        """Where people read a period in a table: "Quý IV/2026", "Tháng 9/2026", "Năm 2026"."""
        if self.kind == "quarter":
            return self.short_label
        if self.kind == "month":
            return f"Tháng {self.start.month}/{self.start.year}"
        if self.kind == "year":
            return f"Năm {self.start.year}"
        return self.short_label

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[str, str]:
        """[start, end) as the store's "YYYY-MM-DD HH:MM:SS" strings, for SQL range filters."""
        return day_text(self.start), day_text(self.end + timedelta(days=1))

    def seconds(self) -> tuple[int, int]:
        """[start, end) as seconds on the local clock, the arrays' time."""
        return day_seconds(self.start), day_seconds(self.end) + DAY

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def around(self, day: date) -> Period | None:
        """The period of the same kind that holds `day` (a quarter's quarter, a month's month);
        None for a range of days."""
        if self.kind == "quarter":
            return quarter_of(day)
        if self.kind == "month":
            return month_of(day.year, day.month)
        if self.kind == "year":
            return Period(date(day.year, 1, 1), date(day.year, 12, 31), "year")
        return None

    def previous(self) -> Period:
        """The period of the same kind immediately before (a range: as many days, just before)."""
        if self.kind == "quarter":
            return quarter_of(self.start - timedelta(days=1))
        if self.kind == "month":
            last = self.start - timedelta(days=1)
            return Period(last.replace(day=1), last, "month")
        if self.kind == "year":
            return Period(date(self.start.year - 1, 1, 1), date(self.start.year - 1, 12, 31), "year")
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, "range")

    def trend_quarters(self, count: int = 4) -> list[Period]:
        """The `count` calendar quarters ending with the one holding this period's last day; that
        last quarter is cut at the period's end (a month report does not peek past its month)."""
        quarters = [quarter_of(self.end)]
        while len(quarters) < count:
            quarters.insert(0, quarters[0].previous())
        last = quarters[-1]
        if last.end > self.end:
            quarters[-1] = Period(last.start, self.end, "range")
        return quarters


def quarter_of(day: date) -> Period:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    end = (date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)) - timedelta(days=1)
    return Period(start, end, "quarter")


def month_of(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)
    return Period(start, end, "month")


_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]\s*([1-4])$|^[Qq]\s*([1-4])\s*/\s*(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{1,2})/(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_code(text: str) -> Period | None:
    """2026Q3 (also Q3/2026), 2026-09 (also 09/2026), 2026; None if it is none of these."""
    text = str(text).strip()
    if m := _QUARTER.match(text):
        year, q = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return quarter_of(date(int(year), (int(q) - 1) * 3 + 1, 1))
    if m := _MONTH.match(text):
        year, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if 1 <= int(month) <= 12:
            return month_of(int(year), int(month))
        return None
    if m := _YEAR.match(text):
        return Period(date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31), "year")
    return None


def shown(code: str) -> str:
    """A period code as people read it ("2026Q4" -> "Quý IV/2026"); anything else as it is."""
    period = parse_code(code)
    return period.shown if period is not None else code


def parse_day(text: str, option: str) -> date:
    text = str(text).strip()
    for pattern, order in ((r"^(\d{4})-(\d{1,2})-(\d{1,2})$", "ymd"), (r"^(\d{1,2})/(\d{1,2})/(\d{4})$", "dmy")):
        if m := re.match(pattern, text):
            parts = dict(zip(order, map(int, m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                break
    raise UsageError(_("{option} '{text}' is not a date like 2026-07-01 (or 01/07/2026)").format(
        option=option, text=text))


def parse_period(quarter: str | None = None, month: str | None = None, year: str | None = None,
                 start: str | date | None = None, end: str | date | None = None) -> Period:
    """Exactly one of: quarter ("2026Q3"), month ("2026-09"), year ("2026"), or start and end."""
    given = [name for name, value in (("--quarter", quarter), ("--month", month), ("--year", year)) if value]
    if start or end:
        given.append("--from/--to")
    if len(given) != 1:
        chosen = _(" (got {options})").format(options=", ".join(given)) if given else ""
        raise UsageError(_("choose the period with exactly one of --quarter 2026Q3, --month 2026-09, --year 2026 "
                           "or --from 2026-07-01 --to 2026-09-30") + chosen)
    if quarter:
        period = parse_code(quarter)
        if period is None or period.kind != "quarter":
            raise UsageError(_("--quarter '{text}' is not a quarter like 2026Q3").format(text=quarter))
        return period
    if month:
        period = parse_code(month)
        if period is None or period.kind != "month":
            raise UsageError(_("--month '{text}' is not a month like 2026-09").format(text=month))
        return period
    if year:
        period = parse_code(year)
        if period is None or period.kind != "year":
            raise UsageError(_("--year '{text}' is not a year like 2026").format(text=year))
        return period
    if not (start and end):
        raise UsageError(_("--from and --to go together (both dates, inclusive)"))
    first = start if isinstance(start, date) else parse_day(start, "--from")
    last = end if isinstance(end, date) else parse_day(end, "--to")
    if last < first:
        raise UsageError(_("--to {last} is before --from {first}").format(
            last=last.isoformat(), first=first.isoformat()))
    return Period(first, last, "range")

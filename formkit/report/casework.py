"""The follow-up register's figures per commune, for the report: of the cases opened by answers
given in the period, how many were contacted within [followup] contact_days working days, resolved,
unreachable or still open (chưa liên hệ or đã liên hệ) when the report is made, and the median
number of working days to the first contact.

Working days are the weekdays of [office_hours]; a contact the day the answer was given took 0
working days, one the next working day 1 (a weekend between counts nothing). Public holidays are
not known to formkit and count as working days when they fall on one.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from ..responses import cases as register
from ..responses.store import ResponseStore
from .model import LoopRow


def working_days(start: date, end: date, weekdays: tuple[int, ...]) -> int:
    """Working days after `start` up to and including `end` (0 when end is not after start)."""
    if end <= start:
        return 0
    days = (end - start).days
    whole, rest = divmod(days, 7)
    count = whole * sum(1 for d in range(1, 8) if d in weekdays)
    return count + sum(1 for k in range(1, rest + 1) if (start + timedelta(days=k)).isoweekday() in weekdays)


def loop_rows(store: ResponseStore, bounds: tuple[str, str], communes: list[tuple[str, str]], contact_days: int,
              weekdays: tuple[int, ...], template: str) -> tuple[LoopRow, ...]:
    """One row per commune (the report's, in its order) with the cases of answers in `bounds` of
    the report's question set (another set's cases are another report's)."""
    by_commune: dict[str, list[register.Case]] = {}
    for case in register.cases(store, [c for c, _n in communes], opened=bounds, template=template):
        by_commune.setdefault(case.commune, []).append(case)
    rows = []
    for commune_id, name in communes:
        mine = by_commune.get(commune_id, [])
        waits = [working_days(date.fromisoformat(c.opened[:10]), date.fromisoformat(c.first_contact[:10]), weekdays)
                 for c in mine if c.first_contact]
        rows.append(LoopRow(
            commune_id, name, len(mine), sum(1 for w in waits if w <= contact_days),
            sum(1 for c in mine if c.status == register.RESOLVED),
            sum(1 for c in mine if c.status == register.UNREACHABLE),
            sum(1 for c in mine if c.status in (register.OPEN, register.CONTACTED)),
            float(statistics.median(waits)) if waits else None))
    return tuple(rows)

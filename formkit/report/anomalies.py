"""Volume anomalies: stuffing that varies its answers, so identical_answers does not see it.
Flagged with counts and the time window, never removed from the indices; each entry has the
shape of the other integrity warnings (kind, commune, commune_name, officer, count, first, last,
message) plus what it was measured against.

  burst            a day with far more responses for an officer (or a commune) than its usual
                   day in the period: at least burst_minimum and burst_factor × the median of
                   its other active days
  beyond_capacity  more responses within window_minutes for one officer than one counter can
                   serve (one citizen every service_minutes), or for a commune than all its
                   officers together can
  straight_lining  an officer whose responses mostly give every criterion the same level, far
                   more often than the other officers' responses do

A normal busy day — three times the usual, spread over office hours — is none of these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..responses.coding import BLANK, INVALID, scale_questions
from ..workspace.templates import Template
from .labels import NO_OFFICER
from .load import Responses
from .period import DAY, stamp


@dataclass(frozen=True)
class AnomalyRules:
    burst_factor: float = 5.0
    burst_minimum: int = 20
    service_minutes: float = 3.0  # the fastest a counter serves one citizen
    window_minutes: int = 60
    straight_minimum: int = 10  # straight-lined responses before an officer is looked at
    straight_share: float = 0.5  # of the officer's responses ...
    straight_margin: float = 0.3  # ... and this much above the other officers' share
    straight_criteria: int = 5  # criteria answered before a response counts as straight-lined


class Names(dict):
    """Commune id -> name, and (officers) officer id -> full name: messages name people, not ids."""

    def __init__(self, communes: dict, officers: dict | None = None) -> None:
        super().__init__(communes)
        self.officers = officers or {}

    def officer(self, officer_id: str | None) -> str:
        return self.officers.get(officer_id, officer_id) if officer_id else NO_OFFICER


def _entry(kind: str, resp: Responses, names: Names, commune: int, officer: int | None, times: np.ndarray,
           message: str, **extra) -> dict:
    cid = resp.communes[commune]
    oid = resp.officers[officer] if officer is not None else None
    return {"kind": kind, "commune": cid, "commune_name": names.get(cid, cid), "officer": oid,
            "officer_name": names.officer(oid) if officer is not None else None, "count": int(len(times)),
            "first": stamp(times.min()), "last": stamp(times.max()), **extra, "message": message}


def _by_officer_and_time(resp: Responses) -> np.ndarray:
    """Row positions sorted by commune, officer, time (and position): one stable sort of one
    64-bit key (commune and officer in the high bits, seconds in the low 32) when they fit,
    three times faster than a lexsort of the three."""
    officers = max(len(resp.officers), 1)
    span = int(resp.time.max() - resp.time.min()) if len(resp) else 0
    if len(resp.communes) * officers >= 1 << 31 or span >= 1 << 32:
        return np.lexsort((resp.time, resp.officer, resp.commune))
    key = resp.commune.astype(np.int64) * officers + resp.officer
    key <<= 32
    key |= resp.time - resp.time.min()
    return np.argsort(key, kind="stable")


def _groups(resp: Responses):
    """(commune, officer or None, row positions in time order): each officer, then each commune
    as a whole; one sort, so the cost does not grow with the number of groups."""
    order = _by_officer_and_time(resp)
    commune, officer = resp.commune[order], resp.officer[order]
    new_commune = commune[1:] != commune[:-1]
    officer_bounds = [0, *(np.flatnonzero(new_commune | (officer[1:] != officer[:-1])) + 1).tolist(), len(order)]
    commune_bounds = [0, *(np.flatnonzero(new_commune) + 1).tolist(), len(order)]
    del commune, officer, new_commune
    k = 0
    for start, end in zip(commune_bounds[:-1], commune_bounds[1:], strict=True):
        while k < len(officer_bounds) - 1 and officer_bounds[k] < end:  # an officer's rows: a view, in time order
            rows = order[officer_bounds[k]:officer_bounds[k + 1]]
            yield int(resp.commune[rows[0]]), int(resp.officer[rows[0]]), rows
            k += 1
        rows = order[start:end]
        yield int(resp.commune[rows[0]]), None, rows[np.argsort(resp.time[rows], kind="stable")]


def _who(resp: Responses, officer: int | None, names: Names) -> str:
    return "cả xã" if officer is None else f"cán bộ: {names.officer(resp.officers[officer])}"


def usual_days(counts: np.ndarray) -> np.ndarray:
    """For each day, the median of the other days' counts (vectorised: the sorted counts with
    that day's value left out)."""
    k = len(counts)
    order = np.argsort(counts, kind="stable")
    ranked = counts[order].astype(np.float64)
    position = np.empty(k, np.int64)
    position[order] = np.arange(k)

    def rest(i: int) -> np.ndarray:  # the i-th of the others, in order
        return np.where(i < position, ranked[min(i, k - 1)], ranked[min(i + 1, k - 1)])

    return (rest((k - 2) // 2) + rest((k - 1) // 2)) / 2


def bursts(resp: Responses, groups: list, names: Names, rules: AnomalyRules) -> list[dict]:
    out = []
    for commune, officer, _, t in groups:
        day_of = t // DAY  # in time order: each day's rows are one run
        if day_of[0] == day_of[-1]:
            continue  # one active day: nothing usual to compare with
        starts = np.flatnonzero(np.diff(day_of, prepend=day_of[0] - 1))
        counts = np.diff(starts, append=len(day_of))
        usual = usual_days(counts)
        for i in np.flatnonzero(counts >= np.maximum(rules.burst_minimum, rules.burst_factor * usual)):
            times = t[starts[i]:starts[i] + counts[i]]
            who = _who(resp, officer, names)
            out.append(_entry("burst", resp, names, commune, officer, times,
                              f"{counts[i]} phiếu trong một ngày, ngày thường {usual[i]:g} phiếu ({who})",
                              usual_per_day=float(usual[i])))
    return out


def beyond_capacity(resp: Responses, groups: list, names: Names, rules: AnomalyRules) -> list[dict]:
    window = rules.window_minutes * 60
    per_counter = rules.window_minutes / rules.service_minutes
    out = []
    officers = 0  # the officer groups seen since the last commune's: _groups gives a commune's officers first
    for commune, officer, _, t in groups:
        if officer is not None:
            officers, counters = officers + 1, 1
        else:  # the commune as a whole: one counter per officer group seen
            officers, counters = 0, officers
        capacity = per_counter * counters
        within = np.searchsorted(t, t + window, side="right") - np.arange(len(t))  # rows in [t_i, t_i + window]
        if not len(t) or within.max() <= capacity:
            continue
        start = int(np.argmax(within))
        times = t[start:start + int(within[start])]
        out.append(_entry("beyond_capacity", resp, names, commune, officer, times,
                          f"{len(times)} phiếu trong {rules.window_minutes} phút, nhiều hơn {capacity:g} phiếu "
                          f"{'một quầy' if officer is not None else f'{counters} quầy'} có thể tiếp nhận "
                          f"({_who(resp, officer, names)})", capacity=capacity, window_minutes=rules.window_minutes))
    return out


def straight_lined(resp: Responses, template: Template, rules: AnomalyRules) -> np.ndarray:
    """Per response: every answered criterion at the same level, with enough criteria answered
    (a million rows at a time, in bytes: a nation's codes are not copied whole)."""
    columns = [i for i, q in enumerate(scale_questions(template)) if q.is_criterion]
    out = np.zeros(len(resp), bool)
    for a in range(0, len(resp), 1_000_000):
        codes = resp.codes[a:a + 1_000_000, columns]
        answered = (codes != BLANK) & (codes != INVALID)
        high = np.where(answered, codes, 0).max(axis=1, initial=0)
        low = np.where(answered, codes, 255).min(axis=1, initial=255)
        out[a:a + 1_000_000] = (answered.sum(axis=1) >= rules.straight_criteria) & (high == low)
    return out


def straight_lining(resp: Responses, groups: list, template: Template, names: Names,
                    rules: AnomalyRules) -> list[dict]:
    flat = straight_lined(resp, template, rules)
    total = int(flat.sum())
    out = []
    for commune, officer, rows, _ in groups:
        if officer is None:
            continue
        mine = int(flat[rows].sum())
        rest = (total - mine) / (len(resp) - len(rows)) if len(resp) > len(rows) else 0.0
        share = mine / len(rows)
        if mine >= rules.straight_minimum and share >= rules.straight_share and share >= rest + rules.straight_margin:
            out.append(_entry("straight_lining", resp, names, commune, officer, resp.time[rows][flat[rows]],
                              f"{mine}/{len(rows)} phiếu ({100 * share:.0f} %) chọn cùng một mức cho mọi tiêu chí, "
                              f"các phiếu khác {100 * rest:.0f} % ({_who(resp, officer, names)})",
                              share=100 * share, others_share=100 * rest))
    return out


def volume_anomalies(resp: Responses, template: Template, names: dict,
                     rules: AnomalyRules | None = None, officer_names: dict | None = None) -> list[dict]:
    """Every volume anomaly in the period's responses, in their order in labels.KIND_NAMES; names: commune
    id -> name, officer_names: officer id -> full name."""
    rules = rules or AnomalyRules()
    names = Names(names, officer_names)
    if not len(resp):
        return []
    groups = [(commune, officer, rows, resp.time[rows]) for commune, officer, rows in _groups(resp)]
    return (bursts(resp, groups, names, rules) + beyond_capacity(resp, groups, names, rules)
            + straight_lining(resp, groups, template, names, rules))

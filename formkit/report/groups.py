"""Fine groups: each response falls in one (commune, officer, field, time bucket) group, the time
buckets cut at every boundary the report needs (the period, the previous one, the trend's
quarters, the dossiers' months). The answers are tallied once per fine group; every table of the
report (overall, per commune, officer, field, quarter) is then a sum of fine groups, which costs
nothing next to a pass over the responses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import indices as ix
from .load import Responses
from .period import Period


def value(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def unique(key: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_inverse=True) for keys in [0, bound), without sorting the keys when
    the range allows: by counting when it is small next to the keys, by marking the keys present
    (a byte each) and looking each up among them when it is larger (a nation's communes ×
    officers), else by sorting."""
    if bound <= max(4 * len(key), 1 << 16):
        present = np.bincount(key, minlength=bound) > 0
        rank = np.cumsum(present) - 1
        return np.flatnonzero(present), rank[key]
    if bound <= 16 * len(key):
        marked = np.zeros(bound, bool)
        marked[key] = True
        keys = np.flatnonzero(marked)
        del marked
        return keys, np.searchsorted(keys, key)
    keys, inverse = np.unique(key, return_inverse=True)
    return keys, inverse.ravel()


class Fine:
    """Counts per fine group; every table of the report is a sum of these."""

    def __init__(self, resp: Responses, bins: np.ndarray, scoring: ix.Scoring, bounds: np.ndarray,
                 extras: dict[str, np.ndarray], by: tuple[str, ...] = ("commune", "officer", "field"),
                 rows: np.ndarray | None = None) -> None:
        """by: the dimensions kept (the others count as one group: a nation's communes × officers
        × fields × time buckets would be a million fine groups); rows: only these responses (their
        times must lie inside bounds)."""
        self.scoring, self.bounds = scoring, bounds
        if rows is not None and rows.all():
            rows = None  # every row: no copies
        if rows is not None:
            bins, extras = bins[rows], {name: v[rows] for name, v in extras.items()}
        picked = {name: (getattr(resp, name) if rows is None else getattr(resp, name)[rows]) if name in by else None
                  for name in ("commune", "officer", "field")}
        time = resp.time if rows is None else resp.time[rows]
        sizes = [max(len(resp.communes), 1) if picked["commune"] is not None else 1,
                 max(len(resp.officers), 1) if picked["officer"] is not None else 1,
                 max(len(resp.fields), 1) if picked["field"] is not None else 1, len(bounds)]
        key = np.zeros(len(time), np.int64)  # ((commune × officers + officer) × fields + field) × buckets + bucket
        for name, size in zip(("commune", "officer", "field"), sizes[:3], strict=True):
            key *= size
            column = picked[name]
            if column is not None:
                key += column
        key *= sizes[3]
        key += np.searchsorted(bounds, time, side="right") - 1
        keys, inverse = unique(key, int(np.prod(sizes)))
        self.bucket = keys % sizes[3]
        self.field = keys // sizes[3] % sizes[2]
        self.officer = keys // (sizes[3] * sizes[2]) % sizes[1]
        self.commune = keys // (sizes[3] * sizes[2] * sizes[1])
        n = len(keys)
        self.counts = ix.tally(bins, inverse, n, scoring.width)
        self.responses = np.bincount(inverse, minlength=n)
        assert all(v.dtype == bool for v in extras.values()), "an extra counts the rows of a mask"
        self.extras = {name: np.bincount(inverse[v], minlength=n) for name, v in extras.items()}

    def within(self, period: Period) -> np.ndarray:
        """(fine groups,) bool: the group's time bucket lies inside the period."""
        start, end = period.seconds()
        inside = (self.bounds[:-1] >= start) & (self.bounds[1:] <= end)
        return np.append(inside, False)[self.bucket]

    def group(self, slot: np.ndarray, n: int) -> Group:
        """Sum fine groups into n groups (slot -1: left out)."""
        keep = slot >= 0
        return Group(ix.compute(ix.combine(self.counts, slot, n), self.scoring),
                      np.bincount(slot[keep], weights=self.responses[keep], minlength=n).astype(np.int64),
                      {k: np.bincount(slot[keep], weights=v[keep], minlength=n).astype(np.int64)
                       for k, v in self.extras.items()})


@dataclass
class Group:
    indices: ix.Indices
    responses: np.ndarray
    extras: dict[str, np.ndarray]


@dataclass
class Communes:
    """The communes of a report in table order, and what the other tables need to group by commune."""

    ids: list[str]  # the communes chosen (all of the workspace by default), then any other the store names
    names: dict[str, str]  # id -> display name
    row: dict[str, int]  # id -> position in ids
    slot: np.ndarray  # (fine groups,) position in ids
    current: Group  # this period, per commune

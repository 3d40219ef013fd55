"""The report's table per reception point (điểm tiếp nhận), grouped from the per-officer groups:
an officer belongs to one point of its commune, so each (commune, officer) group goes to its
point's row, and the indices are computed on the point's own answers (not averaged from officers).
Only communes that list points get rows; answers that chose no officer, or an officer no longer
listed, have no point and are left out of this table (they are in the officers' table)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..workspace.config import Workspace
from . import load
from .groups import Fine, value
from .model import Scores


@dataclass(frozen=True)
class PointRow(Scores):
    commune: str
    commune_name: str
    id: str
    name: str
    officers: int  # officers listed at the point
    low_ratings: int
    comments: int


def point_rows(ws: Workspace, selected, resp: load.Responses, fine: Fine, now: np.ndarray,
               names: dict[str, str]) -> list[PointRow]:
    """fine: grouped by (commune, officer) over this period's responses; now: its rows in the period."""
    keys = [(c, p) for c in selected for p in c.points]
    if not keys:
        return []
    slot_of = {(c.id, o.id): i for i, (c, p) in enumerate(keys) for o in c.officers if o.point == p.id}
    slot = np.array([slot_of.get((resp.communes[c], resp.officers[o]), -1)
                     for c, o in zip(fine.commune.tolist(), fine.officer.tolist(), strict=True)], np.int64)
    grouped = fine.group(np.where(now, slot, -1), len(keys))
    rows = []
    for i, (commune, point) in enumerate(keys):
        indices = grouped.indices
        rows.append(PointRow(
            responses=int(grouped.responses[i]), sipas=value(indices.overall[i]), mean=value(indices.overall_mean[i]),
            factors={f: value(indices.factor[i, k]) for k, f in enumerate(fine.scoring.factor_ids)},
            commune=commune.id, commune_name=names.get(commune.id, commune.display_name), id=point.id,
            name=point.name, officers=sum(1 for o in commune.officers if o.point == point.id),
            low_ratings=int(grouped.extras["low_ratings"][i]), comments=int(grouped.extras["comments"][i])))
    return rows

"""Assembling the report model from the store: indices overall, per commune, officer, field and
quarter, the previous period, participation, follow-up list, integrity warnings, invalid answers.

One pass over the responses: each is placed in a fine group (commune × officer × field × time
bucket, the buckets cut at every period boundary the report needs), the answers are tallied per
fine group, and every table of the report is a sum of fine groups. build_report only reads the
store, so a store filled in memory from CSV exports works the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np

from . import indices as ix
from ..responses.coding import HAS_COMMENT, HAS_PHONE
from ..responses.store import VIETNAM, ResponseStore
from ..workspace.templates import Template
from ..workspace.config import OfficeHours, Workspace
from . import integrity, load
from .followup import FollowUp, follow_up_list
from .groups import NO_FIELD, NO_OFFICER, Fine, day_seconds, span, value
from .invalid import invalid_list
from .notes import build_notes
from .participation import in_period, rates, read_dossiers
from .period import Period, quarter_of


@dataclass
class Report:
    template: Template
    period: Period
    previous: Period
    today: date
    unit: str  # "Tỉnh Tây Ninh"
    place: str  # "Tây Ninh", for the place-date line
    issuing_body: str
    office_hours: OfficeHours
    rules: integrity.IntegrityRules
    scope: tuple[str, ...]  # the communes asked for; () = all
    data: dict  # the JSON body; "follow_up" is filled in by to_json
    follow_up: list[FollowUp] = field(default_factory=list)

    @property
    def stem(self) -> str:
        """Base of the output file names: bao-cao-2026Q3 (+ the commune ids when a few were chosen)."""
        suffix = "-".join(self.scope) if 0 < len(self.scope) <= 3 else (f"{len(self.scope)}-xa" if self.scope else "")
        return f"bao-cao-{self.period.code}" + (f"-{suffix}" if suffix else "")

    def to_json(self) -> dict:
        """The report as JSON: indices unrounded (0–100, null when nothing to count), phones masked."""
        out = dict(self.data)
        out["follow_up"] = [f.to_json() for f in self.follow_up]
        return out

    def follow_up_by_commune(self) -> list[tuple[str, str, list[FollowUp]]]:
        groups: dict[str, tuple[str, list[FollowUp]]] = {}
        for f in self.follow_up:
            groups.setdefault(f.commune, (f.commune_name, []))[1].append(f)
        return [(cid, name, items) for cid, (name, items) in groups.items()]


def build_report(ws: Workspace, store: ResponseStore, period: Period, commune_ids=(), dossiers: Path | None = None,
                 template: Template | None = None, rules: integrity.IntegrityRules | None = None,
                 today: date | None = None) -> Report:
    """The report of `period` from the store (read only). commune_ids: only these (default all);
    dossiers: the CSV of dossiers handled, for participation; template: another template than the
    workspace's (its responses only; others are counted as left out); rules: integrity thresholds;
    today: the date printed on the report."""
    template = template or ws.template
    rules = rules or integrity.IntegrityRules()
    today = today or datetime.now(VIETNAM).date()
    selected = ws.select(tuple(commune_ids))  # UsageError for an unknown id
    scope = tuple(c.id for c in selected) if commune_ids else ()
    scoring = ix.Scoring.from_template(template)
    previous, trend = period.previous(), period.trend_quarters()
    dossier_rows = in_period(read_dossiers(dossiers, ws), period) if dossiers else {}
    if scope:
        dossier_rows = {k: v for k, v in dossier_rows.items() if k in scope}

    first = min(period.start, previous.start, trend[0].start)
    start, end = f"{first.isoformat()} 00:00:00", period.bounds()[1]
    resp = load.load(store, template, start, end, scope)
    bins = scoring.bins(resp.codes)
    low = scoring.negative_rows(bins) | _other_negative(template, resp.codes)
    follow = low | (resp.flags & (HAS_COMMENT | HAS_PHONE) > 0)
    cuts = {day_seconds(first)}
    for p in [period, previous, *trend, *(r.period for rows in dossier_rows.values() for r in rows)]:
        cuts.update(span(p))
    fine = Fine(resp, bins, scoring, np.array(sorted(cuts), np.int64),
                {"low_ratings": low, "comments": resp.flags & HAS_COMMENT > 0, "follow_up": follow})
    now = fine.within(period)
    factor_ids = scoring.factor_ids

    # Overall, this period and the previous one.
    total = fine.group(np.where(now, 0, -1), 1)
    before = fine.group(np.where(fine.within(previous), 0, -1), 1)

    commune_list, names, commune_slot, per_commune, communes = _communes(ws, selected, resp, fine, now,
                                                                         fine.within(previous), factor_ids)
    commune_row = {cid: i for i, cid in enumerate(commune_list)}
    officers = _officers(ws, selected, resp, fine, now, commune_list, names, factor_ids)
    fields = _fields(selected, resp, fine, now, factor_ids)
    trend_rows = _trend(fine, trend)

    # The lists: responses of the period itself.
    in_now = (resp.time >= span(period)[0]) & (resp.time < span(period)[1])
    current = resp.take(in_now)
    current_bins = bins[in_now]

    participation, over = rates(dossier_rows, period, fine, commune_slot, commune_row, names, communes, dossiers)
    warnings = integrity.warnings(current, template, ws.office_hours, rules, names, per_commune, commune_row, over)
    follow_up = follow_up_list(store, template, scoring, current, current_bins, follow[in_now], ws, names,
                               commune_list)
    invalid = invalid_list(store, template, scoring, period, scope, current, current_bins, names)

    others = load.other_templates(store, template, *period.bounds(), scope)
    empty_criteria = [q.id for c, q in enumerate(scoring.criteria) if total.indices.answers[0, c] == 0]
    empty_factors = [f for k, f in enumerate(factor_ids) if not np.isfinite(total.indices.factor[0, k])]
    data = {
        "template": template.id,
        "template_version": template.version,
        "template_name": template.name,
        "index_name": template.index.name,
        "rollup": {"factor": template.index.factor, "overall": template.index.overall},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "code": period.code,
                   "label": period.label},
        "previous_period": {"start": previous.start.isoformat(), "end": previous.end.isoformat(),
                            "code": previous.code, "label": previous.label, "responses": int(before.responses[0]),
                            "sipas": value(before.indices.overall[0])},
        "generated": today.isoformat(),
        "unit": ws.unit.display_name,
        "issuing_body": ws.issuing_body,
        "communes_selected": list(scope),
        "responses": int(total.responses[0]),
        "excluded": {"other_templates": others, "other_templates_total": sum(others.values())},
        "sipas": value(total.indices.overall[0]),
        "mean": value(total.indices.overall_mean[0]),
        "change": None,
        "factors": _factors_json(total.indices, scoring),
        "criteria": _criteria_json(total.indices, scoring),
        "empty_criteria": empty_criteria,
        "empty_factors": empty_factors,
        "communes": communes,
        "officers": officers,
        "fields": fields,
        "trend": trend_rows,
        "participation": participation,
        "follow_up": None,
        "integrity_rules": {"cluster_size": rules.cluster_size, "cluster_minutes": rules.cluster_minutes,
                            "office_hours": integrity.hours_text(ws.office_hours)},
        "integrity": warnings,
        "invalid": invalid,
    }
    if data["sipas"] is not None and data["previous_period"]["sipas"] is not None:
        data["change"] = data["sipas"] - data["previous_period"]["sipas"]
    report = Report(template, period, previous, today, ws.unit.display_name, ws.unit.name, ws.issuing_body,
                    ws.office_hours, rules, scope, data, follow_up)
    data["notes"] = build_notes(report)
    return report


def _communes(ws: Workspace, selected, resp: load.Responses, fine: Fine, now: np.ndarray, before: np.ndarray,
              factor_ids) -> tuple:
    """The communes chosen (all of the workspace by default), then any other the store names: their
    rows with rank and change, and what the other tables need to group by commune."""
    known = {c.id: c for c in ws.communes}
    commune_list = [c.id for c in selected] + sorted(set(resp.communes) - {c.id for c in selected})
    row_of = {cid: i for i, cid in enumerate(commune_list)}
    slot = np.array([row_of[c] for c in resp.communes], np.int64)[fine.commune]
    names = {cid: (known[cid].display_name if cid in known else cid) for cid in commune_list}
    current = fine.group(np.where(now, slot, -1), len(commune_list))
    earlier = fine.group(np.where(before, slot, -1), len(commune_list))
    rows = []
    for i, cid in enumerate(commune_list):
        row = {"id": cid, "name": names[cid], "listed": cid in known, **current.summary(i, factor_ids)}
        row.update(rank=None, previous_responses=int(earlier.responses[i]),
                   previous_sipas=value(earlier.indices.overall[i]), change=None,
                   follow_up=int(current.extras["follow_up"][i]), comments=int(current.extras["comments"][i]))
        if row["sipas"] is not None and row["previous_sipas"] is not None:
            row["change"] = row["sipas"] - row["previous_sipas"]
        rows.append(row)
    ranked = sorted((r["sipas"] for r in rows if r["sipas"] is not None), reverse=True)
    for r in rows:  # ties share a rank (1, 2, 2, 4)
        r["rank"] = ranked.index(r["sipas"]) + 1 if r["sipas"] is not None else None
    return commune_list, names, slot, current, rows


def _trend(fine: Fine, quarters: list[Period]) -> list[dict]:
    slot = np.full(len(fine.bucket), -1)
    for k, quarter in enumerate(quarters):
        slot[fine.within(quarter)] = k
    grouped = fine.group(slot, len(quarters))
    return [{"code": quarter_of(q.start).code, "label": quarter_of(q.start).short_label, "start": q.start.isoformat(),
             "end": q.end.isoformat(), "responses": int(grouped.responses[k]),
             "sipas": value(grouped.indices.overall[k])} for k, q in enumerate(quarters)]


def _other_negative(template: Template, codes: np.ndarray) -> np.ndarray:
    """Negative answers to scored questions that are not criteria (the overall question)."""
    hit = np.zeros(len(codes), bool)
    for column, _, negative in ix.other_negatives(template):
        hit |= negative[codes[:, column]]
    return hit


def _criteria_json(ind: ix.Indices, scoring: ix.Scoring, g: int = 0) -> dict:
    out = {}
    for c, q in enumerate(scoring.criteria):
        used = {o.score for o in q.scale.options if o.score is not None}
        out[q.id] = {
            "factor": q.factor,
            "title": q.title,
            "answers": int(ind.answers[g, c]),
            "satisfied": int(ind.satisfied[g, c]),
            "index": value(ind.criterion[g, c]),
            "mean": value(ind.criterion_mean[g, c]),
            "counts": {ix.score_key(s): int(ind.levels[g, c, li]) for li, s in enumerate(scoring.levels) if s in used},
            "unscored": int(ind.unscored[g, c]),
            "blank": int(ind.blank[g, c]),
            "invalid": int(ind.invalid[g, c]),
            "outside_condition": int(ind.outside[g, c]),
        }
    return out


def _factors_json(ind: ix.Indices, scoring: ix.Scoring, g: int = 0) -> dict:
    out = {}
    for k, factor in enumerate(scoring.template.factors):
        members = [c for c, q in enumerate(scoring.criteria) if q.factor == factor.id]
        used = {o.score for c in members for o in scoring.criteria[c].scale.options if o.score is not None}
        out[factor.id] = {
            "title": factor.title,
            "index": value(ind.factor[g, k]),
            "mean": value(ind.factor_mean[g, k]),
            "answers": int(ind.factor_answers[g, k]),
            "satisfied": int(ind.factor_satisfied[g, k]),
            "counts": {ix.score_key(s): int(ind.levels[g, members, li].sum())
                       for li, s in enumerate(scoring.levels) if s in used},
            "criteria": [scoring.criteria[c].id for c in members],
        }
    return out


def _officers(ws: Workspace, selected, resp: load.Responses, fine: Fine, now: np.ndarray, commune_list, names,
              factor_ids) -> list[dict]:
    """One row per (commune, officer), commune by commune: the officers listed, then ids the store
    names that the workspace no longer lists, then the responses that chose no officer."""
    everyone = {o.id: o for c in ws.communes for o in c.officers}
    listed = {c.id: [o.id for o in c.officers] for c in ws.communes}
    seen: dict[str, set] = {}
    for c, o in zip(fine.commune[now].tolist(), fine.officer[now].tolist()):
        seen.setdefault(resp.communes[c], set()).add(resp.officers[o])
    chosen = {c.id for c in selected}
    keys: list[tuple[str, str | None]] = []
    for cid in commune_list:
        mine = listed.get(cid, []) if cid in chosen else []
        found = seen.get(cid, set())
        keys += [(cid, o) for o in mine] + [(cid, o) for o in sorted(found - set(mine) - {None})]
        keys += [(cid, None)] if None in found else []
    row_of = {k: i for i, k in enumerate(keys)}
    pair_slot = np.array([row_of.get((resp.communes[c], resp.officers[o]), -1)
                          for c, o in zip(fine.commune.tolist(), fine.officer.tolist())], np.int64)
    grouped = fine.group(np.where(now, pair_slot, -1), len(keys))
    rows = []
    for i, (cid, oid) in enumerate(keys):
        officer = everyone.get(oid) if oid else None
        rows.append({"id": oid, "name": officer.name if officer else (oid or NO_OFFICER),
                     "title": officer.title if officer else "", "listed": oid in listed.get(cid, []),
                     "commune": cid, "commune_name": names.get(cid, cid), **grouped.summary(i, factor_ids),
                     "low_ratings": int(grouped.extras["low_ratings"][i]),
                     "comments": int(grouped.extras["comments"][i])})
    return rows


def _fields(selected, resp: load.Responses, fine: Fine, now: np.ndarray, factor_ids) -> list[dict]:
    names: list[str | None] = []
    for c in selected:
        names += [f for f in c.fields if f not in names]
    found = {resp.fields[f] for f in fine.field[now].tolist()}
    names += sorted(f for f in found if f is not None and f not in names)
    if None in found:
        names.append(None)
    row_of = {n: i for i, n in enumerate(names)}
    slot = np.array([row_of.get(f, -1) for f in resp.fields], np.int64)[fine.field]
    grouped = fine.group(np.where(now, slot, -1), len(names))
    return [{"name": n if n is not None else NO_FIELD, "listed": n is not None and any(n in c.fields for c in selected),
             **grouped.summary(i, factor_ids)} for i, n in enumerate(names)]



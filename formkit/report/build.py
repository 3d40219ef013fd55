"""Assembling the report model from the store: indices overall, per commune, officer, field and
quarter, the previous period, participation, follow-up list, integrity warnings, invalid answers.

One pass over the responses: each is placed in a fine group (commune × officer × field × time
bucket, the buckets cut at every period boundary the report needs), the answers are tallied per
fine group, and every table of the report is a sum of fine groups. build_report only reads the
store, so a store filled in memory from CSV exports works the same.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import numpy as np

from ..ballots.register import Register
from ..kiosk.audit import counter_warnings, pairing_warnings, read_receipts, receipt_rates
from ..responses.coding import HAS_COMMENT
from ..responses.queries import channel_ids, other_templates
from ..responses.store import VIETNAM, ResponseStore
from ..workspace.config import Workspace
from ..workspace.templates import Template
from . import indices as ix
from . import integrity, load
from .casework import loop_rows
from .followup_pick import follow_up_list, follow_up_rule
from .groups import Communes, Fine, Group, value
from .invalid import invalid_list
from .labels import CHANNEL_NAMES, NO_FIELD, NO_OFFICER
from .model import (
    ChannelCount,
    ChannelIndex,
    CommuneRow,
    CriterionRow,
    FactorRow,
    FieldRow,
    IntegrityWarning,
    OfficerRow,
    Paper,
    PaperBallots,
    PeriodSummary,
    ReceiptRate,
    Report,
    TrendRow,
)
from .notes import build_notes
from .participation import in_period, rates, read_dossiers
from .period import Period, day_seconds, day_text, quarter_of
from .points import point_rows


def _texts(ws: Workspace, selected) -> dict[str, str]:
    """What the question titles' {placeholders} read in this report: one commune's own words in its
    own report, words true of every commune in a report of several (the office as [office] names it)."""
    if len(selected) == 1:
        return selected[0].texts(ws.unit)
    return {"commune": "xã, phường", "unit": ws.unit.display_name, "office": ws.office,
            "controller": "Ủy ban nhân dân xã, phường", "retention": f"{ws.phone_retention_months} tháng"}


def build_report(ws: Workspace, store: ResponseStore, period: Period, *, commune_ids=(),
                 dossiers: Path | None = None, template: Template | None = None,
                 rules: integrity.IntegrityRules | None = None, today: date | None = None,
                 receipts: Path | None = None) -> Report:
    """The report of `period` from the store (read only). commune_ids: only these (default all);
    dossiers: the CSV of dossiers handled, for participation; template: another template than the
    workspace's (its responses only; others are counted as left out); rules: integrity thresholds;
    today: the date printed on the report; receipts: the dossiers' receipt numbers, for the exact
    participation of counter ratings (kiosk/audit.py)."""
    rules = rules or integrity.IntegrityRules()
    today = today or datetime.now(VIETNAM).date()
    selected = ws.select(tuple(commune_ids))  # UsageError for an unknown id
    template = (template or ws.template).with_texts(_texts(ws, selected if commune_ids else ()))
    scope = tuple(c.id for c in selected) if commune_ids else ()
    scoring = ix.Scoring.from_template(template)
    previous, trend = period.previous(), period.trend_quarters()
    dossier_rows = in_period(read_dossiers(dossiers, ws), period) if dossiers else {}
    if scope:
        dossier_rows = {k: v for k, v in dossier_rows.items() if k in scope}
    listed = read_receipts(receipts, ws) if receipts is not None else None  # bad input: said before any work
    if scope and listed is not None:  # a commune's report names no other commune
        listed = [d for d in listed if d["commune"] in scope]

    first = min(period.start, previous.start, trend[0].start)
    start, end = day_text(first), period.bounds()[1]
    resp = load.load(store, template, start, end, scope)
    bins = scoring.bins(resp.codes)
    low, follow = follow_up_rule(template, scoring, bins, resp)
    cuts = {day_seconds(first)}
    for p in [period, previous, *trend, *(r.period for rows in dossier_rows.values() for r in rows)]:
        cuts.update(p.seconds())
    extras = {"low_ratings": low, "comments": resp.flags & HAS_COMMENT > 0, "follow_up": follow}
    fine = Fine(resp, bins, scoring, np.array(sorted(cuts), np.int64), extras, by=("commune",))
    now = fine.within(period)
    in_now = (resp.time >= period.seconds()[0]) & (resp.time < period.seconds()[1])
    # Officers and fields: this period only, each grouped on its own (not communes × officers ×
    # fields × time buckets, a million groups for the nation).
    this_period = np.array(period.seconds(), np.int64)
    by_officer = Fine(resp, bins, scoring, this_period, extras, by=("commune", "officer"), rows=in_now)
    by_field = Fine(resp, bins, scoring, this_period, extras, by=("field",), rows=in_now)

    # Overall, this period and the previous one.
    total = fine.group(np.where(now, 0, -1), 1)
    before = fine.group(np.where(fine.within(previous), 0, -1), 1)

    communes, commune_rows = _communes(ws, selected, resp, fine, now, fine.within(previous))
    officers = _officers(ws, selected, resp, by_officer, by_officer.within(period), communes)
    fields = _fields(selected, resp, by_field, by_field.within(period))
    points = point_rows(ws, selected, resp, by_officer, by_officer.within(period), communes.names)
    trend_rows = _trend(fine, trend)

    # The lists: responses of the period itself.
    current = resp.take(in_now)
    current_bins = bins if current is resp else bins[in_now]

    participation, over = rates(dossier_rows, period, fine, communes, dossiers)
    if participation is not None:
        by_id = {p.id: p for p in participation.communes}
        commune_rows = [replace(c, dossiers=by_id[c.id].dossiers, participation=by_id[c.id].rate) if c.id in by_id
                        else c for c in commune_rows]
    officer_names = {o.id: o.name for c in ws.communes for o in c.officers}
    warnings = integrity.warnings(current, template, ws.office_hours, rules, communes, over, officer_names)
    follow_up = follow_up_list(store, template, scoring, current, current_bins, follow[in_now], ws, communes)
    invalid = invalid_list(store, template, scoring, period, scope, current, current_bins, communes.names)

    paper = None
    section = None
    if Register.load(ws.state_dir).batches:  # ballots were issued (the scanning code, cv2 included, loads only then)
        from ..ballots.summary import paper_section
        section = paper_section(ws, store, period.bounds(), communes.names, template.id)
    if section is not None and scope:  # the ballot register and channel counts cover every commune
        section = {k: [r for r in rows if r["commune"] in scope] for k, rows in section.items()}
        section = section if section["ballots"] else None
    if section is not None:
        fields_of = [f.name for f in dataclasses.fields(PaperBallots)]
        paper = Paper(tuple(PaperBallots(**{k: b[k] for k in fields_of}) for b in section["ballots"]),
                      tuple(ChannelCount(**c) for c in section["channels"]))
        warnings = [*warnings, *(IntegrityWarning.from_json(w) for w in section["warnings"])]
    if (counters := _kiosk_warnings(ws, store, period, communes.names, rules, listed)):
        warnings = [*warnings, *(w for w in counters if not scope or w.commune in scope)]
    report = Report(
        template=template, period=period,
        previous=PeriodSummary(previous, int(before.responses[0]), value(before.indices.overall[0])),
        today=today, unit=ws.unit.display_name, signing=ws.signing(selected),
        office_hours=ws.office_hours, office_hours_text=integrity.hours_text(ws.office_hours),
        cluster_size=rules.cluster_size, cluster_minutes=rules.cluster_minutes, scope=scope,
        responses=int(total.responses[0]), sipas=value(total.indices.overall[0]),
        mean=value(total.indices.overall_mean[0]),
        excluded=other_templates(store, template, *period.bounds(), scope),
        factors=_factor_rows(total.indices, scoring), criteria=_criterion_rows(total.indices, scoring),
        communes=tuple(commune_rows), officers=tuple(officers), fields=tuple(fields), trend=tuple(trend_rows),
        participation=participation, integrity=tuple(warnings), invalid=tuple(invalid), follow_up=follow_up,
        paper=paper, commune_name=_single(selected, commune_rows), points=tuple(points),
        office=_office(ws, selected), channels=_channels(store, period, resp, bins, in_now, scoring, total),
        receipts=_receipts(store, period, listed, communes.names), contact_days=ws.followup.contact_days,
        loop=loop_rows(store, period.bounds(), [(c, communes.names.get(c, c)) for c in communes.ids],
                       ws.followup.contact_days, ws.office_hours.weekdays, template.id))
    return replace(report, notes=tuple(build_notes(report)))


def _single(selected, rows: list[CommuneRow]) -> str | None:
    """The one commune a report is about (asked for, or the workspace's only one), if it is."""
    if len(selected) == 1 and all(r.id == selected[0].id for r in rows):
        return selected[0].display_name
    return None


def _office(ws: Workspace, selected) -> str:
    """The office's name as the report names it: the communes' own when they share one."""
    names = {c.office for c in selected}
    return names.pop() if len(names) == 1 else ws.office


def _channels(store: ResponseStore, period: Period, resp: load.Responses, bins: np.ndarray, in_now: np.ndarray,
              scoring: ix.Scoring, total: Group) -> tuple[ChannelIndex, ...]:
    """Each channel's responses and index in the period, then all of them together; nothing while
    every answer is online (the report reads as it did before paper and counters)."""
    others = channel_ids(store, *period.bounds())
    if not others:
        return ()
    names = ["online", *sorted(others)]
    slot = np.zeros(len(resp), np.int64)
    for k, channel in enumerate(names[1:], start=1):
        slot[np.isin(resp.ids, np.array(others[channel], np.int64))] = k
    rows = in_now.nonzero()[0]
    counts = ix.tally(bins[rows], slot[rows], len(names), scoring.width)
    indices = ix.compute(counts, scoring)
    responses = np.bincount(slot[rows], minlength=len(names))
    out = [ChannelIndex(CHANNEL_NAMES.get(c, c), int(responses[k]), value(indices.overall[k]),
                        value(indices.overall_mean[k])) for k, c in enumerate(names) if k == 0 or responses[k]]
    if len(out) == 1:  # the other channels' answers are of another question set
        return ()
    return (*out, ChannelIndex("Tổng hợp", int(total.responses[0]), value(total.indices.overall[0]),
                               value(total.indices.overall_mean[0])))


def _kiosk_warnings(ws: Workspace, store: ResponseStore, period: Period, names: dict[str, str],
                    rules: integrity.IntegrityRules, listed: list[dict] | None) -> list[IntegrityWarning]:
    """The counter tablets' pairings audit, and bursts and off-hours ratings per tablet."""
    found = pairing_warnings(ws.state_dir, period.bounds(), names)
    found += counter_warnings(store, ws.state_dir, period.bounds(), names, ws.office_hours, listed,
                              rules.cluster_size, rules.cluster_minutes)
    return [IntegrityWarning.from_json(w) for w in found]


def _receipts(store: ResponseStore, period: Period, listed: list[dict] | None,
              names: dict[str, str]) -> tuple[ReceiptRate, ...]:
    if listed is None:
        return ()
    return tuple(ReceiptRate(**r) for r in receipt_rates(store, listed, period.bounds(), names))


def _scores(group: Group, g: int, factor_ids) -> dict:
    i = group.indices
    return {"responses": int(group.responses[g]), "sipas": value(i.overall[g]), "mean": value(i.overall_mean[g]),
            "factors": {f: value(i.factor[g, k]) for k, f in enumerate(factor_ids)}}


def _communes(ws: Workspace, selected, resp: load.Responses, fine: Fine, now: np.ndarray,
              before: np.ndarray) -> tuple[Communes, list[CommuneRow]]:
    known = {c.id: c for c in ws.communes}
    commune_list = [c.id for c in selected] + sorted(set(resp.communes) - {c.id for c in selected})
    row_of = {cid: i for i, cid in enumerate(commune_list)}
    slot = np.array([row_of[c] for c in resp.communes], np.int64)[fine.commune]
    names = {cid: (known[cid].display_name if cid in known else cid) for cid in commune_list}
    current = fine.group(np.where(now, slot, -1), len(commune_list))
    earlier = fine.group(np.where(before, slot, -1), len(commune_list))
    sipas = [value(current.indices.overall[i]) for i in range(len(commune_list))]
    ranked = sorted((s for s in sipas if s is not None), reverse=True)
    rows = []
    for i, cid in enumerate(commune_list):
        now_sipas, previous = sipas[i], value(earlier.indices.overall[i])
        rows.append(CommuneRow(
            **_scores(current, i, fine.scoring.factor_ids), id=cid, name=names[cid], listed=cid in known,
            rank=ranked.index(now_sipas) + 1 if now_sipas is not None else None,  # ties share a rank (1, 2, 2, 4)
            previous_responses=int(earlier.responses[i]), previous_sipas=previous,
            change=now_sipas - previous if now_sipas is not None and previous is not None else None,
            follow_up=int(current.extras["follow_up"][i]), comments=int(current.extras["comments"][i])))
    return Communes(commune_list, names, row_of, slot, current), rows


def _trend(fine: Fine, quarters: list[Period]) -> list[TrendRow]:
    slot = np.full(len(fine.bucket), -1)
    for k, quarter in enumerate(quarters):
        slot[fine.within(quarter)] = k
    grouped = fine.group(slot, len(quarters))
    return [TrendRow(quarter_of(q.start).code, quarter_of(q.start).short_label, q.start.isoformat(), q.end.isoformat(),
                     int(grouped.responses[k]), value(grouped.indices.overall[k])) for k, q in enumerate(quarters)]


def _level_counts(ind: ix.Indices, scoring: ix.Scoring, members: list[int], g: int) -> dict[str, int]:
    """Answers per score level, for the levels these criteria's scales use."""
    used = {o.score for c in members for o in scoring.criteria[c].scale_options if o.score is not None}
    return {ix.score_key(s): int(ind.levels[g, members, li].sum()) for li, s in enumerate(scoring.levels) if s in used}


def _criterion_rows(ind: ix.Indices, scoring: ix.Scoring, g: int = 0) -> tuple[CriterionRow, ...]:
    return tuple(CriterionRow(
        q.id, q.factor or "", q.title, int(ind.answers[g, c]), int(ind.satisfied[g, c]), value(ind.criterion[g, c]),
        value(ind.criterion_mean[g, c]), _level_counts(ind, scoring, [c], g), int(ind.unscored[g, c]),
        int(ind.blank[g, c]), int(ind.invalid[g, c]), int(ind.outside[g, c])) for c, q in enumerate(scoring.criteria))


def _factor_rows(ind: ix.Indices, scoring: ix.Scoring, g: int = 0) -> tuple[FactorRow, ...]:
    out = []
    for k, factor in enumerate(scoring.template.factors):
        members = [c for c, q in enumerate(scoring.criteria) if q.factor == factor.id]
        out.append(FactorRow(factor.id, factor.title, value(ind.factor[g, k]), value(ind.factor_mean[g, k]),
                             int(ind.factor_answers[g, k]), int(ind.factor_satisfied[g, k]),
                             _level_counts(ind, scoring, members, g), tuple(scoring.criteria[c].id for c in members)))
    return tuple(out)


def _officers(ws: Workspace, selected, resp: load.Responses, fine: Fine, now: np.ndarray,
              communes: Communes) -> list[OfficerRow]:
    """One row per (commune, officer), commune by commune: the officers listed, then ids the store
    names that the workspace no longer lists, then the responses that chose no officer."""
    everyone = {o.id: o for c in ws.communes for o in c.officers}
    listed = {c.id: [o.id for o in c.officers] for c in ws.communes}
    seen: dict[str, set] = {}
    for c, o in zip(fine.commune[now].tolist(), fine.officer[now].tolist(), strict=True):
        seen.setdefault(resp.communes[c], set()).add(resp.officers[o])
    chosen = {c.id for c in selected}
    keys: list[tuple[str, str | None]] = []
    for cid in communes.ids:
        mine = listed.get(cid, []) if cid in chosen else []
        found = seen.get(cid, set())
        keys += [(cid, o) for o in mine] + [(cid, o) for o in sorted(found - set(mine) - {None})]
        keys += [(cid, None)] if None in found else []
    row_of = {k: i for i, k in enumerate(keys)}
    pair_slot = np.array([row_of.get((resp.communes[c], resp.officers[o]), -1)
                          for c, o in zip(fine.commune.tolist(), fine.officer.tolist(), strict=True)], np.int64)
    grouped = fine.group(np.where(now, pair_slot, -1), len(keys))
    rows = []
    for i, (cid, oid) in enumerate(keys):
        officer = everyone.get(oid) if oid else None
        rows.append(OfficerRow(**_scores(grouped, i, fine.scoring.factor_ids), id=oid,
                               name=officer.name if officer else (oid or NO_OFFICER),
                               title=officer.title if officer else "", listed=oid in listed.get(cid, []),
                               commune=cid, commune_name=communes.names.get(cid, cid),
                               low_ratings=int(grouped.extras["low_ratings"][i]),
                               comments=int(grouped.extras["comments"][i]),
                               follow_up=int(grouped.extras["follow_up"][i])))
    return rows


def _fields(selected, resp: load.Responses, fine: Fine, now: np.ndarray) -> list[FieldRow]:
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
    return [FieldRow(**_scores(grouped, i, fine.scoring.factor_ids), name=n if n is not None else NO_FIELD,
                     listed=n is not None and any(n in c.fields for c in selected)) for i, n in enumerate(names)]

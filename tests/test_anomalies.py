"""Volume anomalies in the integrity warnings: each pattern planted into a month of ordinary,
varied answers is flagged with its counts and window; the ordinary month, busy day included,
is not; nothing is removed from the indices."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_data import LEVEL, answers, row, store_of

from formkit.report import build_report, parse_period
from formkit.report.labels import KIND_NAMES
from formkit.workspace.config import load_workspace

TODAY = date(2026, 12, 1)
OFFICERS = ("nguyen-thi-lan", "tran-van-minh", "le-hoang-phuong")
VOLUME = ("burst", "beyond_capacity", "straight_lining")


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir)


def varied(template, rng: random.Random) -> dict[str, str]:
    """A citizen's answers: each criterion its own level (mostly satisfied), factor 5 skipped."""
    out = answers(template, {}, "Không", rng.choice([3, 4, 5]))
    for factor in template.factors:
        if factor.id != "5":
            out.update({q.id: LEVEL[rng.choice([2, 3, 4, 4, 5, 5])] for q in factor.criteria})
    return out


def ordinary_month(template, rng: random.Random, busy_day: int = 12) -> list:
    """August 2026 at hoa-thanh: each officer four citizens a working day between 08:00 and
    16:00, twelve on the busy day (three times as many, still spread over the day)."""
    rows = []
    for day in range(1, 32):
        moment = datetime(2026, 8, day, 8, 0)
        if moment.isoweekday() > 5:
            continue
        for officer in OFFICERS:
            for _ in range(12 if day == busy_day else 4):
                when = moment + timedelta(minutes=rng.randrange(8 * 60))
                rows.append(row("hoa-thanh", when.isoformat(sep=" "), varied(template, rng), officer))
    return rows


def report_of(ws, rows) -> dict:
    return build_report(ws, store_of(rows, ws.template), parse_period(month="2026-08"), today=TODAY).to_json()


def volume(report: dict) -> list[dict]:
    return [w for w in report["integrity"] if w["kind"] in VOLUME]


def test_an_ordinary_month_with_a_busy_day_raises_nothing(ws):
    rows = ordinary_month(ws.template, random.Random(1))
    report = report_of(ws, rows)
    assert volume(report) == []
    assert report["responses"] == len(rows)


def test_a_burst_of_varied_answers_is_flagged_with_its_day_and_usual_rate(ws):
    rng = random.Random(2)
    rows = ordinary_month(ws.template, rng)
    stuffed = [row("hoa-thanh", (datetime(2026, 8, 19, 8, 30) + timedelta(minutes=7 * i)).isoformat(sep=" "),
                   varied(ws.template, rng), "tran-van-minh") for i in range(60)]  # 8.6 an hour: one counter's pace
    report = report_of(ws, rows + stuffed)
    flagged = volume(report)
    bursts = [w for w in flagged if w["kind"] == "burst"]
    assert [(w["officer"], w["count"], w["usual_per_day"]) for w in bursts] == [
        ("tran-van-minh", 64, 4.0), (None, 72, 12.0)]  # the officer, and so the commune as a whole
    assert bursts[0]["first"].startswith("2026-08-19") and bursts[0]["last"].startswith("2026-08-19")
    assert "64 phiếu trong một ngày, ngày thường 4 phiếu" in bursts[0]["message"]
    assert not [w for w in flagged if w["kind"] == "beyond_capacity"]  # at a counter's pace
    assert report["responses"] == len(rows) + 60  # flagged, never removed


def test_more_answers_in_an_hour_than_a_counter_can_serve(ws):
    rng = random.Random(3)
    rows = ordinary_month(ws.template, rng)
    start = datetime(2026, 8, 25, 13, 0)
    stuffed = [row("hoa-thanh", (start + timedelta(seconds=50 * i)).isoformat(sep=" "), varied(ws.template, rng),
                   "le-hoang-phuong") for i in range(40)]  # 40 in 33 minutes; a counter serves 20 an hour
    report = report_of(ws, rows + stuffed)
    over = [w for w in volume(report) if w["kind"] == "beyond_capacity"]
    mine = [w for w in over if w["officer"] == "le-hoang-phuong"]
    assert len(mine) == 1 and mine[0]["count"] >= 40 and mine[0]["capacity"] == 20
    assert mine[0]["window_minutes"] == 60 and mine[0]["first"] <= "2026-08-25 13:00:00" <= mine[0]["last"]
    assert all(w["officer"] in ("le-hoang-phuong", None) for w in over)


def test_an_officer_whose_answers_straight_line_stands_out(ws):
    rng = random.Random(4)
    rows = ordinary_month(ws.template, rng)
    flat = answers(ws.template, {"1": 5, "2": 5, "3": 5, "4": 5}, "Không", 5)
    for i, r in enumerate(rows):
        if r.officer_id == "nguyen-thi-lan" and i % 4:  # three in four of hers
            rows[i] = row(r.commune_id, r.submitted.isoformat(sep=" "), flat, r.officer_id)
    report = report_of(ws, rows)
    flagged = [w for w in volume(report) if w["kind"] == "straight_lining"]
    assert [(w["officer"], round(w["share"]), round(w["others_share"])) for w in flagged] == [("nguyen-thi-lan", 75, 0)]
    assert flagged[0]["count"] == sum(1 for r in rows if r.officer_id == "nguyen-thi-lan" and r.answers == flat)


def test_every_kind_has_a_vietnamese_name_in_the_report():
    assert all(kind in KIND_NAMES for kind in VOLUME)


@given(st.lists(st.integers(1, 500), min_size=2, max_size=60))
def test_the_usual_day_is_the_median_of_the_other_days(counts):
    import numpy as np

    from formkit.report.anomalies import usual_days

    values = np.array(counts)
    assert usual_days(values).tolist() == [float(np.median(np.delete(values, i))) for i in range(len(values))]

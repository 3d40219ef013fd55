"""Index values against tables computed by hand (the arithmetic is in the comments), for the
SIPAS template (gate, invalid, blank, previous period, communes, officers, fields), the 3-level
can-bo-3 and tra-ket-qua-6 sets ("Không biết" not counted), and mean vs pooled rollups."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from report_data import LEVEL, hand_rows, row, store_of

from formkit.errors import UsageError
from formkit.report import build_report, indices, parse_period
from formkit.report.period import Period
from formkit.workspace.config import load_workspace
from formkit.workspace.templates import load_template, load_template_file

approx = pytest.approx
TODAY = date(2026, 11, 24)


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir)


@pytest.fixture
def hand(ws):
    """The Q3 report of R1–R5 (R6 in Q2), see report_data.hand_rows."""
    store = store_of(hand_rows(ws.template), ws.template)
    return build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json()


def test_criteria_by_hand(hand):
    c = hand["criteria"]
    # 1.1: R1 5, R2 4, R3 2, R4 5 (R5 "Tàm tạm" is invalid): 3 of 4 satisfied; (5+4+2+5)/4
    assert c["1.1"] == {**c["1.1"], "answers": 4, "satisfied": 3, "index": approx(75.0), "mean": approx(4.0),
                        "counts": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}, "invalid": 1, "blank": 0}
    # 1.2: R1 5, R2 4, R3 2, R4 5, R5 3: 3 of 5; 19/5
    assert (c["1.2"]["answers"], c["1.2"]["satisfied"], c["1.2"]["index"], c["1.2"]["mean"]) == (
        5, 3, approx(60.0), approx(3.8))
    assert c["1.2"]["counts"] == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 2}
    # 2.x: R1 4, R2 3, R3 4, R4 5, R5 blank: 3 of 4; 16/4
    assert (c["2.5"]["answers"], c["2.5"]["index"], c["2.5"]["mean"], c["2.5"]["blank"]) == (
        4, approx(75.0), approx(4.0), 1)
    # 3.x: 5, 4, 3, 5, 4: 4 of 5; 21/5
    assert (c["3.6"]["index"], c["3.6"]["mean"]) == (approx(80.0), approx(4.2))
    # 4.x: 4, 2, 5, 5, 4: 4 of 5; 20/5
    assert (c["4.1"]["index"], c["4.1"]["mean"], c["4.1"]["counts"]["2"]) == (approx(80.0), approx(4.0), 1)


def test_factor_5_counts_only_those_who_gave_feedback(hand):
    # Gate "Có": R1 5, R3 1, R5 2 -> 1 of 3 satisfied, mean 8/3. R4 answered 4 with gate "Không":
    # not counted, listed as invalid. R2 skipped the section: blank.
    c = hand["criteria"]["5.3"]
    assert (c["answers"], c["satisfied"], c["index"], c["mean"]) == (3, 1, approx(100 / 3), approx(8 / 3))
    assert (c["outside_condition"], c["blank"]) == (1, 1)
    assert c["counts"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1}
    outside = [e for e in hand["invalid"] if e["question"].startswith("5.")]
    assert len(outside) == 4 and {e["commune"] for e in outside} == {"nam-dong"}
    assert all(e["raw"] == LEVEL[4] and "co-gop-y" in e["reason"] for e in outside)


def test_factors_and_overall_by_hand(hand):
    f = hand["factors"]
    # F1 = (75 + 60 + 60 + 60) / 4; F2 75; F3 80; F4 80; F5 100/3
    assert [f[k]["index"] for k in "12345"] == [
        approx(63.75), approx(75.0), approx(80.0), approx(80.0), approx(100 / 3)]
    # SIPAS = (63.75 + 75 + 80 + 80 + 33.33…) / 5
    assert hand["sipas"] == approx((63.75 + 75 + 80 + 80 + 100 / 3) / 5) == approx(66.416666666)
    # Mean scores: F1 = (4.0 + 3 × 3.8) / 4 = 3.85; overall = mean of factor means
    assert f["1"]["mean"] == approx(3.85)
    assert hand["mean"] == approx((3.85 + 4.0 + 4.2 + 4.0 + 8 / 3) / 5)
    # F1 pooled counts: 1.1 {2:1, 4:1, 5:2} + 3 × {2:1, 3:1, 4:1, 5:2}
    assert f["1"]["counts"] == {"1": 0, "2": 4, "3": 3, "4": 4, "5": 8}
    assert (f["1"]["answers"], f["1"]["satisfied"]) == (19, 12)
    assert hand["responses"] == 5 and hand["empty_criteria"] == [] and hand["empty_factors"] == []


def test_communes_rank_and_previous_period(hand):
    by_id = {c["id"]: c for c in hand["communes"]}
    hoa, nam, binh = by_id["hoa-thanh"], by_id["nam-dong"], by_id["binh-thanh"]
    # hoa-thanh (R1, R3, R5): F1 = (50 + 33.3 × 3) / 4 = 37.5; F2 100 (R5 blank); F3 2/3; F4 100;
    # F5 1/3 -> (37.5 + 100 + 66.67 + 100 + 33.33) / 5 = 67.5
    assert hoa["factors"] == {"1": approx(37.5), "2": approx(100.0), "3": approx(200 / 3), "4": approx(100.0),
                              "5": approx(100 / 3)}
    assert (hoa["responses"], hoa["sipas"], hoa["rank"]) == (3, approx(67.5), 2)
    # Previous quarter: R6 all "Rất hài lòng", factor 5 skipped -> 100 (mean of four factors)
    assert (hoa["previous_responses"], hoa["previous_sipas"], hoa["change"]) == (1, approx(100.0), approx(-32.5))
    # nam-dong (R2, R4): F1 100, F2 (3, 5) 50, F3 100, F4 (2, 5) 50, F5 none -> 75 of four factors
    assert nam["factors"]["5"] is None
    assert (nam["sipas"], nam["rank"], nam["previous_sipas"], nam["change"]) == (approx(75.0), 1, None, None)
    assert (binh["responses"], binh["sipas"], binh["rank"]) == (0, None, None)
    assert hand["previous_period"]["sipas"] == approx(100.0)
    assert hand["change"] == approx(66.416666666 - 100)


def test_trend_quarters(hand):
    assert [(q["code"], q["responses"]) for q in hand["trend"]] == [("2025Q4", 0), ("2026Q1", 0), ("2026Q2", 1),
                                                                      ("2026Q3", 5)]
    assert [q["sipas"] for q in hand["trend"]] == [None, None, approx(100.0), approx(66.416666666)]


def test_officers_by_hand(hand):
    rows = {(o["commune"], o["id"]): o for o in hand["officers"]}
    # nguyen-thi-lan (R1, R3): F1 50, F2 100, F3 50, F4 100, F5 50 -> 70
    assert rows[("hoa-thanh", "nguyen-thi-lan")]["sipas"] == approx(70.0)
    assert rows[("hoa-thanh", "nguyen-thi-lan")]["responses"] == 2
    # An officer id the workspace no longer lists still appears, by id: R5 -> F1 = mean(–, 0, 0, 0) = 0,
    # F2 none, F3 100, F4 100, F5 0 -> 50
    old = rows[("hoa-thanh", "old-officer")]
    assert (old["name"], old["listed"], old["sipas"]) == ("old-officer", False, approx(50.0))
    assert old["factors"]["2"] is None and old["factors"]["1"] == approx(0.0)
    # pham-thu-ha (R2): 100, 0, 100, 0, – -> 50; listed officers without answers: no index
    assert rows[("nam-dong", "pham-thu-ha")]["sipas"] == approx(50.0)
    minh = rows[("hoa-thanh", "tran-van-minh")]
    assert (minh["responses"], minh["sipas"]) == (0, None)
    # R4 chose no officer
    assert rows[("nam-dong", None)]["sipas"] == approx(100.0)
    order = [(o["commune"], o["id"]) for o in hand["officers"]]
    assert order.index(("hoa-thanh", "old-officer")) < order.index(("binh-thanh", "dang-thi-hong"))


def test_fields_by_hand(hand):
    rows = {f["name"]: f for f in hand["fields"]}
    assert rows["Hộ tịch"]["sipas"] == approx(70.0) and rows["Hộ tịch"]["responses"] == 2  # R1, R3
    assert rows["Kinh doanh"]["sipas"] == approx(50.0)  # R2
    assert rows["Chứng thực"]["responses"] == 0 and rows["Chứng thực"]["sipas"] is None
    # No field (R4, R5): F1 = (100 + 3 × 50) / 4 = 62.5, F2 100, F3 100, F4 100, F5 (R5: 2) 0 -> 72.5
    assert rows["(không chọn lĩnh vực)"]["sipas"] == approx(72.5)


def test_empty_factor_left_out_of_the_mean(ws):
    # Only R2 and R4 (gate "Không"): factor 5 has no answer -> null, SIPAS = mean of 4 factors = 75
    rows = hand_rows(ws.template)
    store = store_of([rows[1], rows[3]], ws.template)
    report = build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json()
    assert report["factors"]["5"]["index"] is None
    assert report["criteria"]["5.1"]["index"] is None and report["criteria"]["5.1"]["answers"] == 0
    assert report["empty_factors"] == ["5"] and report["empty_criteria"] == ["5.1", "5.2", "5.3", "5.4"]
    assert report["sipas"] == approx(75.0)
    assert any("5.1, 5.2, 5.3, 5.4" in note for note in report["notes"])


def test_nothing_to_count(ws):
    report = build_report(ws, store_of([], ws.template), parse_period(month="2026-09"), today=TODAY).to_json()
    assert report["responses"] == 0 and report["sipas"] is None and report["mean"] is None
    assert all(f["index"] is None for f in report["factors"].values())
    assert report["follow_up"] == [] and report["integrity"] == [] and report["invalid"] == []


def test_can_bo_3_three_levels_and_other_templates_left_out(ws):
    t = load_template("can-bo-3")
    replies = [("Tốt", "Dễ hiểu", "Tốt"), ("Bình thường", "Khó hiểu", "Tốt"), ("Kém", "Dễ hiểu", None),
               ("Tốt", "Bình thường", "Kém")]
    rows = [row("binh-thanh", f"2026-08-0{i + 3} 09:00:00",
                {k: v for k, v in zip(("1.1", "1.2", "1.3"), r, strict=True) if v},
                "dang-thi-hong", template_id="can-bo-3") for i, r in enumerate(replies)]
    store = store_of(rows, t)
    store.add(hand_rows(ws.template)[:2], ws.template)  # two SIPAS responses in the same period
    report = build_report(ws, store, parse_period(quarter="2026Q3"), template=t, today=TODAY).to_json()
    c = report["criteria"]
    # 1.1: Tốt(3) Bình thường(2) Kém(1) Tốt(3): 2 of 4 "Tốt"; mean 9/4
    assert (c["1.1"]["index"], c["1.1"]["mean"], c["1.1"]["counts"]) == (
        approx(50.0), approx(2.25), {"1": 1, "2": 1, "3": 2})
    # 1.2: Dễ hiểu Khó hiểu Dễ hiểu Bình thường: 2 of 4; (3 + 1 + 3 + 2) / 4
    assert (c["1.2"]["index"], c["1.2"]["mean"]) == (approx(50.0), approx(2.25))
    # 1.3: Tốt Tốt – Kém: 2 of 3; 7/3
    assert (c["1.3"]["index"], c["1.3"]["mean"], c["1.3"]["blank"]) == (approx(200 / 3), approx(7 / 3), 1)
    assert report["factors"]["1"]["index"] == approx((50 + 50 + 200 / 3) / 3)
    assert report["sipas"] == approx(55.5555555)
    assert report["index_name"] == t.index.name and report["template"] == "can-bo-3"
    assert report["responses"] == 4
    assert report["excluded"] == {"other_templates": {"sipas-2640": 2}, "other_templates_total": 2}
    # "Kém" and "Khó hiểu" are negative: responses 2, 3 and 4 are on the follow-up list
    assert len(report["follow_up"]) == 3


def test_tra_ket_qua_6_unscored_option_and_empty_criteria(ws):
    t = load_template("tra-ket-qua-6")
    replies = [("Tốt", "Trước hạn"), ("Không biết", "Đúng hạn"), ("Không biết", "Trễ hạn"), ("Không tốt", "Đúng hạn")]
    rows = [row("nam-dong", f"2026-07-1{i} 09:00:00", {"1.2": a, "1.5": b}, "pham-thu-ha", template_id=t.id)
            for i, (a, b) in enumerate(replies)]
    report = build_report(ws, store_of(rows, t), parse_period(quarter="2026Q3"), template=t, today=TODAY).to_json()
    c = report["criteria"]
    # 1.2: Tốt(2, satisfied), Không biết ×2 (no score: not counted), Không tốt(1): 1 of 2; mean 3/2
    assert (c["1.2"]["answers"], c["1.2"]["unscored"], c["1.2"]["index"], c["1.2"]["mean"]) == (
        2, 2, approx(50.0), approx(1.5))
    assert c["1.2"]["counts"] == {"1": 1, "2": 1}
    # 1.5: Trước hạn(3) and Đúng hạn(2) are both satisfied, Trễ hạn(1) not: 3 of 4
    assert (c["1.5"]["index"], c["1.5"]["counts"]) == (approx(75.0), {"1": 1, "2": 2, "3": 1})
    # 1.1, 1.3, 1.4, 1.6 have no answers: null, left out of the factor mean
    assert [c[k]["index"] for k in ("1.1", "1.3", "1.4", "1.6")] == [None] * 4
    assert report["factors"]["1"]["index"] == approx((50 + 75) / 2)
    assert report["sipas"] == approx(62.5)


ROLLUP_TEMPLATE = """
id = "thu-{rollup}"
version = 1
name = "Thử cách gộp {rollup}"
form_title = "Thử — {{commune}}"

[index]
name = "Chỉ số thử"
factor = "{rollup}"
overall = "{rollup}"

[scales.co-khong]
options = [{{ label = "Có", score = 1, satisfied = true }}, {{ label = "Không", score = 0, negative = true }}]

[[sections]]
id = "a"
factor = "A"
title = "Yếu tố A"
[[sections.questions]]
id = "a1"
kind = "choice"
scale = "co-khong"
title = "Câu a1"
[[sections.questions]]
id = "a2"
kind = "choice"
scale = "co-khong"
title = "Câu a2"

[[sections]]
id = "b"
factor = "B"
title = "Yếu tố B"
[[sections.questions]]
id = "b1"
kind = "choice"
scale = "co-khong"
title = "Câu b1"
"""


@pytest.mark.parametrize("rollup, factor_a, factor_b, overall", [
    # a1: 1 of 1; a2: 1 of 3; b1: 1 of 2
    ("mean", (100 + 100 / 3) / 2, 50.0, ((100 + 100 / 3) / 2 + 50) / 2),  # means of indices
    ("pooled", 2 / 4 * 100, 50.0, 3 / 6 * 100),  # all answers together
])
def test_mean_and_pooled_rollups(ws, tmp_path, rollup, factor_a, factor_b, overall):
    path = tmp_path / f"thu-{rollup}.toml"
    path.write_text(ROLLUP_TEMPLATE.format(rollup=rollup), encoding="utf-8")
    t = load_template_file(path)
    replies = [{"a1": "Có", "a2": "Có", "b1": "Có"}, {"a2": "Không", "b1": "Không"}, {"a2": "Không"}]
    rows = [row("hoa-thanh", f"2026-07-0{i + 1} 09:00:00", r, template_id=t.id) for i, r in enumerate(replies)]
    report = build_report(ws, store_of(rows, t), parse_period(quarter="2026Q3"), template=t, today=TODAY).to_json()
    assert report["factors"]["A"]["index"] == approx(factor_a)
    assert report["factors"]["B"]["index"] == approx(factor_b)
    assert report["sipas"] == approx(overall)
    # a score of 0 is a real score: "Không" counts as an answer
    assert report["criteria"]["a2"]["counts"] == {"0": 2, "1": 1}


def test_versions_of_a_template_combine_by_question_id(ws, tmp_path):
    # Version 2 dropped criterion 1.4 (so its coded bytes are shorter); the report uses version 1's
    # questions and reads version 2's rows by question id from their raw answers.
    source = ws.template.source.read_text(encoding="utf-8")
    start = source.index('[[sections.questions]]\nid = "1.4"')
    end = source.index("# ----", start)
    v2_path = tmp_path / "sipas-2640.toml"
    v2_path.write_text(source[:start].replace("version = 1", "version = 2") + source[end:], encoding="utf-8")
    v2 = load_template_file(v2_path)
    assert len(v2.criteria) == 21
    rows = hand_rows(ws.template)
    store = store_of(rows[:3], ws.template)
    store.add([replace(r, template_version=2) for r in rows[3:]], v2)
    report = build_report(ws, store, parse_period(quarter="2026Q3"), today=TODAY).to_json()
    assert report["sipas"] == approx(66.416666666)  # the same as all in version 1
    assert report["criteria"]["1.4"]["answers"] == 5  # R4, R5 answered 1.4: kept under its id
    assert len(report["invalid"]) == 5


def test_scoring_tables_follow_the_template(ws):
    s = indices.Scoring.from_template(ws.template)
    assert len(s.criteria) == 22 and s.factor_ids == ("1", "2", "3", "4", "5")
    assert s.satisfied[0].tolist()[:6] == [False, False, False, False, True, True]  # bins 0 (blank), 1…5
    assert s.negative[0].tolist()[:6] == [False, True, True, False, False, False]
    codes = np.array([[5] * 18 + [2] + [4] * 4 + [5], [255] + [0] * 17 + [1] + [1] * 4 + [1]], np.uint8)
    bins = s.bins(codes)
    assert bins[0, 18:].tolist() == [s.outside] * 4  # gate "Không" (2): factor 5 answers are outside
    assert bins[1, 0] == s.invalid and bins[1, 18:].tolist() == [1] * 4


def test_periods():
    q = parse_period(quarter="2026Q3")
    assert (q.start, q.end, q.label, q.code) == (date(2026, 7, 1), date(2026, 9, 30), "quý III năm 2026", "2026Q3")
    assert q.previous() == Period(date(2026, 4, 1), date(2026, 6, 30), "quarter")
    assert parse_period(quarter="2026Q1").previous().code == "2025Q4"
    m = parse_period(month="2026-03")
    assert (m.end, m.previous().code, m.label) == (date(2026, 3, 31), "2026-02", "tháng 3 năm 2026")
    assert parse_period(year="2026").previous().code == "2025"
    r = parse_period(start="2026-07-10", end="10/08/2026")
    assert (r.days, r.previous().start, r.previous().end) == (32, date(2026, 6, 8), date(2026, 7, 9))
    assert [p.code for p in parse_period(month="2026-08").trend_quarters()] == ["2025Q4", "2026Q1", "2026Q2",
                                                                                "2026-07-01_2026-08-31"]
    for bad in ({}, {"quarter": "2026Q5"}, {"month": "2026-13"}, {"year": "26"}, {"quarter": "2026Q3", "year": "2026"},
                {"start": "2026-07-01"}, {"start": "2026-09-01", "end": "2026-07-01"}):
        with pytest.raises(UsageError):
            parse_period(**bad)

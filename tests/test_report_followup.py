"""The follow-up list is kept as arrays and made a commune at a time (report/followup.py
FollowUps); here it is pinned against its definition computed the slow, obvious way: each
response of the period read back from the store's raw answers, one at a time, in Python."""

from __future__ import annotations

import json
import random

import pytest
from report_data import LEVEL, row

from formkit.report import build_report, parse_period, write_report
from formkit.report.followup import FollowUps, LowAnswer
from formkit.report.labels import NO_OFFICER
from formkit.report.privacy import as_dialled
from formkit.responses.coding import HAS_COMMENT, HAS_PHONE
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace

COMMENTS = ["Cán bộ nhiệt tình.", "Gọi lại cho tôi: 0912 345 678", '=HYPERLINK("x")', "Chờ lâu \"quá\"\n"]


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir)


def random_rows(ws, n: int, seed: int = 13):
    """n responses in 2026Q2–Q3 over the workspace's communes (and one it no longer lists):
    random levels, blanks, a gate that sometimes contradicts factor 5, invalid text, comments,
    phones (some as a sheet's number without its zero), officers left out or no longer listed."""
    rng = random.Random(seed)
    t = ws.template
    gate = next(s.ask_if.question for s in t.sections if s.ask_if)
    communes = [(c.id, [o.id for o in c.officers]) for c in ws.communes] + [("xa-cu", [])]
    rows = []
    for k in range(n):
        commune, officers = rng.choice(communes)
        answered: dict[str, str] = {}
        levels = [1, 2, 3, 4, 5] if rng.random() < 0.25 else [3, 4, 4, 5]  # a quarter unhappy
        for q in t.criteria:
            draw = rng.random()
            if draw < 0.08:
                continue
            answered[q.id] = "Tàm tạm" if draw < 0.1 else LEVEL[rng.choice(levels)]
        answered[gate] = rng.choice(["Có", "Không"])
        if rng.random() < 0.9:
            answered["hai-long-chung"] = LEVEL[rng.choice([*levels, 2] if rng.random() < 0.05 else levels)]
        if rng.random() < 0.7:
            answered["linh-vuc"] = rng.choice(["Hộ tịch", "Kinh doanh", "Đất đai"])
        if rng.random() < 0.2:
            answered["y-kien-khac"] = rng.choice(COMMENTS)
        if rng.random() < 0.15:
            answered["so-dien-thoai"] = rng.choice(["0912345678", "912345678", "+84 (0) 987 654 321"])
            answered["dong-y-lien-he"] = "Đồng ý"
        officer = rng.choice([*officers, None, "old-officer"]) if officers else None
        when = f"2026-{rng.choice([6, 7, 8, 9]):02d}-{rng.randint(1, 28):02d} {rng.randint(6, 19):02d}:" \
               f"{rng.randint(0, 59):02d}:{k % 60:02d}"
        rows.append(row(commune, when, answered, officer))
    return rows


def eager_list(ws, store: ResponseStore, report) -> list[dict]:
    """The definition: a response of the period is on the list when it rates a counted criterion
    (its section asked) or the overall question on a negative option, leaves a comment or a phone."""
    t = ws.template
    names = {c.id: c.name for c in report.communes}
    officer_names = {o.id: o.name for c in ws.communes for o in c.officers}
    asked = {q.id: s.ask_if for s in t.sections for q in s.questions}
    others = [q for q in t.questions if q.scale is not None and not q.is_criterion
              and any(o.negative for o in q.scale_options)]
    every_commune = {"commune": "xã, phường", "unit": ws.unit.display_name, "office": ws.office,
                     "controller": "Ủy ban nhân dân xã, phường", "retention": f"{ws.phone_retention_months} tháng"}
    start, end = report.period.bounds()
    entries = []
    for response_id, commune, submitted, answers_json, officer in store.db.execute(
            "SELECT r.id, r.commune_id, r.submitted, r.answers, c.officer_id FROM responses r JOIN coded c USING (id)"
            " WHERE r.submitted >= ? AND r.submitted < ?", (start, end)):
        answers = json.loads(answers_json)
        low = []
        for q in [*t.criteria, *others]:
            condition = asked.get(q.id)
            if q.is_criterion and condition and answers.get(condition.question) != condition.answer:
                continue
            option = next((o for o in q.scale_options if o.label == answers.get(q.id)), None)
            if option is not None and option.negative:  # the title as a province's report words it
                low.append((q.id, q.title.format(**every_commune), option.label))
        comment, phone = answers.get("y-kien-khac", ""), as_dialled(answers.get("so-dien-thoai", ""))
        if not (low or comment or phone):
            continue
        entries.append({"response_id": response_id, "commune": commune, "commune_name": names.get(commune, commune),
                        "officer": officer, "officer_name": officer_names.get(officer, officer) if officer
                        else NO_OFFICER, "submitted": submitted, "field": answers.get("linh-vuc"), "low": low,
                        "comment": comment, "phone": phone,
                        "reasons": [r for r, present in (("low_rating", low), ("comment", comment),
                                                         ("phone", phone)) if present]})
    order = [c.id for c in report.communes]
    return sorted(entries, key=lambda e: (order.index(e["commune"]), e["submitted"], e["response_id"]))


def as_fields(entry) -> dict:
    return {"response_id": entry.response_id, "commune": entry.commune, "commune_name": entry.commune_name,
            "officer": entry.officer, "officer_name": entry.officer_name, "submitted": entry.submitted,
            "field": entry.field, "low": [(a.question, a.title, a.answer) for a in entry.low],
            "comment": entry.comment, "phone": entry.phone, "reasons": list(entry.reasons)}


@pytest.mark.parametrize("on_disk", [False, True], ids=["sqlite", "columnar"])
def test_lazy_list_equals_the_definition(ws, tmp_path, monkeypatch, on_disk):
    monkeypatch.setattr(FollowUps, "BLOCK", 7)  # entries made and encoded in many blocks
    store = ResponseStore(tmp_path / "state" / "responses.sqlite" if on_disk else ":memory:")
    rows = random_rows(ws, 600)
    for a in range(0, len(rows), 150):
        store.add(rows[a:a + 150], ws.template)
    with store:
        report = build_report(ws, store, parse_period(quarter="2026Q3"))
        expected = eager_list(ws, store, report)
    lazy = report.follow_up
    assert 100 < len(expected) < 450  # some responses on the list, some not
    assert [as_fields(e) for e in lazy] == expected  # every entry, field by field, in order
    assert as_fields(lazy[0]) == expected[0] and as_fields(lazy[-1]) == expected[-1]
    assert all(isinstance(a, LowAnswer) for e in lazy for a in e.low)
    groups = list(report.follow_up_by_commune())
    assert [e for _, _, items in groups for e in map(as_fields, items)] == expected
    assert [cid for cid, _, _ in groups] == list(dict.fromkeys(e["commune"] for e in expected))
    for cid, counts in lazy.reason_counts().items():
        mine = [e for e in expected if e["commune"] == cid]
        assert dict(counts) == {r: sum(r in e["reasons"] for e in mine) for r in ("low_rating", "comment", "phone")}
    assert [c.follow_up for c in report.communes if c.follow_up] == [
        sum(e["commune"] == c.id for e in expected) for c in report.communes if c.follow_up]

    # The JSON writer streams the list from the arrays: the same text, entry by entry, as
    # json.dumps of each entry's to_json (phones and numbers in comments masked).
    path = next(p for p in write_report(report, ("json",), tmp_path / "out") if p.suffix == ".json")
    text = path.read_text(encoding="utf-8")
    head = '  "follow_up": [\n    '
    block = text[text.index(head) + len(head):text.index('\n  ],\n  "integrity_rules"')]
    assert block == ",\n    ".join(json.dumps(e.to_json(), ensure_ascii=False) for e in lazy)
    assert "0912345678" not in block and "345 678" not in block


def test_texts_of_a_store_older_than_its_texts_table(ws):
    """The comment and phone come from the texts table; responses stored before it existed (here:
    every other one's row taken out) are read from their answers — the same list either way."""
    store = ResponseStore(":memory:")
    store.add(random_rows(ws, 400), ws.template)
    with_table = [as_fields(e) for e in build_report(ws, store, parse_period(quarter="2026Q3")).follow_up]
    held = store.db.execute("SELECT count(*) FROM texts").fetchone()[0]
    assert held == store.db.execute("SELECT count(*) FROM coded WHERE flags & ? > 0",
                                    (HAS_COMMENT | HAS_PHONE,)).fetchone()[0] > 20
    store.db.execute("DELETE FROM texts WHERE id % 2 = 0")
    report = build_report(ws, store, parse_period(quarter="2026Q3"))
    assert [as_fields(e) for e in report.follow_up] == with_table == eager_list(ws, store, report)
    assert any(e["comment"] for e in with_table) and any(e["phone"] for e in with_table)


def test_an_empty_list(ws):
    store = ResponseStore(":memory:")
    store.add(random_rows(ws, 20), ws.template)
    report = build_report(ws, store, parse_period(quarter="2025Q1"))
    assert len(report.follow_up) == 0 and not report.follow_up and list(report.follow_up) == []
    assert list(report.follow_up_by_commune()) == [] and report.follow_up.reason_counts() == {}
    with pytest.raises(IndexError):
        report.follow_up[0]

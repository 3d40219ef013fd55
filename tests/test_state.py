"""The state file's persistence: one journal line per step, folded into forms.json at the end."""

from __future__ import annotations

import json

import pytest

from formkit.errors import DamagedFileError
from formkit.forms.state import FormRecord, QuestionRecord, State, Step


def record(n: int, step: Step = "pending") -> FormRecord:
    form = FormRecord("sipas-2640", 1, "http://127.0.0.1:1", f"Khảo sát {n} [formkit xa-{n}]", nonce=f"{n:06x}")
    form.step = step
    return form


def test_a_step_appends_one_line_and_leaves_forms_json_alone(tmp_path):
    path = tmp_path / "state" / "forms.json"
    state = State(path)
    for n in range(3):
        state.add(f"xa-{n}", record(n))
        state.save(state.current(f"xa-{n}"))
    state.compact()
    before = path.read_bytes()
    form = state.current("xa-1")
    form.step, form.form_id = "created", "f1"
    form.questions["1.1"] = QuestionRecord("0a1b", "i1", "Chỗ ngồi chờ")
    state.save(form)
    assert path.read_bytes() == before  # nothing rewritten: the cost does not grow with the workspace
    lines = state.journal_path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["commune"] for line in lines] == ["xa-1"]
    again = State.load(path)
    assert again.current("xa-1").form_id == "f1" and again.current("xa-1").questions["1.1"].title == "Chỗ ngồi chờ"
    assert [again.current(f"xa-{n}").step for n in range(3)] == ["pending", "created", "pending"]
    again.compact()
    assert not again.journal_path.exists()
    assert json.loads(path.read_text(encoding="utf-8"))["communes"]["xa-1"][0]["step"] == "created"


def test_compact_without_a_journal_writes_nothing(tmp_path):
    path = tmp_path / "forms.json"
    state = State(path)
    state.add("xa-0", record(0))
    state.save()
    written = path.stat().st_mtime_ns
    State.load(path).compact()
    assert path.stat().st_mtime_ns == written


def test_a_torn_last_line_is_a_step_not_recorded_and_is_cut_before_the_next(tmp_path):
    path = tmp_path / "forms.json"
    state = State(path)
    state.add("xa-0", record(0))
    state.save(state.current("xa-0"))
    with state.journal_path.open("ab") as handle:  # a kill in the middle of the next write
        handle.write(b'{"commune": "xa-0", "index": 0, "form": {"templ')
    again = State.load(path)
    assert again.current("xa-0").step == "pending"
    again.current("xa-0").step = "created"
    again.save(again.current("xa-0"))
    assert all(json.loads(line) for line in again.journal_path.read_bytes().splitlines())
    assert State.load(path).current("xa-0").step == "created"


def test_replaying_a_journal_already_folded_in_changes_nothing(tmp_path):
    """A crash after forms.json was rewritten but before the journal was removed."""
    path = tmp_path / "forms.json"
    state = State(path)
    for n, step in enumerate(("published", "built")):
        state.add(f"xa-{n}", record(n, "pending"))
        state.save(state.current(f"xa-{n}"))
        state.current(f"xa-{n}").step = step
        state.save(state.current(f"xa-{n}"))
    state.add("xa-0", record(9, "created"))  # a new template version beside the first form
    state.save(state.current("xa-0"))
    journal = state.journal_path.read_bytes()
    state.compact()
    state.journal_path.write_bytes(journal)
    again = State.load(path)
    assert [(f.nonce, f.step) for f in again.forms("xa-0")] == [("000000", "published"), ("000009", "created")]
    assert again.current("xa-1").step == "built"


def test_a_journal_line_out_of_place_is_reported(tmp_path):
    path = tmp_path / "forms.json"
    State(path).save()
    line = {"commune": "xa-0", "index": 2, "form": record(0).to_json()}
    (tmp_path / "forms.journal").write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(DamagedFileError, match="forms.journal: line 1"):
        State.load(path)

"""output/link-forms.gs run in Node against a small fake of the Apps Script services
(tests/js/apps_script_fake.js) that behaves as Apps Script documents: setDestination adds a new
tab at the front named by the spreadsheet's locale, getFormUrl gives …/forms/d/<id>/viewform,
setName throws on a taken name, getDestinationId throws while unset, deleting the last tab throws."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_pull import new_template_version

from formkit.forms.linking import apps_script, tab_names
from formkit.forms.state import State
from formkit.workspace.config import load_workspace

NODE = shutil.which("node") or "/usr/bin/node"
FAKE = Path(__file__).parent / "js" / "apps_script_fake.js"


@pytest.fixture(scope="module", autouse=True)
def node_present():
    if not Path(NODE).exists():
        pytest.fail("Node.js is needed to run the Apps Script tests (node on PATH or /usr/bin/node)")


def published_id(form) -> str:
    match = re.search(r"/forms/d/e/([^/]+)", form.responder_uri)
    assert match, form.responder_uri
    return match.group(1)


def world_of(state: State, world: dict | None = None, **extra) -> dict:
    """Every published form of the state, as the fake's FormApp knows them (answers kept)."""
    world = world or {"forms": {}, "spreadsheets": {}, "properties": {}, "locale": "vi_VN"}
    for forms in state.communes.values():
        for form in forms:
            world["forms"].setdefault(form.form_id, {"id": form.form_id, "publishedId": published_id(form),
                                                     "destination": None, "responses": 2})
    world.update(extra)
    return world


def run(tmp_path: Path, script: str, world: dict) -> tuple[dict, dict]:
    (tmp_path / "link-forms.gs").write_text(script, encoding="utf-8")
    (tmp_path / "world.json").write_text(json.dumps(world), encoding="utf-8")
    done = subprocess.run([NODE, str(FAKE), str(tmp_path / "link-forms.gs"), str(tmp_path / "world.json")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    return outcome, json.loads((tmp_path / "world.json").read_text(encoding="utf-8"))


def tabs(world: dict) -> dict[str, list[tuple[str, str | None, int]]]:
    return {sid: [(t["name"], t["formId"], t["rows"]) for t in ss["tabs"]] for sid, ss in world["spreadsheets"].items()}


@pytest.fixture
def created(created_workspace):
    ws, state, _ = created_workspace
    return ws, state


def test_run_twice_changes_nothing(created, tmp_path):
    ws, state = created
    script = apps_script(ws, state)
    first, world = run(tmp_path, script, world_of(state))
    assert first["error"] is None and not first["killed"], first
    [(sheet_id, linked)] = tabs(world).items()
    expected = {(state.current(c.id).form_id, c.sheet_tab) for c in ws.communes}
    assert {(form_id, name) for name, form_id, _ in linked} == expected  # the empty default tab is gone
    assert all(f["destination"] == sheet_id for f in world["forms"].values())

    second, again = run(tmp_path, script, world)
    assert second["error"] is None, second
    assert tabs(again) == tabs(world)  # one spreadsheet, the same tabs, every form still feeding it
    assert again["calls"].get("Form.setDestination") == len(expected)  # none the second time
    assert again["calls"].get("SpreadsheetApp.create") == 1


def test_a_new_script_project_finds_the_spreadsheet_the_forms_feed(created, tmp_path):
    """Linked by hand (Google's tab names) and the script pasted into a new project (no script
    properties): the spreadsheet the forms feed is reused and the tabs are renamed."""
    ws, state = created
    _, world = run(tmp_path, apps_script(ws, state), world_of(state))
    [sheet_id] = world["spreadsheets"]
    for i, tab in enumerate(world["spreadsheets"][sheet_id]["tabs"], start=1):
        tab["name"] = f"Câu trả lời biểu mẫu {i}"
    world["properties"] = {}
    outcome, world = run(tmp_path, apps_script(ws, state), world)
    assert outcome["error"] is None, outcome
    assert list(world["spreadsheets"]) == [sheet_id]
    assert sorted(name for name, _, _ in tabs(world)[sheet_id]) == sorted(c.sheet_tab for c in ws.communes)


def test_after_a_new_version_each_form_has_its_own_tab(created, tmp_path, formkit):
    ws, state = created
    _, world = run(tmp_path, apps_script(ws, state), world_of(state))
    ws, state = new_template_version(ws, formkit)
    # The new forms are named "<tab> (v3)"; a tab of that name made by hand keeps the form's own name.
    [sheet_id] = world["spreadsheets"]
    world["spreadsheets"][sheet_id]["tabs"].append({"name": "Phường Nam Đông (v3)", "formId": None, "rows": 4,
                                                    "sheetId": 99})
    outcome, world = run(tmp_path, apps_script(ws, state), world_of(state, world))
    assert outcome["error"] is None, outcome
    by_form = {form_id: (name, rows) for name, form_id, rows in tabs(world)[sheet_id]}
    for commune in ws.communes:
        old, new = state.forms(commune.id)
        assert by_form[old.form_id] == (commune.sheet_tab, 3)  # header + its 2 answers, untouched
        expected = f"{commune.sheet_tab} (v3)" if commune.id != "nam-dong" else "Câu trả lời biểu mẫu 1"
        assert by_form[new.form_id][0] == expected
    assert any("name taken" in line for line in outcome["logs"])
    assert [(n, r) for n, f, r in tabs(world)[sheet_id] if f is None] == [("Phường Nam Đông (v3)", 4)]


@pytest.mark.parametrize("costs, graceful", [({"Form.setDestination": 160_000}, True),
                                             ({"Form.setDestination": 250_000}, False)])
def test_a_run_stopped_by_the_time_limit_finishes_next_time(created, tmp_path, costs, graceful):
    """160 s per link: the script stops itself before the limit; 250 s: Apps Script kills it."""
    ws, state = created
    script = apps_script(ws, state)
    first, world = run(tmp_path, script, world_of(state, costs=costs))
    assert first["killed"] is not graceful, first
    if graceful:
        assert any("run again" in line for line in first["logs"])
    linked = [sum(1 for f in world["forms"].values() if f["destination"])]
    assert 0 < linked[0] < len(ws.communes)
    for _ in range(len(ws.communes)):  # each run takes the next forms, until one finishes
        outcome, world = run(tmp_path, script, world)
        linked.append(sum(1 for f in world["forms"].values() if f["destination"]))
        assert outcome["error"] is None and linked[-1] > linked[-2], (outcome, linked)
        if not outcome["killed"] and not any("run again" in line for line in outcome["logs"]):
            break
    [(sheet_id, tabs_now)] = tabs(world).items()
    assert sorted(name for name, _, _ in tabs_now) == sorted(c.sheet_tab for c in ws.communes)
    assert world["calls"]["Form.setDestination"] == len(ws.communes)  # nothing linked twice


@pytest.mark.slow
def test_3321_forms_link_in_two_runs_and_rerun_in_one(created, tmp_path):
    """A province's worth of forms, with per-call costs assumed (docs/google-behaviour.md, Apps
    Script): the first run links as many as fit in its budget, the second the rest; a run with
    everything linked is one pass over the tabs, no form opened."""
    ws, state = created
    body = ",\n".join("  " + json.dumps({"commune": f"c{i}", "formId": f"F{i:04d}", "publishedId": f"P{i:04d}",
                                         "tab": f"Xã {i}"}, ensure_ascii=False) for i in range(3321))
    script = re.sub(r"var FORMS = \[.*?\n\];", lambda _: "var FORMS = [\n" + body + "\n];", apps_script(ws, state),
                    flags=re.S)
    forms = {f"F{i:04d}": {"id": f"F{i:04d}", "publishedId": f"P{i:04d}", "destination": None, "responses": 0}
             for i in range(3321)}
    costs = {"FormApp.openById": 40, "Form.setDestination": 50, "Sheet.getFormUrl": 5, "Sheet.setName": 5,
             "Sheet.getName": 2}
    first, world = run(tmp_path, script, {"forms": forms, "locale": "vi_VN", "costs": costs})
    assert first["error"] is None and not first["killed"], first
    assert any("run again" in line for line in first["logs"])
    second, world = run(tmp_path, script, world)
    assert second["error"] is None and not second["killed"] and not any("run again" in x for x in second["logs"])
    [(_, linked)] = tabs(world).items()
    assert len(linked) == 3321 and {n for n, _, _ in linked} == {f"Xã {i}" for i in range(3321)}
    opened = world["calls"]["FormApp.openById"]
    third, world = run(tmp_path, script, world)
    assert third["error"] is None and third["elapsedMs"] < 60_000, third["elapsedMs"]
    assert world["calls"]["FormApp.openById"] == opened  # the spreadsheet is remembered, no form opened
    assert world["calls"]["Form.setDestination"] == 3321


def test_workspace_values_are_escaped_where_they_land(created, tmp_path):
    """A unit name with '*/' would end the header comment and run as code; tab names with quotes,
    backslashes and line separators must stay one string each."""
    ws, state = created
    evil = "Tây Ninh */ Logger.log('PWNED'); /*"
    unit = dataclasses.replace(ws.unit, name=evil)
    odd = ['Xã "Hòa" \\ Thành', "Xã Bình\u2028Thạnh", "Phường </script> Nam Đông */"]
    communes = tuple(dataclasses.replace(c, sheet_tab=tab) for c, tab in zip(ws.communes, odd, strict=False))
    ws = dataclasses.replace(ws, unit=unit, communes=communes)
    script = apps_script(ws, state)
    header = script[:script.index("*/")]  # the header comment ends where the script says, not before
    assert "Tây Ninh * / Logger.log('PWNED')" in header
    outcome, world = run(tmp_path, script, world_of(state))
    assert outcome["error"] is None, outcome
    assert not any("PWNED" in line for line in outcome["logs"])
    [(_, linked)] = tabs(world).items()
    assert sorted(name for name, _, _ in linked) == sorted(odd)
    assert [t for _, _, t in tab_names(ws, state)] == odd


def test_link_before_any_form_refuses(example_dir, formkit, endpoint, monkeypatch):
    result = formkit("link", "-w", example_dir)  # the embedded backend
    assert result.exit_code == 2 and "formkit create" in result.output, result.output
    monkeypatch.delenv("FORMKIT_GOOGLE_ENDPOINT")  # Google: no empty script written either
    result = formkit("link", "-w", example_dir)
    assert result.exit_code == 2 and "formkit create" in result.output, result.output
    assert not (example_dir / "output" / "link-forms.gs").exists()


def test_create_on_the_embedded_backend_says_to_run_formkit_link(example_dir, formkit, endpoint):
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0, result.output
    assert "`formkit link`" in result.out and "script.google.com" not in result.out


def test_an_empty_tab_added_later_is_left_alone(created, tmp_path):
    ws, state = created
    script = apps_script(ws, state)
    _, world = run(tmp_path, script, world_of(state))
    [sheet_id] = world["spreadsheets"]
    world["spreadsheets"][sheet_id]["tabs"].append({"name": "Ghi chú", "formId": None, "rows": 0, "sheetId": 5})
    outcome, world = run(tmp_path, script, world)
    assert outcome["error"] is None
    assert "Ghi chú" in [name for name, _, _ in tabs(world)[sheet_id]]


def test_communes_are_spread_over_spreadsheets_sized_for_their_answers(created, tmp_path):
    """[link] answers_per_quarter and years size a group of communes to half a spreadsheet's
    10,000,000 cells: at 4,000 answers a quarter for 3 years two communes fit, so three communes
    make two spreadsheets; the script links each group to its own, and a re-run changes nothing."""
    from formkit.forms.linking import communes_per_spreadsheet, spreadsheet_groups

    ws, state = created
    toml = ws.root / "formkit.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[link]\nanswers_per_quarter = 4000\nyears = 3\n",
                    encoding="utf-8")
    ws = load_workspace(ws.root)
    assert communes_per_spreadsheet(ws) == 2
    groups = spreadsheet_groups(ws, state)
    assert [[cid for cid, _, _ in g.forms] for g in groups] == [["hoa-thanh", "binh-thanh"], ["nam-dong"]]
    assert groups[1].title.endswith("(câu trả lời, nhóm 2)")
    script = apps_script(ws, state)
    first, world = run(tmp_path, script, world_of(state))
    assert first["error"] is None, first
    by_sheet = {sid: sorted(f for _, f, _ in linked) for sid, linked in tabs(world).items()}
    assert sorted(by_sheet.values()) == sorted([sorted([state.current("hoa-thanh").form_id,
                                                        state.current("binh-thanh").form_id]),
                                                [state.current("nam-dong").form_id]])
    second, again = run(tmp_path, script, world)
    assert second["error"] is None and tabs(again) == tabs(world)
    assert again["calls"]["SpreadsheetApp.create"] == 2 and again["calls"]["Form.setDestination"] == 3


def test_the_default_plan_spreads_a_province_and_the_nation(created):
    """At the README's volumes (500 answers a quarter, 3 years at half the limit) with the shipped
    template: how many communes share a spreadsheet, and how many spreadsheets a province of 170
    and the nation's 3,321 communes need."""
    from formkit.forms.linking import CELL_LIMIT, cells_per_commune, communes_per_spreadsheet

    ws, _ = created
    size = communes_per_spreadsheet(ws)
    assert 10 <= size <= 40
    assert size * cells_per_commune(ws) <= CELL_LIMIT / 2
    assert -(-170 // size) <= 17 and -(-3321 // size) <= 333

"""A journal no reader can break, a damaged one recovered without a second form, and the traps a
new operator fell into (issue 23, items 6, 14 and 15)."""

from __future__ import annotations

import json
import random

from test_ballots import _photos, printed  # noqa: F401 (printed: a fixture)

from formkit.forms.state import FormRecord, State


def _record(n: int) -> FormRecord:
    return FormRecord("sipas-2640", 1, "http://127.0.0.1:1", f"Khảo sát {n} [formkit xa-{n} {n:06x}]",
                      nonce=f"{n:06x}")


def test_readers_leave_the_journal_of_a_running_create_alone(published_workspace, formkit, tmp_path):
    ws, _, _ = published_workspace
    running = State.load(ws.state_file)  # a `create` half-way: a step appended, not folded yet
    form = running.current("hoa-thanh")
    form.link_checked = "2026-09-01T00:00:00Z"
    running.save(form)
    journal = running.journal_path.read_bytes()
    assert journal
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"")
    for command in (["check"], ["status"], ["ballots", "--commune", "hoa-thanh", "--count", "1"], ["scan", junk],
                    ["posters", "--commune", "hoa-thanh", "--layout", "a6-counter-card"]):
        result = formkit(*command, "-w", ws.root)
        assert result.exit_code == 0, (command, result.output)
        assert running.journal_path.read_bytes() == journal, command
    form.responders = "anyone"
    running.save(form)  # the running create goes on: its lines still land where they belong
    again = State.load(ws.state_file)
    assert again.current("hoa-thanh").link_checked == "2026-09-01T00:00:00Z" and not again.salvaged


def test_a_journal_folded_behind_a_writers_back_is_not_padded_with_nuls(tmp_path):
    path = tmp_path / "forms.json"
    writer = State(path)
    writer.add("xa-0", _record(0))
    writer.save(writer.current("xa-0"))
    State.load(path).compact()  # what `check` used to do while `create` ran
    writer.add("xa-1", _record(1))
    writer.save(writer.current("xa-1"))
    assert not writer.journal_path.exists() or b"\0" not in writer.journal_path.read_bytes()
    again = State.load(path)
    assert sorted(again.communes) == ["xa-0", "xa-1"] and not again.salvaged


def test_a_damaged_journal_is_salvaged_line_by_line_and_kept_aside(tmp_path, formkit):
    path = tmp_path / "forms.json"
    State(path).save()
    lines = [json.dumps({"commune": f"xa-{n}", "index": 0, "form": _record(n).to_json()}).encode() for n in range(3)]
    journal = path.with_name("forms.journal")
    journal.write_bytes(b"\0" * 1320 + lines[0] + b"\n" + b'{"commune": "xa-9", "ind\xff\n' + lines[1] + b"\n"
                        + lines[2] + b"\n")
    state = State.load(path)
    assert sorted(state.communes) == ["xa-0", "xa-1", "xa-2"]
    assert state.salvaged == [2]
    state.compact()
    assert not journal.exists() and path.with_name("forms.journal.damaged").exists()
    assert sorted(State.load(path).communes) == ["xa-0", "xa-1", "xa-2"]


def test_a_damaged_journal_does_not_stop_status_or_create(published_workspace, formkit):
    ws, _, endpoint = published_workspace
    state = State.load(ws.state_file)
    form = state.current("hoa-thanh")
    form.link_checked = "2026-09-01T00:00:00Z"
    state.save(form)
    good = state.journal_path.read_bytes()
    state.journal_path.write_bytes(b"\0" * 1320 + good + b"garbage\n")
    status = formkit("status", "-w", ws.root)
    assert status.exit_code == 0, status.output
    assert "line 2 could not be read and was skipped" in status.err
    create = formkit("create", "-w", ws.root)
    assert create.exit_code == 0, create.output
    from test_create import forms_on_server
    assert len(forms_on_server(endpoint)) == len(ws.communes)
    assert State.load(ws.state_file).current("hoa-thanh").link_checked == "2026-09-01T00:00:00Z"


def test_status_names_a_second_form_made_after_the_state_lost_the_first(published_workspace, formkit):
    ws, _, _ = published_workspace
    state = State.load(ws.state_file)
    lost = state.current("hoa-thanh").form_id
    state.communes["hoa-thanh"] = []  # a journal moved aside, as the old message advised
    state.save()
    assert formkit("create", "-w", ws.root).exit_code == 0
    made = State.load(ws.state_file).current("hoa-thanh").form_id
    assert made != lost
    status = formkit("status", "-w", ws.root)
    assert status.exit_code == 0, status.output
    assert f"another form {lost} is named for this commune" in status.out, status.out
    assert status.out.count("another form") == 1  # the other communes have one form each


def test_posters_whose_links_only_this_computer_opens_are_refused_or_loudly_a_trial(published_workspace, formkit,
                                                                                     monkeypatch):
    ws, _, _ = published_workspace
    monkeypatch.delenv("FORMKIT_GOOGLE_ENDPOINT")  # a later run, as if for real: no backend named
    refused = formkit("posters", "-w", ws.root, "--commune", "hoa-thanh")
    assert refused.exit_code == 2, refused.output
    assert "only this computer can open" in refused.err and "--allow-local" in refused.err
    assert "http://127.0.0.1:" in refused.err
    assert not list((ws.root / "output").glob("posters/*.pdf"))
    allowed = formkit("posters", "-w", ws.root, "--commune", "hoa-thanh", "--allow-local")
    assert allowed.exit_code == 0, allowed.output
    assert "warning: TRIAL PRINT: the QR codes of hoa-thanh point to http://127.0.0.1:" in allowed.err


def test_a_trial_run_on_the_embedded_backend_prints_with_a_loud_warning(published_workspace, formkit):
    ws, _, _ = published_workspace
    result = formkit("posters", "-w", ws.root, "--commune", "hoa-thanh")
    assert result.exit_code == 0, result.output
    assert "TRIAL PRINT" in result.err


def test_create_on_google_after_a_trial_says_how_to_start_over(published_workspace, formkit, monkeypatch, tmp_path):
    ws, _, _ = published_workspace
    monkeypatch.delenv("FORMKIT_GOOGLE_ENDPOINT")
    secret = tmp_path / "client.json"
    secret.write_text("{}", encoding="utf-8")
    result = formkit("create", "-w", ws.root, "--credentials", secret)
    assert result.exit_code == 2, result.output
    assert "made elsewhere" in result.err and "To start over on Google" in result.err
    assert f'Move-Item "{ws.state_dir}"' in result.err and f'mv "{ws.state_dir}"' in result.err


def test_before_create_ballots_and_status_say_to_run_create(example_dir, formkit):
    ballots = formkit("ballots", "-w", example_dir, "--commune", "hoa-thanh", "--count", "2")
    assert ballots.exit_code == 2, ballots.output  # like posters
    assert "run `formkit create` first" in ballots.err
    status = formkit("status", "-w", example_dir)
    assert status.exit_code == 2, status.output
    assert "run `formkit create` first" in status.err and "credentials" not in status.err.lower()


def test_a_scan_run_does_not_fold_the_journal(printed, formkit, tmp_path):  # noqa: F811
    ws, pdf, geometry = printed
    running = State.load(ws.state_file)
    running.save(running.current("nam-dong"))
    journal = running.journal_path.read_bytes()
    files = _photos(pdf, geometry, tmp_path, 0, {b["question"]: b["option"] for b in geometry["bubbles"]}, {},
                    random.Random(1))
    assert formkit("scan", "-w", ws.root, *files).exit_code == 0
    assert running.journal_path.read_bytes() == journal

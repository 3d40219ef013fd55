"""`formkit create` against the local Google-compatible server, with the real client libraries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import add_fault, bearer, credentials, server_calls

from formkit.forms.formspec import build_bodies
from formkit.forms.state import State
from formkit.localserver.discovery import validate_request
from formkit.workspace.config import load_workspace

REPO = Path(__file__).resolve().parent.parent


def forms_on_server(base: str, name_part: str = "[formkit") -> list[dict]:
    """Every form the server holds whose Drive name carries our marker (Drive files.list)."""
    from googleapiclient.discovery import build

    drive = build("drive", "v3", credentials=credentials(), static_discovery=True,
                  client_options={"api_endpoint": f"{base}/drive/v3/"})
    files = drive.files().list(q=f"name contains '{name_part}' and mimeType = 'application/vnd.google-apps.form'",
                               pageSize=1000).execute()["files"]
    return files


def published_forms(base: str, state: State) -> dict[str, list[str]]:
    """commune id -> ids of its published forms on the server (from the Drive names)."""
    from formkit.google.client import Google

    google = Google(credentials(), base)
    found: dict[str, list[str]] = {}
    for f in forms_on_server(base):
        commune_id = f["name"].rsplit("[formkit ", 1)[1].split()[0]
        form = google.get_form(f["id"])
        if form.get("publishSettings", {}).get("publishState", {}).get("isPublished"):
            found.setdefault(commune_id, []).append(f["id"])
    return found


def test_create_makes_one_published_form_per_commune_in_3_calls(example_dir, endpoint, formkit):
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0, result.output
    calls = server_calls(endpoint)
    # 3 Forms calls, and 1 Drive call so that anyone with the link may answer (see forms/create.py).
    assert calls == {"forms.create": 3, "forms.batchUpdate": 3, "forms.setPublishSettings": 3,
                     "drive.permissions.create": 3}, calls
    ws = load_workspace(example_dir)
    state = State.load(ws.state_file)
    for commune in ws.communes:
        form = state.published(commune.id)
        assert form.responder_uri.startswith(endpoint) and form.responder_uri.endswith("/viewform")
        assert (form.template, form.template_version, form.endpoint) == ("sipas-2640", 2, endpoint)
        assert set(form.questions) >= {"1.1", "5.4", "can-bo", "linh-vuc", "so-dien-thoai"}
        assert form.officer_options == {o.id: f"{o.name} – {o.counter}" for o in commune.officers}
        remote = requests.get(f"{endpoint}/v1/forms/{form.form_id}", timeout=5, headers=bearer()).json()
        assert remote["publishSettings"]["publishState"] == {"isPublished": True, "isAcceptingResponses": True}
        assert form.responders == "anyone"
        permissions = requests.get(f"{endpoint}/drive/v3/files/{form.form_id}/permissions",
                                   params={"includePermissionsForView": "published"}, timeout=5,
                                   headers=bearer()).json()["permissions"]
        assert {"type": "anyone", "role": "reader", "view": "published"}.items() <= permissions[-1].items()
        assert remote["settings"].get("emailCollectionType") == "DO_NOT_COLLECT"
        by_item = {i["itemId"]: i for i in remote["items"]}
        for record in form.questions.values():
            assert by_item[record.item_id]["questionItem"]["question"]["questionId"] == record.question_id
    assert "linkAllForms" in (ws.output_dir / "link-forms.gs").read_text(encoding="utf-8")
    assert "`formkit link`" in result.out and "script.google.com" not in result.out  # the embedded backend


def test_rerun_creates_nothing(example_dir, endpoint, formkit):
    assert formkit("create", "-w", example_dir).exit_code == 0
    state_before = (example_dir / "state" / "forms.json").read_text(encoding="utf-8")
    requests.delete(f"{endpoint}/formkit/v1/calls", timeout=5, headers=bearer())
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0 and "Nothing to do" in result.out
    assert server_calls(endpoint) == {}
    assert (example_dir / "state" / "forms.json").read_text(encoding="utf-8") == state_before


def test_dry_run_writes_exact_bodies_and_calls_nothing(example_dir, endpoint, formkit):
    result = formkit("create", "-w", example_dir, "--dry-run", "--commune", "nam-dong")
    assert result.exit_code == 0, result.output
    assert server_calls(endpoint) == {}
    out = example_dir / "output" / "dry-run" / "nam-dong"
    assert sorted(p.name for p in out.iterdir()) == [
        "1-forms.create.json", "2-forms.batchUpdate.json", "3-forms.setPublishSettings.json",
        "4-drive.permissions.create.json"]
    ws = load_workspace(example_dir)
    body = json.loads((out / "2-forms.batchUpdate.json").read_text(encoding="utf-8"))
    assert body == build_bodies(ws.template, ws.commune("nam-dong"), ws.unit, "any").batch_update
    assert not ws.state_file.exists()


def test_every_body_sent_is_valid_for_googles_discovery_documents(example_dir):
    ws = load_workspace(example_dir)
    for template_id in ("sipas-2640", "can-bo-3", "tra-ket-qua-6"):
        from formkit.workspace.templates import load_template

        bodies = build_bodies(load_template(template_id), ws.commune("binh-thanh"), ws.unit, "x")
        assert validate_request("forms", "v1", "forms.forms.create", bodies.create) == []
        assert validate_request("forms", "v1", "forms.forms.batchUpdate", bodies.batch_update) == []
        assert validate_request("forms", "v1", "forms.forms.setPublishSettings", bodies.publish) == []
    # The validator is not a rubber stamp.
    assert validate_request("forms", "v1", "forms.forms.create", {"info": {"title": "x", "colour": "red"}})


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("call", [":batchUpdate", ":setPublishSettings", r"/v1/forms$"])
def test_transient_errors_are_retried(example_dir, endpoint, formkit, status, call):
    add_fault(endpoint, method="POST", path=call, kind="status", status=status, count=2, retryAfter=0)
    result = formkit("create", "-w", example_dir, "--commune", "hoa-thanh")
    assert result.exit_code == 0, result.output
    assert "retrying" in result.err
    state = State.load(load_workspace(example_dir).state_file)
    assert state.published("hoa-thanh")
    assert len(published_forms(endpoint, state).get("hoa-thanh", [])) == 1


def test_dropped_connection_after_create_does_not_duplicate(example_dir, endpoint, formkit):
    # Google made the form but the answer never arrived: the Drive name finds it again.
    add_fault(endpoint, method="POST", path=r"/v1/forms$", kind="drop_after")
    add_fault(endpoint, method="POST", path=":batchUpdate", kind="drop_after")
    result = formkit("create", "-w", example_dir, "--commune", "hoa-thanh")
    assert result.exit_code == 0, result.output
    calls = server_calls(endpoint)
    assert calls["forms.create"] == 1 and calls["forms.batchUpdate"] == 1, calls
    state = State.load(load_workspace(example_dir).state_file)
    assert len(published_forms(endpoint, state)["hoa-thanh"]) == 1
    assert len([f for f in forms_on_server(endpoint) if "hoa-thanh" in f["name"]]) == 1


def test_quota_exhausted_keeps_progress_and_rerun_finishes(example_dir, endpoint, formkit):
    add_fault(endpoint, method="POST", path=":setPublishSettings", kind="status", status=429, count=50)
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 1 and "saved" in result.err and "Traceback" not in result.err
    state = State.load(load_workspace(example_dir).state_file)
    assert state.current("hoa-thanh").step == "built"
    requests.delete(f"{endpoint}/formkit/v1/faults", timeout=5, headers=bearer())
    requests.delete(f"{endpoint}/formkit/v1/calls", timeout=5, headers=bearer())
    assert formkit("create", "-w", example_dir).exit_code == 0
    calls = server_calls(endpoint)
    # hoa-thanh only needed publishing (and a look at its responders first, as it was not made in
    # this run); the other two communes were made from scratch.
    assert calls == {"forms.create": 2, "forms.batchUpdate": 2, "forms.setPublishSettings": 3,
                     "drive.permissions.list": 1, "drive.permissions.create": 3}, calls
    state = State.load(load_workspace(example_dir).state_file)
    assert {c: len(ids) for c, ids in published_forms(endpoint, state).items()} == {
        "hoa-thanh": 1, "binh-thanh": 1, "nam-dong": 1}


@pytest.mark.slow
@pytest.mark.parametrize("stall_on", [r"/v1/forms$", ":batchUpdate", ":setPublishSettings"])
def test_crash_between_calls_then_rerun_gives_exactly_one_form(example_dir, endpoint, stall_on):
    """A real crash: the process is killed while Google has done the call but not answered."""
    add_fault(endpoint, method="POST", path=stall_on, kind="stall_after", seconds=30)
    env = {**os.environ, "FORMKIT_GOOGLE_ENDPOINT": endpoint, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "formkit", "create", "-w", str(example_dir), "--commune", "nam-dong"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    method = {r"/v1/forms$": "forms.create", ":batchUpdate": "forms.batchUpdate",
              ":setPublishSettings": "forms.setPublishSettings"}[stall_on]
    deadline = time.time() + 20
    while server_calls(endpoint).get(method, 0) == 0 and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    requests.delete(f"{endpoint}/formkit/v1/faults", timeout=5, headers=bearer())

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    state = State.load(load_workspace(example_dir).state_file)
    assert state.published("nam-dong")
    assert len(state.forms("nam-dong")) == 1
    assert published_forms(endpoint, state) == {"nam-dong": [state.published("nam-dong").form_id]}
    assert len([f for f in forms_on_server(endpoint) if "nam-dong" in f["name"]]) == 1


def test_template_change_never_touches_the_old_form(example_dir, endpoint, formkit):
    assert formkit("create", "-w", example_dir, "--commune", "hoa-thanh").exit_code == 0
    custom = example_dir / "templates"
    custom.mkdir()
    source = (REPO / "templates" / "forms" / "sipas-2640.toml").read_text(encoding="utf-8")
    (custom / "sipas-2640.toml").write_text(source.replace("version = 2", "version = 3"), encoding="utf-8")
    requests.delete(f"{endpoint}/formkit/v1/calls", timeout=5, headers=bearer())
    blocked = formkit("create", "-w", example_dir, "--commune", "hoa-thanh")
    assert blocked.exit_code == 2 and "--new-version" in blocked.err
    assert server_calls(endpoint) == {}
    result = formkit("create", "-w", example_dir, "--commune", "hoa-thanh", "--new-version")
    assert result.exit_code == 0, result.output
    state = State.load(load_workspace(example_dir).state_file)
    old, new = state.forms("hoa-thanh")
    assert (old.template_version, new.template_version) == (2, 3) and old.form_id != new.form_id
    assert "forms.batchUpdate" in server_calls(endpoint)
    old_remote = requests.get(f"{endpoint}/v1/forms/{old.form_id}", timeout=5, headers=bearer()).json()
    assert len(old_remote["items"]) == len([r for r in build_bodies(
        load_workspace(example_dir).template, load_workspace(example_dir).commune("hoa-thanh"),
        load_workspace(example_dir).unit, "x").batch_update["requests"] if "createItem" in r])


def test_new_officer_updates_only_the_dropdown(example_dir, endpoint, formkit):
    assert formkit("create", "-w", example_dir, "--commune", "nam-dong").exit_code == 0
    config = example_dir / "formkit.toml"
    config.write_text(config.read_text(encoding="utf-8") + """
[[communes.officers]]
id = "do-minh-chau"
name = "Đỗ Minh Châu"
title = "Công chức Địa chính"
counter = "Quầy 3"
""", encoding="utf-8")
    requests.delete(f"{endpoint}/formkit/v1/calls", timeout=5, headers=bearer())
    result = formkit("create", "-w", example_dir, "--commune", "nam-dong")
    assert result.exit_code == 0, result.output
    assert server_calls(endpoint) == {"forms.get": 1, "forms.batchUpdate": 1}
    state = State.load(load_workspace(example_dir).state_file)
    form = state.published("nam-dong")
    assert form.officer_options["do-minh-chau"] == "Đỗ Minh Châu – Quầy 3"
    remote = requests.get(f"{endpoint}/v1/forms/{form.form_id}", timeout=5, headers=bearer()).json()
    officer_item = next(i for i in remote["items"] if i["itemId"] == form.questions["can-bo"].item_id)
    options = [o["value"] for o in officer_item["questionItem"]["question"]["choiceQuestion"]["options"]]
    assert options == ["Phạm Thu Hà – Quầy 1", "Võ Đức Thắng – Quầy 2", "Đỗ Minh Châu – Quầy 3"]


def test_forms_made_on_the_local_backend_are_refused_on_google(example_dir, endpoint, formkit, monkeypatch):
    assert formkit("create", "-w", example_dir, "--commune", "nam-dong").exit_code == 0
    monkeypatch.delenv("FORMKIT_GOOGLE_ENDPOINT")
    for command in ("create", "pull"):
        result = formkit(command, "-w", example_dir, "--commune", "nam-dong")
        assert result.exit_code == 2 and "made elsewhere" in result.err, result.output


def test_no_credentials_points_to_the_embedded_backend(example_dir, formkit, monkeypatch):
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 2
    assert "No Google credentials" in result.err and "formkit demo" in result.err and "Traceback" not in result.err


def test_example_credentials_file_is_refused_clearly(example_dir, formkit):
    result = formkit("create", "-w", example_dir, "--credentials", REPO / "credentials.example.json")
    assert result.exit_code == 2 and "example file" in result.err


def test_status_reports_publish_state_link_and_count(published_workspace, formkit):
    ws, state, base = published_workspace
    form = state.published("hoa-thanh")
    action = form.responder_uri.replace("/viewform", "/formResponse")
    question = form.questions["hai-long-chung"].question_id
    gate = form.questions["co-gop-y"].question_id
    answers = {f"entry.{int(q.question_id, 16)}": "Hài lòng" for k, q in form.questions.items()
               if k[0].isdigit() and k[0] != "5"}
    answers[f"entry.{int(gate, 16)}"] = "Không"
    answers[f"entry.{int(question, 16)}"] = "Hài lòng"
    answers[f"entry.{int(form.questions['dong-y-lien-he'].question_id, 16)}"] = "Không đồng ý"
    assert requests.post(action, data=answers, timeout=5).status_code == 200
    result = formkit("status", "-w", ws.root)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.out.splitlines() if x.startswith("hoa-thanh"))
    assert "published" in line and " yes " in line and form.spreadsheet_id in line
    assert "ai cũng trả lời được" in line and "None" not in result.out
    assert line.split()[9] == "1"  # responses, after "ai cũng trả lời được"


def test_googles_in_order_check_refuses_the_old_batch_and_accepts_the_new_one(endpoint):
    """batchUpdate-sipas-2640-rejected.json is the body formkit sent before it ordered its
    requests (the gate's jumps name page breaks that later requests create); the backend, like
    Google, refuses it whole. The body formkit sends now passes, through the real client."""
    from googleapiclient.errors import HttpError

    from formkit.google.client import Google

    google = Google(credentials(), endpoint)
    golden = REPO / "tests" / "golden"
    rejected = json.loads((golden / "batchUpdate-sipas-2640-rejected.json").read_text(encoding="utf-8"))
    accepted = json.loads((golden / "batchUpdate-sipas-2640.json").read_text(encoding="utf-8"))
    form = google.create_form({"info": {"title": "Thứ tự"}})
    forms = google._forms
    with pytest.raises(HttpError) as caught:
        forms.batchUpdate(formId=form["formId"], body=rejected).execute()
    error = json.loads(caught.value.content)["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert "goToSectionId" in error["message"] and "already in the form" in error["message"]
    assert "items" not in google.get_form(form["formId"])
    built = google.batch_update(form["formId"], accepted)["form"]
    titles = [item["title"] for item in built["items"]]
    expected = [r["createItem"]["item"]["title"] for r in reversed(accepted["requests"]) if "createItem" in r]
    assert titles == expected  # bottom-up at index 0 leaves the form in template order


def test_a_refusal_to_open_the_form_to_anyone_stops_that_commune_only(example_dir, endpoint, formkit):
    """A Workspace policy that keeps sharing inside the organisation answers 403 to permissions.create."""
    add_fault(endpoint, method="POST", path="/permissions$", kind="status", status=403, count=1)
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 1 and "Traceback" not in result.err
    assert "hoa-thanh: Google would not let anyone with the link answer" in result.output
    assert "Zalo" in result.err and "formkit create` again" in result.err
    assert result.err.count("would not let anyone") == 1  # said once, after the summary
    for done in ("binh-thanh", "nam-dong"):  # the communes that did finish still get their links
        assert State.load(load_workspace(example_dir).state_file).current(done).responder_uri in result.out
    state = State.load(load_workspace(example_dir).state_file)
    assert (state.current("hoa-thanh").step, state.current("hoa-thanh").responders) == ("published", "")
    assert [state.current(c).responders for c in ("binh-thanh", "nam-dong")] == ["anyone", "anyone"]
    requests.delete(f"{endpoint}/formkit/v1/calls", timeout=5, headers=bearer())
    assert formkit("create", "-w", example_dir).exit_code == 0  # the policy lifted: only hoa-thanh is finished
    assert server_calls(endpoint) == {"drive.permissions.list": 1, "drive.permissions.create": 1}
    requests.delete(f"{endpoint}/formkit/v1/calls", timeout=5, headers=bearer())
    assert "Nothing to do" in formkit("create", "-w", example_dir).out and server_calls(endpoint) == {}


def test_a_form_published_before_responders_were_checked_is_only_checked(example_dir, endpoint, formkit):
    assert formkit("create", "-w", example_dir).exit_code == 0
    ws = load_workspace(example_dir)
    state = State.load(ws.state_file)
    for commune in ws.communes:  # as an older formkit left it: published, responders never looked at
        state.current(commune.id).responders = ""
    state.save()
    requests.delete(f"{endpoint}/formkit/v1/calls", timeout=5, headers=bearer())
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0 and "let anyone with the link answer" in result.out
    assert server_calls(endpoint) == {"drive.permissions.list": 3}  # already open to anyone: no grant


def test_status_reads_absent_fields_as_their_defaults(example_dir, endpoint, formkit):
    """Google leaves out false: an unpublished form has no isPublished key. status says NO, not None."""
    add_fault(endpoint, method="POST", path=":setPublishSettings", kind="status", status=400, count=1)
    assert formkit("create", "-w", example_dir, "--commune", "hoa-thanh").exit_code == 1
    result = formkit("status", "-w", example_dir, "--commune", "hoa-thanh")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.out.splitlines() if x.startswith("hoa-thanh"))
    assert line.split()[1:5] == ["built", "NO", "NO", "chưa"] and "None" not in result.out


def test_a_lagging_drive_search_is_asked_again_before_a_second_form_is_made(example_dir, endpoint, formkit):
    # The create answer is lost, and Drive's search misses the new form twice before it shows.
    add_fault(endpoint, method="POST", path=r"/v1/forms$", kind="drop_after")
    add_fault(endpoint, method="GET", path="/drive/v3/files$", kind="search_lag", count=2)
    result = formkit("create", "-w", example_dir, "--commune", "hoa-thanh")
    assert result.exit_code == 0, result.output
    calls = server_calls(endpoint)
    assert (calls["forms.create"], calls["drive.files.list"]) == (1, 3), calls
    assert len([f for f in forms_on_server(endpoint) if "hoa-thanh" in f["name"]]) == 1
    assert State.load(load_workspace(example_dir).state_file).current("hoa-thanh").possible_duplicates == []


def test_a_duplicate_that_is_still_possible_is_recorded_and_named_in_status(example_dir, endpoint, formkit):
    # Drive's search misses the form for longer than formkit waits (4 searches): a second form is made.
    add_fault(endpoint, method="POST", path=r"/v1/forms$", kind="drop_after")
    add_fault(endpoint, method="GET", path="/drive/v3/files$", kind="search_lag", count=4)
    assert formkit("create", "-w", example_dir, "--commune", "hoa-thanh").exit_code == 0
    assert server_calls(endpoint)["forms.create"] == 2
    form = State.load(load_workspace(example_dir).state_file).current("hoa-thanh")
    assert form.possible_duplicates == [form.document_title]
    others = [f["id"] for f in forms_on_server(endpoint) if "hoa-thanh" in f["name"] and f["id"] != form.form_id]
    assert len(others) == 1
    result = formkit("status", "-w", example_dir, "--commune", "hoa-thanh")
    assert result.exit_code == 0, result.output
    assert f"possible duplicate form {others[0]}" in result.out


def test_every_shipped_template_passes_the_in_order_checks_through_the_real_client(example_dir, endpoint):
    """Each shipped template's bodies, sent by google-api-python-client to the strict backend: built,
    published, opened to anyone, and every question where formkit expects it."""

    from formkit.forms.formspec import ANYONE_MAY_ANSWER, responders
    from formkit.google.client import Google
    from formkit.workspace.templates import available_templates, load_template

    ws = load_workspace(example_dir)
    google = Google(credentials(), endpoint)
    for template_id in available_templates():
        bodies = build_bodies(load_template(template_id), ws.commune("binh-thanh"), ws.unit, "t")
        form_id = google.create_form(bodies.create)["formId"]
        built = google.batch_update(form_id, bodies.batch_update)["form"]
        google.publish(form_id, bodies.publish)
        google.add_permission(form_id, ANYONE_MAY_ANSWER)
        ids = {item["itemId"] for item in built["items"]}
        assert {b.item_id for b in bodies.questions} <= ids, template_id
        assert responders(google.responder_permissions(form_id)) == "anyone"

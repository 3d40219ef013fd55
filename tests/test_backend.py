"""The backend seam (formkit/google/backend.py): one choice from FORMKIT_GOOGLE_ENDPOINT decides
what the state records, the edit links and who links the forms; linking on the local backend is
retried like every Google call and carries the backend's token."""

from __future__ import annotations

import pytest
import requests
from conftest import add_fault, bearer

from formkit.forms.state import State
from formkit.google import backend
from formkit.workspace.config import load_workspace


def test_the_endpoint_variable_chooses_the_backend(monkeypatch):
    monkeypatch.delenv("FORMKIT_GOOGLE_ENDPOINT", raising=False)
    google = backend.current()
    assert (google.key, google.endpoint, google.links_directly) == ("google", None, False)
    assert google.edit_url("abc") == "https://docs.google.com/forms/d/abc/edit"
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", "http://127.0.0.1:8765/")
    local = backend.current()
    assert (local.key, local.endpoint, local.links_directly) == ("http://127.0.0.1:8765", "http://127.0.0.1:8765", True)
    assert local.edit_url("abc") == "http://127.0.0.1:8765/v1/forms/abc"


def test_forms_belong_to_google_or_to_any_local_address():
    google, local = backend.GoogleBackend(), backend.LocalBackend("http://127.0.0.1:8765")
    assert google.made_here("google") and not google.made_here("http://127.0.0.1:9000")
    assert local.made_here("http://127.0.0.1:9000")  # the same data served on another port
    assert not local.made_here("google")


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 503, "count": 2, "retryAfter": 0},
                                   {"kind": "drop_after"}])
def test_link_rides_out_failures_and_links_each_form_once(example_dir, endpoint, formkit, fault):
    """A 503 (nothing done) or a lost answer (linked, answer dropped) on the link endpoint: the
    call is retried, every form lands in ONE spreadsheet, and a retried link makes no second tab."""
    assert formkit("create", "-w", example_dir).exit_code == 0
    add_fault(endpoint, method="POST", path=":linkSheet$", **fault)
    result = formkit("link", "-w", example_dir)
    assert result.exit_code == 0, result.output
    ws = load_workspace(example_dir)
    state = State.load(ws.state_file)
    forms = [state.current(c.id) for c in ws.communes]
    assert len({f.spreadsheet_id for f in forms}) == 1 and all(f.sheet_tab_id is not None for f in forms)
    assert sorted(f.sheet_tab for f in forms) == sorted(c.sheet_tab for c in ws.communes)
    sheet = requests.get(f"{endpoint}/v4/spreadsheets/{forms[0].spreadsheet_id}", timeout=5, headers=bearer()).json()
    assert sorted(tab["properties"]["title"] for tab in sheet["sheets"]) == sorted(f.sheet_tab for f in forms)
    assert result.err.count("formkit.linkSheet: ") == fault.get("count", 1)  # each retry said so


def test_link_refuses_forms_made_on_google(example_dir, endpoint, formkit):
    """The same check as create, status and pull: forms recorded for Google are not linked here."""
    assert formkit("create", "-w", example_dir).exit_code == 0
    ws = load_workspace(example_dir)
    state = State.load(ws.state_file)
    state.current("hoa-thanh").endpoint = "google"
    state.save()
    result = formkit("link", "-w", example_dir)
    assert result.exit_code == 2 and "hoa-thanh (google)" in result.err

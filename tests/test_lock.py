"""Runs that do not collide: create, link, pull, report and posters take the workspace lock; a
second run waits a little, then stops with a message naming the first."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_create import forms_on_server

from formkit.forms.state import State
from formkit.workspace.config import load_workspace
from formkit.workspace.lock import WorkspaceLock

REPO = Path(__file__).resolve().parent.parent


def test_a_second_run_stops_with_a_clear_message_and_changes_nothing(example_dir, endpoint, formkit, monkeypatch):
    ws = load_workspace(example_dir)
    monkeypatch.setenv("FORMKIT_LOCK_WAIT", "0.3")
    with WorkspaceLock(ws.state_dir, "create"):
        for command in (["create"], ["link"], ["pull"], ["report", "--quarter", "2026Q3"], ["posters"]):
            result = formkit(*command, "-w", example_dir)
            assert result.exit_code == 1, (command, result.output)
            assert "the workspace is busy: `formkit create` (pid" in result.output, result.output
            assert "Internal error" not in result.output
    assert forms_on_server(endpoint) == [] and not ws.state_file.exists()
    assert formkit("create", "-w", example_dir).exit_code == 0  # released: the next run goes ahead


def test_a_second_run_waits_for_the_first_to_finish(example_dir, endpoint, formkit, monkeypatch):
    ws = load_workspace(example_dir)
    monkeypatch.setenv("FORMKIT_LOCK_WAIT", "20")
    held = WorkspaceLock(ws.state_dir, "pull").acquire()
    threading.Timer(0.5, held.release).start()
    result = formkit("create", "-w", example_dir)
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_two_concurrent_creates_make_one_form_per_commune(example_dir, endpoint):
    env = {**os.environ, "PYTHONPATH": str(REPO), "FORMKIT_LOCK_WAIT": "60"}
    command = [sys.executable, "-m", "formkit", "create", "-w", str(example_dir)]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    ws = load_workspace(example_dir)
    state = State.load(ws.state_file)
    assert len(forms_on_server(endpoint)) == len(ws.communes) == len(state.communes)

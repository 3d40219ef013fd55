"""Rough edges found by trying the CLI as a new user: a stopped local backend, a busy port, output
piped into `head`, the README's --dossiers example."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", ["status", "pull", "link", "create"])
def test_a_stopped_local_backend_fails_at_once_saying_what_to_do(command, example_dir, formkit, monkeypatch):
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    monkeypatch.setenv("FORMKIT_GOOGLE_ENDPOINT", endpoint)
    monkeypatch.setenv("FORMKIT_RETRY_BASE", "1")  # real retry delays: a retried refusal would take minutes
    if command == "status":  # status asks the backend about forms made (before any, it says to run create)
        from formkit.forms.state import FormRecord, State

        state = State(example_dir / "state" / "forms.json")
        state.add("hoa-thanh", FormRecord("sipas-2640", 1, endpoint, "Khảo sát [formkit hoa-thanh 000000]",
                                          nonce="000000", step="published", form_id="f1"))
        state.save()
    started = time.monotonic()
    result = formkit(command, "-w", example_dir)
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert f"nothing answers at {endpoint} — start `formkit serve` or unset FORMKIT_GOOGLE_ENDPOINT" in result.err
    assert "ConnectionError" not in result.output and "…" not in result.err  # no retry lines
    assert (example_dir / "state" / "forms.json").exists() == (command == "status")


def test_serve_on_a_busy_port_exits_2_with_a_clear_message(tmp_path, formkit):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = formkit("serve", "--port", port, "--data", tmp_path / "data")
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is already in use." in result.err
    assert f"formkit serve --port {port + 1}" in result.err
    assert "Internal error" not in result.err


@pytest.mark.parametrize("args", [["templates", "sipas-2640"], ["--help"], ["report", "--help"]])
def test_output_piped_into_a_reader_that_stops_is_not_a_failure(args, tmp_path):
    """`formkit templates sipas-2640 | head -1`: the reader closes the pipe before formkit writes."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-m", "formkit", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    process.stdout.close()  # as `head` does once it has its lines (here: before any)
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, err
    assert err == ""


def test_init_ships_the_dossiers_file_the_readme_uses(example_dir):
    from formkit.report.participation import read_dossiers
    from formkit.workspace.config import load_workspace

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "--dossiers dossiers.csv" in readme
    rows = read_dossiers(example_dir / "dossiers.csv", load_workspace(example_dir))
    assert {(r.commune, r.period.code) for r in rows} >= {
        (c, "2026Q3") for c in ("hoa-thanh", "nam-dong", "binh-thanh")}


def test_the_cli_declares_its_options_and_keeps_out_of_clicks_internals():
    """--debug and --lang are ordinary options on every command (not appended afterwards), and
    nothing writes Click's private attributes (the help text follows the language another way)."""
    import ast

    import click

    from formkit import cli

    tree = ast.parse(Path(cli.__file__).read_text(encoding="utf-8"))
    private = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
               and n.attr.startswith("_")]
    appended = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "append"
                and isinstance(n.value, ast.Attribute) and n.value.attr == "params"]
    assert not private and not appended, (private, appended)
    for command in [cli.cli, *cli.cli.commands.values()]:
        names = [p.name for p in command.params if isinstance(p, click.Option)]
        assert {"debug", "lang"} <= set(names), (command.name, names)


def test_the_report_formats_are_the_writers(formkit, example_dir):
    from formkit.report import FORMATS, WRITERS, parse_formats

    assert FORMATS == (*WRITERS, "json")
    assert parse_formats(" PDF, json ") == ("pdf", "json")
    result = formkit("report", "-w", example_dir, "--quarter", "2026Q3", "--format", "pdf,odt")
    assert result.exit_code == 2
    assert "--format: unknown odt (choose from pdf, docx, xlsx, csv, html, json)" in result.err

"""`formkit demo`: the whole pipeline on the embedded backend, with no network and no account."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from .errors import UsageError

MARKER = ".formkit-demo"


@contextmanager
def endpoint(url: str):
    """Point this process's Google traffic at the local backend for the duration of the demo."""
    from .google.transport import ENDPOINT_VARIABLE

    previous = os.environ.get(ENDPOINT_VARIABLE)
    os.environ[ENDPOINT_VARIABLE] = url
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ENDPOINT_VARIABLE, None)
        else:
            os.environ[ENDPOINT_VARIABLE] = previous


def prepare(out: Path) -> None:
    """A fresh demo folder; an old one is replaced only if the demo made it."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise UsageError(f"{out} exists and was not made by `formkit demo`; choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by formkit demo; rebuilt on each run\n", encoding="utf-8")


def run_demo(out: Path, echo: Callable[[str], None] = print) -> dict[str, Path]:
    from . import create
    from .example import write_example_workspace
    from .google.client import connect
    from .linking import link_local, write_apps_script
    from .localserver import LocalGoogle
    from .state import State
    from .workspace import load_workspace

    out = Path(out).resolve()
    prepare(out)
    write_example_workspace(out)
    ws = load_workspace(out)
    state = State.load(ws.state_file)
    paths: dict[str, Path] = {"workspace": out}
    with LocalGoogle(ws.local_google_dir / "google.sqlite").start() as server, endpoint(server.base_url):
        echo(f"Local Google backend: {server.base_url}")
        google = connect()
        lines = create.plan(ws, state, backend=google.backend)
        for outcome in create.run(ws, state, google, lines, report=lambda m: echo(f"  {m}")):
            echo(f"  {outcome.commune.id:<12} {outcome.form.responder_uri}")
        paths["state"] = ws.state_file
        paths["apps script"] = write_apps_script(ws, state)
        for commune_id, tab, sheet in link_local(ws, state, server.base_url):
            echo(f"  {commune_id:<12} linked to sheet {sheet}, tab '{tab}'")
    for name, path in paths.items():
        echo(f"{name:<12} {path}")
    return paths

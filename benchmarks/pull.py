"""Benchmark for `formkit pull`: communes' forms feeding their group's spreadsheet, one tab each.

    python benchmarks/pull.py [--communes 100,1000,3321] [--responses 3] [--unlinked] [--google-names]
                              [--profile first|second]

Generates a workspace, creates and links every form on a fresh local Google backend, submits a
few responses per commune through the respondent page, then pulls twice (the second finds
nothing new) and prints the Google calls each pull made and its wall time, for each number of
communes given. Targets: per spreadsheet one spreadsheets.get and as few values:batchGet calls as
keep each URL under the client's URL_LIMIT (issue 8); the second pull under 10 % of the first's
wall time, every answer stored once (issue 13). --unlinked skips the linking, to compare
with reading every form through forms.responses.list; --google-names links as the Forms UI does
(tabs "Câu trả lời biểu mẫu N", nothing recorded), so that the first pull finds every tab from
the data. The second pull trusts the links the first confirmed (no forms.get); a third, with
--check-links, shows what asking every form costs. --profile prints where that pull spends its
time (cProfile, top 25 by cumulative time; PULL_PROFILE_SORT=tottime sorts by own time).
First it prints what each safeguard against an untrusted tab (trashed, full, unreadable) costs
in Forms quota per pull at 170 and at 3,321 communes.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import requests  # noqa: E402
from synthetic import province_toml  # noqa: E402  (benchmarks/synthetic.py)

from formkit.cli import main  # noqa: E402
from formkit.demo.simulate import submit_sample_responses  # noqa: E402
from formkit.forms.state import State  # noqa: E402
from formkit.google.client import connect  # noqa: E402
from formkit.localserver import LocalGoogle  # noqa: E402
from formkit.responses.pull import pull  # noqa: E402
from formkit.responses.store import (
    VIETNAM,  # noqa: E402
    ResponseStore,  # noqa: E402
)
from formkit.workspace.config import load_workspace  # noqa: E402


def write_workspace(root: Path, communes: int) -> None:
    root.mkdir(parents=True)
    (root / "formkit.toml").write_text(province_toml(communes, officers=2), encoding="utf-8")


def run(args: list[str]) -> None:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = main(args)
    if code != 0:
        raise SystemExit(f"formkit {' '.join(args)} failed:\n{output.getvalue()}")


def timed(method, spent: dict[str, float], name: str):
    def call(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
    return call


def timed_pull(ws, state, store, base: str, check_links: bool = False, profile: bool = False) -> float:
    auth = {"Authorization": f"Bearer {os.environ['FORMKIT_GOOGLE_TOKEN']}"}
    requests.delete(f"{base}/formkit/v1/calls", timeout=5, headers=auth)
    google = connect()
    spent: dict[str, float] = {}
    for method in ("get_form", "sheet_metadata", "read_tabs"):  # time waiting on each kind of call
        setattr(google, method, timed(getattr(google, method), spent, method))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = pull(ws, state, google, store, check_links=check_links)
    wall = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PULL_PROFILE_SORT", "cumulative")).print_stats(25)
    calls = requests.get(f"{base}/formkit/v1/calls", timeout=5, headers=auth).json()
    sheets = sum(n for name, n in calls.items() if name.startswith("sheets."))
    print(f"  responses added: {sum(result.added.values())}; warnings: {len(result.warnings)}")
    print(f"  Sheets API calls per pull: {sheets} (spreadsheets.get {calls.get('sheets.spreadsheets.get', 0)}, "
          f"values.batchGet {calls.get('sheets.spreadsheets.values.batchGet', 0)})")
    print(f"  forms.get calls: {calls.get('forms.get', 0)} (links: {result.links_checked} checked, "
          f"{result.links_trusted} trusted); forms.responses.list calls: {calls.get('forms.responses.list', 0)}")
    sheets_time = spent.get("sheet_metadata", 0) + spent.get("read_tabs", 0)
    print(f"  wall time: {wall:.2f} s; responses in the store: {store.count()}")
    print(f"  of which forms.get {spent.get('get_form', 0):.2f} s, the Sheets reads {sheets_time:.2f} s (client and "
          f"server), the rest (tabs found, rows read, stored) {wall - sum(spent.values()):.2f} s")
    return wall


FORMS_READS_PER_MINUTE = 390  # per user (forms.get is one); Forms API usage limits
RESPONSES_LIST_PER_MINUTE = 180  # per user: forms.responses.list, an "expensive read"


def quota_costs(sizes: tuple[int, ...] = (170, 3321)) -> None:
    """What each safeguard against a tab that cannot be trusted costs, per pull, in the Forms API's
    per-user quota (minutes of it) and in Drive and Sheets calls, with communes spread over
    spreadsheets as `formkit link` spreads them at the README's volumes."""
    from formkit.forms.linking import communes_per_spreadsheet

    with tempfile.TemporaryDirectory() as tmp_name:
        root = Path(tmp_name) / "ws"
        write_workspace(root, 3)
        size = communes_per_spreadsheet(load_workspace(root))
    print(f"== safeguards, per pull (a group of {size} communes per spreadsheet; Forms quota per user: "
          f"{FORMS_READS_PER_MINUTE} reads, {RESPONSES_LIST_PER_MINUTE} responses.list a minute) ==")
    for n in sizes:
        sheets = -(-n // size)
        print(f"{n} communes, {sheets} spreadsheets:")
        print(f"  trashed (Drive files.get per spreadsheet): {sheets} Drive calls, 0 Forms quota")
        print(f"  spreadsheet >= 95% full (sheets.get's grid sizes, already read): 0 extra calls while under; once "
              f"over, its {size} forms read through forms.responses.list: {size} calls = "
              f"{size / RESPONSES_LIST_PER_MINUTE:.2f} min of quota per full spreadsheet, "
              f"{n / RESPONSES_LIST_PER_MINUTE:.1f} min if every one were full")
        print(f"  unreadable spreadsheet (403/404): its {size} forms asked with forms.get = "
              f"{size / FORMS_READS_PER_MINUTE:.2f} min of read quota, then read where they lead")
        print(f"  link check (every {24} h): {n} forms.get = {n / FORMS_READS_PER_MINUTE:.1f} min of read quota")
        print(f"  not taken - 'a tab that stopped growing': needs each form's own count, one responses.list "
              f"per form per pull = {n / RESPONSES_LIST_PER_MINUTE:.1f} min of quota every pull")


def main_benchmark() -> None:
    quota_costs()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", default="100,1000,3321", help="comma-separated numbers of communes")
    parser.add_argument("--responses", type=int, default=3, help="responses submitted per commune")
    parser.add_argument("--unlinked", action="store_true", help="leave the forms unlinked (Forms API path)")
    parser.add_argument("--google-names", action="store_true", help="link with Google's tab names, unrecorded")
    parser.add_argument("--profile", choices=("first", "second"), help="cProfile that pull")
    options = parser.parse_args()
    for communes in (int(n) for n in options.communes.split(",")):
        print(f"== {communes} communes ==")
        bench(communes, options)


def bench(communes: int, options) -> None:
    from formkit.forms.linking import link_local

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with LocalGoogle(tmp / "google.sqlite", testing=True).start() as server:
            base = server.base_url
            os.environ["FORMKIT_GOOGLE_ENDPOINT"] = base
            os.environ["FORMKIT_GOOGLE_TOKEN"] = server.token
            root = tmp / "workspace"
            write_workspace(root, communes)
            started = time.perf_counter()
            run(["create", "-w", str(root)])
            ws = load_workspace(root)
            state = State.load(ws.state_file)
            if not options.unlinked:
                link_local(ws, state, connect(), google_names=options.google_names)
                if options.google_names:
                    for c in ws.communes:
                        state.published(c.id).sheet_tab, state.published(c.id).sheet_tab_id = "", None
            sheets = {state.published(c.id).spreadsheet_id for c in ws.communes} - {""}
            sent = submit_sample_responses(ws, state, options.responses * communes,
                                           datetime(2026, 7, 1, tzinfo=VIETNAM), datetime(2026, 10, 1, tzinfo=VIETNAM))
            print(f"setup: {communes} communes, {len(sheets)} spreadsheet(s), {sent} responses "
                  f"submitted in {time.perf_counter() - started:.1f} s")
            with ResponseStore(ws.state_dir / "responses.sqlite") as store:
                print("first pull:")
                first = timed_pull(ws, state, store, base, profile=options.profile == "first")
                print("second pull (nothing new; the links the first confirmed are trusted):")
                second = timed_pull(ws, state, store, base, profile=options.profile == "second")
                print("third pull (nothing new, --check-links: every form asked):")
                third = timed_pull(ws, state, store, base, check_links=True)
                once = "every answer stored once" if store.count() == sent else f"STORED {store.count()} OF {sent}"
                print(f"second / first: {second / first:.1%} (target under 10 %, issue 13); "
                      f"third / first: {third / first:.1%}; {once}")


if __name__ == "__main__":
    main_benchmark()

"""A province for years on Google, with the 10,000,000-cell limit modelled (issue 18).

    python benchmarks/volume.py [--communes 170] [--years 3] [--per-quarter 500]
                                [--plan-years N] [--fill-at 0.5]

Creates the communes' forms on a fresh local Google backend and links them as `formkit link`
does (groups of communes, a spreadsheet each), then, quarter by quarter, submits the answers
through the respondent page and pulls. At --fill-at of the run, the backend's cell limit is
lowered to just above what the fullest spreadsheet holds (default: Google's 10,000,000 kept), so
spreadsheets fill up mid-quarter and their forms keep later answers in the form only; at the same
moment one spreadsheet is moved to Drive's trash. After every pull the store's answers per commune
and quarter are compared with an independent count, the forms' own responses.list; it prints
the spreadsheets' cell use, which forms were read through the Forms API and why, and whether
every answer was stored exactly once. The whole default (170 x 3 years x 500 = 1,020,000 answers)
takes hours on a small machine; --per-quarter 20 checks the same paths in minutes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import requests  # noqa: E402
from pull import run, write_workspace  # noqa: E402  (benchmarks/pull.py)

from formkit.demo.simulate import submit_sample_responses  # noqa: E402
from formkit.forms.linking import communes_per_spreadsheet, link_local  # noqa: E402
from formkit.forms.state import State  # noqa: E402
from formkit.google.client import connect, grid_cells  # noqa: E402
from formkit.localserver import LocalGoogle  # noqa: E402
from formkit.responses import pull as pull_module  # noqa: E402
from formkit.responses.store import VIETNAM, ResponseStore  # noqa: E402
from formkit.responses.timestamps import parse_rfc3339  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def independent_count(base: str, auth: dict, state: State, ws) -> Counter:
    """(commune, quarter) -> answers, from every form's own store (forms.responses.list)."""
    counted: Counter = Counter()
    for commune in ws.communes:
        for form in state.forms(commune.id):
            token = None
            while True:
                page = requests.get(f"{base}/v1/forms/{form.form_id}/responses", headers=auth, timeout=60,
                                    params={"pageToken": token} if token else {}).json()
                for response in page.get("responses", []):
                    moment = parse_rfc3339(response["lastSubmittedTime"])
                    counted[(commune.id, quarter_of(moment))] += 1
                token = page.get("nextPageToken")
                if not token:
                    break
    return counted


def stored_count(store: ResponseStore) -> Counter:
    counted: Counter = Counter()
    for commune_id, submitted in store.db.execute("SELECT commune_id, submitted FROM responses"):
        counted[(commune_id, quarter_of(datetime.fromisoformat(submitted)))] += 1
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=170)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--per-quarter", type=int, default=500, help="answers per commune per quarter")
    parser.add_argument("--plan-years", type=int, help="[link] years the spreadsheets are sized for (--years)")
    parser.add_argument("--fill-at", type=float, default=0.5, help="share of the quarters after which the "
                        "spreadsheets are made full and one is trashed (1 or more: never)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with LocalGoogle(tmp / "google.sqlite", testing=True).start() as server:
            base = server.base_url
            os.environ["FORMKIT_GOOGLE_ENDPOINT"], os.environ["FORMKIT_GOOGLE_TOKEN"] = base, server.token
            auth = {"Authorization": f"Bearer {server.token}"}
            root = tmp / "workspace"
            write_workspace(root, options.communes)
            toml = root / "formkit.toml"
            toml.write_text(toml.read_text(encoding="utf-8") + f"\n[link]\nanswers_per_quarter = {options.per_quarter}"
                            f"\nyears = {options.plan_years or options.years}\n", encoding="utf-8")
            run(["create", "-w", str(root)])
            ws = load_workspace(root)
            state = State.load(ws.state_file)
            link_local(ws, state, connect())
            sheets = sorted({form.spreadsheet_id for c in ws.communes if (form := state.current(c.id))})
            print(f"{options.communes} communes, {communes_per_spreadsheet(ws)} per spreadsheet: {len(sheets)} "
                  f"spreadsheets; {options.years} years at {options.per_quarter} answers a quarter per commune")
            quarters = options.years * 4
            start = datetime(2026, 1, 1, tzinfo=VIETNAM)
            exact = True
            with ResponseStore(ws.state_dir / "responses.sqlite") as store:
                for q in range(quarters):
                    month = start.month - 1 + 3 * q
                    begin = datetime(start.year + month // 12, month % 12 + 1, 1, tzinfo=VIETNAM)
                    end = datetime(begin.year + (begin.month + 2) // 12, (begin.month + 2) % 12 + 1, 1,
                                   tzinfo=VIETNAM) - timedelta(seconds=1)
                    middle = begin + (end - begin) / 2
                    started = time.perf_counter()
                    sent = submit_sample_responses(ws, state, options.per_quarter * options.communes // 2, begin,
                                                   middle, seed=q)
                    if q == int(options.fill_at * quarters) and options.fill_at < 1:
                        meta = [requests.get(f"{base}/v4/spreadsheets/{s}", headers=auth, timeout=60).json()
                                for s in sheets]
                        cells = {m["spreadsheetId"]: grid_cells(m) for m in meta}
                        used = max(cells.values())
                        trashed = min(cells, key=lambda s: cells[s])  # the emptiest: its forms show the trash
                        limit = used + 40 * 36  # about forty more answers, then full
                        requests.put(f"{base}/formkit/v1/limits", json={"cells": limit}, headers=auth,
                                     timeout=10).raise_for_status()
                        pull_module.CELL_LIMIT = limit  # pull knows Google's limit; here the lowered one
                        requests.patch(f"{base}/drive/v3/files/{trashed}", json={"trashed": True}, headers=auth,
                                       timeout=10).raise_for_status()
                        print(f"  quarter {q + 1}, mid-quarter: cell limit lowered to {limit:,}, spreadsheet "
                              f"{trashed} trashed")
                    sent += submit_sample_responses(ws, state, options.per_quarter * options.communes // 2, middle,
                                                    end, seed=1000 + q)
                    submitted = time.perf_counter() - started
                    started = time.perf_counter()
                    result = pull_module.pull(ws, state, connect(), store)
                    pulled = time.perf_counter() - started
                    fullest = max(result.cells.values(), default=0)
                    print(f"quarter {q + 1}: {sent} submitted in {submitted:.0f} s; pull +{sum(result.added.values())} "
                          f"in {pulled:.1f} s; {len(result.untrusted)} forms read through the Forms API; fullest "
                          f"spreadsheet {fullest:,} cells")
                    reasons = Counter(result.untrusted.values())
                    for reason, n in reasons.items():
                        print(f"    {n} forms: {reason}")
                stored, counted = stored_count(store), independent_count(base, auth, state, ws)
                exact = stored == counted
                print(f"stored {sum(stored.values()):,} answers; the forms hold {sum(counted.values()):,}; per commune "
                      f"and quarter {'EQUAL' if exact else 'DIFFERENT'}")
                if not exact:
                    wrong = sorted(k for k in set(stored) | set(counted) if stored[k] != counted[k])[:10]
                    print("  first differences:", [(k, stored[k], counted[k]) for k in wrong])
            if not exact:
                raise SystemExit(1)


if __name__ == "__main__":
    main()

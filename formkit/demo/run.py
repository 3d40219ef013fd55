"""`formkit demo`: the whole pipeline on the embedded backend, with no network and no account.

init → create (4 calls per commune: 3 Forms, 1 Drive) → link to one spreadsheet → posters → a few hundred citizens
answer through the respondent page over the last two quarters → pull → a few paper ballots printed,
filled, photographed and scanned → report in every format.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from ..errors import UsageError
from ..i18n import _, ngettext, percent
from ..settings import current as current_settings

MARKER = ".formkit-demo"
RESPONSES = 300
PAPER_BALLOTS = 4


def endpoint(url: str, token: str):
    """This run's Google traffic sent to the demo's own backend, with its token (not one a
    FORMKIT_GOOGLE_TOKEN in the environment names for another backend), for the demo's duration."""
    from .. import settings

    return settings.use(settings.current().with_endpoint(url, _("the demo's backend"), token=token))


def prepare(out: Path) -> None:
    """A fresh demo folder; an old one is replaced only if the demo made it."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise UsageError(_("{out} exists and was not made by `formkit demo`; choose another --out").format(out=out))
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by formkit demo; rebuilt on each run\n", encoding="utf-8")


def last_quarters(today: date) -> tuple[str, datetime, datetime]:
    """The last complete quarter before today (reported), and the start of the one before it
    (answers are spread over both, so the report shows a change and a trend)."""
    from ..responses.store import VIETNAM

    index = today.year * 4 + (today.month - 1) // 3 - 1  # quarters since year 0, minus one
    year, quarter = divmod(index, 4)
    start_year, start_quarter = divmod(index - 1, 4)
    start = datetime(start_year, start_quarter * 3 + 1, 1, tzinfo=VIETNAM)
    end_year, end_quarter = divmod(index + 1, 4)
    end = datetime(end_year, end_quarter * 3 + 1, 1, tzinfo=VIETNAM)
    return f"{year}Q{quarter + 1}", start, end


def run_demo(out: Path, echo: Callable[[str], None] = print, serve: bool = False) -> dict[str, Path]:
    from ..forms import create
    from ..forms.linking import link_local, write_apps_script
    from ..forms.state import State
    from ..google.client import connect
    from ..localserver import LocalGoogle
    from ..posters import PosterOptions, make_posters
    from ..report import FORMATS, build_report, parse_period, write_report
    from ..responses.pull import pull
    from ..responses.store import ResponseStore
    from ..workspace.config import load_workspace
    from ..workspace.example import write_example_workspace
    from .simulate import submit_sample_responses

    out = Path(out).resolve()
    prepare(out)
    write_example_workspace(out)
    ws = load_workspace(out)
    state = State.load(ws.state_file)
    paths: dict[str, Path] = {"workspace": out, "state": ws.state_file}
    quarter, start, end = last_quarters(date.today())
    # testing=True: the simulated citizens back-date their answers (X-Formkit-Submit-Time) and
    # submit faster than the respondent page's rate limit allows a person to.
    db = ws.local_google_dir / "google.sqlite"
    with LocalGoogle(db, testing=True).start() as server, endpoint(server.base_url, server.token):
        echo(_("Local Google backend: {url} (data in {folder})").format(
                url=server.base_url, folder=ws.local_google_dir))
        google = connect(token_dir=ws.local_google_dir)
        outcomes = create.run(ws, state, google, create.plan(ws, state, backend=google.backend), report=lambda m: None)
        echo(ngettext("create: {n} form published with {calls} Google API calls",
                      "create: {n} forms published with {calls} Google API calls", len(outcomes)).format(
            n=len(outcomes), calls=sum(google.calls.values())))
        paths["apps script"] = write_apps_script(ws, state)
        linked = link_local(ws, state, google)
        echo(ngettext("link:   {n} form into spreadsheet {sheet}, one tab per commune",
                      "link:   {n} forms into spreadsheet {sheet}, one tab per commune", len(linked)).format(
            n=len(linked), sheet=linked[0][2]))

        posters = make_posters(ws, state, PosterOptions())
        echo(ngettext("posters: {pages} pages in {n} PDF", "posters: {pages} pages in {n} PDFs",
                      len(posters.files)).format(pages=posters.pages, n=len(posters.files)))
        for path in posters.files:
            paths[f"posters {path.stem}"] = path

        answered = submit_sample_responses(ws, state, RESPONSES, start, end)
        echo(ngettext("answers: {n} citizen answered through the respondent page ({start} – {end})",
                      "answers: {n} citizens answered through the respondent page ({start} – {end})", answered).format(
            n=answered, start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}"))
        with ResponseStore(ws.responses_file) as store:
            pulled = pull(ws, state, google, store)
            stored = sum(pulled.added.values())
            calls = ngettext("{n} Sheets API call", "{n} Sheets API calls", pulled.spreadsheets).format(
                n=pulled.spreadsheets)
            echo(ngettext("pull:   {n} response stored with {calls}", "pull:   {n} responses stored with {calls}",
                          stored).format(n=stored, calls=calls))
            paths.update(_paper_ballots(ws, state, store, end - timedelta(days=1), echo))
            report = build_report(ws, store, parse_period(quarter=quarter))
        paths.update(_counter(ws, echo))
        written = write_report(report, FORMATS, ws.output_dir / "reports")
        for path in written:  # the CSV tables share a folder: show it once
            paths.setdefault(f"report {path.suffix[1:]}", path.parent if path.suffix == ".csv" else path)
        warnings = ngettext("{n} integrity warning", "{n} integrity warnings", len(report.integrity)).format(
            n=len(report.integrity))
        echo(_("report: {quarter}, overall index {index}, {follow_up} to call back, {warnings}").format(
            quarter=quarter, index=percent(report.sipas),
            follow_up=len(report.follow_up), warnings=warnings))
        if serve:  # the same data and address, without the test-only machinery
            port = int(server.base_url.rsplit(":", 1)[1])
            server.stop()
            served = LocalGoogle(db, port=port, announce=True, log_requests=current_settings().server_log)
            with served.start():
                _keep_serving(served, state, ws, echo)
    echo("")
    width = max(len(name) for name in paths)
    for name, path in paths.items():
        echo(f"{name:<{width}}  {path}")
    return paths


def _counter(ws, echo: Callable[[str], None]) -> dict[str, Path]:
    """A counter tablet at Hòa Thành's intake, paired and rating a few dossiers through the HTTP
    API as the page does; then the counter's own report (can-bo-3) of this quarter."""
    from ..kiosk.server import KioskServer
    from ..report import build_report, parse_period, write_report
    from ..responses.store import ResponseStore
    from ..workspace.templates import load_template
    from .counter import rate_dossiers

    server = KioskServer(ws, "127.0.0.1", 0).start()
    try:
        rated = rate_dossiers(ws, server.port)
    finally:
        server.stop()
    today = date.today()
    template = load_template("can-bo-3", ws.root)
    with ResponseStore(ws.responses_file) as store:
        report = build_report(ws, store, parse_period(quarter=f"{today.year}Q{(today.month - 1) // 3 + 1}"),
                              template=template)
    written = write_report(report, ("pdf", "json"), ws.output_dir / "reports" / "quay")
    echo(_("counter: tablet at {counter} ({commune}) rated {n} dossiers through the HTTP API; "
           "index {index} (formkit report --template can-bo-3)").format(
        counter=rated["counter"], commune=rated["commune"], n=rated["stored"], index=percent(report.sipas)))
    return {"counter report": written[0]}


def _paper_ballots(ws, state, store, day: date, echo: Callable[[str], None]) -> dict[str, Path]:
    """A few paper ballots for Hòa Thành: printed, filled by a simulated hand, photographed by a
    simulated phone (one with a mark crossed out, which waits for review), scanned."""
    import random
    from datetime import time

    from ..ballots.issue import make_ballots
    from ..ballots.scan import Scanner
    from ..responses.store import VIETNAM
    from . import paper

    issued = make_ballots(ws, state, "hoa-thanh", PAPER_BALLOTS)
    geometry = json.loads(issued.geometry.read_text(encoding="utf-8"))
    options: dict[str, list[str]] = {}
    for bubble in geometry["bubbles"]:
        options.setdefault(bubble["question"], []).append(bubble["option"])
    rng = random.Random(10)
    photos, per, dpi = ws.output_dir / "ballots" / "anh-chup", geometry["pages_per_ballot"], 150
    files = []
    for k in range(PAPER_BALLOTS):
        answers = {q: rng.choice(o[-3:]) for q, o in options.items()}  # mostly satisfied
        for section in ws.template.sections:  # a section asked only after "Có" is left empty otherwise
            if section.ask_if and answers.get(section.ask_if.question) != section.ask_if.answer:
                for q in section.questions:
                    answers.pop(q.id, None)
        struck = {"3.1": options["3.1"][0]} if k == 0 else None  # a mark crossed out: waits for review
        for p, image in enumerate(paper.render_pages(issued.pdf, dpi, k * per, per), 1):
            paper.fill_page(image, geometry, p, dpi, answers, {q: rng.choice(paper.STYLES) for q in options}, rng,
                            struck, boxes=("comment",) if k == 1 else ())
            files.append(photos / f"phieu-{issued.first + k:06d}-trang-{p}.jpg")
            files[-1].parent.mkdir(parents=True, exist_ok=True)
            files[-1].write_bytes(paper.photograph(image, rng))
    scanned = Scanner(ws, state, datetime.combine(day, time(16, 0), VIETNAM)).scan(files, store)
    echo(_("paper:  {ballots} ballots printed, photographed and scanned: {counted} counted, "
           "{review} question(s) wait for review").format(
        ballots=PAPER_BALLOTS, counted=len(scanned.counted), review=len(scanned.review)))
    assert scanned.review_csv is not None  # scan() always writes the review files
    return {"ballots pdf": issued.pdf, "ballots review": scanned.review_csv.with_suffix(".html")}


def _keep_serving(server, state, ws, echo: Callable[[str], None]) -> None:
    import time

    echo("\n" + _("The backend keeps running; open a form as a citizen would:"))
    for commune in ws.communes:
        echo(f"  {commune.display_name}: {state.published(commune.id).responder_uri}")
    echo(_("Or use the workspace while it runs (it finds the backend by itself): formkit -w {workspace} status\n"
           "Ctrl-C stops it.").format(workspace=ws.root))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass

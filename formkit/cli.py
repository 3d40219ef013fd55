"""The command line: parse arguments, call the library, format results. Errors are caught once,
in main(), and mapped to the exit codes documented in formkit.errors and the README."""

from __future__ import annotations

import traceback
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_RUNTIME, EXIT_USAGE, FormkitError, InputError

_debug = {"on": False}


def _workspace(ctx: click.Context, check_photos: bool = True):
    from .workspace.config import load_workspace

    return load_workspace(ctx.obj["workspace"], check_photos=check_photos)


def _state(ws):
    from .forms.state import State

    return State.load(ws.state_file)


def _google(ws, state, communes: tuple[str, ...], credentials: Path | None):
    """A Google client, once the state is known to belong to this backend (before signing in)."""
    from .google.client import connect
    from .google.transport import endpoint_override

    state.check_backend([c.id for c in ws.select(communes)], endpoint_override() or "google")
    return connect(ws.credentials, credentials, on_retry=lambda msg: click.echo(f"  … {msg}", err=True))


def _set_workspace(ctx: click.Context, _param, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(dict)["workspace"] = value


# Accepted before or after the command name: `formkit -w DIR create` and `formkit create -w DIR`.
workspace_option = click.option("--workspace", "-w", type=click.Path(path_type=Path, file_okay=False),
                                expose_value=False, callback=_set_workspace, is_eager=True,
                                help="The workspace folder (default: the current folder).")
commune_option = click.option("--commune", "communes", multiple=True, metavar="ID",
                              help="Only this commune (repeat for several). Default: all.")
credentials_option = click.option("--credentials", type=click.Path(path_type=Path, dir_okay=False),
                                  help="OAuth client or service-account JSON (overrides formkit.toml).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "-w", type=click.Path(path_type=Path, file_okay=False),
              help="The workspace folder (default: the current folder).")
@click.option("--debug", is_flag=True, help="Show a traceback when something fails.")
@click.version_option(__version__, prog_name="formkit")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None, debug: bool) -> None:
    """formkit: SIPAS satisfaction surveys for Vietnamese communes — Google Forms, QR table
    stands, quarterly indices."""
    _debug["on"] = debug
    ctx.obj = {"workspace": workspace}


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def init(directory: Path) -> None:
    """Write an example workspace (3 communes, officers, a roster, sample photos) into DIRECTORY.

    Example: formkit init tay-ninh
    """
    from .workspace.example import write_example_workspace

    written = write_example_workspace(directory)
    click.echo(f"Wrote {len(written)} files into {directory}. Next: cd {directory} && formkit check")


@cli.command()
@workspace_option
@click.argument("template_id", required=False)
@click.pass_context
def templates(ctx: click.Context, template_id: str | None) -> None:
    """List the question sets, or show one's questions.

    Example: formkit templates sipas-2640
    """
    from .workspace.templates import available_templates, find_template, load_template

    root = ctx.obj["workspace"] or Path.cwd()
    if template_id is None:
        for name in available_templates(root):
            t = load_template(name, root)
            click.echo(f"{t.id:<16} v{t.version}  {len(t.criteria):>2} criteria  {t.name}  ({find_template(name, root)})")
        return
    t = load_template(template_id, root)
    click.echo(f"{t.id} v{t.version}: {t.name}\nIndex: {t.index.name} (factor = {t.index.factor}, overall = {t.index.overall})")
    for section in t.sections:
        condition = f"  [only if {section.ask_if.question} = {section.ask_if.answer}]" if section.ask_if else ""
        factor = f"Factor {section.factor}: " if section.factor else ""
        click.echo(f"\n{factor}{section.title}{condition}")
        for q in section.questions:
            options = f"  ({' / '.join(q.fixed_options)})" if q.fixed_options else ""
            role = f" [{q.role}]" if q.role else ""
            click.echo(f"  {q.id:<14}{'*' if q.required else ' '} {q.title}{role}{options}")


@cli.command()
@workspace_option
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the workspace, its template, rosters and photos, calling nothing remote.

    Example: formkit check
    """
    from .forms.create import plan

    ws = _workspace(ctx)
    plan(ws, _state(ws))
    officers = sum(len(c.officers) for c in ws.communes)
    click.echo(f"OK: {len(ws.communes)} communes, {officers} officers, template {ws.template.id} v{ws.template.version}, "
               f"{ws.unit.display_name}")


@cli.command()
@workspace_option
@commune_option
@click.option("--dry-run", is_flag=True, help="Print the plan and write the exact request bodies; call nothing.")
@click.option("--new-version", is_flag=True, help="After a template change: make new forms beside the old ones.")
@credentials_option
@click.pass_context
def create(ctx: click.Context, communes: tuple[str, ...], dry_run: bool, new_version: bool, credentials: Path | None) -> None:
    """Create, publish and record one form per commune (safe to re-run; finishes interrupted runs).

    Example: formkit create --commune hoa-thanh --dry-run
    """
    from .forms import create as creating
    from .google.transport import endpoint_override
    from .forms.linking import instructions, write_apps_script

    ws = _workspace(ctx)
    state = _state(ws)
    backend = None if dry_run else (endpoint_override() or "google")
    lines = creating.plan(ws, state, communes, new_version, backend)
    for line in lines:
        click.echo(f"{line.commune.id:<20} {line.action:<15} {line.detail}")
    if dry_run:
        written = creating.write_dry_run(lines, ws.output_dir / "dry-run")
        click.echo(f"Dry run: {len(written)} request bodies in {ws.output_dir / 'dry-run'}; nothing was sent.")
        return
    if all(line.action in ("done", "blocked") for line in lines):
        _fail_if_blocked(lines)
        click.echo("Nothing to do.")
        return
    google = _google(ws, state, communes, credentials)
    outcomes = creating.run(ws, state, google, lines, report=lambda m: click.echo(f"  {m}"))
    calls = sum(google.calls.values())
    click.echo(f"\n{len([o for o in outcomes if o.action != 'blocked'])} communes ready; {calls} Google API calls "
               f"({', '.join(f'{k} {v}' for k, v in sorted(google.calls.items()))}).")
    for o in outcomes:
        if o.form is not None and o.form.done:
            click.echo(f"  {o.commune.id:<20} {o.form.responder_uri}")
    script = write_apps_script(ws, state)
    click.echo("\n" + instructions(ws, script))
    _fail_if_blocked(lines)


def _fail_if_blocked(lines) -> None:
    from .errors import UsageError

    blocked = [f"{line.commune.id}: {line.detail}" for line in lines if line.action == "blocked"]
    if blocked:
        raise UsageError("Some communes were left as they are:\n  " + "\n  ".join(blocked))


@cli.command()
@workspace_option
@click.option("--spreadsheet", metavar="ID", default="", help="Link into this existing spreadsheet.")
@credentials_option
@click.pass_context
def link(ctx: click.Context, spreadsheet: str, credentials: Path | None) -> None:
    """Link every commune's form to one spreadsheet, one tab each.

    On Google this writes the Apps Script that does it (output/link-forms.gs) and explains the
    steps; on the embedded backend it links the forms directly.

    Example: formkit link
    """
    from .google.transport import endpoint_override
    from .forms.linking import instructions, link_local, write_apps_script

    ws = _workspace(ctx, check_photos=False)
    state = _state(ws)
    endpoint = endpoint_override()
    if endpoint is None:
        script = write_apps_script(ws, state, spreadsheet)
        click.echo(instructions(ws, script))
        return
    for commune_id, tab, spreadsheet_id in link_local(ws, state, endpoint, spreadsheet):
        click.echo(f"{commune_id:<20} → spreadsheet {spreadsheet_id}, tab '{tab}'")


@cli.command()
@workspace_option
@commune_option
@credentials_option
@click.pass_context
def status(ctx: click.Context, communes: tuple[str, ...], credentials: Path | None) -> None:
    """Per commune: form URL, published/accepting, linked sheet, response count.

    Example: formkit status
    """
    from .forms.status import collect

    ws = _workspace(ctx, check_photos=False)
    state = _state(ws)
    rows = collect(ws, state, _google(ws, state, communes, credentials), communes)

    def flag(value):
        return "?" if value is None else ("yes" if value else "NO")

    click.echo(f"{'commune':<20} {'step':<12} {'published':<10} {'accepting':<10} {'responses':>9}  linked sheet / form")
    for r in rows:
        count = "" if r.responses is None else str(r.responses)
        click.echo(f"{r.commune_id:<20} {r.step:<12} {flag(r.published):<10} {flag(r.accepting):<10} {count:>9}  "
                   f"{r.linked_sheet or '(not linked)'}  {r.responder_uri}")


@cli.command()
@workspace_option
@commune_option
@credentials_option
@click.pass_context
def pull(ctx: click.Context, communes: tuple[str, ...], credentials: Path | None) -> None:
    """Read every commune's responses (linked sheet, else the Forms API) into the local store.

    Safe to repeat: responses already stored are not added twice. Reports read the store.

    Example: formkit pull
    """
    from .responses.pull import pull as pull_responses
    from .responses.store import ResponseStore

    ws = _workspace(ctx, check_photos=False)
    state = _state(ws)
    google = _google(ws, state, communes, credentials)
    with ResponseStore(ws.responses_file) as store:
        result = pull_responses(ws, state, google, store, communes)
        total = store.count()
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for commune_id, added in result.added.items():
        click.echo(f"{commune_id:<20} {result.source.get(commune_id, '-'):<6} +{added}")
    click.echo(f"{sum(result.added.values())} new responses ({total} stored in {ws.responses_file}); "
               f"{result.spreadsheets} Sheets API call(s), {sum(google.calls.values())} Google API calls in all.")


@cli.command()
@workspace_option
@click.option("--quarter", metavar="2026Q3", help="A quarter.")
@click.option("--month", metavar="2026-09", help="A month.")
@click.option("--year", metavar="2026", help="A year.")
@click.option("--from", "start", metavar="2026-07-01", help="First day (with --to).")
@click.option("--to", "end", metavar="2026-09-30", help="Last day, inclusive (with --from).")
@commune_option
@click.option("--format", "formats", default="pdf,xlsx,csv,json", show_default=True,
              help="Comma-separated: pdf, xlsx, csv, json.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Output folder (default: output/reports).")
@click.option("--dossiers", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CSV of dossiers handled (commune, period, count) for participation rates.")
@click.option("--from-csv", "from_csv", is_flag=True,
              help="Compute from Google's CSV exports given as FILE… instead of the pulled responses.")
@click.argument("csv_files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
def report(ctx: click.Context, quarter, month, year, start, end, communes, formats, out, dossiers, from_csv,
           csv_files) -> None:
    """Satisfaction indices per criterion, factor, commune, officer and field; follow-up list;
    integrity warnings — as a PDF to sign, an XLSX to work in, CSV and JSON.

    Reads the responses stored by `formkit pull`, or, with --from-csv, Google's CSV exports
    ("… (Câu trả lời) - Câu trả lời biểu mẫu 1.csv") with no Google access at all.

    Example: formkit report --quarter 2026Q3 --format pdf,xlsx
    """
    from .errors import UsageError
    from .report import FORMATS, build_report, parse_period, write_report
    from .responses.store import ResponseStore

    chosen = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(f"--format: unknown {', '.join(unknown) or 'nothing chosen'} (choose from {', '.join(FORMATS)})")
    if from_csv != bool(csv_files):
        raise UsageError("--from-csv takes the export files: formkit report --from-csv FILE… --quarter 2026Q3")
    period = parse_period(quarter=quarter, month=month, year=year, start=start, end=end)
    ws = _workspace(ctx, check_photos=False)
    if from_csv:
        store = _store_from_exports(ws, list(csv_files), communes)
    elif not ws.responses_file.exists():
        raise UsageError(f"no responses yet in {ws.responses_file}: run `formkit pull` first, or use --from-csv FILE…")
    else:
        store = ResponseStore(ws.responses_file)
    with store:
        result = build_report(ws, store, period, commune_ids=communes, dossiers=dossiers)
    paths = write_report(result, chosen, out or ws.output_dir / "reports")
    overall = result.sipas
    click.echo(f"{result.index_name}: {'—' if overall is None else f'{overall:.2f} %'} "
               f"from {result.responses} responses ({result.period.start} – {result.period.end})")
    for commune in result.communes:
        value = commune.sipas
        click.echo(f"  {commune.id:<20} {commune.responses:>6} responses  "
                   f"{'—' if value is None else f'{value:6.2f} %'}")
    click.echo(f"  {len(result.follow_up)} to call back, {len(result.integrity)} integrity warning(s), "
               f"{len(result.invalid)} invalid answer(s)")
    for path in paths:
        click.echo(str(path))


def _store_from_exports(ws, files: list[Path], communes: tuple[str, ...]):
    """Google's CSV exports into a store in memory: the same computation, no Google access."""
    from .errors import UsageError
    from .responses.csvfiles import read_exports
    from .responses.store import ResponseStore
    from .workspace.templates import load_template

    if len(communes) > 1:
        raise UsageError("with --from-csv, --commune names the commune of the files (one at most)")
    rows, warnings = read_exports(ws, _state(ws), files, communes[0] if communes else None)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    store = ResponseStore(":memory:")
    for template_id in sorted({r.template for r in rows}):
        store.add([r for r in rows if r.template == template_id], load_template(template_id, ws.root))
    return store


@cli.command()
@workspace_option
@commune_option
@click.option("--officer", "officers", multiple=True, metavar="ID", help="Only this officer (repeatable).")
@click.option("--layout", default="a5-table-stand", show_default=True, help="A layout in posters/ (see --list-layouts).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Output folder (default: output/posters).")
@click.option("--combined", is_flag=True, help="One PDF for the whole selection.")
@click.option("--field", "fields", is_flag=True, help="Also QR labels, one per field of procedure (lĩnh vực).")
@click.option("--strict", is_flag=True, help="A missing or unreadable photo is an error (exit 2), not a warning.")
@click.option("--list-layouts", is_flag=True, help="List the poster layouts and exit.")
@click.pass_context
def posters(ctx: click.Context, communes, officers, layout, out, combined, fields, strict, list_layouts) -> None:
    """Print-ready PDFs: a QR table stand per officer (prefilled), a commune poster, field labels.

    Example: formkit posters --commune hoa-thanh --layout a6-counter-card
    """
    from .posters import PosterOptions, list_layouts as layouts, make_posters

    if list_layouts:
        for name in layouts(ctx.obj["workspace"]):
            click.echo(name)
        return
    ws = _workspace(ctx, check_photos=False)  # a missing photo becomes a placeholder and a warning
    options = PosterOptions(communes=communes, officers=officers, layout=layout, out_dir=out, combined=combined,
                            fields=fields, strict=strict)
    result = make_posters(ws, _state(ws), options)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for path in result.files:
        click.echo(str(path))
    click.echo(f"{result.pages} pages in {len(result.files)} PDF(s). Print at 100 % (actual size), not 'fit to page'.")


@cli.command()
@workspace_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--data", type=click.Path(path_type=Path, file_okay=False),
              help="Where the backend keeps its data (default: the workspace's local-google/).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, data: Path | None) -> None:
    """Run the embedded Google-compatible backend (Forms, Sheets, Drive subset + respondent pages).

    Example: formkit serve --port 8765
    """
    from .localserver import LocalGoogle

    if data is None:
        root = Path(ctx.obj["workspace"] or Path.cwd())
        data = root / "local-google"
    import time

    server = LocalGoogle(data / "google.sqlite", host=host, port=port).start()
    click.echo(f"Local Google backend on {server.base_url} (data in {data}).\n"
               f"In another terminal:  export FORMKIT_GOOGLE_ENDPOINT={server.base_url}\nCtrl-C stops it.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the demo workspace (default: ./formkit-demo; rebuilt on each run).")
@click.option("--serve", is_flag=True, help="Keep the backend running afterwards, to open the forms in a browser.")
def demo(out: Path | None, serve: bool) -> None:
    """Run the whole pipeline on the embedded backend: no network, no Google account.

    Creates the example communes' forms, links them to one spreadsheet, prints the posters, has a
    few hundred citizens answer, pulls the answers and writes the quarterly report.

    Example: formkit demo --out /tmp/formkit-demo
    """
    from .demo.run import run_demo

    run_demo(out or Path("formkit-demo"), echo=click.echo, serve=serve)


def _debug_flag(_ctx, _param, value: bool) -> None:
    _debug["on"] = _debug["on"] or value


# --debug is accepted after any command name too: `formkit create --debug`.
for _command in cli.commands.values():
    _command.params.append(click.Option(["--debug"], is_flag=True, expose_value=False, callback=_debug_flag,
                                        help="Show a traceback when something fails."))


def main(argv: list[str] | None = None) -> int:
    _debug["on"] = False
    try:
        cli.main(args=argv, prog_name="formkit", standalone_mode=False)
        return 0
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_RUNTIME
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if exc.exit_code == 2 else exc.exit_code
    except FormkitError as exc:
        if _debug["on"]:
            traceback.print_exc()
        click.echo(f"Error: {_message(exc)}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted; everything finished so far is saved.", err=True)
        return EXIT_RUNTIME
    except Exception as exc:  # a bug: say so plainly, and how to see more
        if _debug["on"]:
            traceback.print_exc()
        else:
            click.echo(f"Internal error: {exc.__class__.__name__}: {exc}\nRun again with --debug for the traceback.", err=True)
        return EXIT_RUNTIME


def _message(exc: FormkitError) -> str:
    if isinstance(exc, InputError):
        return exc.headline + ":\n" + "\n".join(f"  - {p}" for p in exc.problems)
    return str(exc)

"""The command line: parse arguments, call the library, format results. Errors are caught once,
in main(), and mapped to the exit codes documented in formkit.errors and the README.

Every message goes through gettext (formkit.i18n): Vietnamese by default, English with LANG=en…
or --lang en. Help texts are marked with N_ where they are declared and translated in main(),
once the language is known.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import traceback
from datetime import UTC
from pathlib import Path

import click

from . import __version__
from .console import safe_streams
from .errors import EXIT_EMPTY, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, FormkitError, InputError, RemoteError
from .i18n import LANGUAGES, N_, _, choose, language, ngettext, percent, speaking, whole
from .settings import ENDPOINT_VARIABLE, TOKEN_VARIABLE, Settings, set_variable
from .settings import current as current_settings
from .settings import use as use_settings

_debug = {"on": False}


def say(message: str = "", err: bool = False) -> None:
    """click.echo that survives a closed pipe (`formkit templates | head`): the rest of the output
    is dropped and the command finishes its work, instead of failing half-way."""
    try:
        click.echo(message, err=err)
    except BrokenPipeError:
        _mute(sys.stderr if err else sys.stdout)


def _mute(stream) -> None:
    """Point a stream whose reader has gone at /dev/null, so that flushing at exit does not fail."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError):
        pass


def _workspace(ctx: click.Context):
    """The workspace, its photos not read: `check` and `create` read them (a form needs no photo)."""
    from .workspace.config import load_workspace

    ws = load_workspace(ctx.obj["workspace"], check_photos=False)
    _served_endpoint(ws.local_google_dir)
    return ws


def _served_endpoint(local_google_dir: Path) -> None:
    """With no FORMKIT_GOOGLE_ENDPOINT, a `formkit serve` running in this workspace is this run's
    backend: it recorded where it answers (local-google/endpoint)."""
    from . import settings
    from .google.transport import ENDPOINT_FILE, recorded_endpoint

    now = settings.current()
    if not now.google_endpoint:
        url = recorded_endpoint(local_google_dir)
        if url:
            settings.refine(now.with_endpoint(url, str(local_google_dir / ENDPOINT_FILE)))


def _lock(ctx: click.Context, ws, command: str) -> None:
    """Hold the workspace lock until the command ends (workspace/lock.py)."""
    from .workspace.lock import WorkspaceLock

    ctx.call_on_close(WorkspaceLock(ws.state_dir, command).acquire().release)


def _lock_if_any_state(ctx: click.Context, ws, command: str) -> None:
    """The workspace lock, for a command that may find nothing to do: a workspace with no state/
    yet has nothing to guard (no run ever held the lock), and gets no new file from it."""
    if ws.state_dir.exists():
        _lock(ctx, ws, command)


def _state(ws, writes: bool = False):
    """The workspace state. Only a command that writes the step journal (create, link, pull: under
    the workspace lock) folds it into forms.json at its end; a reader leaves it alone, since a
    `create` running meanwhile goes on appending to it."""
    from .forms.state import State

    state = State.load(ws.state_file)
    if state.salvaged:
        _warn(ngettext("{journal}: line {lines} could not be read and was skipped; the other lines are used, and "
                       "`formkit create` redoes any step it held, finding its form again by name",
                       "{journal}: lines {lines} could not be read and were skipped; the other lines are used, and "
                       "`formkit create` redoes any step they held, finding its form again by name",
                       len(state.salvaged)).format(journal=state.journal_path,
                                                   lines=", ".join(map(str, state.salvaged))))
    if writes:
        click.get_current_context().call_on_close(state.compact)
    return state


def _google(ws, state, communes: tuple[str, ...], credentials: Path | None, backend=None):
    """A client for this run's backend (chosen once, from FORMKIT_GOOGLE_ENDPOINT, unless given),
    once the state is known to belong to it (before signing in)."""
    from .google.backend import current
    from .google.client import connect

    backend = backend or current()
    state.check_backend([c.id for c in ws.select(communes)], backend)
    return connect(ws.credentials, credentials, on_retry=lambda msg: say(f"  … {msg}", err=True),
                   token_dir=ws.local_google_dir, backend=backend)


def _set_workspace(ctx: click.Context, _param, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(dict)["workspace"] = value


# Accepted before or after the command name: `formkit -w DIR create` and `formkit create -w DIR`.
workspace_option = click.option("--workspace", "-w", type=click.Path(path_type=Path, file_okay=False),
                                expose_value=False, callback=_set_workspace, is_eager=True,
                                help=N_("The workspace folder (default: the current folder)."))
commune_option = click.option("--commune", "communes", multiple=True, metavar="ID",
                              help=N_("Only this commune (repeat for several). Default: all."))
credentials_option = click.option("--credentials", type=click.Path(path_type=Path, dir_okay=False),
                                  help=N_("OAuth client or service-account JSON (overrides formkit.toml)."))
strict_option = click.option("--strict", is_flag=True,
                             help=N_("A missing or unreadable photo, or one without the officer's consent, is an "
                                     "error (exit 2), not a warning."))


def _debug_flag(_ctx, _param, value: bool) -> None:
    _debug["on"] = _debug["on"] or value


# --debug and --lang are accepted after any command name too: `formkit create --debug --lang en`.
# (main() reads --lang from the arguments before Click parses them, so that --help is translated.)
debug_option = click.option("--debug", is_flag=True, expose_value=False, callback=_debug_flag,
                            help=N_("Show a traceback when something fails."))
lang_option = click.option("--lang", type=click.Choice(LANGUAGES), expose_value=False,
                           help=N_("Language of messages: vi (default) or en; also LANG=en_US.UTF-8."))


def common_options(command):
    """--debug and --lang, after the command's own options (the last decorator above `def`)."""
    return debug_option(lang_option(command))


class FormkitCommand(click.Command):
    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click makes its help option once and keeps it in the language of its first use: its
        text is given again in this run's language (Click's catalog, as Click itself reads it)."""
        import gettext

        option = super().get_help_option(ctx)
        if option is not None:
            option.help = gettext.gettext("Show this message and exit.")
        return option


class FormkitGroup(FormkitCommand, click.Group):
    command_class = FormkitCommand


@click.group(cls=FormkitGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=N_("formkit: SIPAS satisfaction surveys for Vietnamese communes — Google Forms, QR table "
                     "stands, quarterly indices."))
@click.option("--workspace", "-w", type=click.Path(path_type=Path, file_okay=False),
              help=N_("The workspace folder (default: the current folder)."))
@debug_option
@click.version_option(__version__, prog_name="formkit", help=N_("Show the version and exit."))
@lang_option
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    ctx.obj = {"workspace": workspace}


@cli.command(help=N_("Write an example workspace (3 communes, officers, a roster, sample photos, a dossiers "
                     "file) into DIRECTORY.\n\nExample: formkit init tay-ninh"))
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@common_options
def init(directory: Path) -> None:
    from .workspace.example import write_example_workspace

    written = write_example_workspace(directory)
    say(ngettext("Wrote {n} file into {dir}. Next: cd {dir} && formkit check",
                 "Wrote {n} files into {dir}. Next: cd {dir} && formkit check", len(written))
        .format(n=len(written), dir=directory))


@cli.command(help=N_("List the question sets, or show one's questions.\n\nExample: formkit templates sipas-2640"))
@workspace_option
@click.argument("template_id", required=False)
@click.pass_context
@common_options
def templates(ctx: click.Context, template_id: str | None) -> None:
    from .workspace.templates import available_templates, find_template, load_template

    root = ctx.obj["workspace"] or Path.cwd()
    if template_id is None:
        for name in available_templates(root):
            t = load_template(name, root)
            criteria = ngettext("{n} criterion", "{n} criteria", len(t.criteria)).format(n=f"{len(t.criteria):>2}")
            say(f"{t.id:<16} v{t.version}  {criteria}  {t.name}  ({find_template(name, root)})")
        return
    t = load_template(template_id, root)
    say(_("{id} v{version}: {name}\nIndex: {index} (factor = {factor}, overall = {overall})").format(
        id=t.id, version=t.version, name=t.name, index=t.index.name, factor=t.index.factor, overall=t.index.overall))
    for section in t.sections:
        condition = _("  [only if {question} = {answer}]").format(
            question=section.ask_if.question, answer=section.ask_if.answer) if section.ask_if else ""
        factor = _("Factor {factor}: ").format(factor=section.factor) if section.factor else ""
        say(f"\n{factor}{section.title}{condition}")
        for q in section.questions:
            options = f"  ({' / '.join(q.fixed_options)})" if q.fixed_options else ""
            role = f" [{q.role}]" if q.role else ""
            say(f"  {q.id:<14}{'*' if q.required else ' '} {q.title}{role}{options}")


@cli.command(help=N_("Validate the workspace, its template, rosters and photos, calling nothing remote.\n\n"
                     "Example: formkit check"))
@workspace_option
@strict_option
@click.pass_context
@common_options
def check(ctx: click.Context, strict: bool) -> None:
    from .posters.check import check_workspace
    from .workspace.config import CONFIG_NAME
    from .workspace.signing import report_warnings

    ws = _workspace(ctx)
    _warn_photos(check_workspace(ws, _state(ws), strict=strict), ws)
    for message in report_warnings(ws.report, CONFIG_NAME):
        _warn(message)
    officers = sum(len(c.officers) for c in ws.communes)
    say(_("OK: {communes}, {officers}, template {template} v{version}, {unit}").format(
        communes=ngettext("{n} commune", "{n} communes", len(ws.communes)).format(n=len(ws.communes)),
        officers=ngettext("{n} officer", "{n} officers", officers).format(n=officers),
        template=ws.template.id, version=ws.template.version, unit=ws.unit.display_name))


@cli.command(help=N_("Create, publish and record one form per commune (safe to re-run; finishes interrupted "
                     "runs).\n\nExample: formkit create --commune hoa-thanh --dry-run"))
@workspace_option
@commune_option
@click.option("--dry-run", is_flag=True, help=N_("Print the plan and write the exact request bodies; call nothing."))
@click.option("--new-version", is_flag=True, help=N_("After a template change: make new forms beside the old ones."))
@credentials_option
@click.pass_context
@common_options
def create(ctx: click.Context, communes: tuple[str, ...], dry_run: bool, new_version: bool,
           credentials: Path | None) -> None:
    from .forms import create as creating
    from .forms.linking import LOCAL_INSTRUCTIONS, instructions, write_apps_script
    from .google.backend import current
    from .posters.make import check_photos

    ws = _workspace(ctx)
    _lock(ctx, ws, "create")
    state = _state(ws, writes=True)
    backend = None if dry_run else current()
    lines = creating.plan(ws, state, communes, new_version, backend)
    _warn_photos(check_photos(ws, communes), ws, communes)
    for line in lines:
        say(f"{line.commune.id:<20} {line.action:<15} {line.detail}")
    if dry_run:
        written = creating.write_dry_run(lines, ws.output_dir / "dry-run")
        say(ngettext("Dry run: {n} request body in {dir}; nothing was sent.",
                     "Dry run: {n} request bodies in {dir}; nothing was sent.", len(written))
            .format(n=len(written), dir=ws.output_dir / "dry-run"))
        return
    if all(line.action in ("done", "blocked") for line in lines):
        _fail_if_blocked(lines)
        say(_("Nothing to do."))
        return
    google = _google(ws, state, communes, credentials, backend)
    outcomes = creating.run(ws, state, google, lines, report=lambda m: say(f"  {m}"))
    ready = len([o for o in outcomes if o.action != "blocked"])
    say("\n" + _("{communes} ready; {calls} ({methods}).").format(
        communes=ngettext("{n} commune", "{n} communes", ready).format(n=ready),
        calls=_api_calls(sum(google.calls.values())),
        methods=", ".join(f"{k} {v}" for k, v in sorted(google.calls.items()))))
    for o in outcomes:
        if o.form is not None and o.form.done:
            say(f"  {o.commune.id:<20} {o.form.responder_uri}")
    if any(form.done for c in ws.communes for form in state.forms(c.id)):
        script = write_apps_script(ws, state)  # written on either backend: it is what Google needs
        say("\n" + (_(LOCAL_INSTRUCTIONS) if google.backend.links_directly else instructions(ws, script)))
    _fail_if_blocked(lines)
    refusals = [o.refusal for o in outcomes if o.action == "refused"]
    if refusals:  # after the summary: the other communes' links and the linking steps are printed
        raise RemoteError("\n".join(refusals))


def _warn_photos(problems, ws=None, communes: tuple[str, ...] = ()) -> None:
    """Photos that cannot be read, then (given the workspace) photos without the officer's consent."""
    from .posters.make import photo_consent_problems

    for problem in problems:
        _warn(_("{problem} (the posters print a placeholder; the form needs no photo)").format(problem=problem))
    for problem in photo_consent_problems([o for c in ws.select(communes) for o in c.officers]) if ws else []:
        _warn(str(problem))


def _api_calls(n: int) -> str:
    return ngettext("{n} Google API call", "{n} Google API calls", n).format(n=n)


def _fail_if_blocked(lines) -> None:
    from .errors import UsageError

    blocked = [f"{line.commune.id}: {line.detail}" for line in lines if line.action == "blocked"]
    if blocked:
        raise UsageError(_("Some communes were left as they are:") + "\n  " + "\n  ".join(blocked))


@cli.command(help=N_("Link every commune's form to its group's spreadsheet, one tab each.\n\n"
                     "On Google this writes the Apps Script that does it (output/link-forms.gs) and explains the "
                     "steps; on the embedded backend it links the forms directly.\n\nExample: formkit link"))
@workspace_option
@click.option("--spreadsheet", metavar="ID", default="",
              help=N_("Link into this existing spreadsheet (a workspace whose communes fit in one)."))
@credentials_option
@click.pass_context
@common_options
def link(ctx: click.Context, spreadsheet: str, credentials: Path | None) -> None:
    from .forms.linking import instructions, link_local, write_apps_script
    from .google.backend import current

    ws = _workspace(ctx)
    _lock(ctx, ws, "link")
    state = _state(ws, writes=True)
    backend = current()
    if not backend.links_directly:
        script = write_apps_script(ws, state, spreadsheet)
        say(instructions(ws, script))
        return
    google = _google(ws, state, (), credentials, backend)
    for commune_id, tab, spreadsheet_id in link_local(ws, state, google, spreadsheet):
        say(_("{commune:<20} → spreadsheet {spreadsheet}, tab '{tab}'").format(
            commune=commune_id, spreadsheet=spreadsheet_id, tab=tab))


@cli.command(help=N_("Per commune: form URL, published/accepting, who may answer, linked sheet, response count.\n\n"
                     "Example: formkit status"))
@workspace_option
@commune_option
@credentials_option
@click.pass_context
@common_options
def status(ctx: click.Context, communes: tuple[str, ...], credentials: Path | None) -> None:
    from .errors import UsageError
    from .forms.status import collect, spreadsheet_use

    ws = _workspace(ctx)
    state = _state(ws)
    if not any(form.form_id for c in ws.select(communes) for form in state.forms(c.id)):
        raise UsageError(_("no form has been created in this workspace yet: run `formkit create` first"))
    google = _google(ws, state, communes, credentials)
    rows = collect(ws, state, google, communes)

    def flag(value):
        return "?" if value is None else (_("yes") if value else _("NO"))

    header = (_("commune"), _("step"), _("published"), _("accepting"), _("who may answer"), _("responses"),
              _("linked sheet / form"))
    say("{:<20} {:<12} {:<10} {:<12} {:<22} {:>11}  {}".format(*header))
    not_linked = _("(not linked)")
    for r in rows:
        count = "" if r.responses is None else str(r.responses)
        say(f"{r.commune_id:<20} {r.step:<12} {flag(r.published):<10} {flag(r.accepting):<12} "
            f"{r.who_may_answer:<22} {count:>11}  {r.linked_sheet or not_linked}  {r.responder_uri}")
        for other in r.possible_duplicates:
            say(" " * 21 + _("possible duplicate form {form}: a lost forms.create answer may have made it; "
                             "check it in Google Drive and delete it if it is empty").format(form=other))
        for other in r.other_forms:
            say(" " * 21 + _("another form {form} is named for this commune in Drive but is not in this workspace's "
                             "state (made before the state lost its record of it?), so its answers are not pulled: "
                             "check it in Google Drive; if it holds answers, download them (Responses, then Download "
                             "CSV) before deleting it").format(form=other))
    _sheet_use(spreadsheet_use(google, rows))


def _sheet_use(used) -> None:
    """Each linked spreadsheet's cells against Google's limit; a warning, with what to do, from 80%."""
    from .forms.linking import CELL_LIMIT

    for use in used:
        say(ngettext("spreadsheet {sheet}: {cells} of {limit} cells ({share:.0%}), {n} commune",
                     "spreadsheet {sheet}: {cells} of {limit} cells ({share:.0%}), {n} communes",
                     len(use.communes)).format(sheet=use.spreadsheet_id, cells=whole(use.cells),
                                               limit=whole(CELL_LIMIT), share=use.share, n=len(use.communes)))
        if use.trashed:
            _warn(_("spreadsheet {sheet} is in Drive's trash: `formkit pull` reads its forms through the Forms API; "
                    "restore it from the trash, or link its forms to another spreadsheet").format(
                sheet=use.spreadsheet_id))
        if use.warn:
            _warn(_("spreadsheet {sheet} is {share:.0%} full: Google refuses to grow it past 10,000,000 cells and its "
                    "forms may stop writing to it. From 95% `formkit pull` reads them through the Forms API (nothing "
                    "is lost). Link these communes' forms to a new spreadsheet: in each form, Responses → ⋮ → Select "
                    "response destination → Create a new spreadsheet; `formkit pull` finds the new tabs and keeps "
                    "every answer. Communes: {communes}").format(
                sheet=use.spreadsheet_id, share=use.share, communes=", ".join(use.communes)))


@cli.command(help=N_("Read every commune's responses (linked sheet, else the Forms API) into the local store.\n\n"
                     "Safe to repeat: responses already stored are not added twice. Reports read the store. "
                     "Which spreadsheet a form feeds is asked again only when last confirmed more than "
                     "[pull] link_check_hours ago (24 h), or with --check-links.\n\n"
                     "Example: formkit pull"))
@workspace_option
@commune_option
@credentials_option
@click.option("--check-links", is_flag=True,
              help=N_("Ask every form now which spreadsheet it feeds (one forms.get each), trusting none."))
@click.pass_context
@common_options
def pull(ctx: click.Context, communes: tuple[str, ...], credentials: Path | None, check_links: bool) -> None:
    from .loop import open_cases
    from .responses.pull import pull as pull_responses
    from .responses.store import ResponseStore

    ws = _workspace(ctx)
    _lock(ctx, ws, "pull")
    state = _state(ws, writes=True)
    google = _google(ws, state, communes, credentials)
    with ResponseStore(ws.responses_file) as store:
        result = pull_responses(ws, state, google, store, communes, check_links=check_links)
        total = store.count()
        lost: list = []
        opened = open_cases(ws, store, lost=lost)
        past = _phones_past(ws, store)
    for warning in result.warnings:
        _warn(warning)
    if past:
        _warn(ngettext("{n} phone number is past its retention period ({months} months): run `formkit retention`",
                       "{n} phone numbers are past their retention period ({months} months): run `formkit retention`",
                       past).format(n=past, months=ws.phone_retention_months))
    for line in result.tabs:  # which tab each linked form was read from, and why that one
        say(_("tab: {line}").format(line=line))
    for form, reason in result.untrusted.items():  # linked, but read through the Forms API
        say(_("api: {form} ← forms.responses.list, not its tab: {reason}").format(form=form, reason=reason))
    for commune_id, added in result.added.items():
        say(f"{commune_id:<20} {result.source.get(commune_id, '-'):<6} +{added}")
    added = sum(result.added.values())
    say(_("{new} ({total} stored in {file}); {sheets}, {calls} in all.").format(
        new=ngettext("{n} new response", "{n} new responses", added).format(n=added),
        total=total, file=ws.responses_file, calls=_api_calls(sum(google.calls.values())),
        sheets=ngettext("{n} Sheets API call", "{n} Sheets API calls",
                        result.spreadsheets).format(n=result.spreadsheets)))
    say(ngettext("{n} new case to call back (formkit followup export)",
                 "{n} new cases to call back (formkit followup export)", len(opened)).format(n=len(opened)))
    say(_pull_links(result))
    _say_lost(lost)


@cli.group(cls=FormkitGroup, help=N_("The follow-up register: every answer the report lists to call back is "
                                      "a case (chưa liên hệ, đã liên hệ, đã giải quyết, không liên lạc được), "
                                      "worked in Excel or one at a time.\n\nExample: formkit followup export"))
@common_options
def followup() -> None:
    pass


@followup.command(help=N_("Write each commune's open cases as an XLSX (its own cases and phones only) with a "
                          "status list to fill in.\n\nExample: formkit followup export --commune hoa-thanh"))
@workspace_option
@commune_option
@click.pass_context
@common_options
def export(ctx: click.Context, communes: tuple[str, ...]) -> None:
    from .loop import export_cases

    ws = _workspace(ctx)
    _lock(ctx, ws, "followup")
    lost: list = []
    for commune_id, path, n in export_cases(ws, communes, lost=lost):
        say(f"{commune_id:<20} " + ngettext("{n} open case", "{n} open cases", n).format(n=n) + f"  {path}")
    _say_lost(lost)


@followup.command("import", help=N_("Read a filled export back: every row checked first, nothing applied unless "
                                    "all are right; importing a file twice changes nothing more.\n\n"
                                    "Example: formkit followup import output/followup/lien-he-lai-hoa-thanh.xlsx"))
@workspace_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
@common_options
def import_(ctx: click.Context, file: Path) -> None:
    from .loop import import_cases

    ws = _workspace(ctx)
    _lock(ctx, ws, "followup")
    done = import_cases(ws, file)
    say(_("{commune}: rows read: {rows}, cases changed: {changed}, phone numbers erased: {erased}").format(
        commune=done.commune, rows=done.rows, changed=done.changed, erased=done.erased))
    _say_lost(done.lost)


@followup.command("set", help=N_("Record what was done about one case.\n\n"
                                 "Example: formkit followup set 42 \"đã giải quyết\" --by \"Nguyễn Thị Lan\" "
                                 "--note \"Đã hướng dẫn bổ sung hồ sơ\""))
@workspace_option
@click.argument("case", type=int)
@click.argument("status")
@click.option("--by", "actor", default="", help=N_("Who contacted the citizen."))
@click.option("--note", default="", help=N_("What came of it."))
@click.option("--on", "day", default="", metavar="08/07/2026", help=N_("The day of the call (default: today)."))
@click.pass_context
@common_options
def set_(ctx: click.Context, case: int, status: str, actor: str, note: str, day: str) -> None:
    from .loop import set_case_status
    from .responses.cases import STATUS_NAMES

    ws = _workspace(ctx)
    _lock(ctx, ws, "followup")
    lost: list = []
    done = set_case_status(ws, case, status, actor, note, day, lost=lost)
    say(f"{done.response_id}  {done.commune}  {STATUS_NAMES[done.status]}  {done.actor}  {done.updated}")
    _say_lost(lost)


def _say_lost(lost) -> None:
    """The rows staff typed in an export, not imported, whose case the file written again no longer
    lists (closed): how many, and what was typed (numbers masked), on stderr; nothing of them is kept."""
    for path in dict.fromkeys(row.path for row in lost):
        rows = [row for row in lost if row.path == path]
        _warn(ngettext("{file}: {n} row typed in it and not imported could not be kept: its case is no longer open. "
                       "What was typed (phone numbers masked):",
                       "{file}: {n} rows typed in it and not imported could not be kept: their cases are no longer "
                       "open. What was typed (phone numbers masked):", len(rows)).format(file=path, n=len(rows)))
        for row in rows:
            say("  " + _("case {id}: {cells}").format(id=row.response_id,
                                                       cells="; ".join(f"{h}: {v}" for h, v in row.cells)), err=True)


@followup.command("list", help=N_("The register's cases (phones are not shown).\n\n"
                                  "Example: formkit followup list --status \"chưa liên hệ\""))
@workspace_option
@commune_option
@click.option("--status", default="", help=N_("Only cases with this status."))
@click.pass_context
@common_options
def list_(ctx: click.Context, communes: tuple[str, ...], status: str) -> None:
    from .loop import list_cases
    from .report.labels import CHANNEL_NAMES
    from .responses.cases import STATUS_NAMES

    ws = _workspace(ctx)
    found = list_cases(ws, communes, status)
    for c in found:
        say(f"{c.response_id:>8}  {c.commune:<20} {c.opened}  {CHANNEL_NAMES.get(c.channel, c.channel):<10} "
            f"{STATUS_NAMES[c.status]:<20} {c.actor}")
    if not found:
        say(_("No follow-up cases.") if ws.responses_file.exists() else
            _("No follow-up cases: no responses stored yet ({file}); `formkit pull` brings them.").format(
                file=ws.responses_file))


@cli.command(help=N_("Tell the leaders what is new since the last digest: dissatisfied answers and integrity "
                     "warnings, commune by commune, no phone numbers. Sent by e-mail ([digest] in formkit.toml), "
                     "or written to output/digest/ when no mail server is set; a server that is down loses "
                     "nothing, and nothing is told twice. Run it after `formkit pull`.\n\nExample: formkit digest"))
@workspace_option
@click.pass_context
@common_options
def digest(ctx: click.Context) -> None:
    from .loop.digest import PROVINCE, run_digest

    ws = _workspace(ctx)
    _lock(ctx, ws, "digest")
    told = [s for s in run_digest(ws) if s.digest is not None]
    if not told:
        say(_("Nothing new since the last digest."))
    for sent in told:
        assert sent.digest is not None
        counts = ", ".join((
            ngettext("{n} new dissatisfied answer", "{n} new dissatisfied answers", sent.digest.answers).format(
                n=sent.digest.answers),
            ngettext("{n} new integrity warning", "{n} new integrity warnings", sent.digest.warnings).format(
                n=sent.digest.warnings)))
        if sent.group != PROVINCE:
            counts = f"{sent.group}: {counts}"
        if ws.digest.smtp_host:
            say(_("Digest sent to {addresses}: {counts}.").format(addresses=sent.where, counts=counts))
        else:
            say(_("Digest written to {file} (no [digest] smtp_host set): {counts}.").format(file=sent.where,
                                                                                            counts=counts))


def _phones_past(ws, store) -> int:
    from datetime import UTC, datetime

    from .report.retention import cutoff_of
    from .responses.erasure import phones_past

    return phones_past(store, cutoff_of(datetime.now(UTC), ws.phone_retention_months))


def _pull_links(result) -> str:
    """How many forms were asked for their link, how many links were trusted and how old the oldest is."""
    checked = ngettext("{n} checked now", "{n} checked now", result.links_checked).format(n=result.links_checked)
    if not result.links_trusted:
        return _("links: {checked}").format(checked=checked)
    trusted = ngettext("{n} trusted", "{n} trusted", result.links_trusted).format(n=result.links_trusted)
    return _("links: {checked}, {trusted} (confirmed {when} UTC)").format(
        checked=checked, trusted=trusted, when=result.oldest_trusted[:16].replace("T", " "))


def _warn(message: str) -> None:
    say(_("warning: {message}").format(message=message), err=True)


def _formats(_ctx, _param, value: str) -> tuple[str, ...]:
    from .report import parse_formats

    return parse_formats(value)


@cli.command(help=N_("Satisfaction indices per criterion, factor, commune, officer and field; follow-up list; "
                     "integrity warnings — as a PDF to sign, a DOCX to edit, an XLSX to work in, CSV and JSON.\n\n"
                     "Reads the responses stored by `formkit pull`, or, with --from-csv, Google's CSV exports "
                     "(\"… (Câu trả lời) - Câu trả lời biểu mẫu 1.csv\") with no Google access at all.\n\n"
                     "Example: formkit report --quarter 2026Q3 --format pdf,xlsx"))
@workspace_option
@click.option("--quarter", metavar="2026Q3", help=N_("A quarter."))
@click.option("--month", metavar="2026-09", help=N_("A month."))
@click.option("--year", metavar="2026", help=N_("A year."))
@click.option("--from", "start", metavar="2026-07-01", help=N_("First day (with --to)."))
@click.option("--to", "end", metavar="2026-09-30", help=N_("Last day, inclusive (with --from)."))
@commune_option
@click.option("--format", "formats", default="pdf,docx,xlsx,csv,json", show_default=True, callback=_formats,
              help=N_("Comma-separated: pdf, docx, xlsx, csv, json, html."))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help=N_("Output folder (default: output/reports)."))
@click.option("--dossiers", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help=N_("CSV of dossiers handled (commune, period, count) for participation rates."))
@click.option("--receipts", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help=N_("CSV of the dossiers' receipt numbers: exact participation of counter ratings."))
@click.option("--template", "template_id", metavar="ID",
              help=N_("Report this question set's answers (e.g. can-bo-3 from counters) instead of the workspace's."))
@click.option("--from-csv", "from_csv", is_flag=True,
              help=N_("Compute from Google's CSV exports given as FILE… instead of the pulled responses."))
@click.option("--date-order", type=click.Choice(["dmy", "mdy"]),
              help=N_("With --from-csv: read dates as day/month/year or month/day/year, for files whose dates "
                      "read both ways."))
@click.argument("csv_files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
@common_options
def report(ctx: click.Context, quarter, month, year, start, end, communes, formats, out, dossiers, receipts,
           template_id, from_csv, date_order, csv_files) -> None:
    from .errors import UsageError
    from .report import make_report, parse_period, write_report
    from .report.make import nothing_pulled

    if from_csv != bool(csv_files):
        raise UsageError(_("--from-csv takes the export files: formkit report --from-csv FILE… --quarter 2026Q3"))
    if date_order and not from_csv:  # the stored answers' times are already read: it would change nothing
        raise UsageError(_("--date-order is for Google's CSV exports: formkit report --from-csv FILE… "
                           "--date-order dmy"))
    period = parse_period(quarter=quarter, month=month, year=year, start=start, end=end)
    ws = _workspace(ctx)
    if from_csv:
        _lock(ctx, ws, "report")
    else:
        _lock_if_any_state(ctx, ws, "report")  # waits for a `pull` that may be making the store
        if (why := nothing_pulled(ws)) is not None:  # nothing to report, and no file written
            _warn(why)
            ctx.exit(EXIT_EMPTY)
    made = make_report(ws, period, communes, dossiers, csv_files, _state(ws) if from_csv else None,
                       receipts=receipts, template_id=template_id, date_order=date_order)
    for warning in made.warnings:
        _warn(warning)
    result, holding = made.report, made.held
    paths = write_report(result, formats, out or ws.output_dir / "reports")
    overall = result.sipas
    say(_("{index}: {value} from {responses} ({start} – {end})").format(
        index=result.index_name or _("Index"), value=percent(overall), responses=_responses(result.responses),
        start=_day(result.period.start.isoformat()), end=_day(result.period.end.isoformat())))
    for commune in result.communes:
        say(f"  {commune.id:<20} {_responses(commune.responses, 6)}  {percent(commune.sipas, 6)}")
    integrity, invalid = len(result.integrity), len(result.invalid)
    say("  " + ", ".join((
        ngettext("{n} to call back", "{n} to call back", len(result.follow_up)).format(n=len(result.follow_up)),
        ngettext("{n} integrity warning", "{n} integrity warnings", integrity).format(n=integrity),
        ngettext("{n} invalid answer", "{n} invalid answers", invalid).format(n=invalid))))
    for path in paths:
        say(str(path))
    if holding is not None:
        _warn(_empty_period(result.period, holding))
        ctx.exit(EXIT_EMPTY)


def _empty_period(period, holding) -> str:
    """"0 responses in 2026Q3; the store holds 6 responses from 02/10/2026 to 30/11/2026 — did
    you mean --quarter 2026Q4?" """
    from datetime import date

    if not holding.responses:
        return _("0 responses in {period}, and none at all in the store for this question set: run `formkit pull` "
                 "first (or check --commune)").format(period=period.code)
    first, last = holding.first[:10], holding.last[:10]
    text = _("0 responses in {period}; the store holds {responses} from {first} to {last}").format(
        period=period.code, responses=_responses(holding.responses), first=_day(first), last=_day(last))
    meant = period.around(date.fromisoformat(last))
    if meant is None:
        return text
    option = {"quarter": "--quarter", "month": "--month", "year": "--year"}[period.kind]
    return text + _(" — did you mean {option} {period}?").format(option=option, period=meant.code)



def _day(iso: str) -> str:
    """2026-07-01 in English, 01/07/2026 in Vietnamese."""
    if language() != "vi" or len(iso) != 10:
        return iso
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _responses(n: int, width: int = 0) -> str:
    """"1 response", "3 responses" ("1 câu trả lời", "3 câu trả lời"), the number right-aligned."""
    return ngettext("{n} response", "{n} responses", n).format(n=f"{n:>{width}}")


@cli.command(help=N_("Print-ready PDFs: a QR table stand per officer (prefilled), a commune poster, field "
                     "labels.\n\nExample: formkit posters --commune hoa-thanh --layout a6-counter-card"))
@workspace_option
@commune_option
@click.option("--officer", "officers", multiple=True, metavar="ID", help=N_("Only this officer (repeatable)."))
@click.option("--layout", default="a5-table-stand", show_default=True,
              help=N_("A layout in posters/ (see --list-layouts)."))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help=N_("Output folder (default: output/posters)."))
@click.option("--combined", is_flag=True, help=N_("One PDF for the whole selection."))
@click.option("--field", "fields", is_flag=True, help=N_("Also QR labels, one per field of procedure (lĩnh vực)."))
@strict_option
@click.option("--point", metavar="ID", help=N_("Only the officers of this reception point (điểm tiếp nhận), its name "
                                               "printed."))
@click.option("--list-layouts", is_flag=True, help=N_("List the poster layouts and exit."))
@click.option("--allow-local", is_flag=True,
              help=N_("Print even when the forms' links only this computer can open (a trial on the embedded "
                      "backend)."))
@click.pass_context
@common_options
def posters(ctx: click.Context, communes, officers, layout, out, combined, fields, strict, point, list_layouts,
            allow_local) -> None:
    from .posters import PosterOptions, make_posters
    from .posters import list_layouts as layouts

    if list_layouts:
        for name in layouts(ctx.obj["workspace"]):
            say(name)
        return
    ws = _workspace(ctx)  # a missing photo becomes a placeholder and a warning
    _lock(ctx, ws, "posters")
    options = PosterOptions(communes=communes, officers=officers, layout=layout, out_dir=out, combined=combined,
                            fields=fields, strict=strict, local_links=_local_links(allow_local), point=point)
    result = make_posters(ws, _state(ws), options)
    for warning in result.warnings:
        _warn(warning)
    for path in result.files:
        say(str(path))
    say(_("{pages} in {files}. Print at 100 % (actual size), not 'fit to page'.").format(
        pages=ngettext("{n} page", "{n} pages", result.pages).format(n=result.pages),
        files=ngettext("{n} PDF", "{n} PDFs", len(result.files)).format(n=len(result.files))))


def _local_links(allow_local: bool) -> str:
    """Posters whose links only this computer can open: a loud warning on a run pointed at the
    embedded backend (a trial) or with --allow-local; otherwise refused (forms made on the
    embedded backend, posters printed later as if for real)."""
    from .google.backend import GOOGLE_KEY, current

    return "warn" if allow_local or current().key != GOOGLE_KEY else "refuse"


@cli.command(help=N_("Print numbered paper ballots of the commune's current form, each with a signed serial.\n\n"
                     "Every serial is recorded in the register (state/ballots.json) before the PDF is written; "
                     "beside the PDF, <pdf>.layout.json gives every bubble's place.\n\n"
                     "Example: formkit ballots --commune hoa-thanh --count 50"))
@workspace_option
@click.option("--commune", required=True, metavar="ID", help=N_("The commune the ballots are for."))
@click.option("--count", required=True, type=int, help=N_("How many ballots (each gets its own serial)."))
@click.option("--officer", metavar="ID", help=N_("Print this officer on the ballots instead of a list to mark."))
@click.option("--point", metavar="ID", help=N_("For this reception point (điểm tiếp nhận): its officers, its name "
                                               "printed."))
@click.option("--layout", default="a4", show_default=True, help=N_("A ballot layout in ballots/."))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help=N_("Output folder (default: output/ballots)."))
@click.pass_context
@common_options
def ballots(ctx: click.Context, commune: str, count: int, officer: str | None, point: str | None, layout: str,
            out: Path | None) -> None:
    from .ballots.issue import make_ballots

    ws = _workspace(ctx)
    _lock(ctx, ws, "ballots")  # serials are reserved under the lock: two runs never issue the same ones
    issued = make_ballots(ws, _state(ws), commune, count, officer, layout, out, point)
    say(f"{issued.pdf}\n{issued.geometry}")
    number = issued.last - issued.first + 1
    say(_("Ballots {first:06d}–{last:06d} ({ballots}, {pages} each) are in the register. Print at 100 % (actual "
          "size), single-sided.").format(first=issued.first, last=issued.last,
                                         ballots=ngettext("{n} ballot", "{n} ballots", number).format(n=number),
                                         pages=ngettext("{n} page", "{n} pages", issued.pages).format(n=issued.pages)))


@cli.command(help=N_("Read paper ballots from phone photos (JPEG, PNG) or PDF scans into the response store.\n\n"
                     "Unclear marks go to a review list (output/ballots/review/review.csv and review.html); write "
                     "the decisions into its last column and run `formkit scan --review FILE`. Safe to repeat.\n\n"
                     "Example: formkit scan photos/*.jpg"))
@workspace_option
@click.option("--review", "review_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help=N_("Record the decisions written into the review CSV."))
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
@common_options
def scan(ctx: click.Context, review_file: Path | None, files: tuple[Path, ...]) -> None:
    from .ballots.scan import Scanner
    from .errors import UsageError
    from .responses.store import ResponseStore

    if bool(review_file) == bool(files):
        raise UsageError(_("give the photos or scans to read (formkit scan FILE…), or --review FILE alone"))
    ws = _workspace(ctx)
    _lock(ctx, ws, "scan")  # the scan state is read, changed and rewritten whole: one run at a time
    scanner = Scanner(ws, _state(ws))
    with ResponseStore(ws.responses_file) as store:
        if review_file:
            recorded, result = scanner.record_review(review_file, store)
            say(ngettext("{n} decision recorded.", "{n} decisions recorded.", recorded).format(n=recorded))
        else:
            result = scanner.scan(list(files), store)
    for kind, items in ((_("unreadable"), result.unreadable), (_("rejected"), result.rejected),
                        (_("duplicate"), result.duplicates), (_("unmarked"), result.blank),
                        (_("replaced"), result.replaced)):
        for item in items:
            say(f"{kind}: {item}", err=True)
    if result.pages:
        say(ngettext("{n} page read ({already} already read before).", "{n} pages read ({already} already read "
                     "before).", result.pages).format(n=result.pages, already=result.already))
    waiting = len(result.review)
    say(_("{counted} counted; {waiting} waiting for review{where}.").format(
        counted=ngettext("{n} ballot", "{n} ballots", len(result.counted)).format(n=len(result.counted)),
        waiting=ngettext("{n} question", "{n} questions", waiting).format(n=waiting),
        where=_(" in {file}").format(file=result.review_csv) if waiting else ""))


@cli.command(help=N_("Erase the phone numbers older than [privacy] phone_retention_months from the store, its "
                     "columnar copy and the report files, and record what was erased in state/erasures.json.\n\n"
                     "Example: formkit retention --dry-run"))
@workspace_option
@click.option("--dry-run", is_flag=True, help=N_("Only say what would be erased; change nothing."))
@click.pass_context
@common_options
def retention(ctx: click.Context, dry_run: bool) -> None:
    from datetime import datetime

    from .loop import carry, rewrite_exports
    from .report import retention as keeping
    from .responses.store import ResponseStore

    ws = _workspace(ctx)
    _lock_if_any_state(ctx, ws, "retention")
    now = datetime.now(UTC)
    stored = ws.responses_file.exists()
    if not stored:  # nothing pulled yet; report files written --from-csv may still hold phones
        say(_("No responses stored yet ({file} does not exist).").format(file=ws.responses_file))
    with ResponseStore(ws.responses_file if stored else ":memory:") as store:
        todo = keeping.plan(ws, store, now)
        say(_("Retention: phone numbers are kept {months} months; those sent before {cutoff} are erased.").format(
            months=ws.phone_retention_months, cutoff=todo.cutoff))
        say(_("To erase: {phones}, {comments} with a number typed in (masked), {notes} of the follow-up register "
              "(cleared), {files} of reports, {images} of handwritten phone boxes, {orphans} of phone boxes no "
              "answer points to.").format(
            phones=ngettext("{n} phone number", "{n} phone numbers", todo.phones).format(n=todo.phones),
            comments=ngettext("{n} comment", "{n} comments", todo.comments).format(n=todo.comments),
            notes=ngettext("{n} note", "{n} notes", todo.notes).format(n=todo.notes),
            files=ngettext("{n} file", "{n} files", len(todo.files)).format(n=len(todo.files)),
            images=ngettext("{n} picture", "{n} pictures", todo.phone_images).format(n=todo.phone_images),
            orphans=ngettext("{n} picture", "{n} pictures", len(todo.orphans)).format(n=len(todo.orphans))))
        for path in todo.files:
            say(f"  {path}")
        if dry_run or not todo:
            say(_("Nothing was changed.") if todo else _("Nothing to erase."))
        else:
            found = carry.read(ws, store)  # what staff typed in the exports, before anything is erased
            record = keeping.apply(ws, store, todo, now)
            say(_("Erased. What was erased and when is recorded in {record}.").format(record=record))
            # the follow-up register's exports hold phones and notes in full
            changed = set(todo.store.phones) | set(todo.store.comments) | set(todo.store.notes_changed)
            rewritten = rewrite_exports(ws, store, changed, found)
            for path in rewritten.files:
                say(_("Written again without them: {file}").format(file=path))
            _say_lost(rewritten.lost)
    say(_("formkit cannot erase what Google keeps: the answers in each Google Form and its linked spreadsheet "
          "(delete them there; see the README, \"Dữ liệu cá nhân\")."))


@cli.command(help=N_("Run the embedded Google-compatible backend (Forms, Sheets, Drive subset + respondent "
                     "pages).\n\nOnly the respondent pages are public; the API needs the token kept owner-only in "
                     "the data folder (formkit in this workspace uses it by itself).\n\n"
                     "Example: formkit serve --port 8765"))
@workspace_option
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("The address to listen on."))
@click.option("--port", default=8765, show_default=True, type=int, help=N_("The port to listen on."))
@click.option("--data", type=click.Path(path_type=Path, file_okay=False),
              help=N_("Where the backend keeps its data (default: the workspace's local-google/)."))
@click.option("--show-token", is_flag=True,
              help=N_("Print the API token, for formkit on another machine (FORMKIT_GOOGLE_TOKEN)."))
@click.pass_context
@common_options
def serve(ctx: click.Context, host: str, port: int, data: Path | None, show_token: bool) -> None:
    from .errors import UsageError
    from .localserver import LocalGoogle
    from .localserver.foreground import reachable_url, serve_until_interrupted

    data = data or Path(ctx.obj["workspace"] or Path.cwd()) / "local-google"
    try:
        server = LocalGoogle(data / "google.sqlite", host=host, port=port, log_requests=current_settings().server_log,
                             announce=True).start()
    except OSError as exc:  # the port is taken (another `formkit serve`?), or the address is not ours
        import errno

        reason, hint = exc.strerror or str(exc), _("Choose another address or port (--host, --port).")
        if exc.errno == errno.EADDRINUSE:
            reason = _("the port is already in use")
            hint = _("Is another `formkit serve` running? Stop it, or choose another port: formkit serve --port {next}")
        raise UsageError(_("cannot listen on {host}:{port}: {reason}.").format(host=host, port=port, reason=reason)
                         + " " + hint.format(next=port + 1)) from None
    url = reachable_url(host, server.base_url)
    if url is not None:
        server.record_endpoint(url)  # `formkit create` here gives the forms links phones can open
        say(_("warning: listening on {host}: every machine on the network can open the respondent pages (the API "
              "still needs the token). Phones reach it at {reachable}, not 127.0.0.1; formkit in this workspace "
              "uses that address, so the forms' links and QR codes carry it.").format(host=host, reachable=url),
            err=True)
    say(_("Local Google backend on {url} (data in {data}).\n"
          "formkit commands in this workspace use it while it runs, with nothing to set. Elsewhere, set {variable}:"
          ).format(url=server.base_url, data=data, variable=ENDPOINT_VARIABLE))
    for line in set_variable(ENDPOINT_VARIABLE, url or server.base_url):
        say(f"  {line}")
    if show_token:
        for line in set_variable(TOKEN_VARIABLE, server.token):
            say(f"  {line}")
    say(_("Ctrl-C stops it."))
    serve_until_interrupted(server)


@cli.group(cls=FormkitGroup, invoke_without_command=True,
           help=N_("Counter tablets: serve the rating page on the office network; pair, list and revoke tablets.\n\n"
                   "Ratings go straight into the workspace's response store (channel \"quầy\"); no internet and no "
                   "Google account.\n\nExample: formkit kiosk --port 8470"))
@workspace_option
@click.option("--host", default="0.0.0.0", show_default=True, help=N_("The address to listen on."))
@click.option("--port", default=8470, show_default=True, type=int, help=N_("The port to listen on."))
@click.pass_context
@common_options
def kiosk(ctx: click.Context, host: str, port: int) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from .errors import UsageError
    from .kiosk.server import KioskServer
    from .localserver.foreground import reachable_url, serve_until_interrupted

    ws = _workspace(ctx)
    try:
        server = KioskServer(ws, host, port).start()
    except OSError as exc:
        raise UsageError(_("cannot listen on {host}:{port}: {reason}. Choose another port: formkit kiosk --port "
                           "{next}").format(host=host, port=port, reason=exc.strerror or exc, next=port + 1)) from None
    url = reachable_url(host, f"http://{host}:{server.port}") or f"http://{host}:{server.port}"
    say(_("Counter page on {url}/ — open it on each tablet (same network).\n"
          "Pair a tablet: formkit kiosk pair --commune ID --counter \"Quầy 1\" --set can-bo-3\n"
          "Ctrl-C stops it; tablets keep their ratings until it is back.").format(url=url))
    serve_until_interrupted(server)


@kiosk.command("pair", help=N_("Register a counter tablet and print its one-time pairing code (15 minutes).\n\n"
                               "Example: formkit kiosk pair --commune hoa-thanh --counter \"Quầy 3\" --set can-bo-3"))
@workspace_option
@click.option("--commune", "commune_id", required=True, metavar="ID", help=N_("The commune of the counter."))
@click.option("--counter", required=True, help=N_("The counter's name, as citizens read it (\"Quầy 3\")."))
@click.option("--set", "template_id", required=True, metavar="TEMPLATE",
              help=N_("The question set: can-bo-3 (intake) or tra-ket-qua-6 (result return)."))
@click.option("--stage", type=click.Choice(["intake", "return"]), default=None,
              help=N_("Which moment a receipt number is rated at (default: return for tra-ket-qua-6, else intake)."))
@click.option("--field", default=None, help=N_("The counter's field of procedure (one of the commune's fields)."))
@click.option("--port", default=8470, show_default=True, type=int, help=N_("The port `formkit kiosk` listens on."))
@click.pass_context
@common_options
def kiosk_pair(ctx: click.Context, commune_id: str, counter: str, template_id: str, stage: str | None,
               field: str | None, port: int) -> None:
    from .kiosk.manage import pair, pairing_qr
    from .localserver.access import lan_address

    ws = _workspace(ctx)
    stage = stage or ("return" if template_id == "tra-ket-qua-6" else "intake")
    device, code = pair(ws, commune_id, counter, template_id, stage, field)
    say(_("Tablet {id}: {counter}, {commune}, question set {set} ({stage}).").format(
        id=device.id, counter=device.counter, commune=ws.commune(commune_id).display_name, set=template_id,
        stage=_stage(stage)))
    url = f"http://{lan_address()}:{port}/?code={code}"
    say(_("Pairing code: {code} (valid 15 minutes, once). On the tablet open http://{address}:{port}/ and type it, "
          "or open http://{address}:{port}/?code={code}").format(code=code, address=lan_address(), port=port))
    say(_("Or scan this QR code with the tablet's camera: {path}").format(path=pairing_qr(ws, device, url)))


@kiosk.command("pins", help=N_("New PINs for a commune's officers, to change who is serving at a tablet.\n\n"
                               "Each PIN is shown once; hand it to its officer.\n\n"
                               "Example: formkit kiosk pins --commune hoa-thanh --officer nguyen-van-an"))
@workspace_option
@click.option("--commune", "commune_id", required=True, metavar="ID", help=N_("The commune."))
@click.option("--officer", "officer_ids", multiple=True, metavar="ID", help=N_("Only this officer (repeatable)."))
@click.pass_context
@common_options
def kiosk_pins(ctx: click.Context, commune_id: str, officer_ids: tuple[str, ...]) -> None:
    from .kiosk.manage import new_pins

    ws = _workspace(ctx)
    commune = ws.commune(commune_id)
    for officer_id, pin in new_pins(ws, commune_id, officer_ids).items():
        say(f"  {pin}  {officer_id:<24} {commune.officer(officer_id).name}")


@kiosk.command("devices", help=N_("List the counter tablets: paired, waiting for a code, or revoked.\n\n"
                                  "Example: formkit kiosk devices"))
@workspace_option
@click.pass_context
@common_options
def kiosk_devices(ctx: click.Context) -> None:
    from .kiosk.manage import devices

    ws = _workspace(ctx)
    found = devices(ws)
    if not found:
        say(_("No counter tablets yet: formkit kiosk pair --commune ID --counter \"Quầy 1\" --set can-bo-3"))
    status = {"paired": _("paired"), "waiting": _("waiting for its code"), "revoked": _("revoked")}
    for d in found:
        since = d.revoked or d.paired or d.created
        where = f"{d.commune_id} · {d.counter} · {d.template} ({_stage(d.stage)})"
        say(f"  {d.id:<5} {status[d.status]:<22} {since}  {where}" + (f" · {d.officer_id}" if d.officer_id else ""))
        if d.last_seen and not d.revoked:
            say("        " + _("last request {when}").format(when=d.last_seen))


def _stage(stage: str) -> str:
    """A counter's stage as people say it: "intake" / "tiếp nhận", "return" / "trả kết quả"."""
    return {"intake": _("intake"), "return": _("result return")}.get(stage, stage)


@kiosk.command("revoke", help=N_("Revoke a counter tablet: its token is refused from now on.\n\n"
                                 "Example: formkit kiosk revoke q3"))
@workspace_option
@click.argument("device_id")
@click.pass_context
@common_options
def kiosk_revoke(ctx: click.Context, device_id: str) -> None:
    from .kiosk.manage import revoke

    ws = _workspace(ctx)
    device = revoke(ws, device_id)
    say(_("Tablet {id} ({counter}) revoked.").format(id=device.id, counter=device.counter))


@cli.command(help=N_("Run the whole pipeline on the embedded backend: no network, no Google account.\n\n"
                     "Creates the example communes' forms, links them to one spreadsheet, prints the posters, has a "
                     "few hundred citizens answer, pulls the answers and writes the quarterly report.\n\n"
                     "Example: formkit demo --out /tmp/formkit-demo"))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help=N_("Folder for the demo workspace (default: ./formkit-demo; rebuilt on each run)."))
@click.option("--serve", is_flag=True, help=N_("Keep the backend running afterwards, to open the forms in a browser."))
@common_options
def demo(out: Path | None, serve: bool) -> None:
    from .demo.run import run_demo

    run_demo(out or Path("formkit-demo"), echo=say, serve=serve)


def _lang_argument(argv: list[str]) -> str | None:
    """The last --lang given (`--lang en` or `--lang=en`), before "--"."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--lang="):
            found = arg.split("=", 1)[1]
    return found


def _localize(command: click.Command) -> None:
    """Translate the help texts declared with N_ into the current language (kept as declared in
    _source, so that a second run in-process in another language starts from the English)."""
    source = command.__dict__.setdefault("_source", {"help": command.help, "params": [p.help for p in command.params
                                                                                      if isinstance(p, click.Option)]})
    command.help = _(source["help"]) if source["help"] else source["help"]
    options = [p for p in command.params if isinstance(p, click.Option)]
    for option, text in zip(options, source["params"], strict=False):
        option.help = _(text) if text else text
    command.options_metavar = _(N_("[OPTIONS]"))  # Click's usage line keeps these in English otherwise
    if isinstance(command, click.Group):
        command.subcommand_metavar = _(N_("COMMAND [ARGS]..."))
    for sub in getattr(command, "commands", {}).values():
        _localize(sub)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with use_settings(Settings.from_environment()) as settings, speaking(choose(_lang_argument(argv))):
        safe_streams((sys.stdout, sys.stderr), encoding_chosen=bool(settings.io_encoding))
        _localize(cli)
        return _run(argv)


def _run(argv: list[str]) -> int:
    _debug["on"] = False
    try:
        code = cli.main(args=argv, prog_name="formkit", standalone_mode=False)
        return EXIT_EMPTY if code == EXIT_EMPTY else EXIT_OK  # ctx.exit(EXIT_EMPTY): `report` of no answers
    except click.exceptions.Abort:
        say(_("Aborted."), err=True)
        return EXIT_RUNTIME
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if exc.exit_code == 2 else exc.exit_code
    except FormkitError as exc:
        if _debug["on"]:
            traceback.print_exc()
        say(_("Error: {message}").format(message=_message(exc)), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        say(_("Interrupted; everything finished so far is saved."), err=True)
        return EXIT_RUNTIME
    except SystemExit as exc:
        # With standalone_mode=False, Click exits with 1 only when its own output met a closed pipe
        # (`formkit --help | head`): the reader had enough, which is not a failure. Click 8.4 exits
        # from inside its handler of the BrokenPipeError, 8.5 after wrapping the streams.
        if exc.code == 1 or isinstance(exc.__context__, BrokenPipeError):
            _mute(sys.stdout)
            return EXIT_OK
        raise
    except (OSError, sqlite3.OperationalError) as exc:
        full = _no_room(exc) or _held(exc)
        if full is None:
            return _internal(exc)
        say(_("Error: {message}").format(message=full), err=True)
        return EXIT_RUNTIME
    except Exception as exc:  # a bug: say so plainly, and how to see more
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    if _debug["on"]:
        traceback.print_exc()
    else:
        say(_("Internal error: {kind}: {error}\nRun again with --debug for the traceback.").format(
            kind=exc.__class__.__name__, error=exc), err=True)
    return EXIT_RUNTIME


def _no_room(exc: OSError | sqlite3.OperationalError) -> str | None:
    """The message for a full disk (or a file-size limit), naming the file when it is known."""
    import errno

    if isinstance(exc, sqlite3.OperationalError):
        if "disk is full" not in str(exc):
            return None
        where = _("a database in the workspace (state/responses.sqlite)")
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        where = str(exc.filename) if exc.filename else _("a file")
    else:
        return None
    return _("no room left to write {where} ({reason}). Free some disk space and run the command again: files are "
             "written whole or not at all, so what was there is intact.").format(
        where=where, reason=exc.strerror if isinstance(exc, OSError) else exc)


def _held(exc: OSError | sqlite3.OperationalError) -> str | None:
    """Windows refuses to replace a file another program holds open (Excel, an antivirus scan)."""
    if not isinstance(exc, PermissionError) or not exc.filename:
        return None
    return _("cannot write {file}: another program has it open (Excel, Word, an antivirus scan?), or it is "
             "read-only. Close it, or wait a moment, and run the command again: files are written whole or not "
             "at all, so what was there is intact.").format(file=exc.filename)


def _message(exc: FormkitError) -> str:
    if isinstance(exc, InputError):
        return exc.headline + ":\n" + "\n".join(f"  - {p}" for p in exc.problems)
    return str(exc)

"""`formkit pull`: every commune form's responses into the local store, with as few calls as can be.

Whether a form feeds a sheet (forms.get's linkedSheetId) is asked only when the state's answer is
older than the workspace's link check window (24 h unless `[pull] link_check_hours` says
otherwise), was never asked, or `check_links` is set; a trusted link is asked again in the same
pull as soon as its spreadsheet cannot be read (403/404) or its tab (by sheetId) is gone. Trusting
is safe: a form read through the Forms API loses nothing if it was linked meanwhile (the API holds
every answer); a form read from its tab after it was unlinked or relinked elsewhere only waits for
the next check, and that tab holds every answer given while it fed it. Per spreadsheet, one
spreadsheets.get (its time zone and tabs) and one values:batchGet (split only to keep each URL
under the client's URL_LIMIT) of every tab — only the time column of a tab whose form was pulled
before, then, whole, the tabs holding a row the store lacks. Each form's tab is found without
renaming anything: the tab it was last found in (by sheetId, so a rename does not lose it), the
name formkit gives it, else what the data say (header titles, the officers named, the form's own
response times); only two tabs that both still fit stop the pull. Unlinked forms are read with
forms.responses.list from the newest second already stored. Nothing is stored when a tab cannot
be read: the problems are raised together, before any store write.

A tab is read only while it can be trusted to hold every answer: the forms of a spreadsheet 95%
full (Google's 10,000,000 cells; what Forms does at the limit is not documented) or in Drive's
trash (one files.get per spreadsheet) are read through forms.responses.list instead, which holds
every answer, and the result says which and why (`untrusted`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property

from ..errors import Problems, RemoteError
from ..forms.linking import CELL_LIMIT, tab_names
from ..forms.state import FormRecord, State
from ..google.client import Google, grid_cells, tab_grids
from ..google.retry import describe
from ..i18n import _, ngettext, whole
from ..workspace.config import Commune, Workspace
from ..workspace.templates import Template, load_template
from .columns import FormShape, cell_text, clean, map_header, read_new_rows, title_key
from .store import ResponseRow, ResponseStore, local_second, response_key
from .timestamps import cell_time, parse_rfc3339, parse_utc, rfc3339_utc, sheet_zone, timestamp_header, utc_stamp

BATCH_ROWS = 50_000  # rows stored in one transaction, about: a batch is stored once past it, a form's rows never split
# A spreadsheet this full is not trusted to hold every answer: what Google Forms does when it
# cannot grow its tab is not documented (it may stop short of the exact limit), so from 95% on its
# forms are read through the Forms API, which keeps every answer whatever the sheet does.
UNTRUSTED_FILL = 0.95


@dataclass
class PullResult:
    added: dict[str, int] = field(default_factory=dict)  # commune id -> responses new to the store
    source: dict[str, str] = field(default_factory=dict)  # commune id -> "sheet" | "api" (its current form)
    warnings: list[str] = field(default_factory=list)
    spreadsheets: int = 0  # Sheets API reads made
    tabs: list[str] = field(default_factory=list)  # per linked form: the tab it was read from, and why
    links_checked: int = 0  # forms asked with forms.get this pull
    links_trusted: int = 0  # forms whose recorded link was trusted (confirmed within the window)
    oldest_trusted: str = ""  # RFC 3339 UTC: when the oldest trusted link was confirmed
    # per form read through the Forms API although linked: why its tab was not trusted
    untrusted: dict[str, str] = field(default_factory=dict)  # "commune: form id" -> reason
    cells: dict[str, int] = field(default_factory=dict)  # spreadsheet id -> grid cells it holds


@dataclass(eq=False)  # compared by identity: `in` over jobs must not compare their forms field by field
class _Job:
    commune: Commune
    form: FormRecord
    template: Template
    sheet: str = ""  # the linked spreadsheet; "" = read through the Forms API
    tab: str = ""  # the tab recorded for it (this spreadsheet only), then the one found
    tab_id: int | None = None
    chosen_by: str = ""
    checked: str = ""  # RFC 3339 UTC when forms.get confirmed `sheet` this pull; "" = the state's link trusted
    read: bool = False  # rows were read for it (the newest stored time may have moved)
    untrusted: str = ""  # why its linked tab may lack answers: read through the Forms API instead

    @cached_property  # only for a form whose answers are read: a repeat pull reads few
    def shape(self) -> FormShape:
        return FormShape.from_record(self.commune.id, self.form, self.template)


def pull(ws: Workspace, state: State, google: Google, store: ResponseStore, commune_ids=(), check_links: bool = False,
         now: datetime | None = None) -> PullResult:
    """Every form (old versions too) of the selected communes into `store`. `source` tells how
    each commune's current form was read; communes without a published form are only in `added`.
    The state file gains each form's linked spreadsheet, when that was confirmed, and its newest
    response time. `check_links` asks every form for its link; `now` is the clock (tests)."""
    communes = ws.select(commune_ids)
    state.check_backend([c.id for c in communes], google.backend)
    result = PullResult({c.id: 0 for c in communes})
    now = now or datetime.now(UTC)
    window = None if check_links else timedelta(hours=ws.link_check_hours)
    jobs = _plan(ws, state, google, communes, result, now, window)
    rule_names = {id(form): tab for _, form, tab in tab_names(ws, state)}
    sheet_rows = _read_sheets(google, store, [j for j in jobs if j.sheet], result, rule_names, now)
    # Stored in batches, not per form: each store.add is a transaction (a disk sync) and a segment
    # of the columnar copy. A form's rows are never split (its n-th-in-second keys need them all).
    pending: dict[str, tuple[Template, list[ResponseRow]]] = {}
    added: Counter[str] = Counter()
    for job in jobs:
        rows = sheet_rows.pop(id(job), []) if job.sheet and not job.untrusted else _read_api(google, store, job, result)
        job.read = bool(rows)
        batch = pending.setdefault(job.template.id, (job.template, []))[1]
        batch.extend(rows)
        if len(batch) >= BATCH_ROWS:
            store.add(batch, job.template, added)
            batch.clear()
    for template, batch in pending.values():
        if batch:
            store.add(batch, template, added)
    changed = False
    for job in jobs:
        changed |= _remember(job, store)
        result.added[job.commune.id] += added.pop(job.commune.id, 0)
        result.source[job.commune.id] = "sheet" if job.sheet and not job.untrusted else "api"  # its last form wins
        if job.sheet and job.untrusted:
            result.untrusted[f"{job.commune.id}: {job.form.form_id}"] = job.untrusted
    trusted = [job.form.link_checked for job in jobs if not job.checked]
    result.links_checked, result.links_trusted = len(jobs) - len(trusted), len(trusted)
    result.oldest_trusted = min(trusted, key=parse_utc, default="")
    if changed:
        state.save()
    return result


def _trusted(form: FormRecord, now: datetime, window: timedelta | None) -> bool:
    """The state's link for `form` may be used without asking: confirmed less than `window` ago
    (not in the future: a clock set back), and, if linked, with its tab found (by sheetId)."""
    if window is None or not form.link_checked or (form.spreadsheet_id and form.sheet_tab_id is None):
        return False
    try:
        age = now - parse_utc(form.link_checked)
    except ValueError:
        return False
    return timedelta(0) <= age < window


def _check_link(google: Google, job: _Job, now: datetime) -> None:
    """One forms.get: which spreadsheet the form feeds now; a tab recorded for that one is kept."""
    job.sheet = google.get_form(job.form.form_id, fields="linkedSheetId").get("linkedSheetId", "")
    job.checked = utc_stamp(now)
    job.tab, job.tab_id = "", None
    if job.sheet and job.form.spreadsheet_id in ("", job.sheet):  # a recorded tab belongs to that spreadsheet only
        job.tab, job.tab_id = job.form.sheet_tab, job.form.sheet_tab_id


def _plan(ws: Workspace, state: State, google: Google, communes: list[Commune], result: PullResult,
          now: datetime, window: timedelta | None) -> list[_Job]:
    """Each published form's job: its link as the state has it (trusted), else as forms.get says."""
    templates: dict[str, Template] = {}
    jobs = []
    for commune in communes:
        forms = [f for f in state.forms(commune.id) if f.form_id]
        if not forms:
            result.warnings.append(_("{commune}: no form yet; run `formkit create`").format(commune=commune.id))
        for form in forms:
            if not form.done:
                result.warnings.append(_("{commune}: form {form_id} is not published yet; run `formkit create`").format(
                        commune=commune.id, form_id=form.form_id))
                continue
            if form.template not in templates:
                templates[form.template] = load_template(form.template, ws.root)
            job = _Job(commune, form, templates[form.template])
            if _trusted(form, now, window):
                job.sheet, job.tab, job.tab_id = form.spreadsheet_id, form.sheet_tab, form.sheet_tab_id
            else:
                _check_link(google, job, now)
            jobs.append(job)
    return jobs


@dataclass
class _Book:
    """One spreadsheet as read in this pull: its tabs, the values read so far (whole tabs), and
    who has claimed which tab."""

    sheet: str
    zone: tzinfo
    tables: dict[str, list[list]]  # tab -> its values, for the tabs read whole
    finder: TabFinder
    grids: dict[str, tuple[int, int]] = field(default_factory=dict)  # tab -> (rowCount, columnCount)
    untrusted: str = ""  # why none of its tabs can be trusted to hold every answer

    @property
    def file(self) -> str:
        return _("spreadsheet {sheet}").format(sheet=self.sheet)

    def read(self, google: Google, result: PullResult, whole: list[str], first_column: list[str] | None = None) -> dict:
        """Tabs read whole (kept in `tables`) and the first column of others (returned), in as few
        batchGets as the URL allows."""
        whole, first_column = [t for t in whole if t not in self.tables], first_column or []
        titles = whole + first_column
        if not titles:
            return {}
        calls_before = google.calls["sheets.values.batchGet"]
        got = google.read_tabs(self.sheet, titles, [""] * len(whole) + ["A:A"] * len(first_column),
                               [self.grids.get(t, (0, 0)) for t in titles])
        result.spreadsheets += google.calls["sheets.values.batchGet"] - calls_before
        # values:batchGet answers one value range per range asked, in order
        values = {title: r.get("values", []) for title, r in zip(titles, got, strict=True)}
        self.tables.update((t, values[t]) for t in whole)
        return {t: values[t] for t in first_column}


def _read_sheets(google: Google, store: ResponseStore, jobs: list[_Job], result: PullResult,
                 rule_names: dict[int, str], now: datetime) -> dict[int, list[ResponseRow]]:
    """Per spreadsheet: its metadata, then its tabs in as few batchGets as the URL allows. A form
    found by name (sheetId, recorded name, formkit's name) with answers stored already has only
    its tab's time column read first: the tab is read whole only if a row's key is new (or its
    time is blank or unreadable) — a repeat pull with nothing new reads one column. Forms not
    found by name have every free tab read whole for the data to decide. A trusted link whose
    spreadsheet is refused or gone (403/404), or whose tab (by sheetId) is gone, is asked again
    with forms.get and read where it now leads, in the same pull."""
    problems = Problems()
    rows: dict[int, list[ResponseRow]] = {}
    books: dict[str, _Book | RemoteError | None] = {}  # None: unreadable, the problem is recorded
    while jobs:
        recheck: list[_Job] = []
        by_sheet: dict[str, list[_Job]] = {}
        for job in jobs:
            by_sheet.setdefault(job.sheet, []).append(job)
        for sheet, group in by_sheet.items():
            if sheet not in books:
                books[sheet] = _open(google, sheet, result, problems)
            book = books[sheet]
            if isinstance(book, RemoteError):  # refused or gone: a confirmed link makes it an error
                if any(job.checked for job in group):
                    raise book
                recheck.extend(group)
                continue
            if book is None:
                continue
            if book.untrusted:  # every form of it through the Forms API, which holds every answer
                for job in group:
                    job.untrusted = book.untrusted
                continue
            ids = set(book.finder.ids.values())
            gone = [job for job in group if not job.checked and job.tab_id not in ids]
            recheck.extend(gone)
            found, pending = book.finder.by_name([j for j in group if j not in gone], rule_names)
            if pending:  # the data decide: every tab still free, whole
                book.read(google, result, list(book.finder.free))
                found += book.finder.by_data(pending, rule_names, problems, book.file)
            unread = [job for job in found if job.tab not in book.tables]  # nothing pulled from it yet: whole
            probed = book.read(google, result, [j.tab for j in unread if not j.form.last_pulled],
                               [j.tab for j in unread if j.form.last_pulled])
            known: dict[int, set[str]] = {}  # the store's keys, kept only for the tabs read whole
            changed = []
            for job in found:
                if job.tab in probed:
                    keys = store.form_keys(job.commune.id, job.form.form_id)
                    if not _all_known(job, probed[job.tab], book.zone, keys):
                        changed.append(job.tab)
                        known[id(job)] = keys
            book.read(google, result, changed)
            for job in found:
                if job.tab in book.tables and id(job) not in known:
                    known[id(job)] = store.form_keys(job.commune.id, job.form.form_id)
                rows[id(job)] = _tab_rows(job, book, known.pop(id(job), set()), result, problems)
        for job in recheck:
            _check_link(google, job, now)
        jobs = [job for job in recheck if job.sheet]
    for book in books.values():
        if isinstance(book, _Book):
            result.warnings.extend(book.finder.warnings)
    problems.raise_if_any(_("the response sheet cannot be read; nothing was stored"))
    return rows


def _all_known(job: _Job, column: list[list], zone: tzinfo, known: set[str]) -> bool:
    """A tab's first column (header, then one time per row) holds only responses the store has:
    every row timed, readably, with a key the store knows, and no fewer rows than stored. Anything
    else has the tab read whole (and reported as a whole read reports it)."""
    if not column or not column[0] or timestamp_header(column[0][0]) is None:
        return False  # the time is not in column A: read it whole
    day_first = bool(timestamp_header(column[0][0]))
    seen: dict[str, int] = {}
    for cells in column[1:]:
        if not cells or cell_text(cells[0]).strip() == "":
            return False  # a blank row, or answers without a time
        try:
            second = local_second(cell_time(cells[0], day_first, zone))
        except ValueError:
            return False
        seen[second] = nth = seen.get(second, 0) + 1
        if response_key(job.commune.id, job.form.form_id, second, nth) not in known:
            return False
    return sum(seen.values()) >= len(known)


def _open(google: Google, sheet: str, result: PullResult, problems: Problems) -> _Book | RemoteError | None:
    """The spreadsheet's time zone and tabs; a 403/404 answer is returned, not raised."""
    try:
        meta = google.sheet_metadata(sheet)
    except RemoteError as exc:
        failure = describe(exc.__cause__) if exc.__cause__ is not None else None
        if failure is not None and failure.status in (403, 404):
            return exc
        raise
    result.spreadsheets += 1
    try:
        zone = sheet_zone((meta.get("properties") or {}).get("timeZone"))
    except ValueError as exc:
        problems.add(_("spreadsheet {sheet}").format(sheet=sheet), "properties.timeZone", str(exc))
        return None
    tabs = [(s["properties"]["sheetId"], s["properties"]["title"]) for s in meta.get("sheets", [])]
    tables: dict[str, list[list]] = {}
    book = _Book(sheet, zone, tables, TabFinder(google, tabs, tables, zone), tab_grids(meta))
    result.cells[sheet] = cells = grid_cells(meta)
    if cells >= UNTRUSTED_FILL * CELL_LIMIT:
        book.untrusted = _("its spreadsheet holds {cells} of Google's {limit} cells: a form may stop writing to "
                           "it").format(cells=whole(cells), limit=whole(CELL_LIMIT))
    elif google.file_trashed(sheet):
        book.untrusted = _("its spreadsheet is in Drive's trash")
    return book


def _tab_rows(job: _Job, book: _Book, known: set[str], result: PullResult, problems: Problems) -> list[ResponseRow]:
    """The rows of the job's tab that the store lacks (none when only its time column was read,
    all known); a tab holding fewer answers than were taken from it before is said."""
    result.tabs.append(_("{commune}: form {form_id} ← tab '{tab}' ({how})").format(
        commune=job.commune.id, form_id=job.form.form_id, tab=job.tab, how=job.chosen_by))
    if job.tab not in book.tables:
        return []
    where = _("{commune} (tab '{tab}')").format(commune=job.commune.id, tab=job.tab)
    got, answered, warnings, bad = read_new_rows(job.shape, book.tables[job.tab], "sheet", where, book.file,
                                                 _("tab '{tab}', ").format(tab=job.tab), book.zone, known)
    result.warnings.extend(warnings)
    problems.extend(bad)
    held = len(known)
    if answered < held:
        result.warnings.append(
            ngettext("{where}: the tab holds {n} answer but {held} were pulled from this form before; the "
                     "tab was cleared or rows were deleted — every stored answer is kept",
                     "{where}: the tab holds {n} answers but {held} were pulled from this form before; the tab "
                     "was cleared or rows were deleted — every stored answer is kept",
                     answered).format(where=where, n=answered, held=held))
    return got


class TabFinder:
    """Which tab of one spreadsheet each form feeds: by name first, then by what the data say.

    The data pass narrows each form's candidates in turn, a filter counting only when some tab
    passes it: the header holds the most of the form's question titles; the tab names some of
    the form's officers (one naming none of them is another form's); then, for the forms still
    undecided, the tab's times are the form's own responses' (forms.responses.list). A form takes
    a tab when it is its only candidate and no other form's; the pass repeats until nothing
    changes."""

    def __init__(self, google: Google, tabs: list[tuple[int, str]], tables: dict[str, list[list]], zone) -> None:
        self.google, self.tabs, self.tables, self.zone = google, tabs, tables, zone
        self.free = {title: None for _, title in tabs}  # ordered set
        self.warnings: list[str] = []
        self.ids = {title: tab_id for tab_id, title in tabs}
        self._seen: dict[tuple[str, str], frozenset[str]] = {}  # (tab, officer title key) -> labels
        self._own: dict[str, set] = {}  # form id -> its responses' seconds
        self._tab_times: dict[str, set] = {}  # tab -> the times in it

    @cached_property  # only for forms not found by name, once the free tabs are read whole
    def _headers(self) -> dict[str, frozenset[str]]:
        return {t: frozenset(title_key(h) for h in v[0]) for t, v in self.tables.items() if self._is_response(v)}

    @staticmethod
    def _is_response(values: list[list]) -> bool:
        return bool(values) and any(timestamp_header(t) is not None for t in values[0])

    def by_name(self, group: list[_Job], rule_names: dict[int, str]) -> tuple[list[_Job], list[_Job]]:
        """(found, pending): where each form was last found (sheetId), its recorded tab, then the
        name formkit gives it — the tab titles alone, no values needed."""
        found: list[_Job] = []
        pending: list[_Job] = []
        by_id = {tab_id: title for tab_id, title in self.tabs}
        for job in group:
            named = [(by_id.get(job.tab_id) if job.tab_id is not None else None,
                      _("the tab it was found in before (same sheetId)")),
                     (job.tab, _("the tab recorded for it")), (rule_names.get(id(job.form)), _("its tab name"))]
            title, how = next(((t, h) for t, h in named if t and t in self.free), ("", ""))
            if title:
                self._claim(job, title, how, found)
            else:
                pending.append(job)
        return found, pending

    def by_data(self, pending: list[_Job], rule_names: dict[int, str], problems: Problems, file: str) -> list[_Job]:
        """The forms not found by name, from what the free tabs hold (every one read whole)."""
        found: list[_Job] = []
        pending = list(pending)
        left: dict[int, tuple[list[str], str]] = {}
        for use_times in (False, True):  # the forms' own response times only where still needed
            while pending:
                left = {id(job): self._by_data(job, use_times) for job in pending}
                wanted = Counter(t for candidates, _ in left.values() for t in candidates)
                # A form's one candidate no other form wants: two forms with the same officers
                # both "fit" the tab that has answers, and neither may take it on that alone.
                sure = [job for job in pending if len(left[id(job)][0]) == 1 and wanted[left[id(job)][0][0]] == 1]
                if not sure:
                    break
                for job in sure:
                    self._claim(job, left[id(job)][0][0], left[id(job)][1], found)
                    pending.remove(job)
        for job in pending:
            candidates, how = left[id(job)]
            name = rule_names.get(id(job.form)) or job.tab
            rivals = [_("{commune}'s form").format(commune=other.commune.id) for other in pending
                      if other is not job and set(left[id(other)][0]) & set(candidates)]
            if len(candidates) > 1:
                fit = _("tabs '{first}' and '{second}' both fit it").format(first=candidates[0], second=candidates[1])
            else:
                fit = _("tab '{tab}' fits it and {rival}").format(
                    tab=candidates[0] if candidates else "", rival=rivals[0] if rivals else _("another form"))
            if candidates and all(len(self.tables[t]) <= 1 for t in candidates):
                self.warnings.append(_("{commune}: form {form_id}: {fit}, and none holds answers yet; nothing to "
                                       "read — its tab is found once it has answers (or name it '{name}')").format(
                    commune=job.commune.id, form_id=job.form.form_id, fit=fit, name=name))
            elif candidates:
                problems.add(file, _("commune {commune}").format(commune=job.commune.id),
                             _("form {form_id}: {fit} ({how}); rename the right tab to '{name}'").format(
                                     form_id=job.form.form_id, fit=fit, how=how, name=name))
            else:
                listed = ", ".join(f"'{t}'" for _tab_id, t in self.tabs) or _("none")
                problems.add(file, _("commune {commune}").format(commune=job.commune.id),
                             _("no tab of this spreadsheet holds form {form_id}'s answers (the tabs: {listed}); "
                               "link the form again, or name its tab '{name}'").format(
                                     form_id=job.form.form_id, listed=listed, name=name))
        return found

    def _claim(self, job: _Job, title: str, how: str, found: list[_Job]) -> None:
        del self.free[title]
        job.tab, job.chosen_by = title, how
        job.tab_id = self.ids[title]
        found.append(job)

    def _by_data(self, job: _Job, use_times: bool) -> tuple[list[str], str]:
        titles = frozenset(title_key(t) for t in job.shape.titles.values())
        score = {t: len(titles & self._headers[t]) for t in self.free if t in self._headers}
        best = max(score.values(), default=0)
        candidates = [t for t in score if best and score[t] == best]
        how = _("its question titles")
        question = job.shape.template.by_role("officer")
        if len(candidates) > 1 and question is not None:
            # A tab naming none of the form's officers is another form's; one naming some of them
            # is preferred (an unknown name or two in it is an answer to flag, not a reason to skip).
            key, labels = title_key(job.shape.titles.get(question.id)), set(job.shape.officers)
            seen = {t: self._officers(t, key) for t in candidates}
            candidates = [t for t in candidates if not seen[t] or seen[t] & labels]
            fitting = [t for t in candidates if seen[t]]
            if fitting and len(fitting) < len(candidates) and not use_times:
                candidates, how = fitting, _("the officers named in it")
        if use_times and len(candidates) > 1 and any(len(self.tables[t]) > 1 for t in candidates):
            own = self._own_times(job)
            matching = [t for t in candidates if (own and self._times(t) & own) or
                        (not own and len(self.tables[t]) <= 1)]
            if matching:
                candidates, how = matching, _("the times of the form's own responses")
        return candidates, how

    def _officers(self, title: str, key: str) -> frozenset[str]:
        if (title, key) not in self._seen:
            header = [title_key(h) for h in self.tables[title][0]]
            column = header.index(key) if key in header else -1
            self._seen[(title, key)] = frozenset(
                clean(cell_text(r[column])) for r in self.tables[title][1:]
                if 0 <= column < len(r) and cell_text(r[column]).strip())
        return self._seen[(title, key)]

    def _own_times(self, job: _Job) -> set:
        if job.form.form_id not in self._own:
            self._own[job.form.form_id] = {parse_rfc3339(r.get("lastSubmittedTime") or r["createTime"])
                                           for r in self.google.responses(job.form.form_id,
                                                                          fields="createTime,lastSubmittedTime")}
        return self._own[job.form.form_id]

    def _times(self, title: str) -> set:
        """The response times in a tab, read once per tab (the time column depends on the header alone)."""
        if title not in self._tab_times:
            values = self.tables[title]
            columns = map_header(values[0], {}, "")
            times = set()
            for cells in values[1:]:
                if columns.time_column < len(cells) and cell_text(cells[columns.time_column]).strip():
                    try:
                        times.add(cell_time(cells[columns.time_column], columns.day_first, self.zone))
                    except ValueError:
                        continue
            self._tab_times[title] = times
        return self._tab_times[title]


def _read_api(google: Google, store: ResponseStore, job: _Job, result: PullResult) -> list[ResponseRow]:
    """Responses from the newest stored second on; all of them the first time."""
    latest = store.latest(job.commune.id, job.form.form_id)
    by_question = {q.question_id: qid for qid, q in job.form.questions.items()}
    rows, unknown = [], set()
    for response in google.responses(job.form.form_id, since=rfc3339_utc(latest) if latest else None,
                                     fields="responseId,createTime,lastSubmittedTime,answers"):
        answers = {}
        for key, answer in (response.get("answers") or {}).items():
            qid = by_question.get(answer.get("questionId", key))
            if qid is None:
                unknown.add(answer.get("questionId", key))
                continue
            values = [a.get("value", "") for a in (answer.get("textAnswers") or {}).get("answers", [])]
            answers[qid] = ", ".join(values)  # as the linked sheet writes a checkbox answer
        stamp = response.get("lastSubmittedTime") or response.get("createTime")
        try:
            submitted = parse_rfc3339(stamp or "")  # none at all: the ValueError below
        except (TypeError, ValueError) as exc:
            raise RemoteError(_("forms.responses.list: response {response} of form {form_id} has no usable time "
                                "({stamp!r})").format(
                response=response.get('responseId'), form_id=job.form.form_id, stamp=stamp)) from exc
        row = job.shape.row("api", submitted, answers)
        row.response_id = response.get("responseId")
        rows.append(row)
    if unknown:
        result.warnings.append(_("{commune}: form {form_id} has answers to question(s) {questions} that the state "
                                 "does not know; ignored").format(
                commune=job.commune.id, form_id=job.form.form_id, questions=', '.join(sorted(unknown))))
    return rows


def _remember(job: _Job, store: ResponseStore) -> bool:
    """Record the linked spreadsheet (none: the form was found unlinked), the tab found, when
    forms.get confirmed the link, and the newest response in the state."""
    form = job.form
    before = (form.spreadsheet_id, form.sheet_tab, form.sheet_tab_id, form.last_pulled, form.link_checked)
    if job.sheet:
        form.spreadsheet_id, form.sheet_tab, form.sheet_tab_id = job.sheet, job.tab, job.tab_id
    elif job.checked:  # unlinked: the tab it fed is no longer its own (a new link makes a new tab)
        form.spreadsheet_id, form.sheet_tab, form.sheet_tab_id = "", "", None
    if job.checked:
        form.link_checked = job.checked
    latest = store.latest(job.commune.id, form.form_id) if job.read or not form.last_pulled else None
    if latest:
        form.last_pulled = rfc3339_utc(latest)
    return (form.spreadsheet_id, form.sheet_tab, form.sheet_tab_id, form.last_pulled, form.link_checked) != before

"""`formkit posters`: from the workspace and the state file to print-ready PDFs.

Order of work, so that a mistake costs nothing: the layout is checked, the selection resolved and
every link built from the state file (never retyped) before anything is drawn. Photos are then
prepared in the background while the pages before them are drawn (with strict, all of them
first), and the files are written only once every document has been drawn, each atomically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import InputError, Problem, Problems, StateError, UsageError
from ..files import atomic_write_bytes
from ..forms.formspec import prefill_url
from ..forms.state import FormRecord, State
from ..i18n import _
from ..workspace.config import CONFIG_NAME, Commune, Officer, Workspace
from ..workspace.templates import Question, Template, load_template
from . import photos as photo_prep
from .layouts import Layout, find_layout, list_layouts, load_layout
from .render import Page, render, values

DEFAULT_LAYOUT = "a5-table-stand"


@dataclass(frozen=True)
class PosterOptions:
    communes: tuple[str, ...] = ()  # commune ids; empty: all
    officers: tuple[str, ...] = ()  # officer ids; empty: every officer, plus the commune pages
    layout: str = DEFAULT_LAYOUT
    out_dir: Path | None = None  # default: <workspace>/output/posters
    combined: bool = False  # one PDF for the whole selection instead of one per commune
    fields: bool = False  # also a sheet of QR labels per commune, one per field of procedure
    strict: bool = False  # a missing or unreadable photo (or one without consent) is an error, not a warning
    # Links only this computer can open (a form on the embedded backend at 127.0.0.1): "print" them,
    # print them with a loud "warn"ing (a trial), or "refuse" (the CLI's choice when the run is not a trial).
    local_links: str = "print"
    point: str | None = None  # a reception point's id: only its officers, its name printed


@dataclass
class PosterResult:
    files: list[Path] = field(default_factory=list)
    pages: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _CommunePlan:
    commune: Commune
    form: FormRecord
    pages: list[Page]  # commune page (unless officers were chosen), then one per officer
    labels: list[Page]  # field labels, when asked for
    officer_pages: list[tuple[int, Officer]]  # index into pages, officer
    point: str = ""  # the reception point printed for (its id), when one was chosen


def make_posters(workspace: Workspace, state: State, options: PosterOptions = PosterOptions()) -> PosterResult:
    """Write the PDFs for the selection: one per commune (its commune page, then one page per
    officer) or one for all with `combined`, plus field-label sheets with `fields`.

    Raises UsageError (unknown commune, officer or layout; no published form yet), StateError (a
    form record that lacks a question), InputError (invalid layout; officers or fields the form
    does not list; with `strict`, missing or unreadable photos) — always before any file is written.
    """
    result = PosterResult()
    layout = load_layout(options.layout, workspace.root)
    labels_layout = _labels_layout(layout, workspace) if options.fields else None
    selection = _select(workspace, options)
    _require_published(state, [commune for commune, _officers, _page in selection])
    unconsented = photo_consent_problems([o for _c, officers, _p in selection for o in officers])
    if options.strict and unconsented:
        raise InputError(unconsented, _("photos without the officer's consent (--strict)"))
    result.warnings.extend(str(p) for p in unconsented)
    local = _local_only(state, [commune for commune, _officers, _page in selection])
    if local and options.local_links == "refuse":
        raise UsageError(_("the forms of {communes} live at {url}, which only this computer can open: no phone could "
                           "open a poster's QR code. For posters citizens can use, make the forms on Google (or run "
                           "`formkit serve --host 0.0.0.0` and set FORMKIT_GOOGLE_ENDPOINT to the address phones "
                           "reach before `formkit create`); to print these anyway as a trial, add "
                           "--allow-local.").format(communes=", ".join(local), url=_origin(state, local[0])))
    if local and options.local_links == "warn":
        result.warnings.append(_("TRIAL PRINT: the QR codes of {communes} point to {url}, which only this computer "
                                 "can open; do not put these posters on a counter").format(
            communes=", ".join(local), url=_origin(state, local[0])))
    plans = _Planner(workspace, state, result.warnings).plan(selection, options)

    out_dir = Path(options.out_dir) if options.out_dir else workspace.output_dir / "posters"
    rendered = []
    with photo_prep.Preparer() as preparer:
        # Photos decode on the other cores while this process draws the pages before them.
        photos = _Photos(workspace, layout, plans, preparer)
        if options.strict:
            photos.wait_all()  # every photo checked before anything is drawn
            photos.problems.raise_if_any(_("photos missing or unreadable (--strict)"))
        for path, doc_layout, pages, title in _documents(plans, layout, labels_layout, out_dir, options.combined):
            if pages:
                rendered.append((path, render(doc_layout, photos.fill(pages), title)))
    result.warnings.extend(_("{problem}: a placeholder is printed instead").format(problem=p)
                           for p in photos.problems.items)
    for path, done in rendered:  # written only once every document has been drawn
        atomic_write_bytes(path, done.data, mode=0o644)  # made to be shared and printed
        result.files.append(path)
        result.pages += done.pages
        result.warnings.extend(done.warnings)
    return result


def _documents(plans: list[_CommunePlan], layout: Layout, labels_layout: Layout | None, out_dir: Path,
               combined: bool) -> list[tuple[Path, Layout, list[Page], str]]:
    """(file, layout, pages, PDF title) for each document to write."""
    if combined:
        documents = [(out_dir / f"posters-{layout.id}.pdf", layout, [p for plan in plans for p in plan.pages],
                      "Đánh giá mức độ hài lòng")]
        if labels_layout is not None:
            documents.append((out_dir / f"fields-{labels_layout.id}.pdf", labels_layout,
                              [p for plan in plans for p in plan.labels],
                              "Đánh giá mức độ hài lòng theo lĩnh vực"))
        return documents
    documents = []
    for plan in plans:
        name = plan.commune.display_name
        stem = f"{plan.commune.id}-{plan.point}" if plan.point else plan.commune.id  # a point's own file
        documents.append((out_dir / f"{stem}-{layout.id}.pdf", layout, plan.pages,
                          f"Đánh giá mức độ hài lòng – {name}"))
        if labels_layout is not None:
            documents.append((out_dir / f"{stem}-{labels_layout.id}.pdf", labels_layout, plan.labels,
                              f"Đánh giá mức độ hài lòng theo lĩnh vực – {name}"))
    return documents


CHECK_SIZE = (90, 120)  # pixels: enough to decode the whole file (a broken JPEG fails), cheap at 1/8 scale


def check_photos(workspace: Workspace, communes: tuple[str, ...] = ()) -> list[Problem]:
    """Every photo the workspace names, read the way `posters` reads it (a file that is missing,
    not an image, or truncated is a problem). For `check` and `create`: a form needs no photo,
    so the CLI warns, and errors only with --strict."""
    officers = [(o, o.photo) for c in workspace.select(communes) for o in c.officers if o.photo is not None]
    with photo_prep.Preparer() as preparer:
        results = list(preparer.map([(path, CHECK_SIZE) for o, path in officers]))
    problems = Problems()
    for (officer, path), photo in zip(officers, results, strict=True):
        if isinstance(photo, photo_prep.PhotoError):
            problems.add(_shown(workspace, path), _("photo of officer '{id}' ({name})").format(
                id=officer.id, name=officer.name), str(photo))
    return problems.items


def photo_consent_problems(officers: list[Officer]) -> list[Problem]:
    """Officers whose photo is named but whose consent to print it is not recorded: a person's
    image is personal data (Law 91/2025/QH15). `check` and `posters` warn; --strict refuses."""
    return [Problem(CONFIG_NAME, _("officer '{id}' ({name})").format(id=o.id, name=o.name),
                    _("no consent recorded to print the photo: set photo_consent = true (in a roster: column "
                      "'Đồng ý dùng ảnh' = có) once the officer has agreed, or remove the photo"))
            for o in officers if o.photo is not None and not o.photo_consent]


def _local_only(state: State, communes: list[Commune]) -> list[str]:
    """Communes whose form link names this computer itself (the embedded backend on 127.0.0.1)."""
    import ipaddress
    from urllib.parse import urlsplit

    def loopback(url: str) -> bool:
        host = urlsplit(url).hostname or ""
        try:
            return host == "localhost" or host.endswith(".localhost") or ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    return [c.id for c in communes if (form := state.current(c.id)) is not None and loopback(form.responder_uri)]


def _origin(state: State, commune_id: str) -> str:
    from urllib.parse import urlsplit

    form = state.current(commune_id)
    assert form is not None  # _local_only lists only communes with a form
    url = urlsplit(form.responder_uri)
    return f"{url.scheme}://{url.netloc}"


def _require_published(state: State, communes: list[Commune]) -> None:
    """Posters carry the form's link: without a published form there is nothing to print yet."""
    missing = [c.id for c in communes if (form := state.current(c.id)) is None or not form.done]
    if missing:
        raise UsageError(_("no published form yet for {communes}: run `formkit create` first (and `formkit link`), "
                           "then `formkit posters`").format(communes=", ".join(missing)))


def _labels_layout(layout: Layout, ws: Workspace) -> Layout:
    if find_layout(layout.field_labels, ws.root) is None:
        known = ", ".join(list_layouts(ws.root, kind="labels")) or _("none")
        raise InputError(Problem(str(layout.source), "field_labels", _("no label layout '{name}' (known: {known})")
                                 .format(name=layout.field_labels, known=known)))
    return load_layout(layout.field_labels, ws.root, kind="labels")


def _select(ws: Workspace, options: PosterOptions) -> list[tuple[Commune, list[Officer], bool]]:
    """(commune, its officers to print, whether its commune page is printed)."""
    communes = ws.select(options.communes)
    if options.point is not None:
        communes = [c for c in communes if any(p.id == options.point for p in c.points)]
        if not communes:
            known = sorted({p.id for c in ws.select(options.communes) for p in c.points})
            raise UsageError(_("no reception point '{point}' in the communes selected (known: {known})").format(
                point=options.point, known=", ".join(known) or _("none")))
        communes = [replace(c, officers=tuple(o for o in c.officers if o.point == options.point)) for c in communes]
    if not options.officers:
        return [(c, list(c.officers), True) for c in communes]
    home = {o.id: c for c in ws.communes for o in c.officers}
    for oid in dict.fromkeys(options.officers):
        if oid not in home:
            known = [o.id for c in communes for o in c.officers]
            shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
            raise UsageError(_("no officer '{id}' in the workspace (known: {known})").format(
                id=oid, known=shown or _("none")))
        if home[oid] not in communes:
            raise UsageError(_("officer '{id}' belongs to commune '{commune}', which is not selected").format(
                id=oid, commune=home[oid].id))
    wanted = set(options.officers)
    chosen = [(c, [o for o in c.officers if o.id in wanted], False) for c in communes]
    return [entry for entry in chosen if entry[1]]


class _Planner:
    """Builds every page's values and link from the state file; collects what is out of date."""

    def __init__(self, ws: Workspace, state: State, warnings: list[str]) -> None:
        self.ws, self.state, self.warnings = ws, state, warnings
        self.problems = Problems()
        self.templates: dict[str, Template] = {}
        self.state_name = _shown(ws, ws.state_file)

    def plan(self, selection: list[tuple[Commune, list[Officer], bool]], options: PosterOptions) -> list[_CommunePlan]:
        plans = [self.commune(c, officers, with_page, options.fields, options.point or "")
                 for c, officers, with_page in selection]
        self.problems.raise_if_any(_("the forms do not match the workspace: run `formkit create` to update them, "
                                     "then print again"))
        return plans

    def template(self, template_id: str) -> Template:
        if template_id not in self.templates:
            self.templates[template_id] = load_template(template_id, self.ws.root)
        return self.templates[template_id]

    def question_id(self, commune: Commune, form: FormRecord, question: Question) -> str:
        record = form.questions.get(question.id)
        if record is None or not record.question_id:
            raise StateError(_("{file}: the form of commune '{commune}' has no question '{question}'; run "
                               "`formkit create` to rebuild it").format(file=self.state_name, commune=commune.id,
                                                                         question=question.id))
        return record.question_id

    def commune(self, commune: Commune, officers: list[Officer], with_page: bool, fields: bool,
                point: str = "") -> _CommunePlan:
        form = self.state.published(commune.id)
        template = self.template(form.template)
        point_names = {p.id: p.name for p in commune.points}
        base = {"commune": commune.display_name, "unit": self.ws.unit.display_name, "office": commune.office,
                "link": short_link(commune.short_link or form.responder_uri)}
        pages = [Page("commune", values(**base, duration=duration(template), point=point_names.get(point, "")),
                      form.responder_uri,
                      who=f"commune '{commune.id}'")] if with_page else []
        officer_pages: list[tuple[int, Officer]] = []
        officer_q = template.by_role("officer")
        if officer_q is None and officers:
            self.warnings.append(_("commune '{commune}': template '{template}' does not ask which officer served, "
                                   "so the officer pages carry the commune's link").format(commune=commune.id,
                                                                                            template=template.id))
        for officer in officers:
            url = form.responder_uri
            if officer_q is not None:
                value = self.option(commune, form, officer_q, form.officer_options.get(officer.id),
                                    _("officer '{id}' ({name})").format(id=officer.id, name=officer.name))
                if value is None:
                    continue
                current = officer.option_label(officer_q.option_label)
                if current != value:
                    self.warnings.append(_("officer '{id}': the form still lists '{value}', the workspace now says "
                                           "'{current}'; run `formkit create` to update the form").format(
                        id=officer.id, value=value, current=current))
                url = prefill_url(form.responder_uri, [(self.question_id(commune, form, officer_q), value)])
            page_values = values(**base, name=officer.name, title=officer.title, counter=officer.counter,
                                 point=point_names.get(officer.point, ""))
            officer_pages.append((len(pages), officer))
            pages.append(Page("officer", page_values, url, who=f"officer '{officer.id}' ({officer.name})"))
        labels = self.labels(commune, form, template, base) if fields else []
        return _CommunePlan(commune, form, pages, labels, officer_pages, point)

    def labels(self, commune: Commune, form: FormRecord, template: Template, base: dict[str, str]) -> list[Page]:
        field_q = template.by_role("field")
        if field_q is None:
            raise UsageError(_("template '{template}' has no question for the field of procedure, so there is "
                               "nothing to prefill on field labels").format(template=template.id))
        if not commune.fields:
            self.warnings.append(
                _("commune '{commune}' lists no fields of procedure in {file}: no field labels").format(
                    commune=commune.id, file=CONFIG_NAME))
        labels = []
        for name in commune.fields:
            value = self.option(commune, form, field_q, name if name in form.field_options else None,
                                _("field '{name}'").format(name=name))
            if value is None:
                continue
            url = prefill_url(form.responder_uri, [(self.question_id(commune, form, field_q), value)])
            labels.append(Page("label", values(**base, field=value), url,
                               who=f"commune '{commune.id}', field '{name}'"))
        return labels

    def option(self, commune: Commune, form: FormRecord, question: Question, value: str | None,
               what: str) -> str | None:
        """The dropdown option to prefill, exactly as the form has it; None (and a problem) if absent."""
        record = form.questions.get(question.id)
        if value is None or (record is not None and record.options and value not in record.options):
            self.problems.add(self.state_name, _("commune '{commune}'").format(commune=commune.id),
                              _("{what} is not in the form's list for '{question}' (added or renamed after the form "
                                "was made)").format(what=what, question=question.title))
            return None
        return value


def duration(template: Template) -> str:
    """How long the form takes, in the words its own description uses ("khoảng 3 phút")."""
    found = re.search(r"khoảng\s+\d+\s+phút", template.description)
    return found.group(0) if found else "ít phút"


def short_link(uri: str) -> str:
    """The link as a person reads it aloud or types it: without the scheme. The commune's
    forms.gle link where formkit.toml gives one (the API has no way to make it); the QR codes
    always carry the full, prefilled link."""
    return re.sub(r"^https?://", "", uri)


class _Photos:
    """The officers' photos, prepared in the background in page order, handed out as pages are drawn."""

    def __init__(self, ws: Workspace, layout: Layout, plans: list[_CommunePlan], preparer: photo_prep.Preparer) -> None:
        self.ws = ws
        self.problems = Problems()
        self.officers: list[Officer] = []  # by slot
        self.done: list[photo_prep.Photo | photo_prep.PhotoError] = []
        block = layout.block("officer", "photo")
        if block is None:
            self.results: Iterator[photo_prep.Photo | photo_prep.PhotoError] = iter(())
            return
        for plan in plans:
            for i, officer in plan.officer_pages:
                if officer.photo is None:
                    self.problems.add(CONFIG_NAME,
                                      _("officer '{id}' ({name})").format(id=officer.id, name=officer.name),
                                      _("no photo given"))
                else:
                    plan.pages[i] = replace(plan.pages[i], slot=len(self.officers))
                    self.officers.append(officer)
        size = photo_prep.pixels_for(block.box.w, block.box.h)
        self.results = preparer.map([(o.photo, size) for o in self.officers if o.photo is not None])

    def get(self, slot: int) -> photo_prep.Photo | photo_prep.PhotoError:
        while len(self.done) <= slot:
            photo = next(self.results)
            if isinstance(photo, photo_prep.PhotoError):
                officer = self.officers[len(self.done)]
                assert officer.photo is not None  # only officers with a photo have a slot
                self.problems.add(_shown(self.ws, officer.photo), _("photo of officer '{id}' ({name})").format(
                    id=officer.id, name=officer.name), str(photo))
            self.done.append(photo)
        return self.done[slot]

    def wait_all(self) -> None:
        if self.officers:
            self.get(len(self.officers) - 1)

    def fill(self, pages: list[Page]) -> Iterator[Page]:
        for page in pages:
            photo = self.get(page.slot) if page.slot >= 0 else None
            yield replace(page, photo=photo) if isinstance(photo, photo_prep.Photo) else page


def _shown(ws: Workspace, path: Path) -> str:
    try:
        return str(Path(path).relative_to(ws.root))
    except ValueError:
        return str(path)

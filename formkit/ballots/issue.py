"""`formkit ballots`: N numbered ballots for a commune's current form, registered before they exist.

Order of work, so that a crash leaves nothing a re-run cannot finish: the PDF is drawn to a
temporary file, the geometry and the register are written (atomically), and only then is the PDF
moved into place. A crash before the register is written issues nothing; after it, the serials
are on record as issued though their PDF is missing (the register names it), which the report
shows as ballots not returned. A valid ballot that the register does not know can never exist.
Each run issues new serials: running it twice prints two batches.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from ..errors import UsageError
from ..files import atomic_write_text
from ..forms.formspec import form_title
from ..forms.state import State
from ..i18n import _
from ..typography import binary_pdf_streams
from ..workspace.config import Workspace
from ..workspace.templates import Template, load_template
from .layout import load_layout
from .register import PageId, Register, check_value, load_secret
from .render import draw_ballot, plan_ballot

MAX_COUNT = 5000


@dataclass
class Issued:
    pdf: Path
    geometry: Path
    first: int
    last: int
    pages: int


def ballots_dir(ws: Workspace) -> Path:
    return ws.state_dir / "ballots"


def form_template(ws: Workspace, template_id: str) -> Template:
    return ws.template if ws.template.id == template_id else load_template(template_id, ws.root)


def make_ballots(ws: Workspace, state: State, commune_id: str, count: int, officer_id: str | None = None,
                 layout_name: str = "a4", out_dir: Path | None = None, point_id: str | None = None) -> Issued:
    commune = ws.commune(commune_id)
    point = None
    if point_id is not None:
        try:
            point = commune.point(point_id)
        except KeyError:
            raise UsageError(_("no reception point '{point}' in commune '{commune}' (known: {known})").format(
                point=point_id, commune=commune_id, known=", ".join(p.id for p in commune.points) or _("none"))) \
                from None
    if not 1 <= count <= MAX_COUNT:
        raise UsageError(_("--count must be from 1 to {MAX_COUNT}, not {count}").format(
                MAX_COUNT=MAX_COUNT, count=count))
    form = state.published(commune_id)
    form_number = state.forms(commune_id).index(form) + 1
    template = form_template(ws, form.template)
    if template.version != form.template_version:
        raise UsageError(_("{commune_id}'s form was made from {template} v{template_version}, but the template is "
                           "now v{version}: run `formkit create --new-version` first").format(
                commune_id=commune_id, template=form.template, template_version=form.template_version,
                version=template.version))
    officer_printed = None
    if officer_id is not None:
        if officer_id not in form.officer_options:
            raise UsageError(_("no officer '{officer_id}' on {commune_id}'s form (known: {known})").format(
                    officer_id=officer_id, commune_id=commune_id, known=', '.join(form.officer_options) or _("none")))
        officer_printed = form.officer_options[officer_id]
    layout = load_layout(layout_name, ws.root)
    values = commune.texts(ws.unit)
    description = template.description.format(**values)
    officer_options = list(form.officer_options.items())
    if point is not None:  # its officers to choose from, and its name under the title
        at_point = {o.id for o in commune.officers if o.point == point.id}
        officer_options = [(oid, label) for oid, label in officer_options if oid in at_point]
        description = layout.texts["point"].format(point=point.name) + "\n" + description.lstrip("\n")
    plan = plan_ballot(template, layout, form_title(template, commune, ws.unit), description,
                       officer_options, officer_printed, list(form.field_options),
                       lambda text: text.format(**values))
    register = Register.load(ws.state_dir)
    secret = load_secret(ws.state_dir, create=True)
    first = register.next_serial(commune_id)
    out = Path(out_dir or ws.output_dir / "ballots")
    stem = f"{commune_id}-{point.id}" if point is not None else commune_id
    pdf = out / f"phieu-{stem}-{first:06d}-{first + count - 1:06d}.pdf"
    geometry = plan.geometry({"layout": layout_name, "commune": commune_id, "form": form_number,
                              "form_id": form.form_id, "template": template.id,
                              "template_version": template.version, "officer": officer_id})
    text = json.dumps(geometry, ensure_ascii=False, indent=1) + "\n"
    geometry_id = hashlib.sha256(text.encode()).hexdigest()[:16]
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".tmp", dir=out)
    os.close(fd)
    try:
        with binary_pdf_streams():
            canvas = Canvas(tmp, pagesize=layout.page_size, pageCompression=1)
            canvas.setTitle(f"Phiếu khảo sát {commune.display_name} số {first:06d}–{first + count - 1:06d}")
            canvas.setAuthor("formkit")
            for serial in range(first, first + count):
                check = check_value(secret, commune_id, form_number, serial)
                ids = [PageId(commune_id, form_number, serial, p, check) for p in range(1, len(plan.pages) + 1)]
                draw_ballot(canvas, plan, layout, ids)
            canvas.save()
        atomic_write_text(ballots_dir(ws) / f"{geometry_id}.layout.json", text)
        batch = register.issue(commune_id, form_number, count, officer_id, pdf)
        batch.geometry = geometry_id
        register.save()
        atomic_write_text(Path(f"{pdf}.layout.json"), text)
        os.replace(tmp, pdf)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return Issued(pdf, Path(f"{pdf}.layout.json"), first, first + count - 1, len(plan.pages))

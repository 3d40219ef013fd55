"""What `formkit kiosk pair | pins | devices | revoke` do, checked against the workspace first."""

from __future__ import annotations

from pathlib import Path

from ..errors import Problems, UsageError
from ..files import atomic_write_bytes, nfc
from ..i18n import _
from ..workspace.config import CONFIG_NAME, Workspace
from ..workspace.templates import Template, find_template, load_template
from .ratings import kiosk_questions
from .registry import STAGES, Device, Registry, registry_file, unknown_device

MAX_CRITERIA = 8  # a counter rating takes seconds: a long question set belongs on the form
COUNTER_MAX = 60


def counter_problems(template: Template) -> list[str]:
    """Why a question set cannot be asked at a counter ([] when it can)."""
    questions = kiosk_questions(template)
    problems = []
    if not questions:
        problems.append(_("it has no rated criteria"))
    if len(questions) > MAX_CRITERIA:
        problems.append(_("it has {n} criteria; a counter asks {max} at most (can-bo-3, tra-ket-qua-6)").format(
            n=len(questions), max=MAX_CRITERIA))
    if any(s.ask_if is not None for s in template.sections):
        problems.append(_("it has conditional sections, which a counter does not ask"))
    return problems


def pair(ws: Workspace, commune_id: str, counter: str, template_id: str, stage: str,
         field: str | None) -> tuple[Device, str]:
    """A new counter tablet waiting for its pairing code; every problem is listed at once."""
    problems = Problems()
    config = ws.root / CONFIG_NAME
    commune = next((c for c in ws.communes if c.id == commune_id), None)
    if commune is None:
        problems.add(config, "--commune", _("no commune '{id}' (known: {known})").format(
            id=commune_id, known=", ".join(c.id for c in ws.communes)))
    counter = nfc(counter).strip()
    if not counter or len(counter) > COUNTER_MAX:
        problems.add(config, "--counter", _("name the counter (1–{max} characters), e.g. \"Quầy 3\"").format(
            max=COUNTER_MAX))
    if stage not in STAGES:
        problems.add(config, "--stage", _("must be one of {stages}").format(stages=", ".join(STAGES)))
    if find_template(template_id, ws.root) is None:
        problems.add(config, "--set", _("no question set '{id}' (`formkit templates` lists them)").format(
            id=template_id))
    else:
        for problem in counter_problems(load_template(template_id, ws.root)):
            problems.add(str(find_template(template_id, ws.root)), "--set", problem)
    if field is not None and commune is not None and nfc(field) not in commune.fields:
        problems.add(config, "--field", _("'{field}' is not a field of {commune} (known: {known})").format(
            field=field, commune=commune.display_name, known=", ".join(commune.fields)))
    problems.raise_if_any(_("cannot pair a counter tablet"))
    with Registry(ws.state_dir) as registry:
        return registry.create(commune_id, counter, template_id, stage, nfc(field) if field else None)


def pairing_qr(ws: Workspace, device: Device, url: str) -> Path:
    """A QR code of the pairing address (code included) to scan with the tablet's camera: a PNG,
    owner-only (the code is a secret until it is used, 15 minutes at most)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=10, border=4)
    path = ws.output_dir / "kiosk" / f"ghep-noi-{device.id}.png"
    atomic_write_bytes(path, buffer.getvalue(), mode=0o600)
    return path


def new_pins(ws: Workspace, commune_id: str, officer_ids: tuple[str, ...]) -> dict[str, str]:
    """New PINs for a commune's officers (all of them by default), returned once to be handed out."""
    commune = next((c for c in ws.communes if c.id == commune_id), None)
    if commune is None:
        raise UsageError(_("no commune '{id}' (known: {known})").format(
            id=commune_id, known=", ".join(c.id for c in ws.communes)))
    known = [o.id for o in commune.officers]
    unknown = [o for o in officer_ids if o not in known]
    if unknown:
        raise UsageError(_("no officer {ids} in {commune} (known: {known})").format(
            ids=", ".join(unknown), commune=commune.display_name, known=", ".join(known)))
    with Registry(ws.state_dir) as registry:
        return registry.set_pins(commune_id, list(officer_ids or known))


def devices(ws: Workspace) -> list[Device]:
    """The tablets; none (and no new file) before the first is paired."""
    if not registry_file(ws.state_dir).exists():
        return []
    with Registry(ws.state_dir) as registry:
        return registry.devices()


def revoke(ws: Workspace, device_id: str) -> Device:
    if not registry_file(ws.state_dir).exists():
        raise unknown_device(device_id)
    with Registry(ws.state_dir) as registry:
        return registry.revoke(device_id)

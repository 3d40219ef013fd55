"""`formkit check`: everything formkit can verify without calling anything remote — the selected
communes make valid forms from the template, the state file belongs with the workspace, and every
officer's photo reads the way `posters` reads it. It lives with the posters because the photos
are theirs; `create` checks the photos the same way (check_photos)."""

from __future__ import annotations

from ..errors import InputError, Problem
from ..forms.create import plan
from ..forms.state import State
from ..i18n import _
from ..workspace.config import Workspace
from .make import check_photos, photo_consent_problems


def check_workspace(ws: Workspace, state: State, communes: tuple[str, ...] = (), strict: bool = False) -> list[Problem]:
    """Raises InputError for what would make invalid forms; returns the photo problems (a form
    needs no photo: warnings), or raises them too with `strict` — and with `strict`, photos without
    the officer's consent (photo_consent_problems; the CLI warns about them otherwise)."""
    plan(ws, state, communes)
    problems = check_photos(ws, communes)
    unconsented = photo_consent_problems([o for c in ws.select(communes) for o in c.officers])
    if strict and problems:
        raise InputError(problems + unconsented, _("photos missing or unreadable (--strict)"))
    if strict and unconsented:
        raise InputError(unconsented, _("photos without the officer's consent (--strict)"))
    return problems

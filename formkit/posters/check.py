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
from .make import check_photos


def check_workspace(ws: Workspace, state: State, communes: tuple[str, ...] = (), strict: bool = False) -> list[Problem]:
    """Raises InputError for what would make invalid forms; returns the photo problems (a form
    needs no photo: warnings), or raises them too with `strict`."""
    plan(ws, state, communes)
    problems = check_photos(ws, communes)
    if strict and problems:
        raise InputError(problems, _("photos missing or unreadable (--strict)"))
    return problems

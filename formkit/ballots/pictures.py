"""The pictures of handwritten boxes a scan keeps beside its answers
(output/ballots/<commune>/viet-tay/<serial>-<role>.png), and which of them something still points
to: a stored answer's comment names them ("ý kiến viết tay: …; số điện thoại viết tay: …"), a
ballot still waiting for a page or a review keeps them in the scan state. A picture nothing points
to is an orphan — its ballot was taken out of the store, replaced, or the scan stopped before
recording it — and no later step would ever read or delete it. An orphan picture of a phone box
is deleted (a phone is kept for one purpose, with consent); one of a comment box is left, since a
store restored from a backup names it again.

A picture is matched by its commune and file name, not its full path: the workspace may have been
moved, or written on Windows, since the path was recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..workspace.config import Workspace
from . import HANDWRITTEN_COMMENT, HANDWRITTEN_PHONE

FOLDER = "viet-tay"
PHONE = "phone"  # the role of the phone box (comment: the comment box)


def folder_of(ws: Workspace, commune_id: str) -> Path:
    return ws.output_dir / "ballots" / commune_id / FOLDER


def picture_of(ws: Workspace, commune_id: str, serial: int, role: str) -> Path:
    return folder_of(ws, commune_id) / f"{serial:06d}-{role}.png"


def is_phone(picture: Path) -> bool:
    return picture.stem.endswith(f"-{PHONE}")


def on_disk(ws: Workspace) -> list[Path]:
    root = ws.output_dir / "ballots"
    return sorted(p for p in root.glob(f"*/{FOLDER}/*") if p.is_file()) if root.is_dir() else []


def named_in(text: str) -> list[str]:
    """The picture paths a stored comment names."""
    prefixes = (f"{HANDWRITTEN_COMMENT}: ", f"{HANDWRITTEN_PHONE}: ")
    return [part.split(": ", 1)[1] for part in text.split("; ") if part.startswith(prefixes)]


def _name_of(path: str) -> tuple[str, str] | None:
    """(commune, file name) of a recorded picture path, whichever separator wrote it."""
    parts = re.split(r"[\\/]", path.strip())
    return (parts[-3], parts[-1]) if len(parts) >= 3 and parts[-2] == FOLDER else None


def unreferenced(found: list[Path], referenced: Iterable[str]) -> list[Path]:
    """The pictures `found` on disk that none of the `referenced` paths names (the orphans)."""
    names = {name for path in referenced if (name := _name_of(path)) is not None}
    return [p for p in found if (p.parent.parent.name, p.name) not in names]


def located(ws: Workspace, recorded: str | Path) -> Path:
    """Where a recorded picture is now: in this workspace's folder for it (the workspace may have
    moved since), or as recorded when it is not one of a scan's pictures."""
    name = _name_of(str(recorded))
    return folder_of(ws, name[0]) / name[1] if name is not None else Path(recorded)


def commune_of(picture: Path) -> str:
    return picture.parent.parent.name

"""Where the shipped data lives: inside the package when installed, at the checkout's top otherwise.

Question sets (templates/forms) and poster layouts (posters/) sit at the top of the repository so
users can read and edit them; the wheel copies them to formkit/_data. Fonts always live inside the
package (formkit/fonts).
"""

from __future__ import annotations

from pathlib import Path

from .i18n import _

PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED = PACKAGE_DIR / "_data"
_CHECKOUT = PACKAGE_DIR.parent


def shipped_dir(name: str) -> Path:
    """The shipped data folder `name` ("templates", "posters" or "ballots")."""
    for base in (_INSTALLED, _CHECKOUT):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(_("formkit's shipped '{name}' folder is missing from {folder}").format(
        name=name, folder=PACKAGE_DIR))


def first_file(dirs: list[Path], name: str) -> Path | None:
    """The first of dirs holding `name`: a workspace's own data wins over what formkit ships."""
    return next((d / name for d in dirs if (d / name).is_file()), None)


def fonts_dir() -> Path:
    return PACKAGE_DIR / "fonts"

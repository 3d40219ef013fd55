"""Ballot layouts: TOML data files (ballots/*.toml) checked with clear errors before drawing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem, Problems
from ..files import read_toml
from ..i18n import _
from ..resources import first_file, shipped_dir

MM = 72 / 25.4
PAPER_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
NUMBERS = {  # key: (smallest, largest) accepted
    "margin_mm": (10, 40), "marker_mm": (4, 15), "marker_inset_mm": (3, 15), "qr_mm": (18, 50),
    "bubble_radius_pt": (4.5, 12), "bubble_pitch_mm": (10, 30), "row_gap_mm": (0.5, 10),
    "font_size": (7, 14), "heading_size": (7, 16), "title_size": (8, 20),
    "comment_box_mm": (15, 80), "phone_box_mm": (8, 25),
}
TEXTS = {"title": set(), "instructions": set(), "conditional": {"answer"}, "officer_printed": {"officer"},
         "serial": {"serial", "page", "pages"}}
# Texts a layout may leave out (layouts copied before they existed): (placeholders, default).
OPTIONAL_TEXTS = {"point": ({"point"}, "Điểm tiếp nhận: {point}")}


@dataclass(frozen=True)
class BallotLayout:
    name: str
    paper: str
    numbers: dict[str, float]
    texts: dict[str, str]

    @property
    def page_size(self) -> tuple[float, float]:
        w, h = PAPER_MM[self.paper]
        return (round(w * MM, 2), round(h * MM, 2))

    def __getattr__(self, key: str) -> float:
        try:
            return self.__dict__["numbers"][key]
        except KeyError:
            raise AttributeError(key) from None


def layout_dirs(workspace_dir: Path | None) -> list[Path]:
    dirs = [Path(workspace_dir) / "ballots"] if workspace_dir is not None else []
    return dirs + [shipped_dir("ballots")]


def load_layout(name: str, workspace_dir: Path | None = None) -> BallotLayout:
    path = first_file(layout_dirs(workspace_dir), f"{name}.toml")
    if path is None:
        known = sorted({p.stem for d in layout_dirs(workspace_dir) if d.is_dir() for p in d.glob("*.toml")})
        raise InputError(Problem("--layout", name, _("unknown ballot layout (known: {known})").format(
                known=', '.join(known) or _("none"))))
    raw = read_toml(path)
    problems = Problems()
    for key in sorted(set(raw) - set(NUMBERS) - {"paper", "texts"}):
        problems.add(path, key, _("unknown key"))
    paper = raw.get("paper", "A4")
    if paper not in PAPER_MM:
        problems.add(path, "paper", _("'{paper}' is not one of {papers}").format(
                paper=paper, papers=', '.join(PAPER_MM)))
        paper = "A4"
    numbers = {}
    for key, (low, high) in NUMBERS.items():
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            problems.add(path, key, _("must be a number from {low} to {high}, not {value!r}").format(
                    low=low, high=high, value=value))
            value = low
        numbers[key] = float(value)
    given = raw.get("texts")
    texts: dict = given if isinstance(given, dict) else {}
    for key, allowed in TEXTS.items():
        text = texts.get(key)
        if not isinstance(text, str) or not text.strip():
            problems.add(path, f"texts.{key}", _("missing"))
            continue
        try:
            text.format(**{k: "x" for k in allowed})
        except (KeyError, IndexError, ValueError) as exc:
            problems.add(path, f"texts.{key}", _("bad placeholder {exc} (allowed: {allowed})").format(
                    exc=exc, allowed=sorted(allowed) or _("none")))
    optional = {}
    for key, (allowed, default) in OPTIONAL_TEXTS.items():
        text = texts.get(key, default)
        try:
            text.format(**{k: "x" for k in allowed})
        except (AttributeError, KeyError, IndexError, ValueError) as exc:
            problems.add(path, f"texts.{key}", _("bad placeholder {exc} (allowed: {allowed})").format(
                    exc=exc, allowed=sorted(allowed)))
        optional[key] = text
    problems.raise_if_any(_("ballot layout {path} is not valid").format(path=path))
    return BallotLayout(name, paper, numbers, {**{k: texts[k] for k in TEXTS}, **optional})

"""Poster layouts: TOML data files (posters/*.toml) loaded and checked with clear errors.

A layout says the page size, margins, colours and which blocks go where; the code only draws
what the layout describes, so a province can restyle its stands without touching Python. Boxes
are [x, y, width, height] in millimetres from the top-left corner of the page (or of the label,
on a label sheet). Lookup order: the workspace's own `posters/` folder, then the shipped one.

Checks made before anything is drawn, so that a page can never come out broken:
- every box lies on the page (decoration) or inside the margins / the label (content);
- content boxes (text, steps, photo, qr) do not overlap one another, so nothing covers the QR;
- the QR box is at least MIN_QR_MM square, so the code itself prints ≥ 30 mm wide;
- placeholders in texts are ones the page can fill.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem, UsageError
from ..files import read_toml
from ..i18n import _, ngettext
from ..resources import first_file, shipped_dir
from ..tomlsyntax import parse
from ..workspace.toml import MAX_TEXT, TomlReader, at
from . import textfit

MM = 72 / 25.4

# A code must print ≥ 30 mm wide to scan from a stand. The box holds the quiet zone too (8 of
# 49 modules for a bare Google form link, fewer for longer prefilled ones): 36 mm leaves ≥ 30.
MIN_QR_MM = 36.0
PAPER_MM = {"A3": (297.0, 420.0), "A4": (210.0, 297.0), "A5": (148.0, 210.0), "A6": (105.0, 148.0)}
KINDS = {"poster": ("officer", "commune"), "labels": ("label",)}
FONTS = ("regular", "bold")
ALIGNS = ("left", "centre", "right")
VALIGNS = ("top", "middle", "bottom")
ERROR_LEVELS = ("M", "Q", "H")  # L is too weak for a stand that gets scratched and smudged
BUILTIN_COLOURS = {"white": "#ffffff", "black": "#000000"}
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

# What each page can fill in; every name also exists in capitals ({COMMUNE} → "XÃ HÒA THÀNH").
# {office}: the office's name ([office] in formkit.toml); {point}: the reception point's name, ""
# when the commune lists none (a text line that comes out empty is left out).
_PAGE_VALUES = {
    "officer": ("commune", "unit", "office", "point", "link", "name", "title", "counter"),
    "commune": ("commune", "unit", "office", "point", "link", "duration"),
    "label": ("commune", "unit", "office", "link", "field"),
}
PLACEHOLDERS = {page: frozenset(v for name in names for v in (name, name.upper()))
                for page, names in _PAGE_VALUES.items()}

CONTENT = {"text", "steps", "photo", "qr"}
KEYS = {
    "band": {"fill", "stroke", "stroke_mm", "radius_mm"},
    "text": {"text", "font", "size", "min_size", "colour", "align", "valign", "leading"},
    "steps": {"items", "font", "size", "min_size", "colour", "badge", "badge_text", "leading"},
    "photo": {"frame", "placeholder"},
    "qr": {"quiet_zone", "error"},
}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def within(self, other: Box, slack: float = 1e-6) -> bool:
        return (self.x >= other.x - slack and self.y >= other.y - slack
                and self.right <= other.right + slack and self.bottom <= other.bottom + slack)


@dataclass(frozen=True)
class Block:
    kind: str
    box: Box
    place: str  # where it is in the file, for messages: "officer[3]"
    text: tuple[str, ...] = ()  # text lines, or the steps' items
    font: str = "regular"
    size: float = 10.0  # the largest size; the text shrinks to fit, down to min_size
    min_size: float = 6.0
    colour: str = "#000000"
    align: str = "centre"
    valign: str = "middle"
    leading: float = 1.2
    fill: str | None = None
    stroke: str | None = None
    stroke_mm: float = 0.3
    radius_mm: float = 0.0
    badge: str = "#000000"
    badge_text: str = "#ffffff"
    frame: str | None = None
    placeholder: str = "#d9dee4"
    quiet_zone: int = 4
    error: str = "M"


@dataclass(frozen=True)
class Grid:
    columns: int
    rows: int
    gap_mm: float
    cut_lines: bool


@dataclass(frozen=True)
class Layout:
    id: str
    name: str
    description: str
    kind: str  # "poster" (officer and commune pages) or "labels" (a sheet of field labels)
    width_mm: float
    height_mm: float
    margin_mm: float
    background: str | None
    sections: dict[str, tuple[Block, ...]]  # "officer", "commune" / "label" -> blocks, drawn in order
    grid: Grid | None
    field_labels: str  # the label layout used for fields of procedure (poster layouts)
    source: Path

    @property
    def cell(self) -> Box:
        """The area blocks are placed in: the margin box, or one label of the grid."""
        if self.grid is None:
            return Box(self.margin_mm, self.margin_mm,
                       self.width_mm - 2 * self.margin_mm, self.height_mm - 2 * self.margin_mm)
        g = self.grid
        w = (self.width_mm - 2 * self.margin_mm - (g.columns - 1) * g.gap_mm) / g.columns
        h = (self.height_mm - 2 * self.margin_mm - (g.rows - 1) * g.gap_mm) / g.rows
        return Box(0.0, 0.0, w, h)

    def cell_origin(self, index: int) -> tuple[float, float]:
        """Top-left of label `index` (row by row) on its page, in mm."""
        g = self.grid
        assert g is not None
        col, row = index % g.columns, (index // g.columns) % g.rows
        cell = self.cell
        return self.margin_mm + col * (cell.w + g.gap_mm), self.margin_mm + row * (cell.h + g.gap_mm)

    @property
    def per_page(self) -> int:
        return self.grid.columns * self.grid.rows if self.grid else 1

    def block(self, section: str, kind: str) -> Block | None:
        return next((b for b in self.sections.get(section, ()) if b.kind == kind), None)


def layout_dirs(workspace_dir: Path | None) -> list[Path]:
    dirs = []
    if workspace_dir is not None:
        dirs.append(Path(workspace_dir) / "posters")
    dirs.append(shipped_dir("posters"))
    return dirs


def _kind_of(path: Path) -> str | None:
    try:
        raw = parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, InputError):
        return None
    return raw.get("kind", "poster")


def list_layouts(workspace_dir: Path | None = None, kind: str = "poster") -> list[str]:
    """Names accepted by PosterOptions.layout (or, with kind="labels", label-sheet layouts)."""
    names: set[str] = set()
    for d in layout_dirs(workspace_dir):
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.toml") if _kind_of(p) == kind)
    return sorted(names)


def find_layout(name: str, workspace_dir: Path | None = None) -> Path | None:
    return first_file(layout_dirs(workspace_dir), f"{name}.toml")


def load_layout(name: str, workspace_dir: Path | None = None, kind: str = "poster") -> Layout:
    path = find_layout(name, workspace_dir)
    if path is None:
        known = ", ".join(list_layouts(workspace_dir, kind)) or _("none")
        raise UsageError(_("unknown layout '{name}' (known: {known})").format(name=name, known=known))
    layout = load_layout_file(path)
    if layout.kind != kind:
        raise InputError(Problem(str(path), "kind", _("is '{kind}', but a '{wanted}' layout is needed here").format(
                kind=layout.kind, wanted=kind)))
    return layout


def load_layout_file(path: Path) -> Layout:
    path = Path(path)
    return _LayoutReader(path, read_toml(path)).read()


class _LayoutReader(TomlReader):
    """Turns parsed TOML into a Layout, collecting every problem before failing."""

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        super().__init__(str(path), raw)
        self.path = path
        self.colours: dict[str, str] = dict(BUILTIN_COLOURS)

    # -- scalar readers (text, number, choice: toml.py): each reports what is wrong and returns a
    # usable default ----------------------------------------------------------------------------
    def text(self, table: dict, key: str, place: str, required: bool = False, default: str = "", *,
             numbers: bool = False, blank_is_missing: bool = False, max_length: int = MAX_TEXT,
             newlines: bool = True) -> str:
        """As TomlReader.text, but optional unless said otherwise (a layout's texts have defaults)."""
        return super().text(table, key, place, required, default, numbers=numbers,
                            blank_is_missing=blank_is_missing, max_length=max_length, newlines=newlines)

    def colour(self, table: dict, key: str, place: str, default: str | None) -> str | None:
        value = table.get(key)
        if value is None:
            return default
        if isinstance(value, str) and HEX.match(value):
            return value.lower()
        if isinstance(value, str) and value in self.colours:
            return self.colours[value]
        self.problem(at(place, key), _("'{value}' is neither \"#rrggbb\" nor a colour named in [colours] "
                                       "({colours})").format(value=value, colours=', '.join(sorted(self.colours))))
        return default

    # -- the file ------------------------------------------------------------------------------
    def read(self) -> Layout:
        raw = self.raw
        kind = raw.get("kind", "poster")
        if not isinstance(kind, str) or kind not in KINDS:
            self.problem("kind", _("'{kind}' is not one of {kinds}").format(kind=kind, kinds=', '.join(KINDS)))
            kind = "poster"
        sections = KINDS[kind]
        known = {"id", "name", "description", "kind", "page", "orientation", "margin_mm", "background",
                 "colours", "field_labels", "grid", *sections}
        self.unknown_keys(raw, known)
        layout_id = self.text(raw, "id", "", required=True)
        if layout_id and layout_id != self.path.stem:
            self.problem("id", _("'{layout_id}' does not match the file name '{stem}.toml'").format(
                    layout_id=layout_id, stem=self.path.stem))
        self.read_colours(raw.get("colours", {}))
        width, height = self.read_page(raw)
        margin = self.number(raw, "margin_mm", "", 8.0, 0.0, min(width, height) / 4)
        grid = self.read_grid(raw.get("grid")) if kind == "labels" else None
        if kind == "poster" and "grid" in raw:
            self.problem("grid", _("only a 'labels' layout has a grid"))
        layout = Layout(
            id=layout_id, name=self.text(raw, "name", "", required=True),
            description=self.text(raw, "description", ""), kind=kind,
            width_mm=width, height_mm=height, margin_mm=margin,
            background=self.colour(raw, "background", "", None), sections={}, grid=grid,
            field_labels=self.text(raw, "field_labels", "", default="a4-field-labels"), source=self.path,
        )
        if grid is not None and (layout.cell.w <= 0 or layout.cell.h <= 0):
            self.problem("grid", _("{columns} × {rows} labels do not fit on the page").format(
                    columns=grid.columns, rows=grid.rows))
        for section in sections:
            layout.sections[section] = self.read_section(raw.get(section), section, layout)
        self.problems.raise_if_any(_("layout {path} is not valid").format(path=self.path))
        return layout

    def read_colours(self, table: Any) -> None:
        if not isinstance(table, dict):
            self.problem("colours", _("must be a table of name = \"#rrggbb\""))
            return
        for name, value in table.items():
            if isinstance(value, str) and HEX.match(value):
                self.colours[name] = value.lower()
            else:
                self.problem(f"colours.{name}", _("'{value}' is not a colour like \"#0b4f9c\"").format(value=value))

    def read_page(self, raw: dict) -> tuple[float, float]:
        page = raw.get("page", "A5")
        if isinstance(page, str) and page.upper() in PAPER_MM:
            width, height = PAPER_MM[page.upper()]
        elif (isinstance(page, list) and len(page) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 50 <= v <= 1200 for v in page)):
            width, height = float(page[0]), float(page[1])
        else:
            self.problem("page", _("{page!r} is not a paper size ({sizes}) or [width_mm, height_mm] between 50 and "
                                   "1200 mm").format(page=page, sizes=', '.join(PAPER_MM)))
            width, height = PAPER_MM["A5"]
        orientation = self.choice(raw, "orientation", "", ("portrait", "landscape"), "portrait")
        if (orientation == "landscape") != (width > height):
            width, height = height, width
        return width, height

    def read_grid(self, table: Any) -> Grid:
        if not isinstance(table, dict):
            self.problem("grid", _("missing table [grid] with columns, rows, gap_mm"))
            return Grid(1, 1, 0.0, True)
        self.unknown_keys(table, {"columns", "rows", "gap_mm", "cut_lines"}, "grid")
        columns = int(self.number(table, "columns", "grid", 2, 1, 10))
        rows = int(self.number(table, "rows", "grid", 4, 1, 20))
        for key, value in (("columns", columns), ("rows", rows)):
            if table.get(key, value) != value:
                self.problem(f"grid.{key}", _("must be a whole number"))
        cut_lines = table.get("cut_lines", True)
        if not isinstance(cut_lines, bool):
            self.problem("grid.cut_lines", _("must be true or false"))
            cut_lines = True
        return Grid(columns, rows, self.number(table, "gap_mm", "grid", 0.0, 0.0, 50.0), cut_lines)

    def read_section(self, items: Any, section: str, layout: Layout) -> tuple[Block, ...]:
        if not isinstance(items, list) or not items:
            self.problem(section, _("missing: the blocks of the {section} page, as [[{section}]] tables").format(
                    section=section))
            return ()
        blocks = []
        for i, item in enumerate(items, 1):
            place = f"{section}[{i}]"
            if not isinstance(item, dict):
                self.problem(place, _("must be a table"))
                continue
            block = self.read_block(item, place, section, layout)
            if block is not None:
                blocks.append(block)
        self.check_section(blocks, section, layout)
        return tuple(blocks)

    def read_block(self, item: dict, place: str, section: str, layout: Layout) -> Block | None:
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in KEYS:
            self.problem(at(place, "kind"), _("'{kind}' is not one of {kinds}").format(
                    kind=kind, kinds=', '.join(KEYS)))
            return None
        known = {"kind", "box"} | KEYS[kind]
        self.unknown_keys(item, known, place, what=_(" for a {kind} block").format(kind=kind))
        box = self.read_box(item.get("box"), place, kind, layout)
        if box is None:
            return None
        values: dict[str, Any] = {}
        if kind == "band":
            values["fill"] = self.colour(item, "fill", place, None)
            values["stroke"] = self.colour(item, "stroke", place, None)
            values["stroke_mm"] = self.number(item, "stroke_mm", place, 0.3, 0.05, 5.0)
            values["radius_mm"] = self.number(item, "radius_mm", place, 0.0, 0.0, min(box.w, box.h) / 2)
            if values["fill"] is None and values["stroke"] is None:
                self.problem(place, _("a band needs a fill, a stroke or both"))
        elif kind in ("text", "steps"):
            key = "text" if kind == "text" else "items"
            values["text"] = self.read_lines(item, key, place, section)
            values["font"] = self.choice(item, "font", place, FONTS, "regular")
            values["size"] = self.number(item, "size", place, 10.0, 3.0, 200.0)
            values["min_size"] = self.number(item, "min_size", place, min(6.0, values["size"]), 3.0, 200.0)
            if values["min_size"] > values["size"]:
                self.problem(at(place, "min_size"), _("{min_size} is larger than size {size}").format(
                        min_size=values['min_size'], size=values['size']))
            values["colour"] = self.colour(item, "colour", place, "#000000")
            values["leading"] = self.number(item, "leading", place, 1.2, 1.0, 3.0)
            need = (textfit.block_height(1, textfit.FONTS[values["font"]], values["min_size"], values["leading"])
                    if kind == "text" else textfit.steps_height(len(values["text"]), values["min_size"])) / MM
            if box.h < need - 1e-6:
                steps = len(values["text"])
                what = _("one line") if kind == "text" else ngettext("{n} step", "{n} steps", steps).format(n=steps)
                self.problem(at(place, "box"), _("is {h:g} mm high, but {what} at min_size {min_size:g} pt need "
                                                 "{need:.1f} mm").format(
                        h=box.h, what=what, min_size=values['min_size'], need=need))
            if kind == "text":
                values["align"] = self.choice(item, "align", place, ALIGNS, "centre")
                values["valign"] = self.choice(item, "valign", place, VALIGNS, "middle")
            else:
                values["badge"] = self.colour(item, "badge", place, "#000000")
                values["badge_text"] = self.colour(item, "badge_text", place, "#ffffff")
        elif kind == "photo":
            values["frame"] = self.colour(item, "frame", place, None)
            values["placeholder"] = self.colour(item, "placeholder", place, "#d9dee4")
        elif kind == "qr":
            quiet = item.get("quiet_zone", 4)
            if isinstance(quiet, bool) or not isinstance(quiet, int) or not 4 <= quiet <= 10:
                self.problem(at(place, "quiet_zone"),
                             _("{quiet!r} must be a whole number of modules from 4 to 10").format(quiet=quiet))
                quiet = 4
            values["quiet_zone"] = quiet
            values["error"] = self.choice(item, "error", place, ERROR_LEVELS, "M")
            if min(box.w, box.h) < MIN_QR_MM:
                self.problem(at(place, "box"), _("the QR code needs at least {minimum:g} × {minimum:g} mm (this "
                                                 "box allows {allows:g} mm)").format(
                        minimum=MIN_QR_MM, allows=min(box.w, box.h)))
        return Block(kind=kind, box=box, place=place, **values)

    def read_box(self, value: Any, place: str, kind: str, layout: Layout) -> Box | None:
        if (not isinstance(value, list) or len(value) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
            self.problem(at(place, "box"), _("{value!r} must be [x, y, width, height] in mm").format(value=value))
            return None
        box = Box(*(float(v) for v in value))
        if box.w <= 0 or box.h <= 0:
            self.problem(at(place, "box"), _("width and height must be positive"))
            return None
        if layout.grid is not None:
            area, name = layout.cell, _("the label ({width:.1f} × {height:.1f} mm)").format(
                width=layout.cell.w, height=layout.cell.h)
        elif kind in CONTENT:
            area, name = layout.cell, _("the margins ({margin:g} mm from each edge)").format(margin=layout.margin_mm)
        else:
            area, name = Box(0, 0, layout.width_mm, layout.height_mm), _("the page")
        if not box.within(area):
            self.problem(at(place, "box"), _("{value} goes outside {name}").format(value=value, name=name))
        return box

    def read_lines(self, item: dict, key: str, place: str, section: str) -> tuple[str, ...]:
        value = item.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(at(place, key), _("must be text or a list of texts"))
            return ()
        for j, line in enumerate(value, 1):
            self.check_placeholders(line, f"{at(place, key)}[{j}]" if len(value) > 1 else at(place, key), section)
        return tuple(value)

    def check_placeholders(self, value: str, place: str, section: str) -> None:
        try:
            fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(value) if name is not None]
        except ValueError as exc:
            self.problem(place, _("bad placeholder syntax: {exc} (write {{{{ and }}}} for literal braces)").format(
                    exc=exc))
            return
        allowed = PLACEHOLDERS[section]
        for name, spec, conv in fields:
            if name not in allowed or spec or conv:
                self.problem(place, _("unknown placeholder {{{name}{conversion}{spec}}} on the {section} page; "
                                      "allowed: {allowed}").format(
                        name=name, conversion='!' + conv if conv else '', spec=':' + spec if spec else '',
                        section=section, allowed=', '.join(sorted(allowed))))

    def check_section(self, blocks: list[Block], section: str, layout: Layout) -> None:
        count = {k: sum(1 for b in blocks if b.kind == k) for k in KEYS}
        if count["qr"] != 1:
            self.problem(section, _("needs exactly one qr block (has {qr})").format(qr=count['qr']))
        if section == "officer" and count["photo"] > 1:
            self.problem(section, _("has {photo} photo blocks; an officer page takes at most one").format(
                    photo=count['photo']))
        if section != "officer" and count["photo"]:
            self.problem(section, _("only an officer page has a photo"))
        content = [b for b in blocks if b.kind in CONTENT]
        for i, a in enumerate(content):
            for b in content[i + 1:]:
                if a.box.overlaps(b.box):
                    self.problem(at(b.place, "box"),
                                 _("overlaps {place} ({kind}); content blocks must not overlap").format(
                                     place=a.place, kind=a.kind))


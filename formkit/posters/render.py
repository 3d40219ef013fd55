"""Drawing pages from a layout: what the blocks say, with the values of one officer or commune.

Everything here works from data already prepared and checked (layout, URLs, photos), so a
document is either drawn completely or not at all; callers write the bytes out afterwards.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from ..i18n import _
from ..typography import SANS_BOLD, binary_pdf_streams, register_fonts
from . import qr, textfit
from .layouts import Block, Box, Layout
from .photos import Photo

MM = qr.MM
FONTS = textfit.FONTS


@dataclass(frozen=True)
class Page:
    """One officer or commune page, or one label of a label sheet."""

    section: str  # "officer", "commune" or "label"
    values: dict[str, str]  # placeholder values, see values()
    url: str  # what the QR code says
    photo: Photo | None = None  # officer pages: None draws the placeholder
    who: str = ""  # for warnings: "officer 'x'"
    slot: int = -1  # officer pages: which photo job fills `photo` (see make._Photos)


@dataclass
class Rendered:
    data: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


def values(**named: str) -> dict[str, str]:
    """Placeholder values, each also in capitals: {commune} "Xã Hòa Thành", {COMMUNE} "XÃ HÒA THÀNH"."""
    out = {k: v for k, v in named.items()}
    out.update({k.upper(): v.upper() for k, v in named.items()})
    return out


def render(layout: Layout, pages: Iterable[Page], title: str) -> Rendered:
    """The whole document as PDF bytes: one page per Page, or a grid of labels per sheet."""
    register_fonts()
    out = io.BytesIO()
    result = Rendered(b"", 0)
    with binary_pdf_streams():
        canvas = Canvas(out, pagesize=(layout.width_mm * MM, layout.height_mm * MM),
                        pageCompression=1, invariant=1,
                        initialFontName=textfit.FONTS["regular"])  # type: ignore[arg-type]  # a name; stubs say float
        canvas.setTitle(title)
        canvas.setAuthor("formkit")
        canvas.setCreator("formkit")
        per_page = layout.per_page
        count = 0
        for count, page in enumerate(pages, 1):
            index = (count - 1) % per_page
            if index == 0:
                if count > 1:
                    canvas.showPage()
                _background(canvas, layout)
                result.pages += 1
            if layout.grid is None:
                origin = (0.0, 0.0)
            else:
                origin = layout.cell_origin(index)
                if layout.grid.cut_lines:
                    _cut_lines(canvas, layout, origin)
            _Drawer(canvas, layout, origin, result).page(page)
        if count:
            canvas.showPage()
        canvas.save()
    result.data = out.getvalue()
    return result


def _background(canvas: Canvas, layout: Layout) -> None:
    if layout.background:
        canvas.setFillColor(layout.background)
        canvas.rect(0, 0, layout.width_mm * MM, layout.height_mm * MM, stroke=0, fill=1)


def _cut_lines(canvas: Canvas, layout: Layout, origin: tuple[float, float]) -> None:
    cell = layout.cell
    canvas.saveState()
    canvas.setStrokeColor("#9aa3ad")
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    canvas.rect(origin[0] * MM, (layout.height_mm - origin[1] - cell.h) * MM, cell.w * MM, cell.h * MM)
    canvas.restoreState()


class _Drawer:
    """Draws the blocks of one page (or label) whose top-left corner is at `origin` (mm)."""

    def __init__(self, canvas: Canvas, layout: Layout, origin: tuple[float, float], result: Rendered) -> None:
        self.canvas, self.layout, self.origin, self.result = canvas, layout, origin, result

    def rect(self, box: Box) -> tuple[float, float, float, float]:
        """A layout box (mm, from the top-left) as PDF points: x, y of the bottom-left, w, h."""
        x = (self.origin[0] + box.x) * MM
        y = (self.layout.height_mm - self.origin[1] - box.bottom) * MM
        return x, y, box.w * MM, box.h * MM

    def page(self, page: Page) -> None:
        for block in self.layout.sections[page.section]:
            getattr(self, f"draw_{block.kind}")(block, page)

    def warn(self, page: Page, block: Block, what: str) -> None:
        self.result.warnings.append(f"{page.who or page.section}: {what} ({self.layout.source.name}, {block.place})")

    def draw_band(self, block: Block, page: Page) -> None:
        c = self.canvas
        x, y, w, h = self.rect(block.box)
        c.saveState()
        if block.fill:
            c.setFillColor(block.fill)
        if block.stroke:
            c.setStrokeColor(block.stroke)
            c.setLineWidth(block.stroke_mm * MM)
        fill, stroke = int(block.fill is not None), int(block.stroke is not None)
        if block.radius_mm:
            c.roundRect(x, y, w, h, block.radius_mm * MM, stroke=stroke, fill=fill)
        else:
            c.rect(x, y, w, h, stroke=stroke, fill=fill)
        c.restoreState()

    def draw_text(self, block: Block, page: Page) -> None:
        font = FONTS[block.font]
        x, y, w, h = self.rect(block.box)
        paragraphs = [text for line in block.text if (text := line.format_map(page.values)) or not line] or [""]
        fitted = textfit.fit(paragraphs, font, w, h, block.size, block.min_size, block.leading)
        if fitted.squeezed:
            self.warn(page, block, _("text shrunk to {size} pt to fit: {text}").format(
                size=f"{fitted.size:g}", text=" ".join(paragraphs)[:60]))
        top = {"top": y + h, "middle": y + (h + fitted.height) / 2, "bottom": y + fitted.height}[block.valign]
        c = self.canvas
        c.saveState()
        c.setFillColor(block.colour)
        c.setFont(font, fitted.size)
        for line, baseline in zip(fitted.lines, fitted.baselines(top, font), strict=True):
            if block.align == "left":
                c.drawString(x, baseline, line)
            elif block.align == "right":
                c.drawRightString(x + w, baseline, line)
            else:
                c.drawCentredString(x + w / 2, baseline, line)
        c.restoreState()

    def draw_steps(self, block: Block, page: Page) -> None:
        """Numbered steps, one per row: a round badge with the number, the words beside it."""
        font = FONTS[block.font]
        x, y, w, h = self.rect(block.box)
        items = [item.format_map(page.values) for item in block.text]
        size = block.size
        while True:
            rows = _step_rows(items, font, w, size, block.leading)
            total = sum(r[1] for r in rows) + (len(rows) - 1) * size * textfit.ROW_GAP
            if total <= h or size <= textfit.FLOOR:
                break
            size = max(textfit.FLOOR, size - textfit.STEP)
        if size < block.min_size:
            self.warn(page, block, _("steps shrunk to {size} pt to fit").format(size=f"{size:g}"))
        c = self.canvas
        c.saveState()
        badge = size * textfit.BADGE
        top = y + (h + min(total, h)) / 2
        for number, (fitted, row_h) in enumerate(rows, 1):
            centre = top - row_h / 2
            c.setFillColor(block.badge)
            c.circle(x + badge / 2, centre, badge / 2, stroke=0, fill=1)
            c.setFillColor(block.badge_text)
            c.setFont(SANS_BOLD, size * 0.9)
            c.drawCentredString(x + badge / 2, centre - size * 0.9 * 0.36, str(number))
            c.setFillColor(block.colour)
            c.setFont(font, size)
            text_top = centre + fitted.height / 2
            for line, baseline in zip(fitted.lines, fitted.baselines(text_top, font), strict=True):
                c.drawString(x + badge + size * 0.6, baseline, line)
            top -= row_h + size * textfit.ROW_GAP
        c.restoreState()

    def draw_photo(self, block: Block, page: Page) -> None:
        c = self.canvas
        bx, by, bw, bh = self.rect(block.box)
        # The largest 3:4 rectangle in the box, centred.
        w, h = (bh * 3 / 4, bh) if bw / bh > 3 / 4 else (bw, bw * 4 / 3)
        x, y = bx + (bw - w) / 2, by + (bh - h) / 2
        if page.photo is not None:
            c.drawImage(ImageReader(io.BytesIO(page.photo.jpeg)), x, y, w, h)
        else:
            _silhouette(c, x, y, w, h, block.placeholder)
        if block.frame:
            c.saveState()
            c.setStrokeColor(block.frame)
            c.setLineWidth(0.6)
            c.rect(x, y, w, h, stroke=1, fill=0)
            c.restoreState()

    def draw_qr(self, block: Block, page: Page) -> None:
        x, y, w, h = self.rect(block.box)
        side = min(w, h)
        code = qr.make(page.url, block.error)
        placed = qr.draw(self.canvas, code, x + (w - side) / 2, y + (h - side) / 2, side, block.quiet_zone)
        if placed.module < 0.35 * MM:
            self.warn(page, block, _("the QR modules are only {size} mm; a longer link needs a larger QR box to scan "
                                     "reliably").format(size=f"{placed.module / MM:.2f}"))


def _step_rows(items: list[str], font: str, width: float, size: float, leading: float):
    badge = size * textfit.BADGE
    rows = []
    for item in items:
        fitted = textfit.fit([item], font, width - badge - size * 0.6, 10_000, size, size, leading)
        rows.append((fitted, max(badge, fitted.height)))
    return rows


def _silhouette(c: Canvas, x: float, y: float, w: float, h: float, colour: str) -> None:
    """A neutral head-and-shoulders shape where a photo is missing: the stand still looks finished."""
    c.saveState()
    c.setFillColor(colour)
    c.rect(x, y, w, h, stroke=0, fill=1)
    c.setFillColor("#ffffff")
    path = c.beginPath()
    path.rect(x, y, w, h)
    c.clipPath(path, stroke=0, fill=0)
    c.circle(x + w / 2, y + h * 0.62, w * 0.2, stroke=0, fill=1)
    c.ellipse(x + w * 0.14, y - h * 0.25, x + w * 0.86, y + h * 0.42, stroke=0, fill=1)
    c.restoreState()

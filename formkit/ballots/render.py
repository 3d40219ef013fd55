"""A ballot's page plan (where every text, bubble and box goes) and the PDF drawn from it.

The plan depends on the template, the commune's officers and fields and the layout, never on
the serial: every ballot of a print run has the same geometry, written beside the PDF as
`<pdf>.layout.json` and kept in the state so that a scan is read against what was printed.
Coordinates are PDF points from the page's bottom-left corner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..posters import qr
from ..typography import SANS, SANS_BOLD, register_fonts
from ..workspace.templates import Question, Template
from .layout import MM, BallotLayout
from .register import PageId

INK = (0.12, 0.12, 0.12)


@dataclass
class Choice:
    question: str
    options: list[tuple[str, str | None]]  # (text printed and stored, officer id or None)


@dataclass
class Plan:
    page_size: tuple[float, float]
    pages: list[list[tuple]] = field(default_factory=list)  # drawing operations per page
    bubbles: list[dict] = field(default_factory=list)
    boxes: list[dict] = field(default_factory=list)
    markers: list[dict] = field(default_factory=list)
    qr: dict = field(default_factory=dict)  # same place on every page
    serial_at: tuple[float, float] = (0.0, 0.0)

    def geometry(self, extra: dict) -> dict:
        """The layout.json body: the issue's keys first, then ours."""
        return {"page_size": list(self.page_size), "pages_per_ballot": len(self.pages), "bubbles": self.bubbles,
                **extra, "boxes": self.boxes, "markers": self.markers, "qr": self.qr}


class _Planner:
    def __init__(self, layout: BallotLayout) -> None:
        register_fonts()
        self.lay = layout
        self.width, self.height = layout.page_size
        self.margin = layout.margin_mm * MM
        self.left, self.right = self.margin, self.width - self.margin
        self.r = layout.bubble_radius_pt
        self.pitch = layout.bubble_pitch_mm * MM
        self.size = layout.font_size
        self.lead = self.size * 1.25
        self.gap = layout.row_gap_mm * MM
        self.plan = Plan(layout.page_size)
        self.header_labels: tuple[str, ...] | None = None
        self.new_page()

    # ---- pages -------------------------------------------------------------------------------
    def new_page(self) -> None:
        lay = self.lay
        ops: list[tuple] = []
        self.plan.pages.append(ops)
        page = len(self.plan.pages)
        side = lay.marker_mm * MM
        inset = lay.marker_inset_mm * MM
        for x in (inset, self.width - inset - side):
            for y in (inset, self.height - inset - side):
                ops.append(("rect", x, y, side, side, True))
                self.plan.markers.append({"page": page, "x": round(x + side / 2, 2), "y": round(y + side / 2, 2),
                                          "size": round(side, 2)})
        q_side = lay.qr_mm * MM
        q_x, q_y = self.right - q_side, self.height - self.margin - q_side + 4 * MM
        self.plan.qr = {"x": round(q_x, 2), "y": round(q_y, 2), "side": round(q_side, 2)}
        self.plan.serial_at = (self.right - q_side / 2, q_y - 2.5 * MM)
        self.y = self.height - self.margin + 2 * MM
        self.text_lines([lay.texts["title"]], SANS_BOLD, lay.title_size, self.right - q_side - 4 * MM - self.left)
        self.top_of_page = self.y
        self.qr_bottom = q_y - 4 * MM
        self.header_labels = None
        if page > 1:  # the first page's intro runs beside the QR; later pages start below it
            self.y = self.qr_bottom

    def room(self, needed: float) -> None:
        if self.y - needed < self.margin:
            self.new_page()

    def text_lines(self, texts: list[str], font: str, size: float, width: float, x: float | None = None) -> float:
        """Wrapped lines from the cursor down; returns the height used."""
        start, lead = self.y, size * 1.25
        for text in texts:
            for line in simpleSplit(text, font, size, width):
                self.y -= lead
                self.plan.pages[-1].append(("text", font, size, self.left if x is None else x, self.y + size * 0.25,
                                            line))
        return start - self.y

    def full_width(self) -> float:
        """Text under the QR must not run into it."""
        edge = self.right - self.lay.qr_mm * MM - 4 * MM if self.y > self.qr_bottom else self.right
        return edge - self.left

    def bubble(self, x: float, y: float, question: str, option: str, officer: str | None) -> None:
        self.plan.pages[-1].append(("circle", x, y, self.r))
        entry = {"page": len(self.plan.pages), "question": question, "option": option, "x": round(x, 2),
                 "y": round(y, 2), "r": self.r}
        if officer is not None:
            entry["officer"] = officer
        self.plan.bubbles.append(entry)

    # ---- blocks ------------------------------------------------------------------------------
    def intro(self, title: str, description: str) -> None:
        self.y -= 1 * MM
        self.text_lines([title], SANS_BOLD, self.lay.heading_size, self.full_width())
        self.text_lines(description.splitlines(), SANS, self.size, self.full_width())
        self.y -= 1 * MM
        self.text_lines([self.lay.texts["instructions"]], SANS_BOLD, self.size, self.full_width())
        self.y = min(self.y, self.qr_bottom) - self.gap

    def heading(self, title: str, notes: list[str]) -> None:
        needed = self.lay.heading_size * 2.6 + len(notes) * self.lead + 3 * self.lead + 2 * self.r
        self.room(needed)
        self.y -= self.gap
        self.text_lines([title], SANS_BOLD, self.lay.heading_size, self.full_width())
        self.text_lines(notes, SANS, self.size * 0.95, self.full_width())
        self.header_labels = None

    def rating(self, title: str, choice: Choice) -> None:
        labels = tuple(text for text, _ in choice.options)
        columns_x = [self.right - self.pitch * (len(labels) - i - 0.5) for i in range(len(labels))]
        text_width = columns_x[0] - self.pitch / 2 - self.left - 2 * MM
        lines = simpleSplit(title, SANS, self.size, text_width)
        row_h = max(len(lines) * self.lead, 2 * self.r + 2) + self.gap
        small = self.size * 0.8
        head_lines = [simpleSplit(label, SANS, small, self.pitch - 1.5 * MM) for label in labels]
        head_h = max(len(h) for h in head_lines) * small * 1.2 + 1.5 * MM
        self.room(row_h + (head_h if self.header_labels != labels else 0))
        if self.header_labels != labels:
            top = self.y
            for cx, head in zip(columns_x, head_lines, strict=False):
                for i, line in enumerate(head):
                    self.plan.pages[-1].append(("ctext", SANS, small, cx, top - (i + 1) * small * 1.2, line))
            self.y -= head_h
            self.header_labels = labels
        top = self.y
        self.text_lines(lines, SANS, self.size, text_width)
        centre_y = top - max(self.lead / 2 + 1, self.r + 1)
        for cx, (text, officer) in zip(columns_x, choice.options, strict=False):
            self.bubble(cx, centre_y, choice.question, text, officer)
        self.y = top - row_h
        self.plan.pages[-1].append(("line", self.left, self.y + self.gap / 2, self.right, self.y + self.gap / 2))

    def inline(self, title: str, choice: Choice, note: str = "", detail: str = "") -> None:
        item_gap = 7 * MM
        widths = [2 * self.r + 2 * MM + stringWidth(text, SANS, self.size) for text, _ in choice.options]
        rows: list[list] = []
        row: list = []
        used = 0.0
        for width, option in zip(widths, choice.options, strict=False):
            if row and used + width > self.right - self.left:
                rows.append(row)
                row, used = [], 0.0
            row.append((used, option))
            used += width + item_gap
        rows.append(row)
        row_h = 2 * self.r + self.gap + 1
        title_lines = simpleSplit(title, SANS, self.size, self.full_width())
        detail_lines = simpleSplit(detail, SANS, self.size * 0.8, self.full_width()) if detail else []
        # All of a question's bubbles on one page: the scanner decides a question from one image.
        self.room(len(title_lines) * self.lead + len(rows) * row_h + (self.lead if note else 0)
                  + len(detail_lines) * self.lead * 0.8)
        self.text_lines([title], SANS, self.size, self.full_width())
        if detail:  # what a citizen must know before consenting (the consent question's description)
            self.text_lines([detail], SANS, self.size * 0.8, self.full_width())
        if note:
            self.text_lines([note], SANS_BOLD, self.size * 0.95, self.full_width())
        for row in rows:
            centre_y = self.y - self.r - self.gap / 2 - 1
            for offset, (text, officer) in row:
                x = self.left + offset + self.r
                self.bubble(x, centre_y, choice.question, text, officer)
                self.plan.pages[-1].append(("text", SANS, self.size, x + self.r + 2 * MM, centre_y - self.size * 0.35,
                                            text))
            self.y -= row_h
        self.y -= self.gap / 2

    def printed(self, text: str) -> None:
        self.room(self.lead * 2)
        self.text_lines([text], SANS_BOLD, self.size, self.full_width())
        self.y -= self.gap

    def box(self, question: Question, role: str, height_mm: float, width: float, description: str) -> None:
        height = height_mm * MM
        lines = simpleSplit(question.title, SANS_BOLD, self.size, self.full_width())
        notes = simpleSplit(description, SANS, self.size * 0.9, self.full_width()) if description else []
        self.room((len(lines) + len(notes)) * self.lead + height + self.gap * 2)
        self.y -= self.gap
        self.text_lines([question.title], SANS_BOLD, self.size, self.full_width())
        if description:
            self.text_lines([description], SANS, self.size * 0.9, self.full_width())
        self.y -= 1.5 * MM + height
        self.plan.pages[-1].append(("rect", self.left, self.y, width, height, False))
        self.plan.boxes.append({"page": len(self.plan.pages), "question": question.id, "role": role,
                                "x": round(self.left, 2), "y": round(self.y, 2), "w": round(width, 2),
                                "h": round(height, 2)})


def plan_ballot(template: Template, layout: BallotLayout, title: str, description: str,
                officer_options: list[tuple[str, str]], officer_printed: str | None, fields: list[str],
                fill) -> Plan:
    """fill(text) puts the commune's values into a template text ({commune}, {unit})."""
    p = _Planner(layout)
    p.intro(title, description)
    for section in template.sections:
        notes = [fill(section.description)] if section.description else []
        if section.ask_if is not None:
            notes.insert(0, layout.texts["conditional"].format(answer=section.ask_if.answer))
        boxes = [q for q in section.questions if q.role in ("comment", "phone")]
        asked = [q for q in section.questions if q.kind in ("choice", "dropdown") or q.role in ("comment", "phone")]
        if not asked:
            continue
        headed = any(q.kind in ("choice", "dropdown") for q in section.questions) or not boxes
        if headed:
            p.heading(fill(section.title), notes)
        for q in asked:
            title = fill(q.title)
            if q.role == "officer":
                if officer_printed is not None:
                    p.printed(layout.texts["officer_printed"].format(officer=officer_printed))
                else:
                    p.inline(title, Choice(q.id, [(label, oid) for oid, label in officer_options]))
            elif q.role == "field":
                p.inline(title, Choice(q.id, [(f, None) for f in fields]))
            elif q.role == "comment":
                p.box(q, "comment", layout.comment_box_mm, p.right - p.left, fill(q.description))
            elif q.role == "phone":  # its section's condition ("only if you chose Đồng ý") said with it
                said = [] if headed or section.ask_if is None else notes[:1]
                p.box(q, "phone", layout.phone_box_mm, 80 * MM, " ".join([*said, fill(q.description)]).strip())
            elif q.role == "consent":
                p.inline(title, Choice(q.id, [(o, None) for o in q.fixed_options]), detail=fill(q.description))
            elif len(q.fixed_options) >= 3:
                p.rating(f"{q.id}. {title}" if q.is_criterion else title,
                         Choice(q.id, [(o, None) for o in q.fixed_options]))
            else:
                p.inline(title, Choice(q.id, [(o, None) for o in q.fixed_options]))
    return p.plan


def draw_ballot(canvas, plan: Plan, layout: BallotLayout, page_ids: list[PageId]) -> None:
    """Every page of one ballot, its QR and serial on each."""
    for number, (ops, page_id) in enumerate(zip(plan.pages, page_ids, strict=False), 1):
        canvas.setFillColorRGB(*INK)
        canvas.setStrokeColorRGB(*INK)
        for op in ops:
            kind = op[0]
            if kind == "text":
                canvas.setFont(op[1], op[2])
                canvas.drawString(op[3], op[4], op[5])
            elif kind == "ctext":
                canvas.setFont(op[1], op[2])
                canvas.drawCentredString(op[3], op[4], op[5])
            elif kind == "circle":
                canvas.setLineWidth(0.8)
                canvas.circle(op[1], op[2], op[3], stroke=1, fill=0)
            elif kind == "rect":
                canvas.setLineWidth(0.8)
                if op[5]:
                    canvas.setFillColorRGB(0, 0, 0)
                canvas.rect(op[1], op[2], op[3], op[4], stroke=0 if op[5] else 1, fill=1 if op[5] else 0)
                canvas.setFillColorRGB(*INK)
            elif kind == "line":
                canvas.setLineWidth(0.3)
                canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
                canvas.line(op[1], op[2], op[3], op[4])
                canvas.setStrokeColorRGB(*INK)
        spot = plan.qr
        qr.draw(canvas, qr.make(page_id.payload, "Q"), spot["x"], spot["y"], spot["side"], quiet_zone=3)
        canvas.setFillColorRGB(*INK)
        canvas.setFont(SANS, layout.font_size * 0.85)
        serial = layout.texts["serial"].format(serial=f"{page_id.serial:06d}", page=number, pages=len(plan.pages))
        canvas.drawCentredString(plan.serial_at[0], plan.serial_at[1], serial)
        canvas.showPage()

"""The report as a PDF to sign and file, in the style of Nghị định 30/2020/NĐ-CP: A4, margins
top/bottom 20 mm, left 30 mm, right 15 mm; Liberation Serif (Times-metric, embedded) 13 pt, tables
11 pt; the issuing body and number at top left, the national motto and the place-date line at top
right; page numbers centred at the top from page 2; the signature block at the end.

Tables repeat their header rows on every page and split between rows; very long free text is cut
in the PDF (never in the XLSX, CSV or JSON) so that every row fits a page. A report on several
communes carries the follow-up counts per commune and per officer; a single commune's report
carries its list, phone numbers masked (each commune's office gets its list in full as its own
CSV file).
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..files import atomic_write_bytes
from ..typography import SERIF, SERIF_BOLD, SERIF_ITALIC, binary_pdf_streams, register_fonts
from . import charts, content, fmt
from .content import MOTTO, NATION, NBSP, Block, Gap, Grid, Para, T, number_line, title
from .labels import HEADING, SIGN_HERE, document_title
from .model import Report
from .page import BODY, MARGINS_MM, SMALL, WIDTH, balanced, column_widths
from .pdf_pages import KeepStart, PagedTable

TOP, BOTTOM, LEFT, RIGHT = (m * mm for m in MARGINS_MM)
PAGED_ROWS = 40  # a longer table is laid out a page at a time (pdf_pages.PagedTable)
HEADER_BG = colors.HexColor("#E8EDF3")
# A table sets its cells' font on the canvas even when they hold paragraphs; without this the
# layout tables would make the PDF reference Helvetica, a font it does not embed.
LAYOUT_FONT = ("FONT", (0, 0), (-1, -1), SERIF, BODY)


def _style(name: str, font: str = SERIF, size: float = BODY, align=TA_JUSTIFY, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=kw.pop("leading", size * 1.25),
                          alignment=align, **kw)


S = {
    "body": _style("body", firstLineIndent=10 * mm, spaceAfter=6),
    "plain": _style("plain", spaceAfter=4),
    "heading": _style("heading", SERIF_BOLD, align=TA_LEFT, spaceBefore=8, spaceAfter=6),
    "subheading": _style("subheading", SERIF_BOLD, align=TA_LEFT, spaceBefore=4, spaceAfter=4),
    "center": _style("center", align=TA_CENTER),
    "center_bold": _style("center_bold", SERIF_BOLD, align=TA_CENTER),
    "center_bold12": _style("center_bold12", SERIF_BOLD, 12, TA_CENTER),
    "title": _style("title", SERIF_BOLD, 14, TA_CENTER),
    "date": _style("date", SERIF_ITALIC, align=TA_CENTER),
    "note": _style("note", size=12, spaceAfter=3, leftIndent=6 * mm, firstLineIndent=-4 * mm),
    "cell": _style("cell", size=SMALL, align=TA_LEFT, leading=13),
    "cell_head": _style("cell_head", SERIF_BOLD, SMALL, TA_CENTER, leading=13),
    "recipients_head": _style("recipients_head", SERIF, 12, TA_LEFT),
    "recipients": _style("recipients", size=11, align=TA_LEFT, leading=13),
    "italic_center": _style("italic_center", SERIF_ITALIC, align=TA_CENTER),
}


def P(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, S[style])


def _flowables(block: Block) -> list:
    if isinstance(block, Para):
        return [P(block.markup, block.style)]
    if isinstance(block, Grid):
        return [_grid(block.head, block.rows, block.kinds, block.weights, block.spans)]
    if isinstance(block, Gap):
        return [Spacer(1, block.mm * mm)]
    drawn = getattr(charts, block.name)(block.data, WIDTH)
    return drawn if isinstance(drawn, list) else [drawn]


def body_story(blocks: list[Block]) -> list:
    """The body's flowables. Paragraphs that introduce what follows (headings) go to a new page
    unless they and the start of what follows fit on this one (not keepWithNext: that moves a
    page-long table whole to the next page)."""
    out: list = []
    leads: list = []
    for block in blocks:
        drawn = _flowables(block)
        if isinstance(block, Para) and block.lead:
            leads += drawn
            continue
        if leads:
            out += [KeepStart(leads, drawn[0] if drawn else None, WIDTH), *leads]
            leads = []
        out += drawn
    if leads:
        out += [KeepStart(leads, None, WIDTH), *leads]
    return out


def _grid(head: list[list[str]], rows: list[list], kinds: str, weights: dict[int, float] | None = None,
          spans: list | tuple = ()) -> Table | PagedTable:
    """A table at 11 pt (kinds and weights: content.Grid)."""
    widths = column_widths(head, rows, kinds, weights)
    body = [[P(T(h), "cell_head") if h else "" for h in row] for row in head]
    for r in rows:
        body.append([P(T(v), "cell") if k == "t" else str(v) for v, k in zip(r, kinds, strict=False)])
    style: list[tuple] = [("FONT", (0, 0), (-1, -1), SERIF, SMALL), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (0, 0), (-1, len(head) - 1), "MIDDLE"),
             ("BACKGROUND", (0, 0), (-1, len(head) - 1), HEADER_BG),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    for i, kind in enumerate(kinds):
        if kind in "nc":
            style.append(("ALIGN", (i, len(head)), (i, -1), "RIGHT" if kind == "n" else "CENTER"))
    style += [("SPAN", a, b) for a, b in spans]
    if len(rows) > PAGED_ROWS and all(r0 < len(head) and r1 < len(head) for (_, r0), (_, r1) in spans):
        return PagedTable.of(body[:len(head)], body[len(head):], widths, style, space_after=6)
    table = Table(body, colWidths=widths, repeatRows=len(head))
    table.setStyle(TableStyle(style))
    table.spaceAfter = 6
    return table


def _rule(width: float) -> list:
    return [Spacer(1, 2), HRFlowable(width=width, thickness=0.6, color=colors.black, spaceAfter=4)]


def _header(report: Report) -> list:
    left_width, right_width = WIDTH * 0.42, WIDTH * 0.58
    signing = report.signing
    left: list = [P(balanced(signing.parent_body.upper(), left_width, SERIF), "center")] if signing.parent_body else []
    left += [P(balanced(signing.issuing_body.upper(), left_width), "center_bold"), *_rule(left_width * 0.35)]
    right = [P(NATION, "center_bold12"), P(MOTTO, "center_bold"), *_rule(stringWidth(MOTTO, SERIF_BOLD, BODY))]
    number = P(T(number_line(report)).replace(NBSP, "&nbsp;"), "center")
    dated = P(T(fmt.dated(report.place, report.today)), "date")
    block = Table([[left, right], [number, dated]], colWidths=[left_width, right_width])
    # Flowables in a cell follow the cell's ALIGN, not their own hAlign: centre the rules.
    block.setStyle(TableStyle([LAYOUT_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [block, Spacer(1, 10 * mm), P(HEADING, "title"), P(T(title(report)), "title"),
            HRFlowable(width="25%", thickness=0.6, color=colors.black, spaceBefore=6, spaceAfter=10)]


def _signature(report: Report) -> list:
    signing = report.signing
    recipients = [P("<b><i>Nơi nhận:</i></b>", "recipients_head"),
                  *[P("- " + T(line), "recipients") for line in signing.recipients]]
    signer: list = [P(T(line.upper()), "center_bold") for line in (signing.authority, signing.signer_title) if line]
    signer.append(Spacer(1, 22 * mm))
    signer.append(P(T(signing.signer_name), "center_bold") if signing.signer_name
                  else P(SIGN_HERE, "italic_center"))
    block = Table([[recipients, signer]], colWidths=[WIDTH * 0.45, WIDTH * 0.55])
    block.setStyle(TableStyle([LAYOUT_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 6 * mm), KeepTogether([block])]


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(SERIF, BODY)
    canvas.drawCentredString(LEFT + WIDTH / 2, A4[1] - TOP / 2 - 4, str(doc.page))
    canvas.restoreState()


def _dated(canvas, report: Report) -> None:
    """The PDF's creation date: the day the report is dated (Vietnam time), midnight."""
    day = report.today
    canvas.setDateFormatter(lambda *_: f"D:{day:%Y%m%d}000000+07'00'")


def render(report: Report) -> bytes:
    register_fonts()
    story = _header(report)
    story += body_story(content.body(report))
    story += _signature(report)
    out = io.BytesIO()
    with binary_pdf_streams():
        doc = SimpleDocTemplate(out, pagesize=A4, topMargin=TOP, bottomMargin=BOTTOM, leftMargin=LEFT,
                                rightMargin=RIGHT, title=document_title(report),
                                author=report.issuing_body, creator="formkit", subject=report.template.name,
                                pageCompression=1, invariant=1, initialFontName=SERIF, initialFontSize=BODY)
        # invariant keeps the file the same for the same report; its date is the report's, not 2000-01-01
        doc.build(story, onFirstPage=lambda canvas, _: _dated(canvas, report), onLaterPages=_page_number)
    return out.getvalue()


def write_pdf(report: Report, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{report.stem}.pdf"
    atomic_write_bytes(path, render(report))
    return path

"""The report as a Word document an office can edit and sign: the same content as the PDF
(content.py) in the layout of Nghị định 30/2020/NĐ-CP — A4, margins top/bottom 20 mm, left 30 mm,
right 15 mm, Times New Roman 13 pt (tables 11 pt); the issuing body with the number and symbol
beside the national motto and the place-date line; page numbers centred at the top from page 2;
the signature block and Nơi nhận at the end.

Tables repeat their header rows on every page and rows do not split across pages. The charts are
the PDF's, drawn once more as pictures. Paragraph styles carry the formatting (not each run), so
changing "Nội dung báo cáo" changes every body paragraph.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, time
from pathlib import Path
from xml.sax.saxutils import escape, unescape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from ..files import atomic_write_bytes
from ..typography import SERIF, register_fonts
from . import charts, content, fmt
from .content import MOTTO, NATION, Block, Chart, Gap, Grid, Para, number_line, title
from .labels import HEADING, SIGN_HERE, document_title
from .model import Report
from .page import MARGINS_MM, PAGE_MM, TEXT_MM, WIDTH, balanced, column_widths
from .printable import printable

FONT = "Times New Roman"
TOP, BOTTOM, LEFT, RIGHT = MARGINS_MM
CENTER, LEFT_ALIGN, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY

# name in content.py -> (style name in Word, size pt, bold, italic, alignment, first-line indent mm,
# left indent mm, space before pt, space after pt)
STYLES = {
    "body": ("Nội dung báo cáo", 13, False, False, JUSTIFY, 10, 0, 0, 6),
    "plain": ("Nội dung không thụt đầu dòng", 13, False, False, JUSTIFY, 0, 0, 0, 4),
    "heading": ("Đề mục", 13, True, False, LEFT_ALIGN, 0, 0, 8, 6),
    "subheading": ("Đề mục nhỏ", 13, True, False, LEFT_ALIGN, 0, 0, 4, 4),
    "note": ("Ghi chú", 12, False, False, JUSTIFY, -4, 6, 0, 3),
    "title": ("Tên báo cáo", 14, True, False, CENTER, 0, 0, 0, 0),
    "center": ("Giữa", 13, False, False, CENTER, 0, 0, 0, 0),
    "center_bold": ("Giữa đậm", 13, True, False, CENTER, 0, 0, 0, 0),
    "center_bold12": ("Quốc hiệu", 12, True, False, CENTER, 0, 0, 0, 0),
    "date": ("Địa danh, ngày tháng", 13, False, True, CENTER, 0, 0, 0, 0),
    "italic_center": ("Giữa nghiêng", 13, False, True, CENTER, 0, 0, 0, 0),
    "recipients_head": ("Nơi nhận", 12, True, True, LEFT_ALIGN, 0, 0, 0, 0),
    "recipients": ("Nơi nhận - dòng", 11, False, False, LEFT_ALIGN, 0, 0, 0, 0),
    "cell": ("Ô bảng", 11, False, False, LEFT_ALIGN, 0, 0, 0, 0),
    "cell_number": ("Ô bảng - số", 11, False, False, WD_ALIGN_PARAGRAPH.RIGHT, 0, 0, 0, 0),
    "cell_center": ("Ô bảng - giữa", 11, False, False, CENTER, 0, 0, 0, 0),
    "cell_head": ("Tiêu đề bảng", 11, True, False, CENTER, 0, 0, 0, 0),
}
CELL_STYLE = {"t": "cell", "n": "cell_number", "c": "cell_center"}
HEADER_FILL = "E8EDF3"
TAGS = re.compile(r"(</?b>|</?i>|<br/>)")


def _fonts(element, name: str = FONT) -> None:
    """Times New Roman for every script Word distinguishes (Vietnamese is "ascii"/"hAnsi", but
    Word falls back to the east-Asian or complex-script font for some characters)."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    _fonts(normal.element)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.1
    for shown, size, bold, italic, align, first, left, before, after in STYLES.values():
        style = doc.styles.add_style(shown, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style, style.quick_style = normal, True
        style.font.size, style.font.bold, style.font.italic = Pt(size), bold, italic
        layout = style.paragraph_format
        layout.alignment, layout.first_line_indent, layout.left_indent = align, Mm(first), Mm(left)
        layout.space_before, layout.space_after = Pt(before), Pt(after)


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)
    section.different_first_page_header_footer = True  # no number on the first page
    number = section.header.paragraphs[0]
    number.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    number._p.append(field)


def _paragraph(container, markup: str, style: str):
    """A paragraph from content.py's markup: <b>, <i> and <br/> become runs and breaks."""
    paragraph = container.add_paragraph(style=STYLES[style][0])
    bold = italic = False
    for token in TAGS.split(markup):
        if token in ("<b>", "</b>"):
            bold = token == "<b>"
        elif token in ("<i>", "</i>"):
            italic = token == "<i>"
        elif token == "<br/>":
            (paragraph.runs[-1] if paragraph.runs else paragraph.add_run()).add_break()
        elif token:
            run = paragraph.add_run(unescape(token, {"&nbsp;": "\u00a0"}))
            run.bold, run.italic = bold or None, italic or None
    return paragraph


def _text(container, text: str, style: str):
    """Plain text (not markup) in a paragraph of `style`."""
    return _paragraph(container, content.T(text), style)


def _first_paragraph(cell, markup: str, style: str) -> None:
    """A new cell holds one empty paragraph: use it for the first line."""
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    _paragraph(cell, markup, style)


def _row_flags(row, header: bool) -> None:
    properties = row._tr.get_or_add_trPr()
    flags = ["w:cantSplit"] + (["w:tblHeader"] if header else [])  # header rows repeat on each page
    for name in flags:
        flag = OxmlElement(name)
        flag.set(qn("w:val"), "true")
        properties.append(flag)


def _widths(table, widths_pt: list[float]) -> None:
    """Fixed column widths: on the grid columns (what LibreOffice reads) and on every cell
    present (Word reads those)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_pt, strict=True):
        column.width = Pt(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_pt, strict=False):
            cell.width = Pt(width)


def _cell_margins(table, left_right_pt: float = 3, top_bottom_pt: float = 1) -> None:
    """Narrow cell margins, as in the PDF (Word's default 5.4 pt each side wraps "82,66")."""
    margins = OxmlElement("w:tblCellMar")
    for side, size in (("top", top_bottom_pt), ("left", left_right_pt), ("bottom", top_bottom_pt),
                       ("right", left_right_pt)):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(round(size * 20)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)


def _grid(doc, grid: Grid) -> None:
    """A table with a grid. Rows are made as XML, one string each: python-docx's cell objects
    cost time proportional to the table for every row, and a province's officer table has
    thousands of rows."""
    table = doc.add_table(rows=0, cols=len(grid.kinds))
    table.style = doc.styles["Table Grid"]
    _cell_margins(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = column_widths(grid.head, grid.rows, grid.kinds, grid.weights)
    _widths(table, widths)
    twips = [round(w * 20) for w in widths]
    style_id = {name: doc.styles[STYLES[name][0]].style_id for name in ("cell_head", *CELL_STYLE.values())}
    head_cell = ('<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:shd w:val="clear" w:color="auto" '
                 f'w:fill="{HEADER_FILL}"/><w:vAlign w:val="center"/></w:tcPr>{{p}}</w:tc>')
    body_cell = '<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{p}</w:tc>'
    tbl = table._tbl
    for values in grid.head:
        cells = "".join(head_cell.format(w=w, p=_cell_paragraph(v, style_id["cell_head"]))
                        for v, w in zip(values, twips, strict=False))
        tbl.append(parse_xml(f"<w:tr {nsdecls('w')}><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells}</w:tr>"))
    styles = [style_id[CELL_STYLE[k]] for k in grid.kinds]
    for values in grid.rows:
        cells = "".join(body_cell.format(w=w, p=_cell_paragraph(v, st))
                        for v, w, st in zip(values, twips, styles, strict=False))
        tbl.append(parse_xml(f"<w:tr {nsdecls('w')}><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>"))
    for (c0, r0), (c1, r1) in grid.spans:
        merged = table.cell(r0, c0).merge(table.cell(r1, c1))
        for extra in merged.paragraphs[1:]:  # a merge keeps every cell's (empty) paragraph
            if not extra.text:
                extra._p.getparent().remove(extra._p)
    doc.add_paragraph(style=STYLES["plain"][0]).paragraph_format.space_after = Pt(2)


def _cell_paragraph(value, style_id: str) -> str:
    """One cell's paragraph as XML: the text cleaned (printable), line breaks as <w:br/>."""
    lines = printable("" if value is None else value).split("\n")
    runs = '<w:br/>'.join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr><w:r>{runs}</w:r></w:p>'


def _chart(doc, chart: Chart) -> None:
    """The PDF's chart as a picture: drawn to a one-page PDF by ReportLab, rasterised by pdfium."""
    import pypdfium2
    from reportlab.graphics import renderPDF

    drawn = getattr(charts, chart.name)(chart.data, WIDTH)
    for drawing in drawn if isinstance(drawn, list) else [drawn]:
        pdf = pypdfium2.PdfDocument(renderPDF.drawToString(drawing))
        page = pdf[0]
        bitmap = page.render(scale=200 / 72)
        picture = io.BytesIO()
        bitmap.to_pil().save(picture, "PNG", optimize=True)
        for opened in (bitmap, page, pdf):  # children first, as older pypdfium2 releases require
            opened.close()
        doc.add_paragraph(style=STYLES["center"][0]).add_run().add_picture(picture, width=Pt(drawing.width))


def _rule(cell, width_mm: float, cell_mm: float) -> None:
    """The short line under the issuing body and under the motto: a bottom border on an empty
    paragraph, indented to the line's width."""
    paragraph = cell.add_paragraph(style=STYLES["center"][0])
    side = Mm(max(0.0, (cell_mm - width_mm) / 2))
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.paragraph_format.line_spacing = Pt(4)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _layout_table(doc, rows: int, widths_mm: list[float]):
    """A table without borders that places blocks side by side (heading, signature)."""
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_margins(table, 0, 0)
    _widths(table, [Mm(w).pt for w in widths_mm])
    return table


def _header(doc, report: Report) -> None:
    signing = report.signing
    text_mm = TEXT_MM
    left_mm, right_mm = text_mm * 0.42, text_mm * 0.58
    table = _layout_table(doc, 2, [left_mm, right_mm])
    left, right = table.cell(0, 0), table.cell(0, 1)
    # Two lines of similar length ("ỦY BAN NHÂN DÂN" / "TỈNH TÂY NINH"), as the PDF breaks them.
    body = balanced(signing.issuing_body.upper(), Mm(left_mm).pt)
    if signing.parent_body:
        _first_paragraph(left, balanced(signing.parent_body.upper(), Mm(left_mm).pt, SERIF), "center")
        _paragraph(left, body, "center_bold")
    else:
        _first_paragraph(left, body, "center_bold")
    _rule(left, left_mm * 0.35, left_mm)
    _first_paragraph(right, NATION, "center_bold12")
    _text(right, MOTTO, "center_bold")
    _rule(right, 60, right_mm)  # the motto's width at 13 pt bold
    _first_paragraph(table.cell(1, 0), content.T(number_line(report)), "center")
    _first_paragraph(table.cell(1, 1), content.T(fmt.dated(report.place, report.today)), "date")
    gap = doc.add_paragraph(style=STYLES["plain"][0])
    gap.paragraph_format.space_after = Pt(20)
    _text(doc, HEADING, "title")
    _text(doc, title(report), "title")
    _rule(doc, text_mm * 0.25, text_mm)


def _signature(doc, report: Report) -> None:
    signing = report.signing
    text_mm = TEXT_MM
    doc.add_paragraph(style=STYLES["plain"][0]).paragraph_format.space_after = Pt(10)
    table = _layout_table(doc, 1, [text_mm * 0.45, text_mm * 0.55])
    _row_flags(table.rows[0], header=False)  # the block stays on one page
    recipients, signer = table.cell(0, 0), table.cell(0, 1)
    _first_paragraph(recipients, "Nơi nhận:", "recipients_head")
    for line in signing.recipients:
        _text(recipients, "- " + line, "recipients")
    lines = [line.upper() for line in (signing.authority, signing.signer_title) if line]
    _first_paragraph(signer, content.T(lines[0]) if lines else "", "center_bold")
    for line in lines[1:]:
        _text(signer, line, "center_bold")
    space = signer.add_paragraph(style=STYLES["center"][0])
    space.paragraph_format.space_after = Pt(60)  # room for the signature and the seal
    if signing.signer_name:
        _text(signer, signing.signer_name, "center_bold")
    else:
        _text(signer, SIGN_HERE, "italic_center")


def _keep_with_next(doc) -> None:
    """A lead paragraph stays on the page of what it introduces."""
    doc.paragraphs[-1].paragraph_format.keep_with_next = True


def render(report: Report) -> bytes:
    register_fonts()  # the column widths are measured with the PDF's (Times-metric) fonts
    doc = Document()
    _styles(doc)
    _page(doc)
    props = doc.core_properties
    props.title = printable(document_title(report))
    props.author, props.subject = printable(report.issuing_body), printable(report.template.name)
    props.comments, props.last_modified_by = "formkit", "formkit"
    props.created = props.modified = datetime.combine(report.today, time(0))  # the report's date, not the clock's
    _header(doc, report)
    blocks: list[Block] = content.body(report)
    for block in blocks:
        if isinstance(block, Para):
            _paragraph(doc, block.markup, block.style)
            if block.lead:
                _keep_with_next(doc)
        elif isinstance(block, Grid):
            _grid(doc, block)
        elif isinstance(block, Gap):
            doc.add_paragraph(style=STYLES["plain"][0]).paragraph_format.space_after = Pt(block.mm * 72 / 25.4)
        else:
            _chart(doc, block)
    _signature(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_docx(report: Report, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{report.stem}.docx"
    atomic_write_bytes(path, render(report))
    return path

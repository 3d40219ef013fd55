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
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (CondPageBreak, HRFlowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer,
                                Table, TableStyle)

from ..files import atomic_write_bytes
from ..typography import SERIF, SERIF_BOLD, SERIF_ITALIC, binary_pdf_streams, register_fonts
from . import charts, fmt, tables
from .model import Report
from .followup import mask_phone, mask_text
from .printable import printable

TOP, BOTTOM, LEFT, RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
WIDTH = A4[0] - LEFT - RIGHT
BODY, SMALL = 13, 11
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
COMMENT_SHOWN = 1200  # characters of a comment in the PDF (rows must fit a page)
MIN_NUMBER = 15 * mm  # number columns get at least this when the table has room
INVALID_SHOWN = 100  # the PDF lists this many invalid answers; XLSX, CSV and JSON list all
HEADER_BG = colors.HexColor("#E8EDF3")
MOTTO = "Độc lập - Tự do - Hạnh phúc"


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


def lead(text: str, style: str = "body") -> list:
    """A paragraph that introduces what follows: starts a new page rather than end one alone.
    (Not keepWithNext: that moves a page-long table whole to the next page.)"""
    return [CondPageBreak(35 * mm), P(text, style)]


def T(text) -> str:
    """Text for a Paragraph: markup characters escaped, line breaks kept."""
    return escape(printable(text if text is not None else "")).replace("\n", "<br/>")


def _grid(head: list[list[str]], rows: list[list], kinds: str, weights: dict[int, float] | None = None,
          spans: list = ()) -> Table:
    """A table at 11 pt. kinds: one letter per column, t = wrapping text, n = number (right), c = centred.
    Number columns take the width their widest cell needs; text columns share the rest."""
    pad = 8
    widths: list[float | None] = []
    for i, kind in enumerate(kinds):
        if kind == "t":
            widths.append(None)
            continue
        cells = [str(r[i]) for r in rows] or [""]
        words = [w for h in head for w in str(h[i]).split()]
        widths.append(max([stringWidth(c, SERIF, SMALL) for c in cells]
                          + [stringWidth(w, SERIF_BOLD, SMALL) for w in words]) + pad)
    texts = [i for i, k in enumerate(kinds) if k == "t"]
    roomy = [max(w, MIN_NUMBER) if w is not None else None for w in widths]
    if sum(w for w in roomy if w is not None) <= WIDTH - 45 * mm * len(texts):
        widths = roomy  # headers like "Số câu trả lời" wrap in two lines, not four
    fixed = sum(w for w in widths if w is not None)
    room = WIDTH - fixed
    if texts and room < 30 * mm * len(texts):  # too many numbers: squeeze them, keep text readable
        scale = (WIDTH - 30 * mm * len(texts)) / fixed
        widths = [w * scale if w is not None else None for w in widths]
        room = 30 * mm * len(texts)
    weight = weights or {}
    total = sum(weight.get(i, 1.0) for i in texts) or 1.0
    widths = [w if w is not None else room * weight.get(i, 1.0) / total for i, w in enumerate(widths)]
    if not texts:
        widths = [w * WIDTH / sum(widths) for w in widths]
    body = [[P(T(h), "cell_head") if h else "" for h in row] for row in head]
    for r in rows:
        body.append([P(T(v), "cell") if k == "t" else str(v) for v, k in zip(r, kinds)])
    table = Table(body, colWidths=widths, repeatRows=len(head))
    style = [("FONT", (0, 0), (-1, -1), SERIF, SMALL), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (0, 0), (-1, len(head) - 1), "MIDDLE"),
             ("BACKGROUND", (0, 0), (-1, len(head) - 1), HEADER_BG),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    for i, kind in enumerate(kinds):
        if kind in "nc":
            style.append(("ALIGN", (i, len(head)), (i, -1), "RIGHT" if kind == "n" else "CENTER"))
    style += [("SPAN", a, b) for a, b in spans]
    table.setStyle(TableStyle(style))
    table.spaceAfter = 6
    return table


def balanced(text: str, width: float, font: str = SERIF_BOLD, size: float = BODY) -> str:
    """Text for a centred heading: one line if it fits, else two lines of similar length
    ("ỦY BAN NHÂN DÂN" / "TỈNH TÂY NINH" rather than a lone last word)."""
    if stringWidth(text, font, size) <= width:
        return T(text)
    words = text.split()
    best = min(range(1, len(words)), key=lambda i: max(stringWidth(" ".join(words[:i]), font, size),
                                                       stringWidth(" ".join(words[i:]), font, size)))
    return T(" ".join(words[:best])) + "<br/>" + T(" ".join(words[best:]))


def _rule(width: float) -> list:
    return [Spacer(1, 2), HRFlowable(width=width, thickness=0.6, color=colors.black, spaceAfter=4)]


def _header(report: Report) -> list:
    left_width, right_width = WIDTH * 0.42, WIDTH * 0.58
    body = report.issuing_body.upper()
    left = [P(balanced(body, left_width), "center_bold"), *_rule(left_width * 0.35)]
    right = [P("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center_bold12"), P(MOTTO, "center_bold"),
             *_rule(stringWidth(MOTTO, SERIF_BOLD, BODY))]
    short = "UBND" if report.issuing_body.upper().startswith("ỦY BAN NHÂN DÂN") else "……"
    number = P(f"Số:&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;/BC-{short}", "center")
    dated = P(T(fmt.dated(report.place, report.today)), "date")
    block = Table([[left, right], [number, dated]], colWidths=[left_width, right_width])
    # Flowables in a cell follow the cell's ALIGN, not their own hAlign: centre the rules.
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    title = ("Kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính "
             f"nhà nước {report.period.label}")
    return [block, Spacer(1, 10 * mm), P("BÁO CÁO", "title"), P(T(title), "title"),
            HRFlowable(width="25%", thickness=0.6, color=colors.black, spaceBefore=6, spaceAfter=10)]


class _Sections:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, title: str) -> list:
        self.n += 1
        return lead(f"{ROMAN[self.n - 1]}. {T(title.upper())}", "heading")


def _overall(report: Report) -> list:
    r, prev = report, report.previous
    label = prev.period.label
    index = f"<b>{fmt.percent(r.sipas)} %</b>" if r.sipas is not None else "chưa có câu trả lời để tính"
    out = [P(f"1. Số phiếu khảo sát: <b>{fmt.number(r.responses)}</b> phiếu của {len(r.communes)} xã, phường "
             f"(từ ngày {report.period.start:%d/%m/%Y} đến ngày {report.period.end:%d/%m/%Y}); "
             f"{T(label)}: {fmt.number(prev.responses)} phiếu."),
           P(f"2. {T(r.index_name)}: {index}"
             + (f" ({T(label)}: {fmt.percent(prev.sipas)} %, thay đổi "
                f"{fmt.percent(r.change, True)} điểm phần trăm)."
                if r.change is not None else ".")),
           *lead("3. Chỉ số theo yếu tố:")]
    rows = [[f.id, f.title, fmt.number(f.answers), fmt.percent(f.index), fmt.score(f.mean)] for f in r.factors]
    rows.append(["", r.index_name, "", fmt.percent(r.sipas), fmt.score(r.mean)])
    out.append(_grid([["Yếu tố", "Tên yếu tố", "Số câu trả lời", "Chỉ số (%)", "Điểm trung bình"]], rows, "ctnnn"))
    if len(r.factors) > 1:
        out.append(charts.factor_bars(r.factors, WIDTH))
    levels = r.levels
    out += lead("4. Kết quả theo tiêu chí (số câu trả lời theo mức điểm, chỉ số và điểm trung bình):")
    head = [["Mã", "Tiêu chí", "Số câu trả lời theo mức điểm"] + [""] * (len(levels) - 1)
            + ["Tổng số", "Chỉ số (%)", "Điểm TB"],
            ["", ""] + levels + ["", "", ""]]
    rows = [[c.id, c.title, *[fmt.number(c.counts.get(k)) for k in levels], fmt.number(c.answers),
             fmt.percent(c.index), fmt.score(c.mean)] for c in r.criteria]
    n = len(levels)
    spans = [((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (1 + n, 0))] + [((i, 0), (i, 1)) for i in range(2 + n, 5 + n)]
    out.append(_grid(head, rows, "ct" + "n" * (n + 3), spans=spans))
    if any(q.sipas is not None for q in r.trend):
        out += [*lead("5. Diễn biến chỉ số qua các quý:"), charts.trend_line(r.trend, WIDTH)]
    return out


def _communes(report: Report) -> list:
    factor_ids = [f.id for f in report.factors] if len(report.factors) > 1 else []
    head = [["STT", "Xã, phường", "Số phiếu", *[f"YT {f}" for f in factor_ids], "Chỉ số (%)", "Xếp hạng",
             "Thay đổi (điểm %)"]]
    rows = [[i, c.name, fmt.number(c.responses), *[fmt.percent(c.factors[f]) for f in factor_ids],
             fmt.percent(c.sipas), c.rank or "–", fmt.percent(c.change, True)]
            for i, c in enumerate(report.communes, 1)]
    out = [_grid(head, rows, "ctn" + "n" * len(factor_ids) + "ncn"), Spacer(1, 4 * mm)]
    out += charts.communes_ranked(report.communes, WIDTH)
    p = report.participation
    if p is not None:
        out.append(P(f"Tỷ lệ tham gia đánh giá (số phiếu ÷ số hồ sơ đã giải quyết): <b>{fmt.percent(p.rate)} %</b> "
                     f"({fmt.number(p.responses)} phiếu / {fmt.number(p.dossiers)} hồ sơ)."))
        rows = [[c.name, ", ".join(c.periods), fmt.number(c.dossiers), fmt.number(c.responses),
                 fmt.percent(c.rate), "có" if c.over else ""] for c in p.communes]
        out.append(_grid([["Xã, phường", "Kỳ có số hồ sơ", "Số hồ sơ", "Số phiếu", "Tỷ lệ (%)", "Phiếu nhiều hơn hồ sơ"]],
                         rows, "ttnnnc", {0: 2, 1: 1}))
    return out


def _officers(report: Report) -> list:
    rows = [[i, o.name + ("" if o.listed or not o.id else " (không còn trong danh sách)"), o.commune_name,
             fmt.number(o.responses), fmt.percent(o.sipas), fmt.number(o.low_ratings), fmt.number(o.comments)]
            for i, o in enumerate(report.officers, 1)]
    return [_grid([["STT", "Cán bộ, công chức", "Xã, phường", "Số phiếu", "Chỉ số (%)", "Phiếu có mức không hài lòng",
                    "Có ý kiến"]], rows, "cttnnnn", {1: 1.4, 2: 1})]


def _fields(report: Report) -> list:
    rows = [[i, f.name, fmt.number(f.responses), fmt.percent(f.sipas)] for i, f in enumerate(report.fields, 1)]
    return [_grid([["STT", "Lĩnh vực", "Số phiếu", "Chỉ số (%)"]], rows, "ctnn")]


def _clip(text: str, limit: int) -> str:
    """Long free text is cut so that every table row fits on a page (rows never split)."""
    return text if len(text) <= limit else text[:limit].rstrip() + " … (đầy đủ trong tệp XLSX)"


def _low(items) -> str:
    """A few low ratings with their titles; many as ids grouped by the answer given."""
    if len(items) <= 3:
        return tables.low_text(items)
    by_answer: dict[str, list[str]] = {}
    for a in items:
        by_answer.setdefault(a.answer, []).append(a.question)
    return "; ".join(f"{', '.join(ids)}: {answer}" for answer, ids in by_answer.items())


def _follow_up_counts(report: Report) -> list:
    """A report on many communes goes upward and is read by people: how many responses each
    commune and officer has to follow up, not the responses themselves."""
    reasons: dict[str, Counter] = {}
    for f in report.follow_up:
        reasons.setdefault(f.commune, Counter()).update(f.reasons)
    out = [P(f"Tổng số: <b>{fmt.number(len(report.follow_up))}</b> phiếu cần liên hệ lại (có mức không hài lòng, "
             "có ý kiến hoặc để lại số điện thoại). Báo cáo này chỉ ghi số lượng; danh sách đầy đủ của từng xã, "
             "phường nằm trong tệp riêng của xã, phường đó (thư mục CSV “can-lien-he-lai”) và trong báo cáo của "
             "riêng xã, phường đó, chỉ dùng để liên hệ lại về ý kiến của người dân (Nghị định 13/2023/NĐ-CP).")]
    if not report.follow_up:
        return out + [P("Không có phiếu nào cần liên hệ lại.")]
    rows = [[i, c.name, fmt.number(c.follow_up), fmt.number(reasons.get(c.id, Counter())["low_rating"]),
             fmt.number(reasons.get(c.id, Counter())["comment"]), fmt.number(reasons.get(c.id, Counter())["phone"])]
            for i, c in enumerate((c for c in report.communes if c.follow_up), 1)]
    out += [*lead("1. Theo xã, phường:", "subheading"),
            _grid([["STT", "Xã, phường", "Số phiếu cần liên hệ lại", "Có mức không hài lòng", "Có ý kiến",
                    "Có số điện thoại"]], rows, "ctnnnn")]
    rows = [[i, o.name, o.commune_name, fmt.number(o.follow_up), fmt.number(o.low_ratings), fmt.number(o.comments)]
            for i, o in enumerate((o for o in report.officers if o.follow_up), 1)]
    out += [*lead("2. Theo cán bộ, công chức:", "subheading"),
            _grid([["STT", "Cán bộ, công chức", "Xã, phường", "Số phiếu cần liên hệ lại", "Có mức không hài lòng",
                    "Có ý kiến"]], rows, "cttnnn", {1: 1.4, 2: 1})]
    return out


def _follow_up(report: Report) -> list:
    if len(report.communes) > 1:
        return _follow_up_counts(report)
    groups = report.follow_up_by_commune()
    out = [P(f"Tổng số: <b>{fmt.number(len(report.follow_up))}</b> phiếu. Số điện thoại được che trong báo cáo này; "
             "danh sách đầy đủ của từng xã, phường chỉ gửi cho Bộ phận Tiếp nhận và Trả kết quả của xã, phường đó, "
             "chỉ dùng để liên hệ lại về ý kiến của người dân, không công bố và không dùng cho mục đích khác "
             "(Nghị định 13/2023/NĐ-CP).")]
    if not groups:
        return out + [P("Không có phiếu nào cần liên hệ lại.")]
    for k, (_, name, items) in enumerate(groups, 1):
        rows = []
        for i, f in enumerate(items, 1):
            parts = []
            if f.low:
                parts.append("Đánh giá thấp: " + _low(f.low))
            if f.comment:
                parts.append("Ý kiến: " + _clip(mask_text(f.comment), COMMENT_SHOWN))
            rows.append([i, fmt.when(f.submitted), f.officer_name, "\n".join(parts), mask_phone(f.phone)])
        out += [*lead(f"{k}. {T(name)} ({fmt.number(len(items))} phiếu)", "subheading"),
                _grid([["STT", "Thời gian", "Cán bộ", "Nội dung", "Điện thoại"]], rows, "cttt" + "c", {2: 1, 3: 3})]
    return out


def _integrity(report: Report) -> list:
    r = report
    out = [P(f"Các dấu hiệu dưới đây chỉ để kiểm tra lại, không phiếu nào bị loại: từ {r.cluster_size} phiếu "
             f"giống hệt nhau cho cùng một cán bộ trong {r.cluster_minutes} phút; phiếu gửi ngoài giờ làm việc "
             f"({T(r.office_hours_text)}); số phiếu nhiều hơn số hồ sơ.")]
    if not r.integrity:
        return out + [P("Không phát hiện dấu hiệu bất thường.")]
    rows = [[tables.KIND_NAMES.get(w.kind, w.kind), w.commune_name, w.officer or "", fmt.number(w.count),
             (fmt.when(w.first) + " – " + fmt.when(w.last)) if w.first else "", tables.warning_detail(w)]
            for w in r.integrity]
    return out + [_grid([["Loại", "Xã, phường", "Cán bộ", "Số phiếu", "Thời gian", "Chi tiết"]], rows, "tttntt",
                        {0: 1, 1: 1, 2: 1, 4: 1, 5: 2})]


def _invalid(report: Report) -> list:
    items = report.invalid
    out = [P(f"Số câu trả lời không hợp lệ: <b>{fmt.number(len(items))}</b> (không tính vào chỉ số)"
             + (f"; dưới đây là {INVALID_SHOWN} câu đầu tiên, danh sách đầy đủ trong tệp XLSX, CSV và JSON."
                if len(items) > INVALID_SHOWN else "."))]
    if items:
        rows = [[e.commune_name, fmt.when(e.submitted), e.question, _clip(e.raw, 200), _clip(e.reason, 300)]
                for e in items[:INVALID_SHOWN]]
        out.append(_grid([["Xã, phường", "Thời gian", "Câu hỏi", "Câu trả lời", "Lý do"]], rows, "ttctt",
                         {0: 1, 1: 0.8, 3: 1, 4: 1.6}))
    return out


def _signature(report: Report) -> list:
    recipients = [P("<b><i>Nơi nhận:</i></b>", "recipients_head"), P("- Cơ quan nhận báo cáo;", "recipients"),
                  P("- Lưu: VT.", "recipients")]
    committee = report.issuing_body.upper().startswith("ỦY BAN NHÂN DÂN")
    signer = [P("TM. ỦY BAN NHÂN DÂN" if committee else "THỦ TRƯỞNG CƠ QUAN", "center_bold"),
              P("CHỦ TỊCH" if committee else "", "center_bold"), Spacer(1, 22 * mm),
              P("(Ký, ghi rõ họ tên và đóng dấu)", "italic_center")]
    block = Table([[recipients, signer]], colWidths=[WIDTH * 0.45, WIDTH * 0.55])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 6 * mm), KeepTogether([block])]


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(SERIF, BODY)
    canvas.drawCentredString(LEFT + WIDTH / 2, A4[1] - TOP / 2 - 4, str(doc.page))
    canvas.restoreState()


def render(report: Report) -> bytes:
    register_fonts()
    section = _Sections()
    story = _header(report)
    where = report.unit[:1].lower() + report.unit[1:]  # "tỉnh Tây Ninh" inside a sentence
    story.append(P(f"Thực hiện việc đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành "
                   f"chính nhà nước trên địa bàn {T(where)}, kết quả khảo sát {T(report.period.label)} theo bộ câu hỏi "
                   f"“{T(report.template.name)}” như sau:"))
    story += [*section("Kết quả chung"), *_overall(report)]
    story += [*section("Kết quả theo xã, phường"), *_communes(report)]
    story += [*section("Kết quả theo cán bộ, công chức"), *_officers(report)]
    story += [*section("Kết quả theo lĩnh vực thủ tục hành chính"), *_fields(report)]
    story += [*section("Danh sách cần liên hệ lại"), *_follow_up(report)]
    story += [*section("Cảnh báo về tính toàn vẹn của số liệu"), *_integrity(report)]
    story += [*section("Câu trả lời không hợp lệ"), *_invalid(report)]
    if (paper := tables.paper(report)) is not None:
        head = ["Xã, phường", "Trực tuyến", "Giấy", "Đã phát", "Thu về", "Đã tính", "Chờ xem lại", "Bị loại", "Trùng"]
        story += [*section("Phiếu theo kênh và phiếu giấy"), _grid([head],
                                                [[str(v) for v in row] for row in paper.rows], "t" + "n" * 8, {0: 2})]
    story += [*section("Ghi chú về cách tính"), *[P("- " + T(n), "note") for n in report.notes]]
    story += _signature(report)
    out = io.BytesIO()
    with binary_pdf_streams():
        doc = SimpleDocTemplate(out, pagesize=A4, topMargin=TOP, bottomMargin=BOTTOM, leftMargin=LEFT,
                                rightMargin=RIGHT, title=f"Báo cáo {report.index_name} {report.period.label}",
                                author=report.issuing_body, creator="formkit", subject=report.template.name,
                                pageCompression=1, invariant=1, initialFontName=SERIF, initialFontSize=BODY)
        doc.build(story, onLaterPages=_page_number)
    return out.getvalue()


def write_pdf(report: Report, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{report.stem}.pdf"
    atomic_write_bytes(path, render(report))
    return path

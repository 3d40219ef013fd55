"""What the report says, in the order it says it, for the writers that lay out pages (PDF, DOCX):
paragraphs, tables and charts between the heading block and the signature, which each writer lays
out itself from `Report.signing`.

Paragraph text is ReportLab's small markup (text escaped by T(), <b>, <i>, <br/>), which the PDF
draws as it is and the DOCX turns into runs. A report on several communes carries the follow-up
counts per commune and per officer; a single commune's report carries its list, phone numbers
masked (each commune's office gets its list in full as its own CSV file).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from . import fmt, tables
from .labels import KIND_NAMES
from .model import Report
from .notes import PERSONAL_DATA_LAW
from .period import shown
from .printable import printable
from .privacy import mask_phone, mask_text

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
COMMENT_SHOWN = 1200  # characters of a comment in a page layout (table rows must fit a page)
INVALID_SHOWN = 100  # the PDF and DOCX list this many invalid answers; XLSX, CSV and JSON list all
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


@dataclass(frozen=True)
class Para:
    markup: str
    style: str = "body"  # a style name both writers know: body, heading, subheading, note, …
    lead: bool = False  # introduces what follows: start a new page rather than end one alone


@dataclass(frozen=True)
class Grid:
    """A table. kinds: one letter per column, t = wrapping text, n = number (right), c = centred;
    weights: the share of the free width each text column takes; spans: ((col, row), (col, row))."""

    head: list[list[str]]
    rows: list[list]
    kinds: str
    weights: dict[int, float] | None = None
    spans: list = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    name: str  # factor_bars, trend_line, communes_ranked (charts.py)
    data: tuple


@dataclass(frozen=True)
class Gap:
    mm: float


Block = Para | Grid | Chart | Gap


def T(text) -> str:
    """Text for the markup: markup characters escaped, line breaks kept."""
    return escape(printable(text if text is not None else "")).replace("\n", "<br/>")


def lead(text: str, style: str = "body") -> list[Block]:
    return [Para(text, style, lead=True)]


def title(report: Report) -> str:
    return ("Kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính "
            f"nhà nước {report.period.label}")


def number_line(report: Report) -> str:
    """"Số: 125/BC-UBND", or room to write the number by hand."""
    return f"Số: {report.signing.number}{report.signing.symbol}" if report.signing.number else \
        f"Số:{NBSP * 8}{report.signing.symbol}"


NBSP = "\u00a0"


class Sections:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, title: str) -> list[Block]:
        self.n += 1
        return lead(f"{ROMAN[self.n - 1]}. {T(title.upper())}", "heading")


def _overall(report: Report) -> list[Block]:
    r, prev = report, report.previous
    label = prev.period.label
    index = f"<b>{fmt.percent(r.sipas)} %</b>" if r.sipas is not None else "chưa có câu trả lời để tính"
    out: list[Block] = [
        Para(f"1. Số phiếu khảo sát: <b>{fmt.number(r.responses)}</b> phiếu"
             + ("" if r.commune_name else f" của {len(r.communes)} xã, phường") + " "
             f"({report.period.dates}); "
             f"{T(label)}: {fmt.number(prev.responses)} phiếu."),
        Para(f"2. {T(r.index_name)}: {index}"
             + (f" ({T(label)}: {fmt.percent(prev.sipas)} %, thay đổi "
                f"{fmt.percent(r.change, True)} điểm phần trăm)."
                if r.change is not None else ".")),
        *lead("3. Chỉ số theo yếu tố:")]
    rows = [[f.id, f.title, fmt.number(f.answers), fmt.percent(f.index), fmt.score(f.mean)] for f in r.factors]
    rows.append(["", r.index_name, "", fmt.percent(r.sipas), fmt.score(r.mean)])
    out.append(Grid([["Yếu tố", "Tên yếu tố", "Số câu trả lời", "Chỉ số (%)", "Điểm trung bình"]], rows, "ctnnn"))
    if len(r.factors) > 1 and any(f.index is not None for f in r.factors):  # no empty chart for an empty period
        out.append(Chart("factor_bars", r.factors))
    levels = r.levels
    out += lead("4. Kết quả theo tiêu chí (số câu trả lời theo mức điểm, chỉ số và điểm trung bình):")
    head = [["Mã", "Tiêu chí", "Số câu trả lời theo mức điểm"] + [""] * (len(levels) - 1)
            + ["Tổng số", "Chỉ số (%)", "Điểm TB"],
            ["", ""] + levels + ["", "", ""]]
    rows = [[c.id, c.title, *[fmt.number(c.counts.get(k)) for k in levels], fmt.number(c.answers),
             fmt.percent(c.index), fmt.score(c.mean)] for c in r.criteria]
    n = len(levels)
    spans = [((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (1 + n, 0))] + [((i, 0), (i, 1)) for i in range(2 + n, 5 + n)]
    out.append(Grid(head, rows, "ct" + "n" * (n + 3), spans=spans))
    if any(q.sipas is not None for q in r.trend):
        out += [*lead("5. Diễn biến chỉ số qua các quý:"), Chart("trend_line", r.trend)]
    return out


def _communes(report: Report) -> list[Block]:
    factor_ids = [f.id for f in report.factors] if len(report.factors) > 1 else []
    head = [["STT", "Xã, phường", "Số phiếu", *[f"YT {f}" for f in factor_ids], "Chỉ số (%)", "Xếp hạng",
             "Thay đổi (điểm %)"]]
    rows = [[i, c.name, fmt.number(c.responses), *[fmt.percent(c.factors[f]) for f in factor_ids],
             fmt.percent(c.sipas), c.rank or "–", fmt.percent(c.change, True)]
            for i, c in enumerate(report.communes, 1)]
    out: list[Block] = [Grid(head, rows, "ctn" + "n" * len(factor_ids) + "ncn"), Gap(4),
                        Chart("communes_ranked", report.communes)]
    return out + _participation(report)


def _participation(report: Report) -> list[Block]:
    out: list[Block] = []
    p = report.participation
    if p is not None:
        out.append(Para(f"Tỷ lệ tham gia đánh giá (số phiếu ÷ số hồ sơ đã giải quyết): <b>{fmt.percent(p.rate)} %</b> "
                     f"({fmt.number(p.responses)} phiếu / {fmt.number(p.dossiers)} hồ sơ)."))
        rows = [[c.name, ", ".join(shown(k) for k in c.periods), fmt.number(c.dossiers), fmt.number(c.responses),
                 fmt.percent(c.rate), "có" if c.over else ""] for c in p.communes]
        out.append(_own_commune(report, Grid([["Xã, phường", "Kỳ có số hồ sơ", "Số hồ sơ", "Số phiếu", "Tỷ lệ (%)",
                                               "Phiếu nhiều hơn hồ sơ"]], rows, "ttnnnc", {0: 2, 1: 1}), 0))
    return out


def _officers(report: Report) -> list[Block]:
    """One commune's report names no commune in its rows."""
    where = [] if report.commune_name else ["Xã, phường"]
    rows = [[i, o.name + ("" if o.listed or not o.id else " (không còn trong danh sách)"),
             *([o.commune_name] if where else []),
             fmt.number(o.responses), fmt.percent(o.sipas), fmt.number(o.low_ratings), fmt.number(o.comments)]
            for i, o in enumerate(report.officers, 1)]
    return [Grid([["STT", "Cán bộ, công chức", *where, "Số phiếu", "Chỉ số (%)", "Phiếu có mức không hài lòng",
                    "Có ý kiến"]], rows, "ctt"[:2 + len(where)] + "nnnn", {1: 1.4, 2: 1} if where else None)]


def _points(report: Report) -> list[Block]:
    rows = [[i, p.name, p.commune_name, fmt.number(p.officers), fmt.number(p.responses), fmt.percent(p.sipas),
             fmt.number(p.low_ratings), fmt.number(p.comments)] for i, p in enumerate(report.points, 1)]
    return [_own_commune(report, Grid([["STT", "Điểm tiếp nhận", "Xã, phường", "Số cán bộ", "Số phiếu", "Chỉ số (%)",
                                        "Phiếu có mức không hài lòng", "Có ý kiến"]], rows, "cttnnnnn", {1: 1.4, 2: 1}),
                         2)]


def _fields(report: Report) -> list[Block]:
    rows = [[i, f.name, fmt.number(f.responses), fmt.percent(f.sipas)] for i, f in enumerate(report.fields, 1)]
    return [Grid([["STT", "Lĩnh vực", "Số phiếu", "Chỉ số (%)"]], rows, "ctnn")]


def _clip(text: str, limit: int) -> str:
    """Long free text is cut so that every table row fits on a page (rows never split)."""
    return text if len(text) <= limit else text[:limit].rstrip() + " … (đầy đủ trong tệp XLSX)"


def _low(items) -> str:
    """A few low ratings with their titles; many as criterion codes grouped by the answer given."""
    if len(items) <= 3:
        return tables.low_text(items)
    by_answer: dict[str, list[str]] = {}
    for a in items:
        by_answer.setdefault(a.answer, []).append(tables.question_code(a))
    return "; ".join(f"{', '.join(ids)}: {answer}" for answer, ids in by_answer.items())


def _follow_up_counts(report: Report, intro: str) -> list[Block]:
    """How many responses each commune and officer has to follow up, not the responses themselves:
    a report on many communes goes upward and is read by people, and a list too long to read is
    better worked through in the XLSX or CSV."""
    reasons = report.follow_up.reason_counts()
    out: list[Block] = [Para(intro)]
    if not report.follow_up:
        return out + [Para("Không có phiếu nào cần liên hệ lại.")]
    items = 1
    if not report.commune_name:
        rows = [[i, c.name, fmt.number(c.follow_up), fmt.number(reasons.get(c.id, Counter())["low_rating"]),
                 fmt.number(reasons.get(c.id, Counter())["comment"]),
                 fmt.number(reasons.get(c.id, Counter())["phone"])]
                for i, c in enumerate((c for c in report.communes if c.follow_up), 1)]
        out += [*lead("1. Theo xã, phường:", "subheading"),
                Grid([["STT", "Xã, phường", "Số phiếu cần liên hệ lại", "Có mức không hài lòng", "Có ý kiến",
                        "Có số điện thoại"]], rows, "ctnnnn")]
        items = 2
    where = [] if report.commune_name else ["Xã, phường"]
    rows = [[i, o.name, *([o.commune_name] if where else []), fmt.number(o.follow_up), fmt.number(o.low_ratings),
             fmt.number(o.comments)] for i, o in enumerate((o for o in report.officers if o.follow_up), 1)]
    out += [*lead(f"{items}. Theo cán bộ, công chức:", "subheading"),
            Grid([["STT", "Cán bộ, công chức", *where, "Số phiếu cần liên hệ lại", "Có mức không hài lòng",
                    "Có ý kiến"]], rows, "ctt"[:2 + len(where)] + "nnn", {1: 1.4, 2: 1} if where else None)]
    return out


def _follow_up(report: Report) -> list[Block]:
    total = len(report.follow_up)
    if len(report.communes) > 1:
        return _follow_up_counts(report, (
            f"Tổng số: <b>{fmt.number(total)}</b> phiếu cần liên hệ lại (có mức không hài lòng, "
            "có ý kiến hoặc để lại số điện thoại). Báo cáo này chỉ ghi số lượng; danh sách đầy đủ của từng xã, "
            "phường nằm trong tệp riêng của xã, phường đó (thư mục CSV “can-lien-he-lai”) và trong báo cáo của "
            f"riêng xã, phường đó, chỉ dùng để liên hệ lại về ý kiến của người dân ({PERSONAL_DATA_LAW})."))
    if total > report.signing.follow_up_listed:  # too long to read on paper: counts, and where the list is
        return _follow_up_counts(report, (
            f"Tổng số: <b>{fmt.number(total)}</b> phiếu cần liên hệ lại (có mức không hài lòng, có ý kiến hoặc để "
            f"lại số điện thoại), nhiều hơn {fmt.number(report.signing.follow_up_listed)} phiếu nên báo cáo này "
            f"chỉ ghi số lượng. Danh sách đầy đủ nằm trong trang tính “{tables.FOLLOW_UP_SHEET}” của tệp "
            f"{T(report.stem)}.xlsx và trong tệp CSV {T(report.stem)}-csv/{tables.FOLLOW_UP_SLUG}/"
            f"{T(report.communes[0].id if report.communes else '')}.csv, chỉ dùng để liên hệ lại về ý kiến "
            f"của người dân, không công bố và không dùng cho mục đích khác ({PERSONAL_DATA_LAW})."))
    groups = report.follow_up_by_commune()
    out: list[Block] = [
        Para(f"Tổng số: <b>{fmt.number(total)}</b> phiếu. Số điện thoại được che trong báo cáo này; "
             f"danh sách đầy đủ của từng xã, phường chỉ gửi cho {T(report.office)} của xã, phường đó, "
             "chỉ dùng để liên hệ lại về ý kiến của người dân đã đồng ý để lại số điện thoại, không công bố và "
             f"không dùng cho mục đích khác ({PERSONAL_DATA_LAW}).")]
    if not total:  # groups is a generator: always true
        return out + [Para("Không có phiếu nào cần liên hệ lại.")]
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
                Grid([["STT", "Thời gian", "Cán bộ", "Nội dung", "Điện thoại"]], rows, "cttt" + "c", {2: 1, 3: 3})]
    return out


def _integrity(report: Report) -> list[Block]:
    r = report
    out: list[Block] = [
        Para(f"Các dấu hiệu dưới đây chỉ để kiểm tra lại, không phiếu nào bị loại: từ {r.cluster_size} phiếu "
             f"giống hệt nhau cho cùng một cán bộ trong {r.cluster_minutes} phút; phiếu gửi ngoài giờ làm việc "
             f"({T(r.office_hours_text)}); số phiếu nhiều hơn số hồ sơ.")]
    if not r.integrity:
        return out + [Para("Không phát hiện dấu hiệu bất thường.")]
    rows = [[KIND_NAMES.get(w.kind, w.kind), w.commune_name, w.officer_name or "", fmt.number(w.count),
             (fmt.when(w.first) + " – " + fmt.when(w.last)) if w.first else "", tables.warning_detail(w)]
            for w in r.integrity]
    return out + [_own_commune(report, Grid([["Loại", "Xã, phường", "Cán bộ", "Số phiếu", "Thời gian", "Chi tiết"]],
                                            rows, "tttntt", {0: 1, 1: 1, 2: 1, 4: 1, 5: 2}), 1)]


def _invalid(report: Report) -> list[Block]:
    items = report.invalid
    out: list[Block] = [
        Para(f"Số câu trả lời không hợp lệ: <b>{fmt.number(len(items))}</b> (không tính vào chỉ số)"
             + (f"; dưới đây là {INVALID_SHOWN} câu đầu tiên, danh sách đầy đủ trong tệp XLSX, CSV và JSON."
                if len(items) > INVALID_SHOWN else "."))]
    if items:
        rows = [[e.commune_name, fmt.when(e.submitted), e.question, _clip(e.raw, 200), _clip(e.reason, 300)]
                for e in items[:INVALID_SHOWN]]
        out.append(_own_commune(report, Grid([["Xã, phường", "Thời gian", "Câu hỏi", "Câu trả lời", "Lý do"]], rows,
                                             "ttctt", {0: 1, 1: 0.8, 3: 1, 4: 1.6}), 0))
    return out


def _own_commune(report: Report, grid: Grid, column: int) -> Grid:
    """The grid without its commune column in one commune's report (its name is the report's own;
    the XLSX, CSV and JSON keep the column, for a province that merges communes' files)."""
    if not report.commune_name:
        return grid
    keep = [i for i in range(len(grid.kinds)) if i != column]
    weights = {keep.index(i): w for i, w in (grid.weights or {}).items() if i != column}
    return Grid([[h[i] for i in keep] for h in grid.head], [[r[i] for i in keep] for r in grid.rows],
                "".join(grid.kinds[i] for i in keep), weights or None)


def _loop(report: Report) -> list[Block]:
    """The follow-up register's figures per commune (counts only)."""
    rows = [[i, r.commune_name, fmt.number(r.opened), fmt.number(r.contacted_in_time), fmt.number(r.resolved),
             fmt.number(r.unreachable), fmt.number(r.still_open),
             "–" if r.median_days is None else f"{r.median_days:g}".replace(".", ",")]
            for i, r in enumerate((r for r in report.loop if r.opened), 1)]
    if not rows:
        return []
    return [*lead("Kết quả liên hệ lại:"),
            Para(f"Theo sổ theo dõi liên hệ lại (formkit followup), tính đến ngày {report.today:%d/%m/%Y}; "
                 f"thời hạn liên hệ lần đầu: {report.contact_days} ngày làm việc."),
            _own_commune(report, Grid([["STT", "Xã, phường", "Số trường hợp",
                                        f"Liên hệ trong {report.contact_days} ngày làm việc", "Đã giải quyết",
                                        "Không liên lạc được", "Còn đang xử lý", "Trung vị ngày đến lần liên hệ đầu"]],
                                      rows, "ctnnnnnn", {1: 1.6}), 1)]


def body(report: Report) -> list[Block]:
    """Everything between the heading block and the signature."""
    section = Sections()
    where = (f"tại {_inside(report.commune_name)}" if report.commune_name  # one commune speaks of itself
             else f"trên địa bàn {_inside(report.unit)}")
    out: list[Block] = [Para(
        f"Thực hiện việc đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành "
        f"chính nhà nước {T(where)}, kết quả khảo sát {T(report.period.label)} theo {T(report.template.cited)} "
        "như sau:")]
    if report.responses == 0:
        out.append(Para(f"<b>{T(empty_sentence(report))}</b>"))
    out += [*section("Kết quả chung"), *_overall(report)]
    if not report.commune_name:
        out += [*section("Kết quả theo xã, phường"), *_communes(report)]
    elif report.participation is not None:
        out += [*section("Tỷ lệ tham gia đánh giá"), *_participation(report)]
    out += [*section("Kết quả theo cán bộ, công chức"), *_officers(report)]
    if report.points:
        out += [*section(f"Kết quả theo điểm tiếp nhận của {report.office}"), *_points(report)]
    out += [*section("Kết quả theo lĩnh vực thủ tục hành chính"), *_fields(report)]
    out += [*section("Danh sách cần liên hệ lại"), *_follow_up(report), *_loop(report)]
    out += [*section("Cảnh báo về tính toàn vẹn của số liệu"), *_integrity(report)]
    out += [*section("Câu trả lời không hợp lệ"), *_invalid(report)]
    if (paper := tables.paper(report)) is not None:
        head = ["Xã, phường", "Trực tuyến", "Giấy", "Đã phát", "Thu về", "Đã tính", "Chờ xem lại", "Bị loại", "Trùng"]
        out += [*section("Phiếu theo kênh và phiếu giấy"),
                _own_commune(report, Grid([head], [[str(v) for v in row] for row in paper.rows], "t" + "n" * 8, {0: 2}),
                             0)]
    if report.channels:
        rows = [[c.channel, fmt.number(c.responses), fmt.percent(c.sipas), fmt.score(c.mean)] for c in report.channels]
        out += [*section("Kết quả theo kênh đánh giá"),
                Grid([["Kênh", "Số phiếu", "Chỉ số (%)", "Điểm trung bình"]], rows, "tnnn", {0: 2})]
    if report.receipts:
        rows = [[tables.LEVEL_NAMES[r.level], r.name, tables.STAGE_NAMES.get(r.stage, r.stage), fmt.number(r.dossiers),
                 fmt.number(r.rated), fmt.percent(r.rate)] for r in report.receipts]
        out += [*section("Tỷ lệ hồ sơ được đánh giá tại quầy (theo số biên nhận)"),
                Grid([["Theo", "Đơn vị", "Bước", "Số hồ sơ", "Được đánh giá", "Tỷ lệ (%)"]], rows, "tttnnn",
                     {0: 1, 1: 2.6, 2: 1.2, 3: 0.9, 4: 1.1, 5: 0.9})]
    out += [*section("Ghi chú về cách tính"), *[Para("- " + T(n), "note") for n in report.notes]]
    return out


def _inside(name: str) -> str:
    """"Tỉnh Tây Ninh" inside a sentence: "tỉnh Tây Ninh"."""
    return name[:1].lower() + name[1:]


def empty_sentence(report: Report) -> str:
    """An empty period said plainly, in the document itself."""
    return (f"Trong {report.period.label} ({report.period.dates}) chưa có phiếu khảo sát nào; "
            "các bảng dưới đây không có số liệu.")

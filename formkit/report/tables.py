"""The report's tables, as the XLSX sheets and CSV files show them (the PDF lays out its own,
narrower versions of the same numbers).

Cell values stay raw: indices 0–100 unrounded (the writers format them), counts as int, times as
"YYYY-MM-DD HH:MM:SS", days as "YYYY-MM-DD", None for "no value". Column kinds tell the writers
how to show a value.
Phones are in full only in the follow-up table, which is written per commune.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .labels import KIND_NAMES
from .model import IntegrityWarning, Report, Scores
from .period import shown
from .privacy import mask_phone, mask_text

CRITERION_CODE = re.compile(r"^\d+(\.\d+)*$")  # "3.1": a criterion's printed code
KINDS = {"text", "int", "percent", "points", "score", "time", "date"}


FOLLOW_UP_SLUG, FOLLOW_UP_SHEET = "can-lien-he-lai", "Cần liên hệ lại"  # the CSV folder and the XLSX sheet


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"
    width: int = 0  # XLSX column width in characters; 0: chosen from the kind


@dataclass
class Table:
    slug: str  # CSV file name
    sheet: str  # XLSX sheet it goes on
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # (commune id, heading, rows), made as they are read: the follow-up list only (its rows are not in `rows`)
    groups: Iterable[tuple[str, str, list[list]]] | None = None


def _factor_columns(report: Report) -> list[Column]:
    return [Column(f"Yếu tố {f.id} (%)", "percent") for f in report.factors]


def _factor_cells(row: Scores) -> list:
    return list(row.factors.values())


def summary(report: Report) -> Table:
    r, previous = report, report.previous
    return Table("tong-hop", "Tổng hợp", f"{r.index_name} {r.period.label}", [
        Column("Mẫu phiếu", width=16), Column("Từ ngày", "date"), Column("Đến ngày", "date"),
        Column("Số phiếu", "int"), Column("Chỉ số (%)", "percent"), Column("Điểm trung bình", "score"),
        Column(f"Số phiếu {previous.period.label}", "int"), Column(f"Chỉ số {previous.period.label} (%)", "percent"),
        Column("Thay đổi (điểm %)", "points"), Column("Phiếu mẫu khác (không tính)", "int")],
        [[r.template.id, r.period.start.isoformat(), r.period.end.isoformat(), r.responses, r.sipas, r.mean,
          previous.responses, previous.sipas, r.change, sum(r.excluded.values())]])


def factors(report: Report) -> Table:
    levels = report.levels
    return Table("yeu-to", "Tổng hợp", "Chỉ số theo yếu tố", [
        Column("Yếu tố", width=8), Column("Tên yếu tố", width=50), Column("Số trả lời", "int"),
        Column("Số hài lòng", "int"), Column("Chỉ số (%)", "percent"), Column("Điểm trung bình", "score"),
        *[Column(f"Mức {k}", "int") for k in levels]],
        [[f.id, f.title, f.answers, f.satisfied, f.index, f.mean, *[f.counts.get(k) for k in levels]]
         for f in report.factors])


def criteria(report: Report) -> Table:
    levels = report.levels
    return Table("tieu-chi", "Tổng hợp", "Chỉ số theo tiêu chí", [
        Column("Mã", width=6), Column("Tiêu chí", width=60), Column("Yếu tố", width=8),
        *[Column(f"Mức {k}", "int") for k in levels], Column("Số trả lời", "int"), Column("Số hài lòng", "int"),
        Column("Chỉ số (%)", "percent"), Column("Điểm trung bình", "score"), Column("Không tính điểm", "int"),
        Column("Bỏ trống", "int"), Column("Không hợp lệ", "int"), Column("Trả lời ngoài điều kiện", "int")],
        [[c.id, c.title, c.factor, *[c.counts.get(k) for k in levels], c.answers, c.satisfied,
          c.index, c.mean, c.unscored, c.blank, c.invalid, c.outside_condition]
         for c in report.criteria])


def trend(report: Report) -> Table:
    return Table("xu-huong", "Tổng hợp", "Diễn biến theo quý", [
        Column("Quý", width=14), Column("Từ ngày", "date"), Column("Đến ngày", "date"), Column("Số phiếu", "int"),
        Column("Chỉ số (%)", "percent")],
        [[q.label, q.start, q.end, q.responses, q.sipas] for q in report.trend])


def communes(report: Report) -> Table:
    dossiers = report.participation is not None
    columns = [Column("Mã xã", width=16), Column("Xã, phường", width=28), Column("Số phiếu", "int"),
               *_factor_columns(report), Column("Chỉ số (%)", "percent"), Column("Xếp hạng", "int"),
               Column("Số phiếu kỳ trước", "int"), Column("Chỉ số kỳ trước (%)", "percent"),
               Column("Thay đổi (điểm %)", "points"), Column("Cần liên hệ lại", "int"), Column("Có ý kiến", "int")]
    if dossiers:
        columns += [Column("Số hồ sơ", "int"), Column("Tỷ lệ tham gia (%)", "percent")]
    rows = []
    for c in report.communes:
        row = [c.id, c.name, c.responses, *_factor_cells(c), c.sipas, c.rank, c.previous_responses,
               c.previous_sipas, c.change, c.follow_up, c.comments]
        rows.append(row + ([c.dossiers, c.participation] if dossiers else []))
    return Table("theo-xa", "Theo xã", "Kết quả theo xã, phường", columns, rows)


def officers(report: Report) -> Table:
    return Table("theo-can-bo", "Theo cán bộ", "Kết quả theo cán bộ, công chức", [
        Column("Xã, phường", width=24), Column("Mã cán bộ", width=18), Column("Họ và tên", width=24),
        Column("Chức danh", width=30), Column("Còn trong danh sách", width=10), Column("Số phiếu", "int"),
        *_factor_columns(report), Column("Chỉ số (%)", "percent"), Column("Phiếu có mức không hài lòng", "int"),
        Column("Có ý kiến", "int")],
        [[o.commune_name, o.id, o.name, o.title, "có" if o.listed else "không", o.responses,
          *_factor_cells(o), o.sipas, o.low_ratings, o.comments] for o in report.officers])


def fields(report: Report) -> Table:
    return Table("theo-linh-vuc", "Theo lĩnh vực", "Kết quả theo lĩnh vực thủ tục hành chính", [
        Column("Lĩnh vực", width=36), Column("Số phiếu", "int"), *_factor_columns(report),
        Column("Chỉ số (%)", "percent")],
        [[f.name, f.responses, *_factor_cells(f), f.sipas] for f in report.fields])


def loop(report: Report) -> Table:
    """The follow-up register per commune: counts only (no case, no phone)."""
    return Table("theo-doi-lien-he", "Theo dõi liên hệ lại", "Kết quả liên hệ lại theo xã, phường", [
        Column("Mã xã", width=16), Column("Xã, phường", width=28), Column("Số trường hợp", "int"),
        Column(f"Đã liên hệ trong {report.contact_days} ngày làm việc", "int"), Column("Đã giải quyết", "int"),
        Column("Không liên lạc được", "int"), Column("Còn đang xử lý", "int"),
        Column("Trung vị ngày làm việc đến lần liên hệ đầu", "score")],
        [[r.commune, r.commune_name, r.opened, r.contacted_in_time, r.resolved, r.unreachable, r.still_open,
          r.median_days] for r in report.loop])


def points(report: Report) -> Table | None:
    """Per reception point, for communes that list them (report/points.py)."""
    if not report.points:
        return None
    return Table("theo-diem-tiep-nhan", "Theo điểm tiếp nhận", "Kết quả theo điểm tiếp nhận", [
        Column("Xã, phường", width=24), Column("Mã điểm", width=16), Column("Điểm tiếp nhận", width=36),
        Column("Số cán bộ", "int"), Column("Số phiếu", "int"), *_factor_columns(report),
        Column("Chỉ số (%)", "percent"), Column("Phiếu có mức không hài lòng", "int"), Column("Có ý kiến", "int")],
        [[p.commune_name, p.id, p.name, p.officers, p.responses, *_factor_cells(p), p.sipas, p.low_ratings,
          p.comments] for p in report.points])


def participation(report: Report) -> Table | None:
    p = report.participation
    if p is None:
        return None
    rows = [[c.name, ", ".join(shown(p) for p in c.periods), c.dossiers, c.responses, c.rate,
             "đủ" if c.complete else "thiếu", "có" if c.over else ""] for c in p.communes]
    rows.append(["Tổng cộng", "", p.dossiers, p.responses, p.rate, "", ""])
    return Table("ty-le-tham-gia", "Tỷ lệ tham gia", "Tỷ lệ tham gia đánh giá (số phiếu ÷ số hồ sơ)", [
        Column("Xã, phường", width=28), Column("Kỳ có số hồ sơ", width=24), Column("Số hồ sơ", "int"),
        Column("Số phiếu", "int"), Column("Tỷ lệ tham gia (%)", "percent"), Column("Số liệu hồ sơ", width=10),
        Column("Phiếu nhiều hơn hồ sơ", width=10)], rows)


FOLLOW_UP_COLUMNS = [Column("STT", "int", 6), Column("Xã, phường", width=22), Column("Thời gian", "time", 17),
                     Column("Cán bộ", width=22), Column("Lĩnh vực", width=20),
                     Column("Tiêu chí đánh giá thấp", width=50), Column("Ý kiến", width=50),
                     Column("Số điện thoại", width=15), Column("Mã phiếu", "int", 10)]


def low_text(items) -> str:
    """"3.1 Title: answer" for a criterion (its code is what the form prints); the overall
    question by its title alone (its id, "hai-long-chung", is not for people)."""
    return "; ".join(map(_low_piece, items))


@functools.lru_cache(maxsize=4096)  # LowAnswer instances are shared: a few hundred for 100,000 rows
def _low_piece(a) -> str:
    return f"{question_label(a)}: {a.answer}"


def question_label(a) -> str:
    return f"{a.question} {a.title}" if CRITERION_CODE.match(a.question) else a.title


def question_code(a) -> str:
    """The criterion's code ("3.1") where it has one, else its title."""
    return a.question if CRITERION_CODE.match(a.question) else a.title


def follow_up(report: Report, full_phone: bool = False) -> Table:
    """Phones masked, except (full_phone) in the files made for each commune's own office."""
    def groups():  # a commune's rows at a time (a nation's list is 1.4 million rows)
        for cid, name, items in report.follow_up_by_commune():
            rows = [[i, f.commune_name, f.submitted, f.officer_name, f.field or "", low_text(f.low),
                     f.comment if full_phone else mask_text(f.comment),
                     f.phone if full_phone else mask_phone(f.phone), f.response_id] for i, f in enumerate(items, 1)]
            yield cid, f"{name}: {len(items)} phiếu cần liên hệ lại", rows

    return Table(FOLLOW_UP_SLUG, FOLLOW_UP_SHEET, "Danh sách cần liên hệ lại", FOLLOW_UP_COLUMNS, [], groups())


def warning_detail(w: IntegrityWarning) -> str:
    """The sentence, and the answers given when the warning is about identical answers."""
    answers = w.details.get("answers")
    return w.message + (f". Câu trả lời: {answers}" if answers else "")


def warnings(report: Report) -> Table:
    return Table("canh-bao", "Cảnh báo", "Cảnh báo về tính toàn vẹn của số liệu (không loại phiếu nào)", [
        Column("Loại cảnh báo", width=28), Column("Xã, phường", width=22), Column("Cán bộ", width=20),
        Column("Số phiếu", "int"), Column("Từ", "time", 17), Column("Đến", "time", 17), Column("Chi tiết", width=60),
        Column("Mã phiếu", width=30)],
        [[KIND_NAMES.get(w.kind, w.kind), w.commune_name, w.officer_name or "", w.count, w.first, w.last,
          warning_detail(w), ", ".join(map(str, w.response_ids))] for w in report.integrity])


def invalid(report: Report) -> Table:
    return Table("khong-hop-le", "Không hợp lệ", "Câu trả lời không hợp lệ (không tính vào chỉ số)", [
        Column("Mã phiếu", "int", 10), Column("Xã, phường", width=22), Column("Thời gian", "time", 17),
        Column("Câu hỏi", width=12), Column("Nội dung câu hỏi", width=40), Column("Câu trả lời", width=30),
        Column("Lý do", width=50)],
        [[e.response_id, e.commune_name, e.submitted, e.question, e.question_title, e.raw, e.reason]
         for e in report.invalid])


def paper(report: Report) -> Table | None:
    """Paper ballots per commune, and responses per channel (only once ballots were issued)."""
    if report.paper is None:
        return None
    channels: dict[str, dict[str, int]] = {}
    for count in report.paper.channels:
        channels.setdefault(count.commune, {})[count.channel] = count.responses
    rows = [[b.commune_name, channels.get(b.commune, {}).get("online", 0), channels.get(b.commune, {}).get("giấy", 0),
             b.issued, b.returned, b.counted, b.in_review, b.rejected, b.duplicates] for b in report.paper.ballots]
    return Table("phieu-giay", "Phiếu giấy", "Phiếu theo kênh và phiếu giấy", [
        Column("Xã, phường", width=22), Column("Phiếu trực tuyến trong kỳ", "int"),
        Column("Phiếu giấy trong kỳ", "int"),
        Column("Phiếu giấy đã phát", "int"), Column("Đã thu về", "int"), Column("Đã tính", "int"),
        Column("Chờ xem lại", "int"), Column("Bị loại", "int"), Column("Trùng", "int")], rows)


def channels(report: Report) -> Table | None:
    """Each channel's responses and index, and all together (once paper or counter answers exist)."""
    if not report.channels:
        return None
    return Table("kenh", "Theo kênh", "Kết quả theo kênh đánh giá", [
        Column("Kênh", width=16), Column("Số phiếu", "int"), Column("Chỉ số (%)", "percent"),
        Column("Điểm trung bình", "score")],
        [[c.channel, c.responses, c.sipas, c.mean] for c in report.channels])


STAGE_NAMES = {"intake": "Tiếp nhận", "return": "Trả kết quả"}
LEVEL_NAMES = {"commune": "Xã, phường", "counter": "Quầy", "officer": "Cán bộ", "field": "Lĩnh vực"}


def receipts(report: Report) -> Table | None:
    """Dossiers rated at the counter by receipt number ÷ dossiers (report --receipts)."""
    if not report.receipts:
        return None
    return Table("bien-nhan", "Theo biên nhận", "Tỷ lệ hồ sơ được đánh giá tại quầy (theo số biên nhận)", [
        Column("Theo", width=12), Column("Đơn vị", width=36), Column("Bước", width=12), Column("Số hồ sơ", "int"),
        Column("Được đánh giá", "int"), Column("Tỷ lệ (%)", "percent")],
        [[LEVEL_NAMES[r.level], r.name, STAGE_NAMES.get(r.stage, r.stage), r.dossiers, r.rated, r.rate]
         for r in report.receipts])


def all_tables(report: Report) -> list[Table]:
    """In sheet order; phone numbers masked everywhere (the report goes upward)."""
    tables = [summary(report), factors(report), criteria(report), trend(report), communes(report),
              officers(report), fields(report), participation(report), loop(report), follow_up(report),
              warnings(report), invalid(report), paper(report), channels(report), receipts(report)]
    tables.insert(6, points(report))  # after the officers' sheet
    return [t for t in tables if t is not None]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula ("=HYPERLINK(…)", "+1…", "@SUM…") gets a leading
    apostrophe, so Excel and LibreOffice show it as text (OWASP's advice for CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text

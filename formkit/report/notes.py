"""The notes that explain every number of the report, written from the template itself so they
stay true for any question set: anyone with the counts can recompute each index by hand."""

from __future__ import annotations

from ..workspace.templates import Question, Template
from . import fmt


def _labels(options) -> str:
    return ", ".join(f"“{o.label}” ({fmt.score(o.score).replace(',00', '')} điểm)" for o in options)


def _ids(ids: list[str]) -> str:
    return ids[0] if len(ids) == 1 else (f"{ids[0]} … {ids[-1]}" if len(ids) > 4 else ", ".join(ids))


PERSONAL_DATA_LAW = "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, Nghị định 356/2025/NĐ-CP"


def _level_columns(levels: list[str]) -> str:
    """The count columns as the criteria table heads them ("1" … "5" under "Số câu trả lời theo mức điểm")."""
    shown = [fmt.score(float(k)).replace(",00", "") for k in levels]
    if not shown:
        return ""
    span = f"{shown[0]}–{shown[-1]}" if len(shown) > 2 else " và ".join(shown)
    each = (shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} hoặc {shown[-1]}" if len(shown) <= 6
            else f"{shown[0]} … {shown[-1]}")
    return f"các cột {span} dưới “Số câu trả lời theo mức điểm” là số câu trả lời được {each} điểm."


def scale_notes(template: Template) -> list[str]:
    """One sentence per answer scale the criteria use."""
    by_scale: dict[str, list[Question]] = {}
    for q in template.criteria:
        if q.scale is not None:  # always: a criterion is a choice question, and those need a scale
            by_scale.setdefault(q.scale.id, []).append(q)
    out = []
    for questions in by_scale.values():
        options = questions[0].scale_options
        satisfied = [o for o in options if o.satisfied]
        scored = [o for o in options if o.score is not None]
        unscored = [o for o in options if o.score is None]
        text = (f"Tiêu chí {_ids([q.id for q in questions])}: mức hài lòng là {_labels(satisfied)}; "
                f"các mức có tính điểm là {_labels(scored)}")
        if unscored:
            text += "; không tính vào chỉ số: " + ", ".join(f"“{o.label}”" for o in unscored)
        out.append(text + ".")
    return out


def build_notes(report) -> list[str]:
    """report: the Report model (its notes not filled yet)."""
    t = report.template
    notes = [
        "Chỉ số của mỗi tiêu chí = 100 × số câu trả lời ở mức hài lòng ÷ số câu trả lời ở các mức có tính điểm. "
        "Câu bỏ trống, câu chọn phương án không tính điểm và câu trả lời không hợp lệ không được tính.",
        *scale_notes(t),
        "Điểm trung bình của tiêu chí = tổng số điểm ÷ số câu trả lời ở các mức có tính điểm; "
        f"{_level_columns(report.levels)}",
        ("Chỉ số của mỗi yếu tố = trung bình cộng chỉ số các tiêu chí của yếu tố đó."
         if t.index.factor == "mean" else
         "Chỉ số của mỗi yếu tố = 100 × tổng số câu trả lời hài lòng ÷ tổng số câu trả lời có tính điểm "
         "của mọi tiêu chí thuộc yếu tố (gộp chung)."),
        (f"{t.index.name} = trung bình cộng chỉ số các yếu tố."
         if t.index.overall == "mean" else
         f"{t.index.name} = 100 × tổng số câu trả lời hài lòng ÷ tổng số câu trả lời có tính điểm "
         "của mọi tiêu chí (gộp chung)."),
    ]
    for section in t.sections:
        if section.ask_if and section.factor:
            gate = t.question(section.ask_if.question)
            notes.append(f"Yếu tố {section.factor} chỉ tính các phiếu trả lời “{section.ask_if.answer}” ở câu "
                         f"“{gate.title}”; câu trả lời yếu tố này trên phiếu trả lời khác không được tính và "
                         "được liệt kê ở mục câu trả lời không hợp lệ.")
    if report.empty_criteria or report.empty_factors:
        parts = []
        if report.empty_criteria:
            parts.append("tiêu chí " + ", ".join(report.empty_criteria))
        if report.empty_factors:
            parts.append("yếu tố " + ", ".join(report.empty_factors))
        notes.append(f"Không có câu trả lời nào cho {' và '.join(parts)}: không có chỉ số (ghi “–”) và "
                     "không tính vào các trung bình ở cấp trên.")
    else:
        notes.append("Tiêu chí hoặc yếu tố không có câu trả lời nào thì không có chỉ số (ghi “–”) và không tính "
                     "vào các trung bình ở cấp trên.")
    change = f"Thay đổi = chỉ số kỳ này − chỉ số {report.previous.period.label} (điểm phần trăm)."
    if not report.commune_name:  # one commune's report ranks nothing
        change += " Xếp hạng theo chỉ số, từ cao xuống thấp; xã, phường chưa có phiếu không được xếp hạng."
    notes += ["Các chỉ số được làm tròn đến 2 chữ số thập phân khi trình bày; tệp JSON và XLSX giữ nguyên giá trị.",
              change]
    if report.participation is not None:  # only with a dossiers file
        notes.append("Tỷ lệ tham gia = số phiếu ÷ số hồ sơ đã giải quyết, tính trong các kỳ có số liệu hồ sơ "
                     "nằm trọn trong kỳ báo cáo.")
    notes += [
        "Danh sách cần liên hệ lại gồm các phiếu có tiêu chí (hoặc câu đánh giá chung) ở mức không hài lòng, "
        "có ý kiến, hoặc để lại số điện thoại. Số điện thoại chỉ ghi đầy đủ trong danh sách của từng xã, phường "
        "để liên hệ lại, với sự đồng ý của người dân "
        f"({PERSONAL_DATA_LAW}); các bảng và tệp khác che bớt (ví dụ 091****678).",
        f"Cảnh báo (không loại bỏ phiếu nào): từ {report.cluster_size} phiếu trở lên trả lời giống hệt nhau cho cùng "
        f"một cán bộ trong vòng {report.cluster_minutes} phút; phiếu gửi ngoài giờ làm việc "
        f"({report.office_hours_text}); số phiếu nhiều hơn số hồ sơ.",
    ]
    others = report.excluded
    if others:
        counted = ", ".join(f"{k}: {fmt.number(v)} phiếu" for k, v in others.items())
        notes.append("Không tính phiếu của mẫu khác: " + counted
                     + ". Các phiên bản của cùng mẫu phiếu được gộp theo mã câu hỏi.")
    return notes

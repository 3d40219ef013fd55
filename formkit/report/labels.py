"""How the report names things a reader sees, in one place for every writer: the document's
title and signature line, the kinds of integrity warning, and a response that chose no officer
or no field."""

from __future__ import annotations

from .model import Report

HEADING = "BÁO CÁO"  # above the title, as Nghị định 30/2020/NĐ-CP lays a report out
SIGN_HERE = "(Ký, ghi rõ họ tên và đóng dấu)"  # where no signer's name is configured


def document_title(report: Report) -> str:
    """The title a PDF, DOCX or XLSX file carries (its properties, the XLSX's first sheet)."""
    return f"Báo cáo {report.index_name} {report.period.label}"


NO_OFFICER = "(không chọn cán bộ)"  # how a response without an officer reads in the tables
NO_FIELD = "(không chọn lĩnh vực)"
# A response's channel as the report (and the follow-up register's export) names it.
CHANNEL_NAMES = {"online": "Trực tuyến", "giấy": "Giấy", "quầy": "Quầy"}

KIND_NAMES = {"identical_answers": "Phiếu giống hệt nhau dồn dập", "off_hours": "Gửi ngoài giờ làm việc",
              "more_than_dossiers": "Số phiếu nhiều hơn số hồ sơ",
              "paper_not_returned": "Phiếu giấy phát ra không thu về",
              "kiosk_pairings": "Quầy đánh giá: ghép nối và từ chối",
              "counter_burst": "Quầy: đánh giá dồn dập không gắn hồ sơ",
              "counter_off_hours": "Quầy: đánh giá ngoài giờ làm việc",
              # volume anomalies (anomalies.py), in the order it finds them
              "burst": "Số phiếu tăng đột biến", "beyond_capacity": "Nhiều phiếu hơn sức tiếp nhận của quầy",
              "straight_lining": "Chọn một mức cho mọi tiêu chí"}

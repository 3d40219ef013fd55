"""Hand-made responses for the index and report tests: small enough to compute every expected
number by hand (the arithmetic is written next to each expectation in the tests)."""

from __future__ import annotations

from datetime import datetime

from formkit.responses.store import ResponseRow, ResponseStore

LEVEL = {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường", 4: "Hài lòng", 5: "Rất hài lòng"}
PHONE = "0912 345 678"  # R1's phone: must appear in full only in hoa-thanh's follow-up list
PHONE_DIGITS = "0912345678"
TEXT_PHONE = "0987654321"  # typed into R4's comment: masked everywhere but nam-dong's list
INJECTION = '=HYPERLINK("http://example.com/x","Bấm vào đây")'


def answers(template, factors: dict[str, int | str], gate: str | None = None, overall: int | None = None,
            **extra: str) -> dict[str, str]:
    """Every criterion of a factor gets the same answer: a level 1–5 or a raw text."""
    out: dict[str, str] = {}
    for factor in template.factors:
        value = factors.get(factor.id)
        if value is None:
            continue
        for q in factor.criteria:
            out[q.id] = LEVEL[value] if isinstance(value, int) else value
    if gate is not None:
        out["co-gop-y"] = gate
    if overall is not None:
        out["hai-long-chung"] = LEVEL[overall]
    out.update({k.replace("_", "-"): v for k, v in extra.items()})
    if out.get("so-dien-thoai"):
        out.setdefault("dong-y-lien-he", "Đồng ý")  # a phone given as the form asks it: after consent
    return out


def row(commune: str, when: str, answered: dict[str, str], officer: str | None = None, template_id: str = "sipas-2640",
        version: int = 2, form: str = "form-1") -> ResponseRow:  # 2: the shipped sipas-2640's version
    return ResponseRow(commune, form, "api", template_id, version, datetime.fromisoformat(when), answered, officer)


def store_of(rows, template) -> ResponseStore:
    store = ResponseStore(":memory:")
    store.add(rows, template)
    return store


def hand_rows(template) -> list[ResponseRow]:
    """R1–R5 in 2026Q3, R6 in 2026Q2 (the previous quarter).

    Office hours of the example workspace: Monday–Saturday 07:00–17:30.
      R1 hoa-thanh  Mon 06/07 09:00  nguyen-thi-lan  F1 5 F2 4 F3 5 F4 4, gate Có, F5 5, overall 5;
                    comment (a formula), phone; field Hộ tịch
      R2 nam-dong   Sat 11/07 10:00  pham-thu-ha     F1 4 F2 3 F3 4 F4 2, gate Không, overall 3; Kinh doanh
      R3 hoa-thanh  Sun 12/07 10:00  nguyen-thi-lan  F1 2 F2 4 F3 3 F4 5, gate Có, F5 1, overall 2; Hộ tịch
      R4 nam-dong   Tue 07/07 18:30  (no officer)    F1 5 F2 5 F3 5 F4 5, gate Không, F5 4 (not asked!),
                    overall 4; comment with a phone number typed in
      R5 hoa-thanh  Wed 08/07 16:00  old-officer     F1 3 but 1.1 "Tàm tạm", F2 blank, F3 4 F4 4,
                    gate Có, F5 2, overall 4 (officer id no longer in the workspace)
      R6 hoa-thanh  Wed 10/06 09:00  tran-van-minh   everything 5, gate Không (previous quarter)
    """
    t = template
    r1 = answers(t, {"1": 5, "2": 4, "3": 5, "4": 4, "5": 5}, "Có", 5, y_kien_khac=INJECTION,
                 so_dien_thoai=PHONE, linh_vuc="Hộ tịch")
    r2 = answers(t, {"1": 4, "2": 3, "3": 4, "4": 2}, "Không", 3, linh_vuc="Kinh doanh")
    r3 = answers(t, {"1": 2, "2": 4, "3": 3, "4": 5, "5": 1}, "Có", 2, linh_vuc="Hộ tịch")
    r4 = answers(t, {"1": 5, "2": 5, "3": 5, "4": 5, "5": 4}, "Không", 4,
                 y_kien_khac=f"Xin gọi lại cho tôi theo số {TEXT_PHONE} nhé")
    r5 = answers(t, {"1": 3, "3": 4, "4": 4, "5": 2}, "Có", 4)
    r5["1.1"] = "Tàm tạm"
    r6 = answers(t, {"1": 5, "2": 5, "3": 5, "4": 5}, "Không", 5)
    return [
        row("hoa-thanh", "2026-07-06 09:00:00", r1, "nguyen-thi-lan"),
        row("nam-dong", "2026-07-11 10:00:00", r2, "pham-thu-ha"),
        row("hoa-thanh", "2026-07-12 10:00:00", r3, "nguyen-thi-lan"),
        row("nam-dong", "2026-07-07 18:30:00", r4, None),
        row("hoa-thanh", "2026-07-08 16:00:00", r5, "old-officer"),
        row("hoa-thanh", "2026-06-10 09:00:00", r6, "tran-van-minh"),
    ]

"""Privacy at rest and in print: phone numbers are masked however they are spelled, and every
file holding one is owner-only."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from formkit.report.privacy import mask_phone, mask_text

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_the_spellings_people_type_are_masked():
    for spelling, masked in (("(091) 234 5678", "091****678"), ("+84 (0) 912 345 679", "+849*****679"),
                             ("０９１２３４５６７８", "091****678"), ("0912_345_681", "091****681"),
                             ("0912.345.678", "091****678"), ("0912-345-678", "091****678"),
                             ("+84-912-345-678", "+849*****678"), ("84 912 345 678", "849*****678")):
        assert mask_text(f"xin gọi {spelling} nhé") == f"xin gọi {masked} nhé", spelling
        assert mask_phone(spelling) == masked, spelling
    for harmless in ("phí 1.000.000 đồng", "hồ sơ số 2026/123", "ngày 12-10-2026", "quầy số 3, 14:30"):
        assert mask_text(harmless) == harmless


@st.composite
def spelled_phones(draw) -> tuple[str, str]:
    """(a Vietnamese mobile number's ten digits, one way a citizen might type it)."""
    digits = "0" + draw(st.sampled_from("35789")) + "".join(draw(st.lists(st.sampled_from("0123456789"),
                                                                        min_size=8, max_size=8)))
    national = digits[1:]
    sep = draw(st.sampled_from(["", " ", ".", "-", "_", "\u00a0"]))
    groups = draw(st.sampled_from([(3, 3, 3), (2, 3, 4), (3, 6), (9,), (1, 4, 4)]))
    cut, parts = 0, []
    for size in groups:
        parts.append(national[cut:cut + size])
        cut += size
    body = sep.join(parts)
    prefix = draw(st.sampled_from(["0", "+84" + sep, "+84 ", "84" + sep, "+84 (0) ", "+84(0)", "(0", "0"]))
    if prefix == "(0":  # (091) 234 5678
        text = f"(0{national[:2]}) {national[2:5]} {national[5:]}"
    else:
        text = prefix + body
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return digits, text


words = st.sampled_from(["", "Xin gọi lại", "SĐT:", "liên hệ", "số của tôi là", "Cảm ơn,"])


@settings(max_examples=300, deadline=None)
@given(spelled_phones(), words, words, st.sampled_from(["", ".", ",", " ", "!"]))
def test_no_spelling_of_a_phone_survives_masking(phone, before, after, punctuation):
    digits, spelled = phone
    text = f"{before} {spelled}{punctuation} {after}".strip()
    masked = mask_text(text)
    visible = re.sub(r"\D", "", masked.translate({0xFF10 + d: str(d) for d in range(10)}), flags=re.ASCII)
    international = spelled.translate({0xFF10 + d: str(d) for d in range(10)}).lstrip("+").startswith("84")
    shown = ("84" + digits[1] if international else digits[:3]) + digits[-3:]
    assert visible == shown, (text, masked)  # the first and last three digits, nothing else
    assert masked.count("*") == (5 if international else 4) and mask_text(spelled) == mask_phone(spelled)

"""Privacy in the report, in one place: how phone numbers, and phone-like numbers typed into free
text, are masked ("091****678") everywhere but the per-commune follow-up outputs, and how a phone
is shown to the office that calls back (Luật 91/2025/QH15 and Nghị định 356/2025/NĐ-CP: the full number only where it
is needed)."""

from __future__ import annotations

import re

_SEP = r"[ \t\u00a0.\-_()]"  # what people type between digit groups: 0912 345 678, (091) 234-5678, 0912_345_681
PHONE_IN_TEXT = re.compile(  # 0…, (0…), 84…, +84…, +84 (0)… then 8 to 10 more digits
    rf"(?<![\d.,])(?:(?:\+{_SEP}{{0,2}})?84(?:{_SEP}{{0,2}}\(0\))?|\(?0){_SEP}{{0,2}}[1-9](?:{_SEP}{{0,2}}\d){{7,9}}(?!\d)",
    re.ASCII)
_ASCII_DIGITS = {0xFF10 + d: str(d) for d in range(10)}  # full-width ０…９, one character each
_DIGIT = re.compile(r"\d")  # any digit, full-width ones included


def mask_phone(text: str | None) -> str:
    """"0912345678" -> "091****678": first three and last three digits kept; "+84 (0) 912…"
    and full-width digits are read as the same number."""
    if not text:
        return ""
    digits = re.sub(r"\D", "", text.translate(_ASCII_DIGITS), flags=re.ASCII)
    if digits.startswith("840") and len(digits) >= 11:
        digits = "84" + digits[3:]  # the "(0)" of +84 (0) 912 …
    if len(digits) < 7:
        return "*" * len(digits)
    return ("+" if text.strip().startswith("+") else "") + digits[:3] + "*" * (len(digits) - 6) + digits[-3:]


def as_dialled(phone: str) -> str:
    """A phone typed into a sheet as a number loses its leading zero (0912345678 -> 912345678);
    Vietnamese numbers have ten digits, so nine digits get their zero back. The store keeps the
    answer as received; this is only how the call-back list shows it."""
    text = phone.strip()
    return "0" + text if text.isdigit() and len(text) == 9 and text[0] != "0" else phone


def mask_text(text: str | None) -> str:
    """Free text with every phone-like number in it masked (matched on a copy with full-width
    digits made ASCII: the same length, so the places agree)."""
    text = text or ""
    if not _DIGIT.search(text):  # most comments: no number in them at all
        return text
    parts, last = [], 0
    for match in PHONE_IN_TEXT.finditer(text.translate(_ASCII_DIGITS)):
        parts += [text[last:match.start()], mask_phone(match.group(0))]
        last = match.end()
    return "".join(parts) + text[last:]

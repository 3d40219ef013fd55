"""Who issues and signs a report, as Nghị định 30/2020 lays it out: the [report] table of
formkit.toml, and each commune's own [communes.report] for a report on that commune alone.

A commune's report is its People's Committee's: the issuer's identity (COMMUNE_OWN) is the
commune's own or its committee's default, never the workspace's; the other keys fall back to what
the workspace's [report] gives — symbol, authority and signer_title only when that is a people's
committee's report too (a Sở's "KT. GIÁM ĐỐC" does not sign for a commune).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import _

if TYPE_CHECKING:
    from .config import _WorkspaceReader

COMMITTEE = "ỦY BAN NHÂN DÂN"
FOLLOW_UP_LISTED = 500  # [report] follow_up_listed: about 45 pages of the PDF
FOLLOW_UP_MAX = 1_000_000


@dataclass(frozen=True)
class ReportSettings:
    """The [report] table: who issues and signs the report. Every value is resolved (defaults
    filled in) when the workspace is read."""

    issuing_body: str  # "ỦY BAN NHÂN DÂN TỈNH TÂY NINH"
    parent_body: str = ""  # cơ quan chủ quản, printed above the issuing body; "" for none
    symbol: str = "/BC-UBND"  # ký hiệu, after the number
    number: str = ""  # "" leaves room to write the number by hand
    place: str = ""  # the place-date line: "Tây Ninh, ngày … tháng … năm …"
    authority: str = ""  # "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "Q. CHỦ TỊCH"; "" for none
    signer_title: str = ""  # "CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    signer_name: str = ""  # "" leaves room to write the name by hand
    recipients: tuple[str, ...] = ("Lưu: VT.",)  # no placeholder: `check` warns while none are configured
    recipients_given: bool = False  # recipients came from formkit.toml
    follow_up_listed: int = FOLLOW_UP_LISTED  # the PDF and DOCX list at most this many entries, else counts

    @property
    def committee(self) -> bool:
        return self.issuing_body.upper().startswith(COMMITTEE)

    @classmethod
    def defaults(cls, display_name: str, place: str, issuing_body: str = "") -> ReportSettings:
        """What the report printed before [report] existed: the unit's ("Tỉnh Tây Ninh") people's
        committee, signed "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" (or "THỦ TRƯỞNG CƠ QUAN" for another body)."""
        body = issuing_body or f"{COMMITTEE} {display_name.upper()}"
        committee = body.upper().startswith(COMMITTEE)
        return cls(body, symbol="/BC-UBND" if committee else "/BC-……", place=place,
                   authority=f"TM. {COMMITTEE}" if committee else "THỦ TRƯỞNG CƠ QUAN",
                   signer_title="CHỦ TỊCH" if committee else "")


REPORT_KEYS = {"issuing_body", "parent_body", "symbol", "number", "place", "authority", "signer_title",
               "signer_name", "recipients", "follow_up_listed"}
COMMUNE_OWN = {"issuing_body", "parent_body", "number", "place", "signer_name"}
COMMITTEE_STYLE = {"symbol", "authority", "signer_title"}
# The issuing bodies are printed in the report's header column (196 pt at 13 pt bold capitals),
# broken between words: a longer word may not fit there in the widest capital (W, 1 em: 15 × 13 pt
# = 195 pt; tests/test_report_signed.py prints it). Vietnamese syllables have at most 7 letters.
HEADER_WORD_MAX = 15


def read_report(reader: _WorkspaceReader, table: dict | None, place: str) -> dict[str, Any]:
    """A [report] table (the workspace's, or a commune's): the values it gives, checked; problems
    go to the reader with their place."""
    table = table or {}
    reader.unknown_keys(table, REPORT_KEYS, place)
    lines = sorted(REPORT_KEYS - {"recipients", "follow_up_listed"})
    given = {k: reader.line(table, k, place, required=False) for k in lines}
    for key in ("issuing_body", "parent_body"):
        long_words = [w for w in (given[key] or "").split() if len(w) > HEADER_WORD_MAX]
        if long_words:
            reader.problem(f"{place}.{key}", _("'{word}' is too long to fit the report's header, which breaks "
                                               "lines between words (at most {n} letters a word): put spaces "
                                               "between its words").format(word=long_words[0], n=HEADER_WORD_MAX))
    values: dict[str, Any] = {k: v for k, v in given.items() if v}
    symbol = values.get("symbol")
    if symbol and not symbol.startswith("/"):
        values["symbol"] = "/" + symbol  # "BC-UBND" as "/BC-UBND": the number goes before the slash
    if "recipients" in table:
        recipients = table["recipients"]
        if not isinstance(recipients, list) or not all(isinstance(r, str) and r.strip() for r in recipients):
            reader.problem(f"{place}.recipients", _('must be a list of lines, e.g. ["Sở Nội vụ;", "Lưu: VT."]'))
        else:
            lines = [reader.line({"line": r}, "line", f"{place}.recipients[{i}]") for i, r in enumerate(recipients, 1)]
            values["recipients"] = tuple(r.lstrip("-– ").strip() for r in lines)
            values["recipients_given"] = True
    if "follow_up_listed" in table:
        values["follow_up_listed"] = int(reader.number(table, "follow_up_listed", place, FOLLOW_UP_LISTED, 0,
                                                       FOLLOW_UP_MAX))
    return values


def settings(display_name: str, place: str, values: dict[str, Any]) -> ReportSettings:
    """The settings of a unit ("Tỉnh Tây Ninh", "Tây Ninh") from the values its table gives."""
    base = ReportSettings.defaults(display_name, place, values.get("issuing_body", ""))
    return dataclasses.replace(base, **{k: v for k, v in values.items() if k != "issuing_body"})


def commune_settings(display_name: str, name: str, workspace: ReportSettings, given: dict[str, Any],
                     own: dict[str, Any]) -> ReportSettings:
    """A commune's report: its own values, else its People's Committee's for who it is, else the
    workspace's (`given`) for the rest."""
    inherited = {k: v for k, v in given.items()
                 if k not in COMMUNE_OWN and (k not in COMMITTEE_STYLE or workspace.committee)}
    values = inherited | own
    if own.get("issuing_body") and not ReportSettings(own["issuing_body"]).committee:
        values = {k: v for k, v in values.items() if k not in COMMITTEE_STYLE or k in own}
    return settings(display_name, name, values)


def report_warnings(report: ReportSettings, file: str) -> list[str]:
    """What `check` says about the report to sign: no recipients configured (the report then lists
    only "Lưu: VT." under Nơi nhận, never a placeholder to cross out)."""
    if report.recipients_given:
        return []
    return [_("{file}: [report] recipients is not set, so the report lists only \"Lưu: VT.\" under Nơi nhận; add "
              "the real recipients, e.g. recipients = [\"Sở Nội vụ;\", \"Lưu: VT.\"]").format(file=file)]

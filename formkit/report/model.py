"""The report model: what a report says, built once (build.py) and read by every writer.

Frozen dataclasses, read through attributes. Indices are 0–100 and unrounded, None when there was
nothing to count; counts are ints; times "YYYY-MM-DD HH:MM:SS" on the local clock. The JSON
document is made from this model here and only here (`json_body`, and `FollowUp.to_json` for the
follow-up list, which json_out streams from its equal, FollowUps.json_blocks). A new writer
reads `Report` and nothing else; the tables every spreadsheet-like format shares are in
tables.all_tables(report).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from ..workspace.config import OfficeHours, ReportSettings
from ..workspace.templates import Template
from .followup import FollowUp, FollowUps
from .period import Period


@dataclass(frozen=True)
class CriterionRow:
    id: str
    factor: str
    title: str
    answers: int  # on scored options
    satisfied: int
    index: float | None
    mean: float | None
    counts: Mapping[str, int]  # answers per score level ("4", "2.5"), the levels its scale uses
    unscored: int  # "Không biết" and other options without a score
    blank: int
    invalid: int
    outside_condition: int  # answered although the gate says the section did not apply


@dataclass(frozen=True)
class FactorRow:
    id: str
    title: str
    index: float | None
    mean: float | None
    answers: int
    satisfied: int
    counts: Mapping[str, int]
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Scores:
    """What every group row has: responses, the overall index and mean, the factor indices."""

    responses: int
    sipas: float | None
    mean: float | None
    factors: Mapping[str, float | None]  # factor id -> index


@dataclass(frozen=True)
class CommuneRow(Scores):
    id: str
    name: str
    listed: bool  # still in the workspace
    rank: int | None  # ties share a rank (1, 2, 2, 4)
    previous_responses: int
    previous_sipas: float | None
    change: float | None  # points, this period − the previous one
    follow_up: int  # responses on the follow-up list
    comments: int
    dossiers: int | None = None  # with --dossiers
    participation: float | None = None  # % of dossiers answered


@dataclass(frozen=True)
class OfficerRow(Scores):
    id: str | None  # None: the responses that chose no officer
    name: str
    title: str
    listed: bool
    commune: str
    commune_name: str
    low_ratings: int
    comments: int
    follow_up: int  # responses on the follow-up list


@dataclass(frozen=True)
class FieldRow(Scores):
    name: str
    listed: bool


@dataclass(frozen=True)
class TrendRow:
    code: str
    label: str
    start: str
    end: str
    responses: int
    sipas: float | None


@dataclass(frozen=True)
class ParticipationRow:
    id: str
    name: str
    periods: tuple[str, ...]  # the dossiers' periods inside the report period
    complete: bool  # those periods cover the report period
    dossiers: int
    responses: int
    rate: float | None
    over: bool  # more responses than dossiers


@dataclass(frozen=True)
class Participation:
    file: str
    dossiers: int
    responses: int
    rate: float | None
    communes: tuple[ParticipationRow, ...]


@dataclass(frozen=True)
class IntegrityWarning:
    """A pattern worth a look; nothing is removed. `details` holds what one kind adds (identical
    answers: minutes, answers, response_ids; off hours: non_working_days, share; more than
    dossiers: dossiers, excess; other checks their own)."""

    kind: str
    commune: str
    commune_name: str
    officer: str | None
    count: int
    message: str  # one sentence in Vietnamese
    first: str | None = None
    last: str | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    officer_name: str | None = None  # what people read; `officer` is the id

    COMMON = ("kind", "commune", "commune_name", "officer", "officer_name", "count", "first", "last", "message")

    @classmethod
    def from_json(cls, entry: Mapping) -> IntegrityWarning:
        """From the JSON shape (a check that returns dicts)."""
        return cls(entry["kind"], entry["commune"], entry["commune_name"], entry.get("officer"), int(entry["count"]),
                   entry["message"], entry.get("first"), entry.get("last"),
                   {k: v for k, v in entry.items() if k not in cls.COMMON}, entry.get("officer_name"))

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in self.COMMON if k not in ("first", "last") or getattr(self, k) is not None}
        return out | plain(dict(self.details))

    @property
    def response_ids(self) -> list[int]:
        return list(self.details.get("response_ids", ()))  # type: ignore[call-overload]


@dataclass(frozen=True)
class InvalidEntry:
    response_id: int
    commune: str
    commune_name: str
    submitted: str
    question: str
    question_title: str
    raw: str  # phone-like numbers masked
    reason: str  # in Vietnamese


@dataclass(frozen=True)
class PeriodSummary:
    """The previous period, as the report compares with it."""

    period: Period
    responses: int
    sipas: float | None


@dataclass(frozen=True)
class PaperBallots:
    """One commune's paper ballots (formkit/ballots/summary.py): printed, seen again, counted."""

    commune: str
    commune_name: str
    issued: int
    returned: int
    counted: int
    in_review: int
    rejected: int
    duplicates: int


@dataclass(frozen=True)
class ChannelCount:
    commune: str
    # as stored (responses.store.Channel; a plain str here, the model imports nothing of the store):
    # "online" (the form), "giấy" (a scanned ballot), "quầy" (a counter tablet)
    channel: str
    responses: int


@dataclass(frozen=True)
class ChannelIndex:
    """One channel's responses and index in the period, under the name a reader sees ("Trực tuyến",
    "Giấy", "Quầy", "Tổng hợp")."""

    channel: str
    responses: int
    sipas: float | None
    mean: float | None


@dataclass(frozen=True)
class ReceiptRate:
    """Counter ratings bound to receipt numbers ÷ the dossiers of a receipts file, for one group."""

    level: str  # "commune", "counter", "officer", "field"
    name: str
    stage: str  # "intake" or "return"
    dossiers: int
    rated: int
    rate: float | None


@dataclass(frozen=True)
class Paper:
    ballots: tuple[PaperBallots, ...]
    channels: tuple[ChannelCount, ...]  # responses in the period, per commune and channel


@dataclass(frozen=True)
class LoopRow:
    """One commune's follow-up register (report/casework.py): the cases of the period's answers
    of the report's question set."""

    commune: str
    commune_name: str
    opened: int
    contacted_in_time: int  # first contact within the report's contact_days working days
    resolved: int
    unreachable: int
    still_open: int  # chưa liên hệ or đã liên hệ when the report was made
    median_days: float | None  # working days to the first contact; None when none was contacted


@dataclass(frozen=True)
class Report:
    template: Template
    period: Period
    previous: PeriodSummary
    today: date
    unit: str  # "Tỉnh Tây Ninh"
    signing: ReportSettings  # issuing body, number and symbol, place, signer, recipients ([report])
    office_hours: OfficeHours
    office_hours_text: str  # "Thứ Hai – Thứ Bảy, 07:00 – 17:30"
    cluster_size: int  # the integrity rules applied
    cluster_minutes: int
    scope: tuple[str, ...]  # the communes asked for; () = all
    responses: int
    sipas: float | None
    mean: float | None
    excluded: Mapping[str, int]  # template id -> responses of other templates, left out
    factors: tuple[FactorRow, ...]
    criteria: tuple[CriterionRow, ...]
    communes: tuple[CommuneRow, ...]
    officers: tuple[OfficerRow, ...]
    fields: tuple[FieldRow, ...]
    trend: tuple[TrendRow, ...]
    participation: Participation | None
    integrity: tuple[IntegrityWarning, ...]
    invalid: tuple[InvalidEntry, ...]
    follow_up: FollowUps  # arrays; entries made a commune at a time
    notes: tuple[str, ...] = ()
    paper: Paper | None = None  # only once a ballot was issued
    commune_name: str | None = None  # "Xã Hòa Thành" when the report is on one commune: it speaks of it alone
    points: tuple = ()  # report/points.py's PointRow per reception point, for communes that list them
    office: str = "Trung tâm Phục vụ hành chính công"  # the office's name ([office] in formkit.toml)
    channels: tuple[ChannelIndex, ...] = ()  # per channel, once paper or counter answers are in the period
    receipts: tuple[ReceiptRate, ...] = ()  # exact participation of counter ratings (report --receipts)
    loop: tuple[LoopRow, ...] = ()  # the follow-up register per commune
    contact_days: int = 2  # [followup] contact_days: the working days a first contact should take

    @property
    def issuing_body(self) -> str:
        return self.signing.issuing_body

    @property
    def place(self) -> str:
        """"Tây Ninh", for the place-date line."""
        return self.signing.place

    @property
    def change(self) -> float | None:
        if self.sipas is None or self.previous.sipas is None:
            return None
        return self.sipas - self.previous.sipas

    @property
    def index_name(self) -> str:
        return self.template.index.name

    @property
    def empty_criteria(self) -> list[str]:
        return [c.id for c in self.criteria if c.answers == 0]

    @property
    def empty_factors(self) -> list[str]:
        return [f.id for f in self.factors if f.index is None]

    @property
    def levels(self) -> list[str]:
        """Every score level any criterion uses ("1" … "5"), ascending: the count columns."""
        keys: list[str] = []
        for c in self.criteria:
            keys += [k for k in c.counts if k not in keys]
        return sorted(keys, key=float)

    @property
    def stem(self) -> str:
        """Base of the output file names: bao-cao-2026Q3 (+ the commune ids when a few were chosen)."""
        suffix = "-".join(self.scope) if 0 < len(self.scope) <= 3 else (f"{len(self.scope)}-xa" if self.scope else "")
        return f"bao-cao-{self.period.code}" + (f"-{suffix}" if suffix else "")

    def follow_up_by_commune(self) -> Iterator[tuple[str, str, list[FollowUp]]]:
        """(commune id, name, its entries), one commune's entries made at a time."""
        return self.follow_up.by_commune()

    def to_json(self) -> dict:
        """The whole report as JSON data (phones masked); json_out writes the same, streamed."""
        return json_body(self) | {"follow_up": [f.to_json() for f in self.follow_up]}


_SCALARS = frozenset({int, float, str, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names, looked up once per class


def plain(value):
    """Model values -> JSON values: dataclasses as objects in field order, tuples as lists.
    Scalars first: a nation's report has half a million values, most of them numbers."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _period(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "code": period.code,
            "label": period.label}


def _keyed(rows) -> dict:
    """Criteria and factors are objects keyed by id in the JSON."""
    return {row.id: {k: v for k, v in plain(row).items() if k != "id"} for row in rows}


def json_body(report: Report) -> dict:
    """The JSON document without the follow-up list, keys in the order the file shows them;
    "follow_up" is a placeholder the writer fills."""
    r = report
    return {
        "template": r.template.id,
        "template_version": r.template.version,
        "template_name": r.template.name,
        "index_name": r.index_name,
        "rollup": {"factor": r.template.index.factor, "overall": r.template.index.overall},
        "period": _period(r.period),
        "previous_period": _period(r.previous.period) | {"responses": r.previous.responses, "sipas": r.previous.sipas},
        "generated": r.today.isoformat(),
        "unit": r.unit,
        "issuing_body": r.issuing_body,
        "communes_selected": list(r.scope),
        "responses": r.responses,
        "excluded": {"other_templates": dict(r.excluded), "other_templates_total": sum(r.excluded.values())},
        "sipas": r.sipas,
        "mean": r.mean,
        "change": r.change,
        "factors": _keyed(r.factors),
        "criteria": _keyed(r.criteria),
        "empty_criteria": r.empty_criteria,
        "empty_factors": r.empty_factors,
        "communes": plain(r.communes),
        "officers": plain(r.officers),
        "fields": plain(r.fields),
        "points": plain(r.points),
        "office": r.office,
        "trend": plain(r.trend),
        "participation": plain(r.participation),
        "follow_up": None,
        "integrity_rules": {"cluster_size": r.cluster_size, "cluster_minutes": r.cluster_minutes,
                            "office_hours": r.office_hours_text},
        "integrity": [w.to_json() for w in r.integrity],
        "invalid": plain(r.invalid),
        "notes": list(r.notes),
        "follow_up_loop": {"contact_days": r.contact_days, "communes": plain(r.loop)},
    } | ({"paper": plain(r.paper)} if r.paper is not None else {}) \
      | ({"channels": plain(r.channels)} if r.channels else {}) \
      | ({"receipts": plain(r.receipts)} if r.receipts else {})

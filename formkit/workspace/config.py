"""The workspace: formkit.toml (the unit above the communes, communes, officers, fields of
procedure), optional rosters, photos, and the folders where formkit keeps state and output.

Everything is validated before any remote call, and every problem is reported at once with the
file and the place.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from .. import files
from ..errors import InputError, Problem, UsageError
from ..files import read_toml, same_name_on_disk
from ..i18n import N_, _
from .loop_settings import DigestSettings, FollowupSettings, read_digest, read_followup
from .roster import read_roster
from .signing import ReportSettings, commune_settings, read_report, settings
from .templates import Template, load_template
from .toml import MAX_NAME, TomlReader, control_characters

CONFIG_NAME = "formkit.toml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
SHORT_LINK = re.compile(r"^https://forms\.gle/[A-Za-z0-9]+$")  # what the Forms "Send" dialog's "Shorten URL" gives
TAB_FORBIDDEN = set(":\\/?*[]")  # what Excel refuses in a sheet name; a tab must survive "Download as .xlsx"
TAB_MAX = 100
LINK_CHECK_HOURS = 24.0  # [pull] link_check_hours: how long `pull` trusts a form's link as forms.get last gave it
LINK_CHECK_MAX = 24.0 * 366
# The commune's office since 1 July 2025 (Nghị định 118/2025/NĐ-CP); "Bộ phận Tiếp nhận và Trả kết quả"
# before it, one setting away ([office] name, or a commune's own `office`).
OFFICE_NAME = "Trung tâm Phục vụ hành chính công"
PHONE_RETENTION_MONTHS = 6  # [privacy] phone_retention_months; the README says why
PHONE_RETENTION_MAX = 120
# [link]: what a spreadsheet of communes is sized for (see forms/linking.py `spreadsheet_groups`)
ANSWERS_PER_QUARTER = 500  # answers a commune expects a quarter
PLAN_YEARS = 3  # years of answers a spreadsheet must hold at half its cell limit


def nfc(text: Any) -> str:
    """A configuration value as kept: NFC, trimmed."""
    return files.nfc(str(text)).strip()


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    title: str
    counter: str
    photo: Path | None  # absolute; None when the officer has no photo
    point: str = ""  # the id of the reception point the officer works at; "" when the commune lists none
    photo_consent: bool = False  # the officer agreed (on record) that the photo may be printed

    def option_label(self, pattern: str) -> str:
        """How this officer reads in the form's dropdown (the template chooses the pattern)."""
        return nfc(pattern.format(name=self.name, title=self.title, counter=self.counter, id=self.id))


@dataclass(frozen=True)
class Point:
    """A reception point (điểm tiếp nhận) of the commune's office; one form serves them all."""

    id: str
    name: str


@dataclass(frozen=True)
class Commune:
    id: str
    kind: str  # Xã, Phường, Đặc khu …
    name: str
    fields: tuple[str, ...]
    officers: tuple[Officer, ...]
    sheet_tab: str  # the tab of the shared spreadsheet that collects this commune's answers
    short_link: str = ""  # Google's "Shorten URL" link (https://forms.gle/…), printed under the QR
    report: ReportSettings | None = field(default=None, compare=False)  # its own report's letterhead
    office: str = OFFICE_NAME  # the office's name as the commune's people read it
    points: tuple[Point, ...] = ()  # its reception points, if it lists them
    phone_retention_months: int = PHONE_RETENTION_MONTHS  # the workspace's [privacy] setting, as the form says it

    @property
    def controller(self) -> str:
        """Who controls the personal data the form collects: the commune's People's Committee."""
        return f"Ủy ban nhân dân {self.kind.lower()} {self.name}".strip()

    def point(self, point_id: str) -> Point:
        for p in self.points:
            if p.id == point_id:
                return p
        raise KeyError(point_id)

    @property
    def display_name(self) -> str:
        return f"{self.kind} {self.name}".strip()

    def texts(self, unit: Unit) -> dict[str, str]:
        """What a template's {placeholders} read for this commune: its form, ballots and own report."""
        return {"commune": self.display_name, "unit": unit.display_name, "office": self.office,
                "controller": self.controller, "retention": f"{self.phone_retention_months} tháng"}

    def officer(self, officer_id: str) -> Officer:
        for o in self.officers:
            if o.id == officer_id:
                return o
        raise KeyError(officer_id)


@dataclass(frozen=True)
class Unit:
    """The unit above the communes: a province since July 2025, or a legacy district."""

    kind: str
    name: str

    @property
    def display_name(self) -> str:
        return f"{self.kind} {self.name}".strip()


# The kinds of unit a name takes, with diacritics as printed ("ỦY BAN NHÂN DÂN XÃ …"): since
# 1 July 2025 provinces (tỉnh, thành phố) over communes, wards and special zones; a workspace from
# before may still name a district and its towns.
COMMUNE_KINDS = ("Xã", "Phường", "Đặc khu", "Thị trấn")
UNIT_KINDS = ("Tỉnh", "Thành phố", "Huyện", "Quận", "Thị xã")
# [office_hours] weekdays as a Vietnamese writes them. Numbers are refused: "thứ 2" is Monday in
# Vietnamese, ISO's 2 is Tuesday.
WEEKDAY_NAMES = {1: "Thứ Hai", 2: "Thứ Ba", 3: "Thứ Tư", 4: "Thứ Năm", 5: "Thứ Sáu", 6: "Thứ Bảy", 7: "Chủ nhật"}
WEEKDAY_WORDS = {name.casefold(): day for day, name in WEEKDAY_NAMES.items()} | {
    f"thứ {day + 1}": day for day in range(1, 7)} | {"cn": 7, "chủ nhật": 7}


def weekday(text: str) -> int | None:
    """"Thứ Hai", "thứ 2", "Chủ nhật", "CN" -> ISO 1 … 7; None for anything else."""
    return WEEKDAY_WORDS.get(" ".join(nfc(text).split()).casefold())


@dataclass(frozen=True)
class OfficeHours:
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO: Monday = 1
    start: time = time(7, 0)
    end: time = time(17, 30)

    def contains(self, moment) -> bool:
        return moment.isoweekday() in self.weekdays and self.start <= moment.time() <= self.end


CONSENT_YES = {"có", "co", "x", "đồng ý", "dong y", "yes", "true", "1"}
CONSENT_NO = {"", "không", "khong", "no", "false", "0"}
MOVED = N_("moved: write issuing_body under [report] (see the commented [report] example of `formkit init`)")


@dataclass(frozen=True)
class Workspace:
    root: Path
    template_id: str
    unit: Unit
    communes: tuple[Commune, ...]
    office_hours: OfficeHours = OfficeHours()
    credentials: Path | None = None
    report: ReportSettings = None  # type: ignore[assignment]  # the [report] table, defaults filled in
    template: Template = field(default=None, compare=False)  # type: ignore[assignment]
    link_check_hours: float = LINK_CHECK_HOURS  # [pull]: 0 asks every form for its link at every pull
    office: str = OFFICE_NAME  # [office] name: the default of every commune
    phone_retention_months: int = PHONE_RETENTION_MONTHS  # [privacy]: phones older than this are erased
    answers_per_quarter: int = ANSWERS_PER_QUARTER  # [link]
    plan_years: int = PLAN_YEARS  # [link] years
    followup: FollowupSettings = FollowupSettings()  # [followup]: the register's contact deadline, phones kept
    digest: DigestSettings = DigestSettings()  # [digest]: where the daily digest goes

    # Where things live inside the workspace.
    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "forms.json"

    @property
    def responses_file(self) -> Path:
        return self.state_dir / "responses.sqlite"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def local_google_dir(self) -> Path:
        return self.root / "local-google"

    def commune(self, commune_id: str) -> Commune:
        for c in self.communes:
            if c.id == commune_id:
                return c
        raise UsageError(_("no commune '{commune_id}' in {file} (known: {known})").format(
                commune_id=commune_id, file=self.root / CONFIG_NAME, known=', '.join(c.id for c in self.communes)))

    def signing(self, communes: list[Commune]) -> ReportSettings:
        """Who issues a report on these communes: a single commune's own [communes.report] (its
        People's Committee), else the workspace's [report]."""
        if len(communes) == 1 and communes[0].report is not None:
            return communes[0].report
        return self.report

    def select(self, commune_ids: tuple[str, ...] | list[str] | None) -> list[Commune]:
        if not commune_ids:
            return list(self.communes)
        return [self.commune(c) for c in commune_ids]


def find_workspace(directory: Path | None) -> Path:
    root = Path(directory or Path.cwd()).resolve()
    if not (root / CONFIG_NAME).is_file():
        raise UsageError(
            _("no {CONFIG_NAME} in {root}. Run `formkit init DIR` for an example workspace, or pass --workspace "
              "DIR.").format(CONFIG_NAME=CONFIG_NAME, root=root)
        )
    return root


def load_workspace(directory: Path | None = None, check_photos: bool = True) -> Workspace:
    root = find_workspace(directory)
    path = root / CONFIG_NAME
    return _WorkspaceReader(root, path, read_toml(path), check_photos).read()


class _WorkspaceReader(TomlReader):
    def __init__(self, root: Path, path: Path, raw: dict, check_photos: bool) -> None:
        super().__init__(CONFIG_NAME, raw)
        self.root, self.path, self.check_photos = root, path, check_photos
        self.commune_reports: list[dict[str, Any]] = []  # each [communes.report], as given
        self.office = OFFICE_NAME
        self.retention = PHONE_RETENTION_MONTHS

    def line(self, table: dict, key: str, place: str, required: bool = True, default: str = "",
             max_length: int = MAX_NAME) -> str:
        """A one-line value (a name, a title, an id): blank is missing, 12 reads as "12"."""
        return self.text(table, key, place, required, default, numbers=True, blank_is_missing=True,
                         max_length=max_length, newlines=False).strip()

    def read(self) -> Workspace:
        raw = self.raw
        if "issuing_body" in raw:
            self.problem("issuing_body", _(MOVED))
        self.unknown_keys({k: v for k, v in raw.items() if k != "issuing_body"},
                          {"template", "unit", "office_hours", "google", "report", "pull", "link", "communes", "office",
                           "privacy", "followup", "digest"})
        template_id = self.line(raw, "template", "", default="sipas-2640", required=False)
        template = None
        try:
            template = load_template(template_id, self.root)
        except InputError as exc:
            self.problems.extend([Problem(self.shown, "template", p.message) if p.file == "formkit.toml" else p
                                  for p in exc.problems])
        unit_raw = raw.get("unit")
        if not isinstance(unit_raw, dict):
            self.problem("unit", _("missing table [unit] with kind (e.g. \"Tỉnh\") and name"))
            unit_raw = {}
        if "issuing_body" in unit_raw:
            self.problem("unit.issuing_body", _(MOVED))
        self.unknown_keys({k: v for k, v in unit_raw.items() if k != "issuing_body"}, {"kind", "name"}, "unit")
        unit = Unit(self.kind(unit_raw, "unit", UNIT_KINDS, ""), self.line(unit_raw, "name", "unit"))
        hours = self.read_hours(raw.get("office_hours"))
        credentials = None
        google = self.table(raw, "google") or {}
        self.unknown_keys(google, {"credentials"}, "google")
        credentials_text = self.line(google, "credentials", "google", required=False, max_length=4096)
        if credentials_text:
            credentials = (self.root / credentials_text).resolve()
        office_raw = self.table(raw, "office") or {}
        self.unknown_keys(office_raw, {"name"}, "office")
        self.office = self.line(office_raw, "name", "office", required=False) or OFFICE_NAME
        privacy = self.table(raw, "privacy") or {}
        self.unknown_keys(privacy, {"phone_retention_months"}, "privacy")
        retention = self.number(privacy, "phone_retention_months", "privacy", PHONE_RETENTION_MONTHS, 1,
                                PHONE_RETENTION_MAX)
        if retention != int(retention):
            self.problem("privacy.phone_retention_months", _("must be a whole number of months"))
        self.retention = int(retention)
        communes = self.read_communes(raw.get("communes"))
        given = read_report(self, self.table(raw, "report"), "report")
        report = settings(unit.display_name, unit.name, given)
        communes = [dataclasses.replace(c, report=commune_settings(c.display_name, c.name, report, given, own))
                    for c, own in zip(communes, self.commune_reports, strict=True)]
        pull = self.table(raw, "pull") or {}
        self.unknown_keys(pull, {"link_check_hours"}, "pull")
        link_check_hours = self.number(pull, "link_check_hours", "pull", LINK_CHECK_HOURS, 0, LINK_CHECK_MAX)
        link = self.table(raw, "link") or {}
        self.unknown_keys(link, {"answers_per_quarter", "years"}, "link")
        per_quarter = int(self.number(link, "answers_per_quarter", "link", ANSWERS_PER_QUARTER, 1, 1_000_000))
        plan_years = int(self.number(link, "years", "link", PLAN_YEARS, 1, 50))
        followup, digest = read_followup(self, raw), read_digest(self, raw, self.root, [c.id for c in communes])
        self.problems.raise_if_any(_("the workspace {root} is not valid").format(root=self.root))
        assert template is not None  # else load_template's problems were raised just above
        return Workspace(self.root, template_id, unit, tuple(communes), hours, credentials, report, template,
                         link_check_hours=link_check_hours, answers_per_quarter=per_quarter, plan_years=plan_years,
                         office=self.office, phone_retention_months=int(retention), followup=followup, digest=digest)

    def read_hours(self, raw: Any) -> OfficeHours:
        if raw is None:
            return OfficeHours()
        if not isinstance(raw, dict):
            self.problem("office_hours", _("must be a table with weekdays, start, end"))
            return OfficeHours()
        self.unknown_keys(raw, {"weekdays", "start", "end"}, "office_hours")
        default = OfficeHours()
        weekdays = self.read_weekdays(raw.get("weekdays", [WEEKDAY_NAMES[d] for d in default.weekdays]))
        times = {}
        for key in ("start", "end"):
            value = raw.get(key, getattr(default, key))
            if isinstance(value, str):
                try:
                    value = time.fromisoformat(value)
                except ValueError:
                    self.problem(f"office_hours.{key}", _("'{value}' is not a time like \"07:30\"").format(value=value))
                    value = getattr(default, key)
            if not isinstance(value, time):
                self.problem(f"office_hours.{key}", _("must be a time like \"07:30\""))
                value = getattr(default, key)
            times[key] = value
        if times["end"] <= times["start"]:
            self.problem("office_hours.end", _("{end:%H:%M} is not after the start ({start:%H:%M})").format(
                    end=times['end'], start=times['start']))
            times = {"start": default.start, "end": default.end}
        return OfficeHours(tuple(weekdays), times["start"], times["end"])

    def read_weekdays(self, raw: Any) -> list[int]:
        """Day names; a list of numbers is refused with what to write instead (as formkit read them
        until 2026, ISO numbers: 1 = Monday)."""
        place = "office_hours.weekdays"
        default = list(OfficeHours().weekdays)
        if isinstance(raw, list) and raw and all(isinstance(d, int) and not isinstance(d, bool) for d in raw):
            iso = ", ".join(f'"{WEEKDAY_NAMES[d]}"' for d in raw if d in WEEKDAY_NAMES)
            self.problem(place, _("numbers are ambiguous (in Vietnamese \"thứ 2\" is Monday, in ISO 2 is "
                                  "Tuesday): write the days by name. As formkit read {numbers} until now, write: "
                                  "weekdays = [{names}]").format(numbers=raw, names=iso))
            return default
        names = ", ".join(f'"{n}"' for n in WEEKDAY_NAMES.values())
        if not isinstance(raw, list) or not raw or not all(isinstance(d, str) for d in raw):
            self.problem(place, _("must list the working days by name, e.g. [{names}]").format(names=names))
            return default
        days = [weekday(d) for d in raw]
        unknown = [d for d, day in zip(raw, days, strict=True) if day is None]
        if unknown:
            self.problem(place, _("{unknown} is not a day of the week; write {names}").format(
                unknown=", ".join(f'"{d}"' for d in unknown), names=names))
            return default
        return sorted({d for d in days if d is not None})

    def kind(self, table: dict, place: str, kinds: tuple[str, ...], default: str) -> str:
        """A kind of unit with its diacritics ("Xã", not "Xa"), as printed in the report's header."""
        given = self.line(table, "kind", place, required=not default, default=default)
        match = next((k for k in kinds if k.casefold() == given.casefold()), None)
        if given and match is None:
            self.problem(f"{place}.kind" if place else "kind",
                         _("'{given}' is not a known kind; write one of: {kinds}").format(
                             given=given, kinds=", ".join(kinds)))
        return match or given

    def read_communes(self, raw: Any) -> list[Commune]:
        if not isinstance(raw, list) or not raw:
            self.problem("communes", _("missing: at least one [[communes]] entry"))
            return []
        communes: list[Commune] = []
        seen_communes: dict[str, str] = {}
        seen_officers: dict[str, str] = {}
        seen_tabs: dict[str, str] = {}
        for i, c in enumerate(raw, 1):
            place = f"communes[{i}]"
            if not isinstance(c, dict):
                self.problem(place, _("must be a table"))
                continue
            self.unknown_keys(c, {"id", "kind", "name", "fields", "officers", "roster", "roster_sheet", "sheet_tab",
                                 "short_link", "report", "office", "points"}, place)
            cid = self.line(c, "id", place)
            if cid and not ID_PATTERN.match(cid):
                self.problem(f"{place}.id", _("'{cid}' must be lower-case letters, digits, - or _ (e.g. "
                                              "\"hoa-thanh\")").format(cid=cid))
            if cid in seen_communes:
                self.problem(f"{place}.id", _("commune id '{cid}' is already used by {other}").format(
                        cid=cid, other=seen_communes[cid]))
            seen_communes.setdefault(cid, place)
            name = self.line(c, "name", place)
            kind = self.kind(c, place, COMMUNE_KINDS, "Xã")
            fields = c.get("fields", [])
            if not isinstance(fields, list) or not all(isinstance(f, str) and f.strip() for f in fields):
                self.problem(f"{place}.fields", _("must be a list of fields of procedure, e.g. [\"Hộ tịch\", "
                                                  "\"Chứng thực\"]"))
                fields = []
            for f in fields:
                if control_characters(f) or len(f) > MAX_NAME:
                    self.problem(f"{place}.fields", _("'{start}…' has control characters or is over {limit} "
                                                      "characters").format(start=f[:40], limit=MAX_NAME))
                    fields = []
                    break
            fields = [nfc(f) for f in fields]
            for dup in sorted({f for f in fields if fields.count(f) > 1}):
                self.problem(f"{place}.fields", _("'{dup}' is listed twice").format(dup=dup))
            points = self.read_points(c.get("points"), place)
            officers = self.read_officers(c, place, seen_officers, points)
            office = self.line(c, "office", place, required=False) or self.office
            sheet_tab = self.line(c, "sheet_tab", place, required=False) or f"{kind} {name}".strip()
            self.check_tab(sheet_tab, f"{place}.sheet_tab", seen_tabs)
            short = self.line(c, "short_link", place, required=False)
            if short and not SHORT_LINK.match(short):
                self.problem(f"{place}.short_link", _("'{short}' is not a short form link like "
                                                      "https://forms.gle/AbC123").format(short=short))
            communes.append(Commune(cid, kind, name, tuple(fields), tuple(officers), sheet_tab, short,
                                    office=office, points=tuple(points), phone_retention_months=self.retention))
            self.commune_reports.append(read_report(self, self.table(c, "report", place), f"{place}.report"))
        return communes

    def read_points(self, raw: Any, place: str) -> list[Point]:
        """[[communes.points]]: the commune's reception points, each an id and a name."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem(f"{place}.points", _("must be a list of [[communes.points]] tables with id and name"))
            return []
        points: list[Point] = []
        for k, p in enumerate(raw, 1):
            where = f"{place}.points[{k}]"
            if not isinstance(p, dict):
                self.problem(where, _("must be a table"))
                continue
            self.unknown_keys(p, {"id", "name"}, where)
            pid, name = self.line(p, "id", where), self.line(p, "name", where)
            if pid and not ID_PATTERN.match(pid):
                self.problem(f"{where}.id", _("'{pid}' must be lower-case letters, digits, - or _").format(pid=pid))
            if any(q.id == pid for q in points):
                self.problem(f"{where}.id", _("reception point '{pid}' is listed twice").format(pid=pid))
            points.append(Point(pid, name))
        return points

    def check_tab(self, tab: str, place: str, seen: dict[str, str]) -> None:
        """A tab name every spreadsheet program takes (see docs/google-behaviour.md), used once."""
        bad = sorted(set(tab) & TAB_FORBIDDEN)
        if bad:
            self.problem(place,
                         _("tab name '{tab}' contains {characters}, which spreadsheets refuse in a tab name").format(
                             tab=tab, characters=' '.join(bad)))
        if tab.startswith("'") or tab.endswith("'") or len(tab) > TAB_MAX:
            self.problem(place, _("tab name '{tab}' must not start or end with ' and has at most {TAB_MAX} "
                                  "characters").format(tab=tab, TAB_MAX=TAB_MAX))
        if tab.casefold() in seen:
            self.problem(place, _("tab name '{tab}' is already used by {other}; each commune needs its own tab "
                                  "(set sheet_tab)").format(tab=tab, other=seen[tab.casefold()]))
        seen.setdefault(tab.casefold(), place)

    def field_place(self, file: str, where: str, key: str) -> str:
        """Where an officer's field is: a key in the config file, or a column of a roster file."""
        if file == self.shown:
            return f"{where}.{key}"
        return _("{place}, column {column}").format(place=where, column=key)

    def read_officers(self, c: dict, place: str, seen: dict[str, str], points: list[Point]) -> list[Officer]:
        records: list[tuple[dict, str, str]] = []  # (record, file shown, place)
        for j, o in enumerate(c.get("officers") or [], 1):
            if not isinstance(o, dict):
                self.problem(f"{place}.officers[{j}]", _("must be a table"))
                continue
            self.unknown_keys(o, {"id", "name", "title", "counter", "photo", "point", "photo_consent"},
                              f"{place}.officers[{j}]")
            records.append((o, self.shown, f"{place}.officers[{j}]"))
        shown = self.line(c, "roster", place, required=False, max_length=4096).replace("\\", "/")
        if shown:
            roster_path = self.root / shown
            sheet = self.line(c, "roster_sheet", place, required=False) or None
            for record in read_roster(roster_path, shown, self.problems, sheet):
                records.append((record, shown, record.pop("_place")))
        officers = []
        for record, file, where in records:
            def field_text(key: str, required: bool = True) -> str:
                value = record.get(key)
                spot = self.field_place(file, where, key)
                if value is None or not str(value).strip():
                    if required:
                        self.problem(spot, _("missing"), file)
                    return ""
                if isinstance(value, (list, dict, bool)):
                    self.problem(spot, _("must be text, not {kind}").format(kind=type(value).__name__), file)
                    return ""
                text = nfc(value)
                bad = control_characters(text)
                if bad:
                    hint = _(" (inside \"double quotes\" a \\ starts an escape: write the path with / or in single "
                             "quotes)") if key == "photo" and file == self.shown else ""
                    self.problem(spot, _("contains control character(s) {characters}; remove them").format(
                            characters=', '.join(bad)) + hint, file)
                    return ""
                if len(text) > MAX_NAME:
                    self.problem(spot, _("is {n} characters long; at most {MAX_NAME} are allowed").format(
                            n=len(text), MAX_NAME=MAX_NAME), file)
                    return ""
                return text

            oid = field_text("id")
            if oid and not ID_PATTERN.match(oid):
                self.problem(self.field_place(file, where, "id"),
                             _("'{oid}' must be lower-case letters, digits, - or _").format(oid=oid), file)
            if oid in seen:
                self.problem(self.field_place(file, where, "id"),
                             _("officer id '{oid}' is already used by {other}").format(oid=oid, other=seen[oid]), file)
            seen.setdefault(oid, f"{file}: {where}")
            photo = None
            photo_text = field_text("photo", required=False).replace("\\", "/")  # Windows' separator, anywhere
            if photo_text:
                try:
                    photo = (self.root / photo_text).resolve()
                except (OSError, RuntimeError):  # a symbolic-link loop: RuntimeError before Python 3.13
                    photo = self.root / photo_text
                photo = same_name_on_disk(photo)
                if self.check_photos and not photo.is_file():
                    self.problem(self.field_place(file, where, "photo"),
                                 _("photo file not found: {photo_text} (looked in {parent})").format(
                                         photo_text=photo_text, parent=photo.parent), file)
            point = field_text("point", required=bool(points))
            if point and not any(p.id == point for p in points):
                known = ", ".join(p.id for p in points)
                self.problem(self.field_place(file, where, "point"),
                             _("no reception point '{point}' in {place}.points (known: {known})").format(
                                 point=point, place=place, known=known or _("none")), file)
            consent = self.photo_consent(record.get("photo_consent"), self.field_place(file, where, "photo_consent"),
                                         file)
            officers.append(Officer(oid, field_text("name"), field_text("title"), field_text("counter"), photo,
                                    point, consent))
        return officers

    def photo_consent(self, value: Any, spot: str, file: str) -> bool:
        """true/false in formkit.toml; in a roster "có"/"x"/"đồng ý"/"yes"/"1" or blank."""
        if value is None or isinstance(value, bool):
            return bool(value)
        text = nfc(value).casefold()
        if text in CONSENT_YES:
            return True
        if text in CONSENT_NO:
            return False
        self.problem(spot, _("'{value}' is not a yes or no (write \"có\" or leave it blank)").format(value=value),
                     file)
        return False

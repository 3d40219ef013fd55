"""The daily digest: after a pull, the new dissatisfied answers and the new integrity warnings,
commune by commune, for the province's leaders ([digest] to), by e-mail (SMTP, stdlib smtplib)
or, when no mail server is set, as a text file in output/digest/. Every question set with new
answers is read with its own follow-up rule and integrity checks: the workspace's (online and
paper) and a counter's (can-bo-3, …), whose answers say at which counter they were given.

The province's addresses ([digest] to) get every commune's news; a commune's leaders ([digest.communes])
get their own commune's. What each of them was told is remembered in state/digest.json (the newest
response id and the warnings sent, per recipient group), written once the mail server accepted
that group's message (or its file was written): a server that is down loses nothing, the next run
sends it all, and nothing is told twice.

A digest goes beyond the commune, so it holds no phone number: the answers' comments are masked
(report/privacy.py), the phone itself never read. The commune's own list with phones is
`formkit followup export`.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .. import settings
from ..ballots import HANDWRITTEN_PHONE
from ..errors import DamagedFileError, RemoteError, UsageError
from ..files import atomic_write_json, atomic_write_text
from ..i18n import _
from ..kiosk.audit import counter_names
from ..kiosk.ratings import CHANNEL_COUNTER
from ..report import build_report
from ..report.followup import FollowUp
from ..report.model import IntegrityWarning, Report
from ..report.period import Period
from ..report.privacy import mask_text
from ..report.tables import question_code
from ..responses import cases as case_table
from ..responses.queries import forms_of
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from .register import now_text, open_from_store, question_set

VERSION = 1
LISTED = 20  # answers shown per commune (the first digest of a long-used store would list them all)


PROVINCE = "*"  # the group of [digest] to; the others are named by their commune id


@dataclass
class Told:
    """What earlier digests told one recipient group."""

    last_response: int = 0
    warnings: list[str] = field(default_factory=list)


def load_told(path: Path) -> dict[str, Told]:
    """state/digest.json: per group, what earlier digests covered."""
    import json

    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert raw["version"] == VERSION
        return {str(name): Told(int(g["last_response"]), [str(w) for w in g["warnings"]])
                for name, g in raw["groups"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, AssertionError) as exc:
        raise DamagedFileError(path, "", _("not a digest state formkit wrote ({why})").format(why=exc),
                               _("move it aside: the next digest then tells every answer stored again")) from exc


def save_told(path: Path, told: dict[str, Told]) -> None:
    atomic_write_json(path, {"version": VERSION, "groups": {
        name: {"last_response": t.last_response, "warnings": t.warnings[-5000:]} for name, t in told.items()}})


@dataclass
class CommuneNews:
    id: str
    name: str
    answers: list[FollowUp]  # of every question set, by time
    warnings: list[IntegrityWarning]
    counters: dict[int, str] = field(default_factory=dict)  # response id -> its counter's name ("" unknown)


@dataclass
class Digest:
    unit: str
    made: str  # local time
    communes: list[CommuneNews]
    up_to: int  # the newest response id it covers
    warning_keys: list[str]

    @property
    def answers(self) -> int:
        return sum(len(c.answers) for c in self.communes)

    @property
    def warnings(self) -> int:
        return sum(len(c.warnings) for c in self.communes)

    @property
    def subject(self) -> str:
        return (f"Bản tin hài lòng {self.unit} {_day(self.made)}: {self.answers} phiếu không hài lòng mới, "
                f"{self.warnings} cảnh báo mới")

    def text(self) -> str:
        lines = [f"BẢN TIN KHẢO SÁT MỨC ĐỘ HÀI LÒNG — {self.unit.upper()}",
                 f"Lập lúc {self.made[11:16]} ngày {_day(self.made)}.", "",
                 f"Kể từ bản tin trước: {self.answers} phiếu không hài lòng mới, {self.warnings} cảnh báo mới về "
                 "tính toàn vẹn của số liệu.", ""]
        for c in self.communes:
            lines.append(f"{c.name.upper()}")
            if c.answers:
                at_counter = f" ({len(c.counters)} tại quầy)" if c.counters else ""
                lines.append(f"  Phiếu không hài lòng mới: {len(c.answers)}{at_counter}")
                for a in c.answers[:LISTED]:
                    low, where = _low(a), _where(c.counters.get(a.response_id))
                    lines.append(f"  - {_day(a.submitted)} {a.submitted[11:16]}, {where}{a.officer_name}, "
                                 f"tiêu chí {low}")
                    if shown := _shown(a.comment):
                        lines.append(f"    Ý kiến: {shown}")
                if len(c.answers) > LISTED:
                    lines.append(f"  … và {len(c.answers) - LISTED} phiếu khác (xem danh sách liên hệ lại của xã).")
            if c.warnings:
                lines.append(f"  Cảnh báo mới: {len(c.warnings)}")
                lines += [f"  - {w.message}" for w in c.warnings]
            lines.append("")
        lines += ["Bản tin không có số điện thoại của người dân. Danh sách cần liên hệ lại của mỗi xã (có số điện "
                  "thoại) chỉ gửi cho xã đó: formkit followup export --commune <mã xã>.",
                  "Thư này do formkit gửi tự động."]
        return "\n".join(lines) + "\n"


def _low(answer: FollowUp) -> str:
    """"tiêu chí 1.1, 1.2: Không hài lòng; Nhìn chung, …: Rất không hài lòng" (codes grouped by the answer)."""
    by_answer: dict[str, list[str]] = {}
    for a in answer.low:
        by_answer.setdefault(a.answer, []).append(question_code(a))
    return "; ".join(f"{', '.join(codes)}: {given}" for given, codes in by_answer.items())


def _where(counter: str | None) -> str:
    """"tại Quầy 3, " before the officer of a counter rating (as the counter warnings name it),
    "tại quầy, " when the tablet is no longer known; nothing for an online or paper answer."""
    if counter is None:
        return ""
    return f"tại {counter}, " if counter else "tại quầy, "


def _day(stamp: str) -> str:
    return f"{stamp[8:10]}/{stamp[5:7]}/{stamp[:4]}"


def state_path(ws: Workspace) -> Path:
    return ws.state_dir / "digest.json"


def warning_key(w: IntegrityWarning) -> str:
    return "|".join(str(v) for v in (w.kind, w.commune, w.officer or "", w.first or "", w.last or "", w.count))


def make_digest(ws: Workspace, store: ResponseStore, told: Told, now: datetime | None = None,
                scope: tuple[str, ...] = ()) -> Digest | None:
    """What is new since `told` (in the communes of `scope`; () all); None when nothing is."""
    up_to = case_table.newest_response(store)
    first, last = case_table.submitted_between(store, told.last_response, up_to)
    made = now_text(now)
    if first is None or last is None:
        return None
    new_low = {c.response_id for c in case_table.cases(store, scope, since_id=told.last_response)
               if c.reasons & case_table.LOW and c.response_id <= up_to}
    period = Period(date.fromisoformat(first[:10]), date.fromisoformat(last[:10]), "range")
    reports = [build_report(ws, store, period, commune_ids=scope, template=question_set(ws, template_id))
               for template_id in _sets(ws, store, told.last_response, up_to)]
    report = reports[0]  # the workspace's own
    answers: dict[str, list[FollowUp]] = {}
    warnings: dict[str, list[IntegrityWarning]] = {}
    keys: list[str] = []
    for one in reports:
        for commune_id, _name, entries in one.follow_up_by_commune():
            answers.setdefault(commune_id, []).extend(e for e in entries if e.response_id in new_low and e.low)
        keys += _new_warnings(one, set(told.warnings) | set(keys), warnings)
    places = _counters(ws, store, [a.response_id for found in answers.values() for a in found])
    news = []
    for commune_id, name in _communes(reports).items():
        found = sorted(answers.get(commune_id, []), key=lambda a: (a.submitted, a.response_id))
        if found or commune_id in warnings:
            news.append(CommuneNews(commune_id, name, found, warnings.get(commune_id, []),
                                    {a.response_id: places[a.response_id] for a in found if a.response_id in places}))
    if not news:
        told.last_response = up_to  # nothing to tell about these: not looked at again
        return Digest(report.commune_name or report.unit, made, [], up_to, [])
    return Digest(report.commune_name or report.unit, made, news, up_to, keys)


def _sets(ws: Workspace, store: ResponseStore, after: int, up_to: int) -> list[str]:
    """The question sets a digest reads: the workspace's (its warnings come with any new answer,
    as they always did), then every other set with answers among ids (after, up_to]."""
    others = [t for t, _first, _last in case_table.sets_between(store, after, up_to) if t != ws.template.id]
    return [ws.template.id, *others]


def _communes(reports: list[Report]) -> dict[str, str]:
    """Every commune's name, in the order of the workspace's report (then any only another set names)."""
    names: dict[str, str] = {}
    for one in reports:
        names.update((c.id, c.name) for c in one.communes if c.id not in names)
    return names


def _new_warnings(report: Report, told: set[str], into: dict[str, list[IntegrityWarning]]) -> list[str]:
    """Add the report's warnings not told yet (nor by the digest's other sets: the counter tablets'
    checks are in every set's report) to `into`, per commune; their keys."""
    keys = []
    for w in report.integrity:
        key = warning_key(w)
        if key not in told:
            into.setdefault(w.commune, []).append(w)
            keys.append(key)
    return keys


def _counters(ws: Workspace, store: ResponseStore, ids: list[int]) -> dict[int, str]:
    """The counter's name of each of these answers given at a counter tablet ("" when its tablet
    is no longer known)."""
    forms = forms_of(store, ids, CHANNEL_COUNTER)
    names = counter_names(ws.state_dir) if forms else {}
    return {response_id: names.get(form, "") for response_id, form in forms.items()}


def message(ws: Workspace, digest: Digest, to: tuple[str, ...]) -> EmailMessage:
    settings = ws.digest
    mail = EmailMessage()
    mail["Subject"] = digest.subject
    mail["From"] = settings.sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    mail.set_content(digest.text(), charset="utf-8")
    return mail


def password(ws: Workspace) -> str:
    """The SMTP password: FORMKIT_SMTP_PASSWORD (settings.py), else [digest] password_file,
    which only its owner may read (POSIX)."""
    given = settings.current().smtp_password
    if given:
        return given
    path = ws.digest.password_file
    if path is None:  # a login without a password is a setting missing here, not the server's refusal
        raise UsageError(_("[digest] user is set but no SMTP password is given: set {variable} or [digest] "
                           "password_file").format(variable=settings.SMTP_PASSWORD_VARIABLE) + "\n  "
                         + "\n  ".join(settings.set_variable(settings.SMTP_PASSWORD_VARIABLE, "…")))
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(_("{file} can be read by others: run `chmod 600 {file}` (the SMTP password must be "
                               "readable by its owner only)").format(file=path))
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UsageError(_("cannot read the SMTP password file {file}: {why}").format(
            file=path, why=exc.strerror or exc)) from exc


def send(ws: Workspace, mail: EmailMessage) -> None:
    s = ws.digest
    try:
        if s.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
        with server:
            if s.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if s.user:
                server.login(s.user, password(ws))
            server.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise RemoteError(_("the mail server {host}:{port} did not take the digest ({why}); it is not marked as "
                            "sent: the next `formkit digest` sends it").format(
            host=s.smtp_host, port=s.smtp_port, why=type(exc).__name__ + (f": {exc}" if str(exc) else ""))) from exc


@dataclass
class Sent:
    group: str  # PROVINCE, or a commune id
    digest: Digest | None  # None: nothing new for this group
    where: str  # the addresses, or the file written


def groups(ws: Workspace) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(group, addresses, communes) of every recipient group: the province's, then each commune's."""
    out = [(PROVINCE, ws.digest.to, ())] if ws.digest.to or not ws.digest.smtp_host else []
    return out + [(cid, to, (cid,)) for cid, to in ws.digest.communes]


def run_digest(ws: Workspace, now: datetime | None = None) -> list[Sent]:
    """Tell each recipient group what is new since its last digest, then remember it as told.
    A group is remembered as soon as its message is taken: a failure later loses nothing of it."""
    if not groups(ws):
        raise UsageError(_("[digest] to: no address to send the digest to"))
    if not ws.responses_file.exists():
        raise UsageError(_("no responses yet in {file}: run `formkit pull` first").format(file=ws.responses_file))
    if ws.digest.smtp_host and ws.digest.user:
        password(ws)  # its problems before any message is sent
    told = load_told(state_path(ws))
    out = []
    with ResponseStore(ws.responses_file) as store:
        open_from_store(ws, store)  # answers stored by other means than `pull` too
        for group, to, scope in groups(ws):
            mine = told.setdefault(group, Told())
            digest = make_digest(ws, store, mine, now, scope)
            if digest is not None and digest.communes:
                out.append(Sent(group, digest, _deliver(ws, digest, group, to)))
            elif digest is not None:
                out.append(Sent(group, None, ""))
            if digest is not None:
                mine.last_response = digest.up_to
                mine.warnings += digest.warning_keys
                save_told(state_path(ws), told)
    return out


def _deliver(ws: Workspace, digest: Digest, group: str, to: tuple[str, ...]) -> str:
    if ws.digest.smtp_host:
        send(ws, message(ws, digest, to))
        return ", ".join(to)
    prefix = "ban-tin" if group == PROVINCE else f"ban-tin-{group}"
    path = ws.output_dir / "digest" / f"{prefix}-{digest.made[:10]}-{digest.made[11:13]}{digest.made[14:16]}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, digest.text())
    return str(path)


def _shown(comment: str) -> str:
    """A comment as the digest shows it: numbers masked, and without the part naming a paper
    ballot's picture of the handwritten phone box (that picture is the number)."""
    return "; ".join(mask_text(part) for part in (comment or "").split("; ")
                     if part and not part.startswith(f"{HANDWRITTEN_PHONE}: "))

"""The follow-up register's life: cases opened from the report's follow-up rule (each question
set's own: online, paper and counter answers alike), one case changed from the command line, and
the phones of closed cases erased when [followup] keep_phone_days have passed (0: as they close)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from ..ballots import pictures
from ..errors import UsageError
from ..i18n import _
from ..report import indices as ix
from ..report import load
from ..report.followup_pick import follow_up_rule
from ..report.period import stamps
from ..report.privacy import mask_text
from ..report.retention import append_record, cleaner, question_ids, scrub_cases
from ..responses import cases as register
from ..responses import erasure
from ..responses.coding import HAS_COMMENT, HAS_PHONE
from ..responses.store import TIME_FORMAT, VIETNAM, ResponseStore
from ..workspace.config import Workspace
from ..workspace.templates import Template, load_template


def now_text(now: datetime | None = None) -> str:
    """Local time (Vietnam) as the store writes it."""
    moment = now or datetime.now(VIETNAM)
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM).replace(tzinfo=None)
    return moment.strftime(TIME_FORMAT)


def open_from_store(ws: Workspace, store: ResponseStore) -> list[int]:
    """A case for every answer stored since the last look that the follow-up rule of its own
    question set picks (the workspace's set, a counter's, …); returns the new ids. Safe to
    repeat: a case is opened once. Only the days the new answers were given are read, per set (a
    pull adds the last few days, not a year)."""
    after, newest = register.scanned_up_to(store), register.newest_response(store)
    if newest <= after:
        return []
    rows: list[tuple[int, str, str, int]] = []
    for template_id, first, last in register.sets_between(store, after, newest):
        rows += _picked(store, question_set(ws, template_id), first, last, after, newest)
    return register.open_cases(store, rows, newest)


def question_set(ws: Workspace, template_id: str) -> Template:
    """The workspace's own set, or another one stored answers name (a counter's)."""
    return ws.template if template_id == ws.template.id else load_template(template_id, ws.root)


def _picked(store: ResponseStore, template: Template, first: str, last: str, after: int,
            newest: int) -> list[tuple[int, str, str, int]]:
    """(id, commune, submitted, reasons) of the answers of one set with ids in (after, newest]
    that its follow-up rule picks."""
    end = (datetime.strptime(last, TIME_FORMAT) + timedelta(seconds=1)).strftime(TIME_FORMAT)
    resp = load.load(store, template, first, end)
    scoring = ix.Scoring.from_template(template)
    low, follow = follow_up_rule(template, scoring, scoring.bins(resp.codes), resp)
    rows = np.flatnonzero(follow & (resp.ids > after) & (resp.ids <= newest))
    reasons = (low[rows].astype(np.int64) * register.LOW
               + (resp.flags[rows] & HAS_COMMENT > 0) * register.COMMENT
               + (resp.flags[rows] & HAS_PHONE > 0) * register.PHONE)
    opened = stamps(resp.time[rows]).astype("U19").tolist()
    return list(zip(resp.ids[rows].tolist(), [resp.communes[c] for c in resp.commune[rows].tolist()], opened,
                    reasons.tolist(), strict=True))


def parse_status(text: str) -> str | None:
    """"đã giải quyết", "Đã giải quyết" or "resolved" -> "resolved"; None when it is none of them."""
    key = unicodedata.normalize("NFC", " ".join(str(text).split())).casefold()
    for code, name in register.STATUS_NAMES.items():
        if key in (code, name.casefold()):
            return code
    return None


def contact_time(value, opened: str, now: str) -> tuple[str, str]:
    """(local time, problem) of the day staff say they contacted the citizen: an Excel date,
    "08/07/2026" or "2026-07-08"; blank is now. A day before the answer or after today is a
    problem. Today is now; another day is taken at noon (not before the answer itself)."""
    if value is None or str(value).strip() == "":
        return now, ""
    day: date | None = value.date() if isinstance(value, datetime) else None
    if day is None:
        text = str(value).strip()
        for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
        if day is None:
            return now, _("'{value}' is not a date like 08/07/2026").format(value=text)
    iso = day.isoformat()
    if iso < opened[:10] or iso > now[:10]:
        return now, _("{day} is not between the answer ({opened}) and today").format(
            day=day.strftime("%d/%m/%Y"), opened=opened[:10])
    if iso == now[:10]:
        return now, ""
    return max(f"{iso} 12:00:00", opened), ""


def status_choices() -> str:
    return ", ".join(f"{name} ({code})" for code, name in register.STATUS_NAMES.items())


def set_case(ws: Workspace, store: ResponseStore, response_id: int, status: str, actor: str, note: str,
             now: datetime | None = None, day: str = "") -> register.Case:
    """Record what was done about one case; returns it as it stands."""
    code = parse_status(status)
    if code is None:
        raise UsageError(_("'{status}' is not a status: choose {choices}").format(status=status,
                                                                                  choices=status_choices()))
    found = register.cases(store, ids=[response_id])
    if not found:
        raise UsageError(_("no case {id} in the follow-up register (see `formkit followup list`)").format(
            id=response_id))
    if code != register.OPEN and not actor.strip():
        raise UsageError(_("--by: say who contacted the citizen"))
    when = now_text(now)
    contact, why = contact_time(day, found[0].opened, when)
    if why:
        raise UsageError(f"--on: {why}")
    register.apply(store, [register.Change(response_id, code, actor.strip(), note.strip(), when, contact)])
    return register.cases(store, ids=[response_id])[0]


def erase_due(ws: Workspace, store: ResponseStore,
              now: datetime | None = None) -> tuple[list[tuple[int, str]], set[str]]:
    """Erase the phones of cases closed at least keep_phone_days ago, as the retention rule erases
    one (responses/erasure.py), numbers in their notes masked as in comments — and in the note of
    any case whose phone is already erased (staff may write one after); add what was erased
    (counts, never the numbers) to the retention record, state/erasures.json. Returns the (id,
    commune) whose phone was erased, and every commune whose cases changed."""
    moment = datetime.strptime(now_text(now), TIME_FORMAT)
    before = (moment - timedelta(days=ws.followup.keep_phone_days)).strftime(TIME_FORMAT)
    if ws.followup.keep_phone_days == 0:
        before = "9999"  # closed at any time up to now
    due = register.phones_to_erase(store, before)
    ids = [i for i, _c in due]
    # as `formkit retention` erases (report/retention.py); asked only when a phone is due: it loads
    # every question set the store holds, and one no longer installed must not stop `followup set`
    phone_ids, comment_ids = question_ids(ws, store) if due else (set(), set())
    images: list[Path] = []
    found = (erasure.expired(store, "", phone_ids, comment_ids, cleaner(images), ids=ids) if due
             else erasure.Expired(""))
    erasure.add_notes(found, register.notes(store, ids=ids) + register.notes(store, erased=True), mask_text)
    if not due and not found:
        return [], set()
    erasure.erase(store, found, phone_ids, comment_ids, ids, now_text(now))
    for image in images:  # a paper ballot's handwritten phone box
        pictures.located(ws, image).unlink(missing_ok=True)
    files = scrub_cases(ws, set(ids))  # the commune's follow-up CSVs of reports already written
    if found.phones or found.comments or found.notes:
        append_record(ws, {"at": (now or datetime.now(VIETNAM)).astimezone(VIETNAM).isoformat(timespec="seconds"),
                           "follow_up_cases_closed": len(due), "keep_phone_days": ws.followup.keep_phone_days,
                           "phones_erased": dict(sorted(found.phones.items())),
                           "comments_masked": dict(sorted(found.comments.items())),
                           "follow_up_notes_masked": dict(sorted(found.notes_changed.items())),
                           "store": str(store.path or ""),
                           "report_files": [str(p.relative_to(ws.root)) for p in files]})
    return due, {c for _i, c in due} | set(found.notes_changed)

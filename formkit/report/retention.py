"""`formkit retention`: phone numbers past their retention period erased wherever formkit keeps
them, with a record of what was erased and when (state/erasures.json).

Where: the store (responses/erasure.py: raw answers, texts table, flags; the columnar copy is
removed and rebuilt; the follow-up register's notes of those answers cleared), the pictures of
handwritten phone boxes from paper ballots (a stored answer's, or a ballot's still waiting for a
page or a review), and the report files that hold phones in full — each commune's follow-up list
(`<report>-csv/can-lien-he-lai/`), whose rows sent before the cutoff lose their phone and have
numbers in comments masked. Every other report file only ever held masked phones (`091****678`)
and is left as written. Pictures of handwritten phone boxes that nothing points to any more
(ballots/pictures.py) are deleted whatever their age: nothing would ever read them.
"""

from __future__ import annotations

import csv
import io
import json
from calendar import monthrange
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..ballots import HANDWRITTEN_PHONE, pictures
from ..files import atomic_write_bytes, atomic_write_text
from ..responses import cases, erasure
from ..responses.store import TIME_FORMAT, VIETNAM, ResponseStore
from ..workspace.config import Workspace
from ..workspace.templates import load_template
from .followup import mask_text

if TYPE_CHECKING:
    from ..ballots.scan import ScanState

RECORD = "erasures.json"
ID_HEADER = "Mã phiếu"  # the follow-up CSV's response id (tables.follow_up)
PHONE_HEADER, COMMENT_HEADER, TIME_HEADER = "Số điện thoại", "Ý kiến", "Thời gian"


def cutoff_of(now: datetime, months: int) -> str:
    """The local time `months` calendar months before `now` (31 August − 6 months: 28/29 February)."""
    local = now.astimezone(VIETNAM).replace(tzinfo=None)
    year, month = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day).strftime(TIME_FORMAT)


@dataclass
class Plan:
    """What a retention run erases (shown before, recorded after)."""

    cutoff: str
    months: int
    store: erasure.Expired
    files: dict[Path, bytes] = field(default_factory=dict)  # report file -> its new content
    images: list[Path] = field(default_factory=list)  # handwritten phone boxes to delete
    scans: ScanState | None = None  # the paper scan state, when a waiting ballot's phone picture goes
    waiting: list[tuple[str, Path]] = field(default_factory=list)  # (page key, phone box) of ballots not counted
    orphans: list[Path] = field(default_factory=list)  # handwritten phone boxes nothing points to

    @property
    def phones(self) -> int:
        return sum(self.store.phones.values())

    @property
    def comments(self) -> int:
        return sum(self.store.comments.values())

    @property
    def notes(self) -> int:
        return sum(self.store.notes_changed.values())

    @property
    def phone_images(self) -> int:
        return len(self.images) + len(self.waiting)

    def __bool__(self) -> bool:
        return bool(self.store or self.files or self.images or self.waiting or self.orphans)


def plan(ws: Workspace, store: ResponseStore, now: datetime) -> Plan:
    """What is past the period, in `store` (one in memory when nothing was pulled yet: then only the
    report files are looked at, and no picture counts as an orphan) and beside it."""
    cutoff = cutoff_of(now, ws.phone_retention_months)
    phone_ids, comment_ids = question_ids(ws, store)
    images: list[Path] = []
    clean = cleaner(images)
    found = erasure.expired(store, cutoff, phone_ids, comment_ids, clean)
    # A staff note may hold the number or a name no pattern finds: it goes whole with the period.
    erasure.add_notes(found, cases.notes(store, opened_before=cutoff), lambda _note: "")
    result = Plan(cutoff, ws.phone_retention_months, found,
                  images=[q for p in images if (q := pictures.located(ws, p)).exists()])
    _plan_pictures(ws, store, result)
    reports = ws.output_dir / "reports"
    for path in sorted(reports.glob("*-csv/can-lien-he-lai/*.csv")) if reports.is_dir() else []:
        changed = _scrubbed(path, cutoff)
        if changed is not None:
            result.files[path] = changed
    return result


def _plan_pictures(ws: Workspace, store: ResponseStore, todo: Plan) -> None:
    """The phone pictures of ballots still waiting (for a page or a review) read before the cutoff,
    and the phone pictures nothing points to: no stored answer, no waiting ballot."""
    from ..ballots.scan import ScanState  # here: its image libraries take a tenth of a second to import

    scans = ScanState.load(ws)
    waiting = scans.waiting_pictures()
    todo.waiting = [(key, pictures.located(ws, picture)) for key, role, picture, read_at in waiting
                    if role == pictures.PHONE and read_at < todo.cutoff]
    if todo.waiting:
        todo.scans = scans
    found = [p for p in pictures.on_disk(ws) if pictures.is_phone(p)]
    if store.path is None or not found:  # nothing stored yet: no proof that nothing points to a picture
        return
    named = [path for answers in erasure.paper_answers(store) for text in answers.values()
             for path in pictures.named_in(text)]
    todo.orphans = pictures.unreferenced(found, named + [picture for _k, _r, picture, _t in waiting])


def question_ids(ws: Workspace, store: ResponseStore) -> tuple[set[str], set[str]]:
    """The phone and the comment questions of the workspace's template and of every template the
    store holds responses of (a template changed since keeps its old answers' question ids)."""
    templates = {ws.template.id: ws.template}
    for template_id in erasure.templates_in(store):
        templates.setdefault(template_id, load_template(template_id, ws.root))
    return ({q.id for t in templates.values() if (q := t.by_role("phone"))},
            {q.id for t in templates.values() if (q := t.by_role("comment"))})


def cleaner(images: list[Path]) -> Callable[[str], str]:
    """How an erased response's comment is kept: phone-like numbers masked, and the part naming
    a paper ballot's handwritten phone box dropped, its picture added to `images` (to delete)."""
    def clean(comment: str) -> str:
        kept = []
        for part in comment.split("; "):
            if part.startswith(f"{HANDWRITTEN_PHONE}: "):
                images.append(Path(part.split(": ", 1)[1]))
                continue
            kept.append(mask_text(part))
        return "; ".join(kept)
    return clean


def scrub_cases(ws: Workspace, ids: set[int]) -> list[Path]:
    """The follow-up register's closed cases (by response id): their phones erased, numbers in
    their comments masked, in every commune's follow-up CSV; returns the files rewritten."""
    reports = ws.output_dir / "reports"
    written = []
    for path in sorted(reports.glob("*-csv/can-lien-he-lai/*.csv")) if reports.is_dir() else []:
        changed = _scrubbed(path, "", ids)
        if changed is not None:
            atomic_write_bytes(path, changed, mode=0o600)
            written.append(path)
    return written


def _scrubbed(path: Path, cutoff: str, ids: set[int] | None = None) -> bytes | None:
    """A follow-up CSV with the phones of rows sent before `cutoff` (or, given `ids`, of these
    responses) erased; None if none is there."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    if not rows or PHONE_HEADER not in rows[0] or TIME_HEADER not in rows[0]:
        return None
    header = rows[0]
    phone, time = header.index(PHONE_HEADER), header.index(TIME_HEADER)
    comment = header.index(COMMENT_HEADER) if COMMENT_HEADER in header else None
    number = header.index(ID_HEADER) if ID_HEADER in header else None
    if ids is not None and number is None:
        return None
    changed = False
    for row in rows[1:]:
        if len(row) <= max(phone, time):
            continue
        if ids is None and (not row[time] or row[time] >= cutoff):
            continue
        if ids is not None and (number is None or len(row) <= number or not row[number].isdigit()
                                or int(row[number]) not in ids):
            continue
        if row[phone]:
            row[phone], changed = "", True
        if comment is not None and mask_text(row[comment]) != row[comment]:
            row[comment], changed = mask_text(row[comment]), True
    if not changed:
        return None
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def apply(ws: Workspace, store: ResponseStore, todo: Plan, now: datetime) -> Path:
    """Erase what `todo` lists, then append what was erased (never the numbers) to the record."""
    phone_ids, comment_ids = question_ids(ws, store)
    erasure.erase(store, todo.store, phone_ids, comment_ids, sorted(todo.store.cleared),
                  now.astimezone(VIETNAM).strftime(TIME_FORMAT))
    for path, data in todo.files.items():
        atomic_write_bytes(path, data, mode=0o600)
    if todo.scans is not None:  # the waiting page forgets the picture before it goes
        for key, _picture in todo.waiting:
            todo.scans.forget_picture(key, pictures.PHONE)
        todo.scans.save()
    for image in [*todo.images, *(picture for _key, picture in todo.waiting), *todo.orphans]:
        image.unlink(missing_ok=True)
    orphans = Counter(pictures.commune_of(p) for p in todo.orphans)
    return append_record(ws, {
        "at": now.astimezone(VIETNAM).isoformat(timespec="seconds"),
        "retention_months": todo.months,
        "sent_before": todo.cutoff,
        "phones_erased": dict(sorted(todo.store.phones.items())),
        "comments_masked": dict(sorted(todo.store.comments.items())),
        "store": str(store.path or ""),
        "report_files": [str(p.relative_to(ws.root)) for p in todo.files],
        "handwritten_phone_images_deleted": todo.phone_images,
        "orphan_phone_images_deleted": dict(sorted(orphans.items())),
        "follow_up_notes_cleared": dict(sorted(todo.store.notes_changed.items())),
        "columnar_copy": "removed, rebuilt by the next report" if todo.store.answers else "unchanged",
    })


def append_record(ws: Workspace, entry: dict) -> Path:
    """Add one erasure (counts, never the numbers) to state/erasures.json: `formkit retention`'s
    and the follow-up register's closed cases' alike."""
    record = ws.state_dir / RECORD
    entries = json.loads(record.read_text(encoding="utf-8")) if record.exists() else []
    entries.append(entry)
    atomic_write_text(record, json.dumps(entries, ensure_ascii=False, indent=1) + "\n", mode=0o600)
    return record


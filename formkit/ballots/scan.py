"""`formkit scan`: photos and scans → ballots → the response store (channel "giấy").

The scan state (state/paper-scans.json, written atomically after each file) remembers every image
already read (by its content hash), every page read per serial, the review decisions, and what
was rejected, so scanning the same files again adds nothing and reports nothing new. A ballot is
counted once all its pages are read and every question on it is decided (by the thresholds or by
a person through `formkit scan --review`). A second, different image of a page already read (a
photocopy, or a ballot photographed twice) counts once and is reported as a duplicate — unless
the page read first holds no mark at all (a blank print scanned by mistake): a marked page takes
its serial then, and a ballot with no mark on any page is never counted.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from ..errors import Problems
from ..files import atomic_write_bytes, atomic_write_json, atomic_write_text, read_versioned_json
from ..forms.state import State
from ..i18n import _
from ..responses.store import TIME_FORMAT, VIETNAM, ResponseRow, ResponseStore
from ..workspace.config import Workspace
from . import CHANNEL_PAPER, HANDWRITTEN_COMMENT, HANDWRITTEN_PHONE, pictures, read
from .issue import ballots_dir, form_template
from .register import Register, load_secret, verify

FORMAT = 1
PDF_DPI = 200
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
BLANK_WORDS = {"", "trống", "-"}
SAVE_EVERY = 5.0  # seconds between saves of the scan state during a scan (it grows with every page)


@dataclass
class ScanResult:
    pages: int = 0
    counted: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # review items newly listed
    duplicates: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)  # ballots with no mark at all: not counted
    replaced: list[str] = field(default_factory=list)  # unmarked pages that gave their serial to a marked one
    already: int = 0  # images read before
    review_csv: Path | None = None


class ScanState:
    def __init__(self, path: Path, raw: dict | None = None) -> None:
        self.path = path
        raw = raw or {}
        self.images: dict[str, str] = raw.get("images", {})  # content hash -> read, rejected or duplicate
        self.pages: dict[str, dict] = raw.get("pages", {})  # "commune|serial|page" -> reading
        self.counted: dict[str, str] = raw.get("counted", {})  # "commune|serial" -> store key
        self.duplicates: list[dict] = raw.get("duplicates", [])
        self.rejected: list[dict] = raw.get("rejected", [])
        self.unreadable: list[dict] = raw.get("unreadable", [])
        self.stale: list[str] = raw.get("stale", [])  # store keys counted from pages since replaced: to take out

    @classmethod
    def load(cls, ws: Workspace) -> ScanState:
        path = ws.state_dir / "paper-scans.json"
        if not path.exists():
            return cls(path)
        return cls(path, read_versioned_json(path, FORMAT))

    def save(self) -> None:
        atomic_write_json(self.path, {"format": FORMAT, "images": self.images, "pages": self.pages,
                                      "counted": self.counted, "duplicates": self.duplicates,
                                      "rejected": self.rejected, "unreadable": self.unreadable,
                                      "stale": self.stale})

    def waiting_pictures(self) -> list[tuple[str, str, str, str]]:
        """(page key, box role, picture, local time read) of the boxes on pages of ballots not
        counted yet (a page or a review still missing): no stored answer names them so far."""
        found = []
        for key, page in self.pages.items():
            if key.rsplit("|", 1)[0] in self.counted:
                continue
            read_at = datetime.fromisoformat(page["read_at"]).astimezone(VIETNAM).strftime(TIME_FORMAT)
            found += [(key, role, picture, read_at) for role, picture in page["boxes"].items()]
        return found

    def forget_picture(self, key: str, role: str) -> None:
        """A waiting page's box picture deleted (its retention period ended): the page no longer
        names it, but remembers that the box held ink (it stays a marked page)."""
        page = self.pages[key]
        if page["boxes"].pop(role, None) is not None:
            page.setdefault("erased", []).append(role)

    def in_review(self) -> list[tuple[str, str, dict]]:
        """(page key, question, item) still waiting for a person."""
        return [(key, q, item) for key, page in self.pages.items() for q, item in page["review"].items()
                if "decision" not in item]


def render_grey(doc, index: int, dpi: float) -> np.ndarray:
    """Page `index` of an open pypdfium2 document as a grey image (a copy: the page and its bitmap
    are closed here, children before the document, as older pypdfium2 releases require)."""
    page = doc[index]
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    pixels = bitmap.to_numpy()
    grey = np.array(pixels[:, :, 0] if pixels.ndim == 3 else pixels, copy=True)
    bitmap.close()
    page.close()
    return grey


def images_of(path: Path) -> Iterator[tuple[str, Callable[[], np.ndarray | None]]]:
    """(name, a function giving its grey image or None when it cannot be read) for each page of a
    file, one page at a time: a 500-page PDF is never held whole, and a page read before is not
    even drawn."""
    if path.suffix.lower() != ".pdf":
        yield str(path), lambda: read_photo(path)
        return
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError:
        yield str(path), lambda: None
        return
    try:
        for i in range(len(doc)):
            yield f"{path} (trang {i + 1})", functools.partial(_page_of, doc, i)
    finally:
        doc.close()


def _page_of(doc, index: int) -> np.ndarray | None:
    import pypdfium2 as pdfium

    try:
        return render_grey(doc, index, PDF_DPI)
    except pdfium.PdfiumError:  # one damaged page: the others are still read
        return None


def read_photo(path: Path) -> np.ndarray | None:
    """A photo as a grey image; None for an empty (0-byte) or damaged file, which OpenCV refuses
    with an exception or an empty answer."""
    data = path.read_bytes()
    if not data:
        return None
    try:
        return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    except cv2.error:
        return None


def file_hash(path: Path) -> hashlib._Hash:
    """The file's SHA-256 so far, read in pieces; each page's hash adds its index (as it always has:
    sha256(file bytes + index), so scan states written before stay valid)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest


def marked(page: dict) -> bool:
    """Whether a page read holds any ink a citizen put there: an answer, a mark for a person to
    look at, or writing in a box. A ballot none of whose pages is marked is not a response."""
    return (any(a is not None for a in page["answers"].values()) or bool(page["review"]) or bool(page["boxes"])
            or bool(page.get("erased")))  # a box whose picture was deleted held ink


def check_files(files: list[Path]) -> None:
    problems = Problems()
    for path in files:
        if not path.is_file():
            problems.add(path, "", _("no such file"))
        elif path.suffix.lower() not in IMAGE_SUFFIXES | {".pdf"}:
            problems.add(path, "", _("not a JPEG, PNG or PDF file"))
    problems.raise_if_any(_("cannot scan these files"))


class Scanner:
    def __init__(self, ws: Workspace, state: State, now: datetime | None = None) -> None:
        """now: the time a page read now is stamped with (its response's time; default: the clock)."""
        self.ws, self.state, self.now = ws, state, now
        self.register = Register.load(ws.state_dir)
        self.secret = load_secret(ws.state_dir)
        self.scans = ScanState.load(ws)
        self.geometries: dict[str, dict] = {}
        self.out = ws.output_dir / "ballots"
        self.touched: set[str] = set()  # "commune|serial" with a page read in this run

    def geometry(self, geometry_id: str) -> dict:
        if geometry_id not in self.geometries:
            path = ballots_dir(self.ws) / f"{geometry_id}.layout.json"
            self.geometries[geometry_id] = json.loads(path.read_text(encoding="utf-8"))
        return self.geometries[geometry_id]

    # ---- reading -----------------------------------------------------------------------------
    def scan(self, files: list[Path], store: ResponseStore) -> ScanResult:
        check_files(files)
        result = ScanResult()
        saved = time.monotonic()
        for path in files:
            whole = file_hash(path)
            for index, (name, load) in enumerate(images_of(path)):
                page_hash = whole.copy()
                page_hash.update(index.to_bytes(4, "big"))
                digest = page_hash.hexdigest()
                result.pages += 1
                if digest in self.scans.images:
                    result.already += 1
                    continue
                outcome = self.read_image(name, load(), result)
                if outcome != "unreadable":  # an unreadable image is tried (and reported) again next time
                    self.scans.images[digest] = outcome
                if time.monotonic() - saved > SAVE_EVERY:  # an interrupted scan redoes only what was not saved
                    self.scans.save()
                    saved = time.monotonic()
        self.finish(store, result)
        return result

    def read_image(self, name: str, gray: np.ndarray | None, result: ScanResult) -> str:
        def unreadable(why: str) -> str:
            self.scans.unreadable = [u for u in self.scans.unreadable if u["file"] != name]
            self.scans.unreadable.append({"file": name, "reason": why})
            result.unreadable.append(f"{name}: {why}")
            return "unreadable"

        if gray is None:
            return unreadable(_("an empty file (0 bytes)") if Path(name).is_file() and not Path(name).stat().st_size
                              else _("not an image formkit can open"))
        codes = read.find_page_ids(gray)
        ours = [(pid, corners) for pid, _, corners in codes if pid is not None]
        if not ours:
            return unreadable(_("no ballot QR code found (photograph the whole page, flat and in focus)")
                              if not codes else _("the QR code is not a formkit ballot's"))
        page_id, corners = ours[0]
        label = f"{page_id.commune} số {page_id.serial:06d} trang {page_id.page}"
        batch = self.register.batch_of(page_id.commune, page_id.serial)
        why = (_("wrong check value: not printed by this workspace (forged?)") if not verify(self.secret, page_id)
               else _("serial never issued") if batch is None or batch.form != page_id.form else "")
        if why:
            self.scans.rejected.append({"file": name, "ballot": label, "reason": why})
            result.rejected.append(f"{name}: {label}: {why}")
            return "rejected"
        assert batch is not None  # else "serial never issued" above
        key = f"{page_id.commune}|{page_id.serial}|{page_id.page}"
        before = self.scans.pages.get(key)

        def duplicate() -> str:
            assert before is not None
            self.scans.duplicates.append({"file": name, "ballot": label, "first": before["file"]})
            result.duplicates.append(_("{file}: {ballot} was already read from {first}; counted once").format(
                file=name, ballot=label, first=before["file"]))
            return "duplicate"

        if before is not None and marked(before):
            return duplicate()
        geometry = self.geometry(batch.geometry)
        page = read.flatten(gray, geometry, page_id, corners)
        if page is None:
            return unreadable(_("{ballot}: the corner markers are not all visible").format(ballot=label))
        reading = self.read_page(name, page, geometry)
        if before is not None and not marked(reading):
            return duplicate()
        self.scans.pages[key] = reading
        self.touched.add(key.rsplit("|", 1)[0])
        if before is not None:  # an unmarked page (a blank print scanned by mistake) yields its serial
            counted = self.scans.counted.pop(key.rsplit("|", 1)[0], None)
            if counted is not None:  # counted (in part) from the unmarked page: taken out, counted again
                self.scans.stale.append(counted)
            result.replaced.append(_("{file}: {ballot} replaces the unmarked page read before from {first}").format(
                file=name, ballot=label, first=before["file"]))
        return "read"

    def read_page(self, name: str, page: read.PageImage, geometry: dict) -> dict:
        pid = page.page_id
        questions: dict[str, dict[str, float]] = {}
        where: dict[str, list[dict]] = {}
        for bubble in geometry["bubbles"]:
            if bubble["page"] == pid.page:
                questions.setdefault(bubble["question"], {})[bubble["option"]] = read.bubble_ink(page, bubble)
                where.setdefault(bubble["question"], []).append(bubble)
        answers, review = {}, {}
        for question, scores in questions.items():
            decision = read.decide(scores)
            if decision.review:
                image = self.out / "review" / "anh" / f"{pid.commune}-{pid.serial:06d}-{question}.png"
                bubbles = where[question]
                r = bubbles[0]["r"]
                region = read.crop(page, geometry["boxes"][0]["x"] if geometry["boxes"] else 40,
                                   min(b["y"] for b in bubbles) - 2.2 * r,
                                   geometry["page_size"][0] - 40, max(b["y"] for b in bubbles) + 3.5 * r)
                _write_png(image, region)
                review[question] = {"reason": decision.review, "scores": decision.scores, "image": str(image)}
            else:
                answers[question] = decision.answer
        boxes = {}
        for box in geometry["boxes"]:
            if box["page"] == pid.page and read.box_ink(page, box):
                image = pictures.picture_of(self.ws, pid.commune, pid.serial, box["role"])
                _write_png(image, read.crop(page, box["x"], box["y"], box["x"] + box["w"], box["y"] + box["h"]))
                boxes[box["role"]] = str(image)
        return {"file": name, "answers": answers, "review": review, "boxes": boxes,
                "read_at": (self.now or datetime.now(VIETNAM)).isoformat(timespec="seconds")}

    # ---- review ------------------------------------------------------------------------------
    def record_review(self, csv_path: Path, store: ResponseStore) -> tuple[int, ScanResult]:
        """A person's decisions from the review CSV (column "quyet_dinh": the option's exact text,
        or "trống" for no answer). Every row is checked before any is recorded."""
        problems, decisions = Problems(), []
        with open(csv_path, encoding="utf-8-sig", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), 2):
                decision = (row.get("quyet_dinh") or "").strip()
                key, question = row.get("phieu_trang", ""), row.get("cau_hoi", "")
                item = self.scans.pages.get(key, {}).get("review", {}).get(question)
                if item is None:
                    problems.add(csv_path, _("line {line}").format(line=line), _("no ballot page '{key}' question "
                                                                                 "'{question}' in review").format(
                            key=key, question=question))
                    continue
                if not decision and "decision" not in item:
                    continue  # not decided yet: stays in review
                options = list(item["scores"])
                if decision.lower() not in BLANK_WORDS and decision not in options:
                    problems.add(csv_path, _("line {line}").format(line=line), _("'{decision}' is not one of: "
                                                                                 "{options} / trống").format(
                            decision=decision, options=' / '.join(options)))
                    continue
                decisions.append((item, None if decision.lower() in BLANK_WORDS else decision))
        problems.raise_if_any(_("the review file has problems; nothing was recorded"))
        for item, answer in decisions:
            item["decision"] = answer
        self.scans.save()
        result = ScanResult()
        self.finish(store, result)
        return len(decisions), result

    # ---- counting ----------------------------------------------------------------------------
    def finish(self, store: ResponseStore, result: ScanResult) -> None:
        """Count every ballot whose pages are all read and decided; list what waits for a person."""
        store.remove(self.scans.stale)  # before counting them again, whatever a crash interrupted
        self.scans.stale = []
        by_ballot: dict[str, dict[int, dict]] = {}
        for key, page in self.scans.pages.items():
            commune, serial, number = key.split("|")
            by_ballot.setdefault(f"{commune}|{serial}", {})[int(number)] = page
        for ballot, pages in sorted(by_ballot.items()):
            blank = not any(marked(page) for page in pages.values())
            if ballot in self.scans.counted:
                if not blank:
                    continue
                store.remove([self.scans.counted.pop(ballot)])  # counted from unmarked pages: not a response
                self.touched.add(ballot)
            commune, serial = ballot.split("|")
            batch = self.register.batch_of(commune, int(serial))
            assert batch is not None  # a page is kept only when its serial was issued
            geometry = self.geometry(batch.geometry)
            if len(pages) < geometry["pages_per_ballot"]:
                continue
            if blank:  # every page read, no mark anywhere: the serial stays free for a marked ballot
                if ballot in self.touched:  # said once, when found
                    result.blank.append(_("{ballot}: no mark on any page (a blank ballot, or the print file?); "
                                          "not counted, and a marked ballot with this serial will be").format(
                        ballot=f"{commune} số {int(serial):06d}"))
                continue
            if any("decision" not in item for page in pages.values() for item in page["review"].values()):
                continue
            row = self.response(commune, int(serial), batch, geometry, pages)
            store.add([row], form_template(self.ws, geometry["template"]))
            assert row.key is not None  # response() always gives a paper ballot its key
            self.scans.counted[ballot] = row.key
            result.counted.append(f"{commune} số {int(serial):06d}")
        self.scans.save()
        result.review_csv = self.write_review()
        result.review = [f"{key} {q}: {item['reason']}" for key, q, item in self.scans.in_review()]

    def response(self, commune: str, serial: int, batch, geometry: dict, pages: dict[int, dict]) -> ResponseRow:
        template = form_template(self.ws, geometry["template"])
        chosen: dict[str, str | None] = {}
        boxes: dict[str, str] = {}
        for page in pages.values():
            chosen.update(page["answers"])
            chosen.update({q: item["decision"] for q, item in page["review"].items()})
            boxes.update(page["boxes"])
        answers = {q: a for q, a in chosen.items() if a is not None}
        officer = batch.officer
        officer_question = template.by_role("officer")
        form = self.state.forms(commune)[geometry["form"] - 1]
        if officer_question is not None:
            if officer is not None:
                answers[officer_question.id] = form.officer_options.get(officer, officer)
            elif answers.get(officer_question.id):
                officer = next((b["officer"] for b in geometry["bubbles"] if b["question"] == officer_question.id
                                and b["option"] == answers[officer_question.id]), None)
        if "phone" in boxes and not template.phone_allowed(answers):
            # A phone written without "Đồng ý" ticked is not kept (Law 91/2025/QH15): its picture goes.
            Path(boxes.pop("phone")).unlink(missing_ok=True)
            for page in pages.values():
                page["boxes"].pop("phone", None)
        comment = template.by_role("comment")
        if comment is not None and boxes:
            parts = [f"{HANDWRITTEN_COMMENT}: {boxes['comment']}"] if "comment" in boxes else []
            if "phone" in boxes:
                parts.append(f"{HANDWRITTEN_PHONE}: {boxes['phone']}")
            answers[comment.id] = "; ".join(parts)
        read_at = min(page["read_at"] for page in pages.values())
        return ResponseRow(commune, geometry["form_id"], "paper", template.id, geometry["template_version"],
                           datetime.fromisoformat(read_at), answers, officer_id=officer, channel=CHANNEL_PAPER,
                           key=f"{commune}|{geometry['form_id']}|{CHANNEL_PAPER}|{serial:06d}")

    def write_review(self) -> Path:
        """review.csv to fill in, and review.html showing each question's crop beside it."""
        folder = self.out / "review"
        items = self.scans.in_review()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["phieu_trang", "cau_hoi", "ly_do", "lua_chon", "anh", "quyet_dinh"])
        rows = []
        for key, question, item in items:
            writer.writerow([key, question, item["reason"], " / ".join(item["scores"]), item["image"], ""])
            image = html.escape(Path(item["image"]).relative_to(folder).as_posix())
            rows.append(f"<tr><td>{html.escape(key)}</td><td>{html.escape(question)}</td>"
                        f"<td>{html.escape(item['reason'])}</td><td><img src=\"{image}\">"
                        f"</td><td>{html.escape(' / '.join(item['scores']))}</td></tr>")
        atomic_write_bytes(folder / "review.csv", buffer.getvalue().encode("utf-8-sig"))
        atomic_write_text(folder / "review.html", REVIEW_PAGE.format(count=len(items), rows="\n".join(rows)))
        return folder / "review.csv"


def _write_png(path: Path, image: np.ndarray) -> None:
    ok, encoded = cv2.imencode(".png", image)
    if ok:
        atomic_write_bytes(path, encoded.tobytes())


REVIEW_PAGE = """<!doctype html>
<html lang="vi"><meta charset="utf-8"><title>Phiếu cần xem lại</title>
<style>body{{font-family:sans-serif}} td{{border-bottom:1px solid #ccc;padding:4px;vertical-align:top}}
img{{max-width:720px}}</style>
<h1>Phiếu cần người xem lại: {count} câu</h1>
<p>Ghi quyết định vào cột <b>quyet_dinh</b> của review.csv (đúng chữ của lựa chọn, hoặc "trống"),
rồi chạy <code>formkit scan --review review.csv</code>.</p>
<table><tr><th>Phiếu|số|trang</th><th>Câu</th><th>Lý do</th><th>Ảnh</th><th>Lựa chọn</th></tr>
{rows}
</table></html>
"""

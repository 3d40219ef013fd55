"""What an erasure used to leave behind: the staff's notes on follow-up cases, pictures of
handwritten boxes nothing points to, and the empty databases read-only commands made."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from report_data import answers, row

from formkit.ballots import HANDWRITTEN_COMMENT, HANDWRITTEN_PHONE
from formkit.loop import open_cases, set_case_status
from formkit.responses.store import VIETNAM, ResponseRow, ResponseStore
from formkit.workspace.config import load_workspace

PHONE, OTHER, RECENT = "0912345678", "0933444555", "0987654321"


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).astimezone(VIETNAM).strftime("%Y-%m-%dT09:00:00+07:00")


def notes(path) -> dict[int, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT response_id, note FROM cases"))


def records(ws) -> list[dict]:
    return json.loads((ws.state_dir / "erasures.json").read_text(encoding="utf-8"))


def test_a_closed_cases_note_loses_the_numbers_typed_in_it(example_dir, formkit):
    ws = load_workspace(example_dir)  # [followup] keep_phone_days = 0: erased as the case closes
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", days_ago(10), answers(ws.template, {"1": 1}, gate="Không", overall=1,
                                                          so_dien_thoai=PHONE))], ws.template)
        [case] = open_cases(ws, store)
    set_case_status(ws, case, "đã giải quyết", "Nguyễn Thị Lan", f"Đã gọi {PHONE}, anh Bình; hẹn lại số {OTHER}")
    data = ws.responses_file.read_bytes()  # vacuumed with secure_delete: not in free pages either
    assert PHONE.encode() not in data and OTHER.encode() not in data
    assert notes(ws.responses_file) == {case: "Đã gọi 091****678, anh Bình; hẹn lại số 093****555"}
    assert records(ws)[-1]["follow_up_notes_masked"] == {"hoa-thanh": 1}

    # Reopened with a new note after its phone went: the number staff type is masked too, and
    # the commune's export (it lists the case again) never holds it.
    reopened = formkit("followup", "set", "-w", ws.root, case, "đã liên hệ", "--by", "Lan", "--note",
                       f"Dân gọi lại từ số {RECENT}")
    assert reopened.exit_code == 0, reopened.output
    exported = formkit("followup", "export", "-w", ws.root, "--commune", "hoa-thanh")
    assert exported.exit_code == 0, exported.output
    assert notes(ws.responses_file) == {case: "Dân gọi lại từ số 098****321"}
    assert RECENT.encode() not in ws.responses_file.read_bytes()
    cells = _cells(ws.output_dir / "followup" / "lien-he-lai-hoa-thanh.xlsx")
    assert "098****321" in cells and RECENT not in cells


def test_retention_clears_the_notes_of_answers_past_the_period(example_dir, formkit):
    ws = load_workspace(example_dir)
    with ResponseStore(ws.responses_file) as store:
        store.add([row("hoa-thanh", days_ago(220), answers(ws.template, {"1": 1}, gate="Không", overall=1,
                                                           so_dien_thoai=PHONE)),
                   row("hoa-thanh", days_ago(20), answers(ws.template, {"1": 2}, gate="Không", overall=2))],
                  ws.template)
        old, recent = open_cases(ws, store)
    for case, note in ((old, f"Anh Trần Văn Bình, nhà số 12, gọi {OTHER}"), (recent, "Chị Lan hẹn thứ Hai")):
        set_case_status(ws, case, "đã liên hệ", "Nguyễn Thị Lan", note)  # still open: in the export
    assert formkit("followup", "export", "-w", ws.root).exit_code == 0
    export = ws.output_dir / "followup" / "lien-he-lai-hoa-thanh.xlsx"
    assert "Anh Trần Văn Bình" in _cells(export)

    dry = formkit("--lang", "en", "retention", "--dry-run", "-w", ws.root)
    assert dry.exit_code == 0 and "1 note of the follow-up register (cleared)" in dry.out, dry.output
    assert OTHER.encode() in ws.responses_file.read_bytes()
    done = formkit("--lang", "en", "retention", "-w", ws.root)
    assert done.exit_code == 0, done.output
    data = ws.responses_file.read_bytes()
    assert OTHER.encode() not in data and "Trần Văn Bình".encode() not in data and PHONE.encode() not in data
    assert notes(ws.responses_file) == {old: "", recent: "Chị Lan hẹn thứ Hai"}
    assert records(ws)[-1]["follow_up_notes_cleared"] == {"hoa-thanh": 1}
    assert "Trần Văn Bình" not in _cells(export) and "Chị Lan hẹn thứ Hai" in _cells(export)
    assert "Nothing to erase." in formkit("--lang", "en", "retention", "-w", ws.root).out  # safe to run twice


def _cells(path) -> str:
    from openpyxl import load_workbook

    return " ".join(str(c.value) for r in load_workbook(path).worksheets[0].iter_rows() for c in r)


def _paper(template, serial: int, when: str, comment: str) -> ResponseRow:
    return ResponseRow("hoa-thanh", "form-1", "paper", template.id, template.version, datetime.fromisoformat(when),
                       answers(template, {"1": 4}, y_kien_khac=comment), channel="giấy",
                       key=f"hoa-thanh|form-1|giấy|{serial:06d}")


def test_retention_deletes_the_pictures_nothing_points_to(example_dir, formkit):
    ws = load_workspace(example_dir)
    folder = ws.output_dir / "ballots" / "hoa-thanh" / "viet-tay"
    folder.mkdir(parents=True)
    pictures = {name: folder / f"{name}.png" for name in (
        "000001-comment", "000001-phone",  # a recent stored ballot: kept
        "000002-phone",  # a stored ballot past the period: deleted with its phone
        "000003-comment", "000003-phone",  # the ballot left the store (or was never recorded): its phone
        # picture is an orphan; its comment picture stays (a store restored from a backup names it again)
        "000004-phone",  # a ballot waiting for a review, read last week: kept
        "000005-phone")}  # a ballot waiting since 220 days: its period ended
    for path in pictures.values():
        path.write_bytes(b"\x89PNG handwritten")
    moved = "C:\\Users\\xa\\tay-ninh\\output\\ballots\\hoa-thanh\\viet-tay\\"  # written on Windows, since moved
    with ResponseStore(ws.responses_file) as store:
        store.add([_paper(ws.template, 1, days_ago(5), f"{HANDWRITTEN_COMMENT}: {moved}000001-comment.png; "
                                                       f"{HANDWRITTEN_PHONE}: {moved}000001-phone.png"),
                   _paper(ws.template, 2, days_ago(220), f"{HANDWRITTEN_PHONE}: {pictures['000002-phone']}")],
                  ws.template)

    def waiting(serial: int, days: int) -> dict:
        return {"file": f"anh-{serial}.jpg", "answers": {}, "boxes": {"phone": str(pictures[f"{serial:06d}-phone"])},
                "review": {"hai-long-chung": {"reason": "dấu mờ", "scores": {"Hài lòng": 0.15}, "image": "x.png"}},
                "read_at": days_ago(days)}

    scans = {"format": 1, "images": {}, "counted": {"hoa-thanh|1": "hoa-thanh|form-1|giấy|000001",
                                                    "hoa-thanh|2": "hoa-thanh|form-1|giấy|000002",
                                                    "hoa-thanh|3": "hoa-thanh|form-1|giấy|000003"},
             "pages": {"hoa-thanh|4|1": waiting(4, 7), "hoa-thanh|5|1": waiting(5, 220)},
             "duplicates": [], "rejected": [], "unreadable": [], "stale": []}
    (ws.state_dir / "paper-scans.json").write_text(json.dumps(scans), encoding="utf-8")

    dry = formkit("--lang", "en", "retention", "--dry-run", "-w", ws.root)
    assert dry.exit_code == 0, dry.output
    assert "2 pictures of handwritten phone boxes, 1 picture of phone boxes no answer points to" in dry.out, dry.out
    assert all(path.exists() for path in pictures.values())
    done = formkit("--lang", "en", "retention", "-w", ws.root)
    assert done.exit_code == 0, done.output
    assert sorted(p.stem for p in folder.iterdir()) == ["000001-comment", "000001-phone", "000003-comment",
                                                        "000004-phone"]
    [record] = records(ws)
    assert record["orphan_phone_images_deleted"] == {"hoa-thanh": 1}
    assert record["handwritten_phone_images_deleted"] == 2
    pages = json.loads((ws.state_dir / "paper-scans.json").read_text(encoding="utf-8"))["pages"]
    assert pages["hoa-thanh|5|1"]["boxes"] == {} and pages["hoa-thanh|5|1"]["erased"] == ["phone"]
    assert pages["hoa-thanh|4|1"]["boxes"] == {"phone": str(pictures["000004-phone"])}
    assert "Nothing to erase." in formkit("--lang", "en", "retention", "-w", ws.root).out


def _listing(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("command, code, says", [
    (("retention", "--dry-run"), 0, "No responses stored yet"),
    (("retention",), 0, "Nothing to erase."),
    (("kiosk", "devices"), 0, "No counter tablets yet"),
    (("kiosk", "revoke", "q1"), 2, "no counter tablet q1"),
    (("followup", "list"), 0, "No follow-up cases: no responses stored yet"),
    (("report", "--quarter", "2026Q3"), 3, "no responses yet"),
    (("status",), 2, "run `formkit create` first"),
])
def test_a_read_only_command_on_a_fresh_workspace_makes_no_file(example_dir, formkit, command, code, says):
    before = _listing(example_dir)
    result = formkit("--lang", "en", *command, "-w", example_dir)
    assert (result.exit_code, says in result.output) == (code, True), result.output
    assert _listing(example_dir) == before

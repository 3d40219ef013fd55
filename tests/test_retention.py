"""Phone numbers past their retention period: erased from the store (raw answers, texts table,
flags, free pages), its columnar copy and the report files, told before and after, recorded."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

from report_data import answers, row

from formkit.report import build_report, parse_period, write_report
from formkit.report.retention import cutoff_of
from formkit.responses import columnar
from formkit.responses.erasure import phones_past
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace

OLD_PHONE, NEW_PHONE, TYPED = "0912345678", "0987654321", "0933444555"


def follow_up_phones(folder) -> dict[str, str]:
    """Mã phiếu -> Số điện thoại, over every commune's follow-up CSV in the report folder."""
    out = {}
    for path in folder.glob("*-csv/can-lien-he-lai/*.csv"):
        for line in csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))):
            phone = line["Số điện thoại"].replace(" ", "")  # written "0912 345 678" so that Excel keeps it text
            out[line["Mã phiếu"]] = phone + "|" + line["Ý kiến"]
    return out


def test_a_retention_run_erases_old_phones_everywhere_formkit_keeps_them(example_dir, formkit):
    ws = load_workspace(example_dir)
    assert ws.phone_retention_months == 6
    now = datetime.now(UTC)
    old = (now - timedelta(days=220)).astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%d 09:00:00")
    recent = (now - timedelta(days=20)).astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%d 09:00:00")
    rows = [row("hoa-thanh", old, answers(ws.template, {"1": 2}, "Không", so_dien_thoai=OLD_PHONE,
                                          y_kien_khac=f"Gọi lại giúp tôi số {TYPED}"), "nguyen-thi-lan"),
            row("hoa-thanh", recent, answers(ws.template, {"1": 4}, "Không", so_dien_thoai=NEW_PHONE), "tran-van-minh")]
    with ResponseStore(ws.responses_file) as store:
        store.add(rows, ws.template)
        period = parse_period(start=old[:10], end=recent[:10])
        report = build_report(ws, store, period, commune_ids=("hoa-thanh",))
        assert columnar.folder_of(ws.responses_file).is_dir()
        assert phones_past(store, cutoff_of(now, 6)) == 1  # what `pull` warns about
    reports = ws.output_dir / "reports"
    write_report(report, ("csv", "json"), reports)
    before = follow_up_phones(reports)
    assert before == {"1": f"{OLD_PHONE}|Gọi lại giúp tôi số {TYPED}", "2": f"{NEW_PHONE}|"}

    # Before: what would go, and nothing changes.
    dry = formkit("--lang", "en", "retention", "--dry-run", "-w", example_dir)
    assert dry.exit_code == 0, dry.err
    assert "1 phone number, 1 comment" in dry.out and "1 file of reports" in dry.out
    assert "Nothing was changed." in dry.out and "cannot erase what Google keeps" in dry.out
    assert follow_up_phones(reports) == before and OLD_PHONE.encode() in ws.responses_file.read_bytes()

    done = formkit("--lang", "en", "retention", "-w", example_dir)
    assert done.exit_code == 0, done.err
    assert "Erased." in done.out and "erasures.json" in done.out
    data = ws.responses_file.read_bytes()  # vacuumed with secure_delete: not even in free pages
    assert OLD_PHONE.encode() not in data and TYPED.encode() not in data and NEW_PHONE.encode() in data
    with ResponseStore(ws.responses_file) as store:
        assert store.db.execute("SELECT phone FROM texts ORDER BY id").fetchall() == [(None,), (NEW_PHONE,)]
        kept = json.loads(store.db.execute("SELECT answers FROM responses WHERE id = 1").fetchone()[0])
        assert "so-dien-thoai" not in kept and kept["y-kien-khac"] == "Gọi lại giúp tôi số 093****555"
        assert not columnar.folder_of(ws.responses_file).exists()  # its flags changed: rebuilt when next read
        assert phones_past(store, cutoff_of(now, 6)) == 0
        again = build_report(ws, store, period, commune_ids=("hoa-thanh",))
        assert [(f.response_id, f.phone) for f in again.follow_up] == [(1, ""), (2, NEW_PHONE)]
    after = follow_up_phones(reports)
    assert after == {"1": "|Gọi lại giúp tôi số 093****555", "2": f"{NEW_PHONE}|"}
    record = json.loads((ws.state_dir / "erasures.json").read_text(encoding="utf-8"))
    assert len(record) == 1 and record[0]["phones_erased"] == {"hoa-thanh": 1}
    assert record[0]["sent_before"][:10] == cutoff_of(now, 6)[:10] and record[0]["report_files"]
    assert OLD_PHONE not in json.dumps(record)

    # Safe to run twice: nothing left to erase, nothing recorded.
    twice = formkit("--lang", "en", "retention", "-w", example_dir)
    assert twice.exit_code == 0 and "Nothing to erase." in twice.out
    assert len(json.loads((ws.state_dir / "erasures.json").read_text(encoding="utf-8"))) == 1


def test_the_cutoff_counts_calendar_months():
    vietnam = timezone(timedelta(hours=7))
    assert cutoff_of(datetime(2026, 8, 31, 10, 0, tzinfo=vietnam), 6) == "2026-02-28 10:00:00"
    assert cutoff_of(datetime(2026, 1, 15, 8, 30, tzinfo=vietnam), 6) == "2025-07-15 08:30:00"


def test_a_follow_up_export_written_before_loses_the_erased_phones(example_dir, formkit):
    """output/followup/ holds phones in full: `formkit retention` must reach it too."""
    from openpyxl import load_workbook

    ws = load_workspace(example_dir)
    now = datetime.now(UTC)
    old = (now - timedelta(days=220)).astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%d 09:00:00")
    recent = (now - timedelta(days=20)).astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%d 09:00:00")
    rows = [row("hoa-thanh", old, answers(ws.template, {"1": 2}, "Không", so_dien_thoai=OLD_PHONE), "nguyen-thi-lan"),
            row("hoa-thanh", recent, answers(ws.template, {"1": 2}, "Không", so_dien_thoai=NEW_PHONE), "tran-van-minh")]
    with ResponseStore(ws.responses_file) as store:
        store.add(rows, ws.template)
    exported = formkit("followup", "export", "-w", example_dir, "--commune", "hoa-thanh")
    assert exported.exit_code == 0, exported.output
    (path,) = (ws.output_dir / "followup").glob("*.xlsx")

    def cells() -> str:
        return " ".join(str(c.value) for r in load_workbook(path).worksheets[0].iter_rows() for c in r)

    assert OLD_PHONE in cells() and NEW_PHONE in cells()
    done = formkit("--lang", "en", "retention", "-w", example_dir)
    assert done.exit_code == 0, done.err
    assert OLD_PHONE not in cells() and NEW_PHONE in cells()
    assert str(path) in done.out

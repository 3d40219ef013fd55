"""`formkit pull` and `formkit report` as an official runs them, on the local backend."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from formkit.demo.simulate import submit_sample_responses
from formkit.responses.store import VIETNAM

DATA = Path(__file__).parent / "data"
VI_EXPORT = "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành (Câu trả lời) - Câu trả lời biểu mẫu 1.csv"


def test_pull_then_report_every_format(published_workspace, formkit):
    ws, state, base = published_workspace
    sent = submit_sample_responses(ws, state, 60, datetime(2026, 7, 1, tzinfo=VIETNAM),
                                   datetime(2026, 10, 1, tzinfo=VIETNAM), seed=7)
    first = formkit("pull", "-w", ws.root)
    assert first.exit_code == 0, first.output
    assert f"{sent} new responses" in first.out and "2 Sheets API call" in first.out
    again = formkit("pull", "-w", ws.root)
    assert again.exit_code == 0 and "0 new responses" in again.out

    result = formkit("report", "-w", ws.root, "--quarter", "2026Q3")
    assert result.exit_code == 0, result.output
    reports = ws.output_dir / "reports"
    data = json.loads((reports / "bao-cao-2026Q3.json").read_text(encoding="utf-8"))
    with sqlite3.connect(ws.responses_file) as db:
        stored = db.execute("SELECT count(*) FROM responses WHERE submitted >= '2026-07-01'"
                            " AND submitted < '2026-10-01'").fetchone()[0]
    assert data["responses"] == stored == sent
    assert f"from {sent} responses" in result.out
    assert {p.name for p in reports.iterdir()} >= {"bao-cao-2026Q3.pdf", "bao-cao-2026Q3.xlsx",
                                                   "bao-cao-2026Q3.json", "bao-cao-2026Q3-csv"}


def test_report_without_pulling_says_what_to_do(example_dir, formkit):
    # Nothing to report (exit 3), as for a store that holds no answer: said, and nothing written.
    result = formkit("report", "-w", example_dir, "--quarter", "2026Q3")
    assert result.exit_code == 3 and "formkit pull" in result.err
    assert not (example_dir / "state").exists() and not (example_dir / "output").exists()


def test_report_period_and_format_are_checked(example_dir, formkit):
    assert formkit("report", "-w", example_dir).exit_code == 2
    bad = formkit("report", "-w", example_dir, "--quarter", "2026Q5")
    assert bad.exit_code == 2 and "2026Q5" in bad.err
    bad = formkit("report", "-w", example_dir, "--year", "2026", "--format", "pdf,odt")
    assert bad.exit_code == 2 and "odt" in bad.err


def test_report_from_csv_exports_needs_no_google(example_dir, formkit, tmp_path):
    export = tmp_path / VI_EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    result = formkit("report", "-w", example_dir, "--from-csv", export, "--year", "2025", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads((example_dir / "output" / "reports" / "bao-cao-2025.json").read_text(encoding="utf-8"))
    assert data["responses"] == 2  # the 2015 row of the file is outside the year
    assert [c["id"] for c in data["communes"] if c["responses"]] == ["hoa-thanh"]
    assert not (example_dir / "state" / "responses.sqlite").exists()  # the store is not touched
    copy = tmp_path / (VI_EXPORT[:-4] + " (1).csv")  # the browser's name for a second download
    shutil.copy(export, copy)
    again = formkit("report", "-w", example_dir, "--from-csv", export, copy, "--year", "2025", "--format", "json")
    assert again.exit_code == 0 and "3 responses appear in more than one file" in again.err
    data = json.loads((example_dir / "output" / "reports" / "bao-cao-2025.json").read_text(encoding="utf-8"))
    assert data["responses"] == 2


def test_date_order_without_the_csv_exports_is_refused_not_ignored(example_dir, formkit):
    result = formkit("report", "-w", example_dir, "--quarter", "2026Q3", "--date-order", "dmy", "--lang", "en")
    assert result.exit_code == 2
    assert "--date-order is for Google's CSV exports" in result.err
    assert not (example_dir / "output" / "reports").exists()

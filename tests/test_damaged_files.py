"""A damaged state file — forms.json, its journal, ballots.json, paper-scans.json, responses.sqlite —
exits 2 (one kind of damage, one exit code) with the file, the place and what to do; a disk with
no room exits 1. Never "Internal error", and the previous files left whole."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from formkit.workspace.config import load_workspace

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
EXPORT = "Khảo sát mức độ hài lòng của người dân, tổ chức — Xã Hòa Thành (Câu trả lời) - Câu trả lời biểu mẫu 1.csv"


def test_damaged_state_and_store_are_named_with_what_to_do(example_dir, formkit, endpoint):
    ws = load_workspace(example_dir)
    ws.state_dir.mkdir()
    for damage, place in (("{not json", "line 1, column 2"), ("[]", ""), ('{"format": 1, "communes": []}', "communes"),
                          ('{"format": 1, "communes": {"hoa-thanh": [{"x": 1}]}}', "communes.hoa-thanh")):
        ws.state_file.write_text(damage, encoding="utf-8")
        result = formkit("status", "-w", example_dir)
        assert result.exit_code == 2 and "Internal error" not in result.output, (damage, result.output)
        assert f"{ws.state_file} is damaged" in result.err and "move it aside" in result.err
        assert not place or f"{ws.state_file}: {place}" in result.err, result.err
    ws.state_file.unlink()
    ws.responses_file.write_bytes(b"this is not SQLite" * 100)
    for command in (["pull"], ["report", "--quarter", "2026Q3"]):
        result = formkit(*command, "-w", example_dir)
        assert result.exit_code == 2 and "Internal error" not in result.output, (command, result.output)
        assert f"{ws.responses_file} is damaged" in result.err and "formkit pull" in result.err, result.err


BATCH = {"commune": "hoa-thanh", "form": 1, "first": 1, "last": 5, "officer": None, "printed_by": "cán bộ",
         "printed_at": "2026-07-01T08:00:00+07:00", "pdf": "phieu.pdf"}


def test_every_damaged_state_file_exits_2_with_its_place(example_dir, formkit, endpoint, tmp_path):
    """The journal, the ballot register and the scan record exited 1 before; forms.json exited 2."""
    ws = load_workspace(example_dir)
    ws.state_dir.mkdir()
    journal = ws.state_dir / "forms.journal"
    journal.write_text('{"commune": "hoa-thanh", "index": 3, "form": {}}\n', encoding="utf-8")
    result = formkit("status", "-w", example_dir)
    assert result.exit_code == 2 and f"{journal} is damaged" in result.err and f"{journal}: line 1" in result.err
    assert "do not delete the journal" in result.err, result.err  # it may hold forms already made
    journal.unlink()
    export = tmp_path / EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    report = ["report", "-w", str(example_dir), "--from-csv", str(export), "--year", "2025", "--format", "json"]
    register, scans = ws.state_dir / "ballots.json", ws.state_dir / "paper-scans.json"
    for path, text, place in (
            (register, "{not json", "line 1, column 2"), (register, '{"format": 2, "batches": []}', "format"),
            (register, '{"format": 1, "batches": [{"commune": "x"}]}', "batches"),
            (scans, "\xff", "byte 0"), (scans, '{"format": 9}', "format")):
        if path == scans:
            register.write_text(json.dumps({"format": 1, "batches": [BATCH]}), encoding="utf-8")
        path.write_bytes(text.encode("latin-1"))
        result = formkit(*report)
        assert result.exit_code == 2 and "Internal error" not in result.output, (path, text, result.output)
        assert f"{path} is damaged" in result.err and f"{path}: {place}" in result.err, result.err
        assert "restore it from a backup or move it aside" in result.err, result.err
    scans.unlink()
    assert formkit(*report).exit_code == 0  # the register alone, whole again: the report is made


def test_no_room_on_disk_names_the_file_and_keeps_the_previous_report(example_dir, formkit, tmp_path):
    export = tmp_path / EXPORT
    shutil.copy(DATA / "export-vi.csv", export)
    args = ["report", "-w", str(example_dir), "--from-csv", str(export), "--year", "2025", "--format", "pdf"]
    assert formkit(*args).exit_code == 0
    pdf = example_dir / "output" / "reports" / "bao-cao-2025.pdf"
    before = pdf.read_bytes()
    # A real write failure: the kernel refuses to grow a file past RLIMIT_FSIZE (EFBIG), as a full
    # disk refuses with ENOSPC.
    script = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
              "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000)); "
              "from formkit.cli import main; sys.exit(main(sys.argv[1:]))")
    run = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 1, run.stderr
    assert "cannot write the report into" in run.stderr and str(pdf.parent) in run.stderr, run.stderr
    assert "unchanged" in run.stderr and "Internal error" not in run.stderr
    assert pdf.read_bytes() == before  # the previous report, whole
    assert not [p for p in pdf.parent.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".partial")]

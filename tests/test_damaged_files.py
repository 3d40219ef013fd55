"""A damaged forms.json (exit 2, with the place), a damaged responses.sqlite or a disk with no room
(exit 1): a message that names the file and what to do, never "Internal error", and the previous
files left whole."""

from __future__ import annotations

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
        assert result.exit_code == 1 and "Internal error" not in result.output, (command, result.output)
        assert f"{ws.responses_file} is damaged" in result.err and "formkit pull" in result.err, result.err


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

"""Paper ballots that cannot be lost or shared: an unmarked page never takes a serial, two runs
at once never issue the same serials or lose a scan, an empty photo is one unreadable file among
the others, and a long PDF is read a page at a time (issue 23, items 1–5)."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import tracemalloc
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from test_ballots import _photos, _stored, printed  # noqa: F401 (printed: a fixture)

from formkit.ballots.scan import images_of
from formkit.responses.store import VIETNAM, ResponseRow, ResponseStore

REPO = Path(__file__).resolve().parent.parent


def _answers(geometry: dict) -> dict[str, str]:
    return {b["question"]: b["option"] for b in geometry["bubbles"]}  # the last option of each


def test_the_blank_print_file_takes_no_serial_and_the_real_ballot_counts(printed, formkit, tmp_path):  # noqa: F811
    ws, pdf, geometry = printed
    blank = formkit("scan", "-w", ws.root, pdf)  # `scan output/ballots/*.pdf`: the print file itself
    assert blank.exit_code == 0, blank.output
    assert "0 ballots counted" in blank.out
    assert blank.err.count("unmarked: hoa-thanh số 00000") == 4, blank.err
    assert _stored(ws) == []
    filled = _photos(pdf, geometry, tmp_path, 0, _answers(geometry), {}, random.Random(2))
    real = formkit("scan", "-w", ws.root, *filled)
    assert real.exit_code == 0, real.output
    assert "1 ballot counted" in real.out and "duplicate" not in real.err, real.output
    assert "replaced: " in real.err
    (key, _, answers), = _stored(ws)
    assert key.endswith("|000001") and answers["1.1"] == _answers(geometry)["1.1"]
    again = formkit("scan", "-w", ws.root, pdf)  # the print file once more: nothing new, nothing lost
    assert again.exit_code == 0 and "0 ballots counted" in again.out
    assert [k for k, _, _ in _stored(ws)] == [key]
    from formkit.ballots.summary import paper_rows
    assert paper_rows(ws)[0]["returned"] == 1  # the blank pages were not "returned" ballots


def test_empty_ballots_an_older_formkit_counted_give_way(printed, formkit, tmp_path):  # noqa: F811
    """A store and scan state as the old code left them: the print file's pages counted as 4
    responses with no answers. The next scan takes them out, and ballot 1's real page counts."""
    ws, pdf, geometry = printed
    assert formkit("scan", "-w", ws.root, pdf).exit_code == 0
    scans_path = ws.state_dir / "paper-scans.json"
    scans = json.loads(scans_path.read_text(encoding="utf-8"))
    keys = {f"hoa-thanh|{n}": f"hoa-thanh|{geometry['form_id']}|giấy|{n:06d}" for n in range(1, 5)}
    scans["counted"] = keys
    scans_path.write_text(json.dumps(scans, ensure_ascii=False), encoding="utf-8")
    with ResponseStore(ws.responses_file) as store:
        store.add([ResponseRow("hoa-thanh", geometry["form_id"], "paper", ws.template.id, ws.template.version,
                               datetime(2026, 9, 1, 9, tzinfo=VIETNAM), {}, channel="giấy", key=key)
                   for key in keys.values()], ws.template)
    assert len(_stored(ws)) == 4
    filled = _photos(pdf, geometry, tmp_path, 0, _answers(geometry), {}, random.Random(4))
    result = formkit("scan", "-w", ws.root, *filled)
    assert result.exit_code == 0, result.output
    assert "1 ballot counted" in result.out and "duplicate" not in result.err, result.output
    (key, _, answers), = _stored(ws)
    assert key == keys["hoa-thanh|1"] and answers
    db = sqlite3.connect(ws.responses_file)
    assert db.execute("SELECT count(*) FROM coded").fetchone() == (1,)
    db.close()
    report = formkit("report", "-w", ws.root, "--year", str(datetime.now(VIETNAM).year), "--format", "json",
                     "--out", tmp_path / "r")
    assert report.exit_code == 0, report.output
    assert "from 1 response" in report.out, report.out


def test_an_empty_photo_is_unreadable_and_the_batch_goes_on(printed, formkit, tmp_path):  # noqa: F811
    ws, pdf, geometry = printed
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    filled = _photos(pdf, geometry, tmp_path, 1, _answers(geometry), {}, random.Random(6))
    result = formkit("scan", "-w", ws.root, empty, *filled)
    assert result.exit_code == 0, result.output
    assert f"unreadable: {empty}: an empty file (0 bytes)" in result.err
    assert "1 ballot counted" in result.out and "Internal error" not in result.output
    assert [k.rsplit("|", 1)[1] for k, _, _ in _stored(ws)] == ["000002"]


def _env(endpoint: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "FORMKIT_LOCK_WAIT": "120", "LANGUAGE": "en"}


def test_two_ballots_runs_at_once_never_issue_the_same_serials(published_workspace):
    ws, _, base_url = published_workspace
    command = [sys.executable, "-m", "formkit", "ballots", "-w", str(ws.root), "--commune", "hoa-thanh",
               "--count", "40"]
    runs = [subprocess.Popen(command + ["--out", str(ws.root / f"out{k}")], env=_env(base_url),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for k in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    batches = json.loads((ws.state_dir / "ballots.json").read_text(encoding="utf-8"))["batches"]
    assert sorted((b["first"], b["last"]) for b in batches) == [(1, 40), (41, 80)], batches


def test_two_scans_at_once_lose_nothing_from_the_scan_state(printed, tmp_path):  # noqa: F811
    ws, pdf, geometry = printed
    base_url = os.environ["FORMKIT_GOOGLE_ENDPOINT"]
    batches = [_photos(pdf, geometry, tmp_path, k, _answers(geometry), {}, random.Random(k), name=f"s{k}-")
               for k in (0, 1)]
    runs = [subprocess.Popen([sys.executable, "-m", "formkit", "scan", "-w", str(ws.root), *map(str, files)],
                             env=_env(base_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for files in batches]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    scans = json.loads((ws.state_dir / "paper-scans.json").read_text(encoding="utf-8"))
    pages = geometry["pages_per_ballot"]
    assert len(scans["pages"]) == 2 * pages and sorted(scans["counted"]) == ["hoa-thanh|1", "hoa-thanh|2"]
    assert len(_stored(ws)) == 2


def _pdf(path: Path, pages: int) -> Path:
    canvas = Canvas(str(path), pagesize=A4)
    for n in range(pages):
        canvas.drawString(72, 760, f"Trang {n + 1}")
        canvas.showPage()
    canvas.save()
    return path


def _peak(pdf: Path) -> int:
    """Peak bytes allocated while every page of the PDF is drawn, as `scan` draws them."""
    tracemalloc.start()
    try:
        for _name, page in images_of(pdf):
            image = page() if callable(page) else page  # noqa: F841 (dropped before the next page)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_pdf_is_drawn_one_page_at_a_time(tmp_path):
    """Memory flat in the page count: 12 pages peak where 3 do (each A4 page at 200 dpi is ~3.9 MB
    of grey pixels; keeping them all would take four times as much). benchmarks/ballots.py
    --pdf-pages measures a whole `scan` of a long PDF the same way."""
    few, many = _peak(_pdf(tmp_path / "few.pdf", 3)), _peak(_pdf(tmp_path / "many.pdf", 12))
    assert many < 1.3 * few, (few, many)
    assert few < 12_000_000, few


def test_a_page_keeps_the_content_hash_scan_states_already_hold(tmp_path):
    """Hashing in pieces gives each page the hash earlier releases recorded (sha256 of the file's
    bytes and the page index), so pages read before are still known as read."""
    import hashlib

    from formkit.ballots.scan import file_hash

    path = _pdf(tmp_path / "two.pdf", 2)
    for index in (0, 1):
        page = file_hash(path).copy()
        page.update(index.to_bytes(4, "big"))
        assert page.hexdigest() == hashlib.sha256(path.read_bytes() + index.to_bytes(4, "big")).hexdigest()

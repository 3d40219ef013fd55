"""`formkit demo` end to end, and its report checked against the answers as Google keeps them."""

from __future__ import annotations

import json
import re
import stat
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo run, into a folder a previous demo left (its marker, a damaged state, a stale
    report): the run must rebuild it from nothing. The tests below check what it produced."""
    from formkit.cli import main
    from formkit.demo.run import MARKER

    out = tmp_path_factory.mktemp("demo") / "formkit-demo"
    for name, text in ((MARKER, "made by formkit demo; rebuilt on each run\n"), ("state/forms.json", "{damaged"),
                       ("output/reports/stale.pdf", "from an older run")):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    assert main(["demo", "--out", str(out)]) == 0  # its own folder: rebuilt
    assert not (out / "output" / "reports" / "stale.pdf").exists()
    return out


@pytest.mark.slow
@pytest.mark.xdist_group("demo")  # one worker runs the `demo` fixture, once
def test_demo_produces_every_artefact(demo):
    assert (demo / "state" / "forms.json").is_file()
    assert (demo / "output" / "link-forms.gs").is_file()
    assert sorted(p.name for p in (demo / "output" / "posters").glob("*.pdf")) == [
        "binh-thanh-a5-table-stand.pdf", "hoa-thanh-a5-table-stand.pdf", "nam-dong-a5-table-stand.pdf"]
    reports = demo / "output" / "reports"
    for suffix in ("pdf", "xlsx", "json"):
        assert len(list(reports.glob(f"*.{suffix}"))) == 1, suffix
    assert list(reports.rglob("*.csv"))


@pytest.mark.slow
@pytest.mark.xdist_group("demo")  # one worker runs the `demo` fixture, once
def test_call_back_lists_hold_whole_phone_numbers(demo):
    """The linked sheet keeps the phones as text (a store pulled from an older sheet has them as numbers); each
    commune's own call-back list shows them as dialled, and nothing else shows them at all."""
    import csv
    import re

    lists = list((demo / "output" / "reports").rglob("can-lien-he-lai/*.csv"))
    written = [row["Số điện thoại"] for path in lists
               for row in csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()) if row["Số điện thoại"]]
    assert written and all(re.fullmatch(r"09\d\d \d{3} \d{3}", p) for p in written), written  # Excel keeps it text
    phones = [p.replace(" ", "") for p in written]
    holders = []
    for path in demo.rglob("*"):
        if not path.is_file() or path in lists:
            continue
        text = readable_text(path)
        if any(p in text or p[1:] in text for p in phones):
            holders.append(path.relative_to(demo).as_posix())
    # Only the two databases hold them (the store and the embedded backend's), both owner-only.
    assert sorted(h for h in holders if not h.endswith(("-wal", "-shm"))) == [
        "local-google/google.sqlite", "state/responses.sqlite"], holders
    for path in [demo / h for h in holders] + lists + [demo / "local-google" / "api-token"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def readable_text(path) -> str:
    """What a reader of the file sees: a PDF's text, a workbook's cells, anything else's bytes."""
    import io
    import zipfile

    data = path.read_bytes()
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.xdist_group("demo")  # one worker runs the `demo` fixture, once
def test_demo_rebuilds_its_own_folder_and_refuses_another(demo, tmp_path):
    """Its own folder was rebuilt by the `demo` fixture's run (one demo run for this module, not
    two: the rebuild is the run whose artefacts every test here checks)."""
    from formkit.cli import main
    from formkit.demo.run import MARKER

    assert (demo / MARKER).is_file() and (demo / "state" / "forms.json").read_text(encoding="utf-8") != "{damaged"
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    assert main(["demo", "--out", str(tmp_path)]) == 2  # someone else's: refused
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.slow
@pytest.mark.xdist_group("demo")  # one worker runs the `demo` fixture, once
def test_report_agrees_with_the_answers_google_keeps(demo):
    """Recompute criterion indices straight from forms.responses.list on the demo's backend data
    (not through formkit's pull or store) and compare with the report's JSON."""
    from google.oauth2.credentials import Credentials

    from formkit.forms.state import State
    from formkit.google.client import Google
    from formkit.localserver import LocalGoogle
    from formkit.workspace.templates import load_template

    report = json.loads(next((demo / "output" / "reports").glob("*.json")).read_text(encoding="utf-8"))
    template = load_template("sipas-2640")
    state = State.load(demo / "state" / "forms.json")
    start = datetime.fromisoformat(report["period"]["start"]).replace(tzinfo=timezone(timedelta(hours=7)))
    end = (datetime.fromisoformat(report["period"]["end"]).replace(tzinfo=timezone(timedelta(hours=7)))
           + timedelta(days=1))
    counts: dict[str, Counter] = {q.id: Counter() for q in template.criteria}
    responses = 0
    with LocalGoogle(demo / "local-google" / "google.sqlite").start() as server:
        google = Google(Credentials(server.token), server.base_url)
        for _commune_id, forms in state.communes.items():
            form = forms[-1]
            ids = {record.question_id: qid for qid, record in form.questions.items()}
            for response in google.responses(form.form_id):
                moment = datetime.fromisoformat(response["lastSubmittedTime"].replace("Z", "+00:00"))
                if not start <= moment < end:
                    continue
                responses += 1
                for answer in response["answers"].values():
                    qid = ids[answer["questionId"]]
                    if qid in counts:
                        counts[qid][answer["textAnswers"]["answers"][0]["value"]] += 1
    # The paper ballots the demo scanned count too: their answers as the scanner recorded them
    # (tests/test_ballots.py checks those against the marks the simulated hand made).
    scans = json.loads((demo / "state" / "paper-scans.json").read_text(encoding="utf-8"))
    for ballot in scans["counted"]:
        responses += 1
        for key, page in scans["pages"].items():
            if key.rsplit("|", 1)[0] == ballot:
                for qid, answer in page["answers"].items():
                    if qid in counts and answer is not None:
                        counts[qid][answer] += 1
    # Four ballots: the one with a crossed-out mark waits for review; a light tick near the ink
    # threshold may too (each ballot's QR, and so each photo, differs with the workspace's secret).
    counted = len(scans["counted"])
    assert 2 <= counted <= 3
    paper = report["paper"]["ballots"]
    assert [(p["commune"], p["issued"], p["returned"], p["counted"], p["in_review"]) for p in paper] == [
        ("hoa-thanh", 4, 4, counted, 4 - counted)]
    assert {"commune": "hoa-thanh", "channel": "giấy", "responses": counted} in report["paper"]["channels"]
    assert list((demo / "output" / "reports").rglob("phieu-giay.csv"))
    assert report["responses"] == responses > 50
    for q in template.criteria:
        satisfied = counts[q.id]["Hài lòng"] + counts[q.id]["Rất hài lòng"]
        total = sum(counts[q.id].values())
        assert report["criteria"][q.id]["answers"] == total
        assert report["criteria"][q.id]["index"] == pytest.approx(100 * satisfied / total)
    # Identical answers planted in a burst by the demo are flagged, not removed.
    assert any(w["kind"] == "identical_answers" and w["count"] >= 8 for w in report["integrity"])
    # The overall question reads "… sự phục vụ của {office}?" in the template: filled wherever a
    # report prints its title (the follow-up lists), never the placeholder.
    placeholder = re.compile(r"\{(?:commune|unit|office|controller|retention)\}")
    read = [p for p in (demo / "output" / "reports").rglob("*") if p.suffix in (".csv", ".json", ".html")]
    assert len(read) > 10 and not [p.name for p in read if placeholder.search(p.read_text(encoding="utf-8-sig"))]
    assert any("sự phục vụ của Trung tâm Phục vụ hành chính công?" in p.read_text(encoding="utf-8-sig")
               for p in read if p.parent.name == "can-lien-he-lai")


@pytest.mark.parametrize("today, expected", [
    ("2026-11-24", ("2026Q3", "2026-04-01", "2026-10-01")),
    ("2027-01-05", ("2026Q4", "2026-07-01", "2027-01-01")),
    ("2026-04-01", ("2026Q1", "2025-10-01", "2026-04-01")),
])
def test_demo_reports_the_last_complete_quarter(today, expected):
    from datetime import date

    from formkit.demo.run import last_quarters

    quarter, start, end = last_quarters(date.fromisoformat(today))
    assert (quarter, start.date().isoformat(), end.date().isoformat()) == expected



@pytest.mark.slow
@pytest.mark.xdist_group("demo")  # one worker runs the `demo` fixture, once
def test_demo_shows_a_counter(demo):
    """A simulated tablet rated six dossiers through the HTTP API (one resent): six stored, channel "quầy"."""
    import sqlite3

    with sqlite3.connect(demo / "state" / "responses.sqlite") as db:
        keys = [k for (k,) in db.execute("SELECT key FROM responses WHERE channel = 'quầy'")]
    assert len(keys) == 6 and sum("|HS-" in k for k in keys) == 4
    assert (demo / "output" / "reports" / "quay").is_dir()


@pytest.mark.slow
@pytest.mark.xdist_group("demo")  # one worker runs the `demo` fixture, once
def test_demo_serve_says_the_workspace_finds_the_backend_with_no_shell_instruction(demo, monkeypatch):
    """`formkit demo --serve` tells a user (on Windows too) to use the workspace: no `export`."""
    from formkit.demo.run import _keep_serving
    from formkit.forms.state import State
    from formkit.localserver import LocalGoogle
    from formkit.workspace.config import load_workspace

    ws = load_workspace(demo)
    shown: list[str] = []

    def stop(_seconds):
        assert (ws.local_google_dir / "endpoint").is_file()  # while it serves, formkit here finds it
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", stop)
    with LocalGoogle(ws.local_google_dir / "google.sqlite", announce=True).start() as server:
        _keep_serving(server, State.load(ws.state_file), ws, shown.append)
    text = "\n".join(shown)
    assert f"formkit -w {ws.root} status" in text and "export " not in text and "$env:" not in text, text
    assert not (ws.local_google_dir / "endpoint").exists()

"""Benchmark for `formkit report`: a province's year, 1,000,000 responses over 100 communes.

    python benchmarks/report.py [--responses 1000000] [--communes 100] [--store DIR]
    python benchmarks/report.py --preview docs/report-preview.png

Writes a synthetic workspace (100 communes, 5 officers and 5 fields each) with formkit's own
files, fills its response store through ResponseStore.add (plausible answers: officers of varying
quality, a few unhappy respondents rating many criteria low, a quarter answering factor 5,
comments, phones, a few invalid answers, some evenings, one planted ballot-stuffing burst per
commune), then times, each in its own
process:
  formkit   `python -m formkit report --year 2026 --format json`
  pandas    a straightforward pandas group-by computing the same criterion indices per commune
            and overall from the same store (the baseline; needs the "bench" extra)
  part      formkit doing only what the baseline does (formkit.report.load + formkit.report.indices),
            since the report also builds the follow-up list, integrity checks and tables
and prints wall time, peak memory (the child's ru_maxrss) and responses per second, and checks
that both computed the same criterion indices. Targets (issue 4): < 10 s and < 1 GiB for the
million, and not slower than the baseline. Last, benchmarks/pull.py prints the pull side: Sheets
API calls per pull for 100 communes in one spreadsheet (target 1).

Generating the store takes a couple of minutes; --store DIR keeps it (benchmarks/out/ is ignored
by git) and reuses it on the next run. --preview renders page 1 of a small report's PDF as a PNG.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

import numpy as np  # noqa: E402

from formkit.files import atomic_write_text  # noqa: E402
from formkit.responses.store import ResponseRow, ResponseStore, scale_questions  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402
from synthetic import FIELDS, province_toml  # noqa: E402  (benchmarks/synthetic.py)

YEAR = 2026
COMMENTS = ["Cán bộ hướng dẫn nhiệt tình, dễ hiểu.", "Phòng chờ hơi nóng, đề nghị lắp thêm quạt.",
            "Thời gian chờ lâu, nên có máy bấm số thứ tự.", "Cần niêm yết rõ hơn mức phí chứng thực.",
            "Hồ sơ bị trả lại hai lần vì thiếu giấy tờ mà lần đầu không được hướng dẫn."]
STORE_NAME = "responses.sqlite"


def write_workspace(root: Path, communes: int) -> None:
    atomic_write_text(root / "formkit.toml", province_toml(communes, officers=5))


def synthetic_rows(ws, commune, n: int, rng: np.random.Generator, start: datetime, days: int) -> list[ResponseRow]:
    """n plausible responses of one commune, numpy first, then one dict of answers per response."""
    template = ws.template
    questions = scale_questions(template)
    officers = [o.id for o in commune.officers]
    # Most respondents are content; an officer-dependent few are unhappy and rate many criteria low.
    quality, unhappy_rate = rng.uniform(3.9, 4.6, len(officers)), rng.uniform(0.03, 0.12, len(officers))
    who = rng.integers(0, len(officers), n)
    mood = np.where(rng.random(n) < unhappy_rate[who], 2.7, quality[who])
    levels = np.clip(np.rint(rng.normal(mood[:, None], 0.6, (n, len(questions)))), 1, 5).astype(int)
    feedback = rng.random(n) < 0.25
    blank = rng.random((n, len(questions))) < 0.01
    # Working days (Mon–Sat) between 07:00 and 17:30, a few in the evening or on Sunday.
    day = rng.integers(0, days, n)
    second = rng.integers(7 * 3600, 17 * 3600 + 1800, n)
    late = rng.random(n) < 0.03
    second[late] = rng.integers(0, 86400, late.sum())
    times = [start + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, second)]
    times = [t if t.isoweekday() != 7 or late[k] else t + timedelta(days=1) for k, t in enumerate(times)]
    labels = {q.id: q.scale.labels for q in questions}
    rows = []
    for k in range(n):
        answers: dict[str, str] = {}
        for c, q in enumerate(questions):
            if q.id == "co-gop-y":
                answers[q.id] = "Có" if feedback[k] else "Không"
            elif q.factor == "5" and not feedback[k]:
                continue
            elif not blank[k, c]:
                answers[q.id] = labels[q.id][levels[k, c] - 1]
        if rng.random() < 0.8:
            answers["linh-vuc"] = FIELDS[k % len(FIELDS)]
        if rng.random() < 0.02:
            answers["y-kien-khac"] = COMMENTS[k % len(COMMENTS)]
            if rng.random() < 0.4:
                answers["so-dien-thoai"] = f"09{rng.integers(10_000_000, 99_999_999)}"
        if rng.random() < 0.0005:
            answers["1.1"] = "Tàm tạm"
        rows.append(ResponseRow(commune.id, f"form-{commune.id}", "api", template.id, template.version, times[k],
                                answers, officers[who[k]] if rng.random() < 0.9 else None))
    # One burst of identical answers for one officer (what the integrity check should flag).
    burst = {q.id: labels[q.id][-1] for q in questions if q.factor != "5" and q.id != "co-gop-y"}
    burst["co-gop-y"] = "Không"
    moment = start + timedelta(days=40, hours=9)
    rows += [ResponseRow(commune.id, f"form-{commune.id}", "api", template.id, template.version,
                         moment + timedelta(seconds=90 * i), dict(burst), officers[0]) for i in range(6)]
    return rows


def fill_store(root: Path, responses: int, communes: int) -> Path:
    write_workspace(root, communes)
    ws = load_workspace(root)
    path = ws.state_dir / STORE_NAME
    rng = np.random.default_rng(2026)
    per = responses // communes
    started = time.perf_counter()
    with ResponseStore(path) as store:
        for i, commune in enumerate(ws.communes):
            n = per + (responses - per * communes if i == 0 else 0) - 6  # 6: the planted burst
            store.add(synthetic_rows(ws, commune, n, rng, datetime(YEAR, 1, 1), 365), ws.template)
            if (i + 1) % 10 == 0:
                print(f"  {i + 1}/{communes} communes stored ({time.perf_counter() - started:.0f} s)", flush=True)
        total = store.count()
    print(f"store: {total:,} responses in {path} ({path.stat().st_size / 2**20:.0f} MiB), "
          f"generated in {time.perf_counter() - started:.0f} s")
    return path


def timed(command: list[str]) -> tuple[float, float]:
    """Run a child process; its wall time (s) and peak resident memory (MiB)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command[:4])} …")
    return wall, usage.ru_maxrss / 1024


def baseline(workspace: Path, out: Path) -> None:
    """The pandas way: read the coded rows, one column per criterion, group by commune."""
    import sqlite3

    import pandas as pd

    ws = load_workspace(workspace, check_photos=False)
    template = ws.template
    coded = scale_questions(template)
    criteria = template.criteria
    columns = [coded.index(q) for q in criteria]
    with sqlite3.connect(ws.state_dir / STORE_NAME) as db:
        frame = pd.read_sql_query(
            "SELECT commune_id, codes FROM coded WHERE template = ? AND submitted >= ? AND submitted < ?",
            db, params=(template.id, f"{YEAR}-01-01 00:00:00", f"{YEAR + 1}-01-01 00:00:00"))
    codes = np.frombuffer(b"".join(frame["codes"]), np.uint8).reshape(len(frame), -1)
    answers = pd.DataFrame(codes[:, columns], columns=[q.id for q in criteria])
    for section in template.sections:  # factor 5: only those whose gate answer is the condition
        if section.ask_if:
            gate = template.question(section.ask_if.question)
            skipped = codes[:, coded.index(gate)] != gate.scale.labels.index(section.ask_if.answer) + 1
            inside = [q.id for q in section.questions if q.is_criterion]
            answers.loc[skipped, inside] = 0
    satisfied = pd.DataFrame({q.id: answers[q.id].isin([k for k, o in enumerate(q.scale.options, 1) if o.satisfied])
                              for q in criteria})
    scored = pd.DataFrame({q.id: answers[q.id].isin([k for k, o in enumerate(q.scale.options, 1) if o.score is not None])
                           for q in criteria})
    by_commune = 100 * satisfied.groupby(frame["commune_id"]).sum() / scored.groupby(frame["commune_id"]).sum()
    overall = 100 * satisfied.sum() / scored.sum()
    result = {"criteria": overall.to_dict(), "communes": by_commune.to_dict(orient="index")}
    out.write_text(json.dumps(result), encoding="utf-8")


def indices_only(workspace: Path, out: Path) -> None:
    """formkit's part of the work that the baseline does: read the store, tally, criterion indices
    per commune and overall (formkit.report.load + formkit.report.indices)."""
    from formkit.report import indices
    from formkit.report import load

    ws = load_workspace(workspace, check_photos=False)
    with ResponseStore(ws.state_dir / STORE_NAME) as store:
        resp = load.load(store, ws.template, f"{YEAR}-01-01 00:00:00", f"{YEAR + 1}-01-01 00:00:00")
    scoring = indices.Scoring.from_template(ws.template)
    per_commune = indices.compute(indices.tally(scoring.bins(resp.codes), resp.commune, len(resp.communes),
                                                scoring.width), scoring)
    overall = indices.compute(per_commune.counts.sum(axis=0, keepdims=True), scoring)
    ids = [q.id for q in scoring.criteria]
    result = {"criteria": dict(zip(ids, overall.criterion[0].tolist())),
              "communes": {c: dict(zip(ids, per_commune.criterion[k].tolist())) for k, c in enumerate(resp.communes)}}
    out.write_text(json.dumps(result), encoding="utf-8")


def compare(ours: dict, theirs: dict) -> str:
    worst = max(abs(ours["criteria"][cid]["index"] - value) for cid, value in theirs["criteria"].items())
    factor_of = {cid: c["factor"] for cid, c in ours["criteria"].items()}
    for commune in ours["communes"]:
        by_factor: dict[str, list[float]] = {}
        for cid, value in theirs["communes"][commune["id"]].items():
            by_factor.setdefault(factor_of[cid], []).append(value)
        sipas = np.mean([np.mean(v) for v in by_factor.values()])
        worst = max(worst, abs(commune["sipas"] - sipas))
    return f"largest difference between formkit and pandas: {worst:.2e} (criteria and commune indices)"


def preview(png: Path) -> None:
    """Page 1 of a report on a small synthetic province (12 communes, 6,000 responses)."""
    import pypdfium2

    from formkit.report import build_report, parse_period, write_report

    with tempfile.TemporaryDirectory() as tmp:
        path = fill_store(Path(tmp) / "workspace", 6000, 12)
        ws = load_workspace(Path(tmp) / "workspace", check_photos=False)
        with ResponseStore(path) as store:
            report = build_report(ws, store, parse_period(quarter=f"{YEAR}Q3"))
        pdf_path = write_report(report, ("pdf",), Path(tmp) / "out")[0]
        page = pypdfium2.PdfDocument(str(pdf_path))[0]
        page.render(scale=150 / 72).to_pil().convert("RGB").save(png, optimize=True)
    print(f"wrote {png}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--store", type=Path, help="keep the generated workspace and store here and reuse it")
    parser.add_argument("--preview", type=Path, help="write a PNG of a report's first page and stop")
    parser.add_argument("--baseline-only", type=Path, nargs=2, metavar=("WORKSPACE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--indices-only", type=Path, nargs=2, metavar=("WORKSPACE", "OUT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.baseline_only:
        baseline(*options.baseline_only)
        return
    if options.indices_only:
        indices_only(*options.indices_only)
        return
    if options.preview:
        preview(options.preview)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = options.store or Path(tmp) / "workspace"
        if not (root / "state" / STORE_NAME).exists():
            fill_store(root, options.responses, options.communes)
        with ResponseStore(root / "state" / STORE_NAME) as store:
            n = store.count()
        out = Path(tmp) / "reports"
        how = "python -m formkit report --year 2026 --format json"
        command = [sys.executable, "-m", "formkit", "report", "-w", str(root), "--year", str(YEAR),
                   "--format", "json", "--out", str(out)]
        wall, peak = timed(command)
        print(f"formkit  ({how}): {wall:6.2f} s, peak {peak:7.0f} MiB, {n / wall:12,.0f} responses/s")
        theirs = Path(tmp) / "pandas.json"
        base_wall, base_peak = timed([sys.executable, __file__, "--baseline-only", str(root), str(theirs)])
        print(f"pandas   (read_sql + isin + groupby):      {base_wall:6.2f} s, peak {base_peak:7.0f} MiB, "
              f"{n / base_wall:12,.0f} responses/s")
        same_work = Path(tmp) / "indices.json"
        part_wall, part_peak = timed([sys.executable, __file__, "--indices-only", str(root), str(same_work)])
        print(f"formkit  (the baseline's part: load + tally):  {part_wall:6.2f} s, peak {part_peak:7.0f} MiB, "
              f"{n / part_wall:12,.0f} responses/s")
        ours = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
        theirs = json.loads(theirs.read_text(encoding="utf-8"))
        print(compare(ours, theirs))
        part = json.loads(same_work.read_text(encoding="utf-8"))
        worst = max(abs(part["communes"][c][k] - v) for c, row in theirs["communes"].items() for k, v in row.items())
        print(f"largest difference between formkit.report.indices and pandas per commune and criterion: {worst:.2e}")
        print(f"targets: < 10 s {'OK' if wall < 10 else 'MISSED'}; < 1 GiB {'OK' if peak < 1024 else 'MISSED'}; "
              f"not slower than pandas: whole report {'OK' if wall <= base_wall else 'MISSED'}, "
              f"the same work {'OK' if part_wall <= base_wall else 'MISSED'}")
    # The pull side: Sheets API calls per pull for 100 communes in one spreadsheet (target 1).
    print("pull (benchmarks/pull.py, 100 communes in one spreadsheet):", flush=True)
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pull.py"), "--communes", "100"], check=True)


if __name__ == "__main__":
    main()

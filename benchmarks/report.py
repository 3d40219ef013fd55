"""Benchmark for `formkit report`: a province's year, 1,000,000 responses over 100 communes.

    python benchmarks/report.py [--responses 1000000] [--communes 100] [--store DIR] [--all-formats]
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
  DuckDB    the same indices in SQL (its SQLite scanner cannot be installed here: the rows come
            from sqlite3 as for pandas, then DuckDB aggregates them as an Arrow table)
and prints wall time, CPU time, peak memory (the child's ru_maxrss), responses per second and the
ratios, and checks that all computed the same criterion indices. Targets (issue 13): JSON at 1M
faster than pandas and within 2x of DuckDB; 10M / 3,321 communes under 20 s and 1.5 GiB
(`--responses 10000000 --communes 3321`); every format at 1M under 20 s (`--all-formats`).

Generating the store takes minutes (the 10M one long); it is kept in benchmarks/out/report-N-C/
(ignored by git) and reused. --preview renders page 1 of a small report's PDF as a PNG.
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
from synthetic import FIELDS, province_toml  # noqa: E402  (benchmarks/synthetic.py)

from formkit.files import atomic_write_text  # noqa: E402
from formkit.responses.coding import scale_questions  # noqa: E402
from formkit.responses.store import ResponseRow, ResponseStore  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402

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
    times = [start + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, second, strict=True)]
    times = [t if t.isoweekday() != 7 or late[k] else t + timedelta(days=1) for k, t in enumerate(times)]
    labels = {q.id: q.fixed_options for q in questions}
    rows = []
    for k in range(n):
        answers: dict[str, str] = {}
        for c, q in enumerate(questions):
            if q.id == "co-gop-y":
                answers[q.id] = "Có" if feedback[k] else "Không"
            elif q.role == "consent":  # asked after a comment; "Đồng ý" only with the phone, below
                continue
            elif q.factor == "5" and not feedback[k]:
                continue
            elif not blank[k, c]:
                answers[q.id] = labels[q.id][levels[k, c] - 1]
        if rng.random() < 0.8:
            answers["linh-vuc"] = FIELDS[k % len(FIELDS)]
        if rng.random() < 0.02:
            answers["y-kien-khac"] = COMMENTS[k % len(COMMENTS)]
            consent = template.phone_consent
            if rng.random() < 0.4 and consent is not None:  # a phone only after explicit consent (sipas-2640 v2)
                answers[consent.question] = consent.answer
                answers["so-dien-thoai"] = f"09{rng.integers(10_000_000, 99_999_999)}"
        if rng.random() < 0.0005:
            answers["1.1"] = "Tàm tạm"
        rows.append(ResponseRow(commune.id, f"form-{commune.id}", "api", template.id, template.version, times[k],
                                answers, officers[who[k]] if rng.random() < 0.9 else None))
    # One burst of identical answers for one officer (what the integrity check should flag).
    burst = {q.id: labels[q.id][-1] for q in questions
             if q.factor != "5" and q.id != "co-gop-y" and q.role != "consent"}
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


def prepare(root: Path, responses: int, communes: int) -> int:
    if not (root / "state" / STORE_NAME).exists():
        fill_store(root, responses, communes)
    started = time.perf_counter()
    with ResponseStore(root / "state" / STORE_NAME) as store:
        n = store.count()
        store.columns()  # made, merged or checked once here, so each timed run reads it as a report usually does
    print(f"store: {n:,} responses, {communes} communes ({root}); columnar copy ready in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    return n


def timed(command: list[str]) -> tuple[float, float, float]:
    """Run a child process; its wall time (s), peak resident memory (MiB) and CPU time (s: user +
    system, what the machine's other load changes least)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command[:4])} …")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _gated_codes(template, codes: np.ndarray) -> np.ndarray:
    """The criteria's codes, 0 where the section's gate says it did not apply (both baselines)."""
    coded = scale_questions(template)
    out = codes[:, [coded.index(q) for q in template.criteria]].copy()
    for section in template.sections:
        if section.ask_if:
            gate = template.question(section.ask_if.question)
            skipped = codes[:, coded.index(gate)] != gate.scale.labels.index(section.ask_if.answer) + 1
            for q in section.questions:
                if q.is_criterion:
                    out[skipped, template.criteria.index(q)] = 0
    return out


def duckdb_baseline(workspace: Path, out: Path) -> None:
    """DuckDB computing the same criterion indices per commune and overall with SQL. Its SQLite
    scanner cannot be installed here (no extension download), so the rows come from sqlite3 the
    way the pandas baseline reads them, and DuckDB aggregates them as an Arrow table."""
    import sqlite3

    import duckdb
    import pyarrow as pa

    ws = load_workspace(workspace, check_photos=False)
    template = ws.template
    with sqlite3.connect(ws.state_dir / STORE_NAME) as db:
        rows = db.execute("SELECT commune_id, codes FROM coded WHERE template = ? AND submitted >= ? AND submitted < ?",
                          (template.id, f"{YEAR}-01-01 00:00:00", f"{YEAR + 1}-01-01 00:00:00")).fetchall()
    communes, blobs = zip(*rows, strict=True)
    codes = _gated_codes(template, np.frombuffer(b"".join(blobs), np.uint8).reshape(len(rows), -1))
    table = pa.table({"commune": pa.array(communes), **{f"c{k}": codes[:, k] for k in range(codes.shape[1])}})
    sums = []
    for k, q in enumerate(template.criteria):
        good = ",".join(str(i) for i, o in enumerate(q.scale_options, 1) if o.satisfied)
        scored = ",".join(str(i) for i, o in enumerate(q.scale_options, 1) if o.score is not None)
        sums.append(f"sum((c{k} IN ({good}))::INT) AS s{k}, sum((c{k} IN ({scored}))::INT) AS n{k}")
    con = duckdb.connect()
    con.register("answers", table)
    per = con.execute(f"SELECT commune, {', '.join(sums)} FROM answers GROUP BY commune").fetchall()
    ids = [q.id for q in template.criteria]
    result: dict = {"communes": {}, "criteria": {}}
    totals = np.zeros((2, len(ids)))
    for commune, *values in per:
        s, n = np.array(values[0::2], float), np.array(values[1::2], float)
        totals += (s, n)
        result["communes"][commune] = dict(zip(ids, (100 * s / n).tolist(), strict=True))
    result["criteria"] = dict(zip(ids, (100 * totals[0] / totals[1]).tolist(), strict=True))
    out.write_text(json.dumps(result), encoding="utf-8")


def baseline(workspace: Path, out: Path) -> None:
    """The pandas way: read the coded rows, one column per criterion, group by commune."""
    import sqlite3

    import pandas as pd

    ws = load_workspace(workspace, check_photos=False)
    template = ws.template
    criteria = template.criteria
    with sqlite3.connect(ws.state_dir / STORE_NAME) as db:
        frame = pd.read_sql_query(
            "SELECT commune_id, codes FROM coded WHERE template = ? AND submitted >= ? AND submitted < ?",
            db, params=(template.id, f"{YEAR}-01-01 00:00:00", f"{YEAR + 1}-01-01 00:00:00"))
    codes = np.frombuffer(b"".join(frame["codes"]), np.uint8).reshape(len(frame), -1)
    answers = pd.DataFrame(_gated_codes(template, codes), columns=[q.id for q in criteria])
    satisfied = pd.DataFrame({q.id: answers[q.id].isin([k for k, o in enumerate(q.scale_options, 1) if o.satisfied])
                              for q in criteria})
    scored = pd.DataFrame({q.id: answers[q.id].isin([k for k, o in enumerate(q.scale_options, 1)
                                                     if o.score is not None])
                           for q in criteria})
    by_commune = 100 * satisfied.groupby(frame["commune_id"]).sum() / scored.groupby(frame["commune_id"]).sum()
    overall = 100 * satisfied.sum() / scored.sum()
    result = {"criteria": overall.to_dict(), "communes": by_commune.to_dict(orient="index")}
    out.write_text(json.dumps(result), encoding="utf-8")


def indices_only(workspace: Path, out: Path) -> None:
    """formkit's part of the work that the baseline does: read the store, tally, criterion indices
    per commune and overall (formkit.report.load + formkit.report.indices)."""
    from formkit.report import indices, load

    ws = load_workspace(workspace, check_photos=False)
    with ResponseStore(ws.state_dir / STORE_NAME) as store:
        resp = load.load(store, ws.template, f"{YEAR}-01-01 00:00:00", f"{YEAR + 1}-01-01 00:00:00")
    scoring = indices.Scoring.from_template(ws.template)
    per_commune = indices.compute(indices.tally(scoring.bins(resp.codes), resp.commune, len(resp.communes),
                                                scoring.width), scoring)
    overall = indices.compute(per_commune.counts.sum(axis=0, keepdims=True), scoring)
    ids = [q.id for q in scoring.criteria]
    result = {"criteria": dict(zip(ids, overall.criterion[0].tolist(), strict=True)),
              "communes": {c: dict(zip(ids, per_commune.criterion[k].tolist(), strict=True))
                           for k, c in enumerate(resp.communes)}}
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


def _line(name: str, wall: float, peak: float, cpu: float, n: int, against: tuple[float, float] | None = None) -> str:
    text = f"{name:<44} {wall:7.2f} s wall, {cpu:7.2f} s CPU, peak {peak:7.0f} MiB, {n / wall:10,.0f} responses/s"
    if against:
        text += f"  (ratio formkit/this: wall {against[0] / wall:.2f}, CPU {against[1] / cpu:.2f})"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--store", type=Path, help="the workspace and store (default benchmarks/out/report-N-C/, "
                                                   "generated once and reused)")
    parser.add_argument("--all-formats", action="store_true", help="also time pdf,docx,xlsx,csv,json together")
    parser.add_argument("--preview", type=Path, help="write a PNG of a report's first page and stop")
    parser.add_argument("--baseline-only", type=Path, nargs=2, metavar=("WORKSPACE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--duckdb-only", type=Path, nargs=2, metavar=("WORKSPACE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare-only", type=Path, metavar="COUNT_FILE", help=argparse.SUPPRESS)
    parser.add_argument("--indices-only", type=Path, nargs=2, metavar=("WORKSPACE", "OUT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    for flag, run in (("baseline_only", baseline), ("duckdb_only", duckdb_baseline), ("indices_only", indices_only)):
        if getattr(options, flag):
            run(*getattr(options, flag))
            return
    if options.preview:
        preview(options.preview)
        return
    root = options.store or ROOT / "benchmarks" / "out" / f"report-{options.responses}-{options.communes}"
    if options.prepare_only:
        options.prepare_only.write_text(str(prepare(root, options.responses, options.communes)))
        return
    # In a process of its own: a peak resident size survives fork and exec, so a parent grown by
    # generating the store (or rebuilding its columnar copy) would lend its peak to every child.
    with tempfile.TemporaryDirectory() as tmp:
        count = Path(tmp) / "count"  # the child counted the store: a count of 10M rows reads it all
        subprocess.run([sys.executable, __file__, "--prepare-only", str(count), "--store", str(root), "--responses",
                        str(options.responses), "--communes", str(options.communes)], check=True)
        n = int(count.read_text())
        out = Path(tmp) / "reports"
        command = [sys.executable, "-m", "formkit", "report", "-w", str(root), "--year", str(YEAR), "--out", str(out)]
        wall, peak, cpu = timed([*command, "--format", "json"])
        print(_line("formkit report --format json", wall, peak, cpu, n), flush=True)
        theirs = Path(tmp) / "pandas.json"
        base = timed([sys.executable, __file__, "--baseline-only", str(root), str(theirs)])
        print(_line("pandas (read_sql + isin + groupby)", *base, n, (wall, cpu)), flush=True)
        duck_out = Path(tmp) / "duckdb.json"
        duck = timed([sys.executable, __file__, "--duckdb-only", str(root), str(duck_out)])
        print(_line("DuckDB (sqlite3 rows -> Arrow -> SQL)", *duck, n, (wall, cpu)), flush=True)
        same_work = Path(tmp) / "indices.json"
        part = timed([sys.executable, __file__, "--indices-only", str(root), str(same_work)])
        print(_line("formkit, the baselines' part (load + tally)", *part, n), flush=True)
        ours = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
        print(compare(ours, json.loads(theirs.read_text(encoding="utf-8"))))
        print(compare(ours, json.loads(duck_out.read_text(encoding="utf-8"))).replace("pandas", "DuckDB"))
        every = None
        if options.all_formats:
            every = timed([*command, "--format", "pdf,docx,xlsx,csv,json"])
            print(_line("formkit report, every format", *every, n), flush=True)
    ok = {True: "OK", False: "MISSED"}
    print(f"targets: JSON faster than pandas {ok[wall < base[0]]} (wall ratio {wall / base[0]:.2f}, "
          f"CPU ratio {cpu / base[2]:.2f}); within 2x of DuckDB {ok[wall <= 2 * duck[0]]} "
          f"(wall ratio {wall / duck[0]:.2f}, CPU ratio {cpu / duck[2]:.2f})")
    if n >= 5_000_000:
        print(f"targets at {n:,}: < 20 s {ok[wall < 20]}; < 1.5 GiB {ok[peak < 1536]}")
    if every:
        print(f"target every format: < 20 s {ok[every[0] < 20]} (CPU {every[2]:.1f} s)")


if __name__ == "__main__":
    main()

"""Benchmark for the PDF's follow-up list (issue 22): one commune's report whose list has 2,000,
20,000 and 80,000 entries, laid out in full ([report] follow_up_listed raised above them).

    python benchmarks/followup_pdf.py [--sizes 2000,20000,80000] [--docx]

Writes a synthetic one-commune workspace (benchmarks/synthetic.py), fills a store in memory with
that many responses of benchmarks/report.py's answers, each with a comment (so each is on the
list), builds the report once per size and times only the writer (pdf_out.render; --docx also
docx_out.render). Prints CPU and wall seconds per 1,000 entries and pages at each size, and the
ratio of the slowest to the fastest per-1,000 CPU figure (target: flat within 1.5×; CPU time,
since on a shared machine the wall clock mostly measures the neighbours). Before the list was laid
out a page at a time, 16,781 entries took 46 s (1,469 pages) and grew faster than the list.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

import numpy as np  # noqa: E402
from report import COMMENTS, YEAR, synthetic_rows  # noqa: E402  (benchmarks/report.py)
from synthetic import province_toml  # noqa: E402

from formkit.files import atomic_write_text  # noqa: E402
from formkit.report import build_report, parse_period  # noqa: E402
from formkit.responses.store import ResponseStore  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402


def report_of(root: Path, entries: int):
    ws = load_workspace(root, check_photos=False)
    commune = ws.communes[0]
    rows = synthetic_rows(ws, commune, entries - 6, np.random.default_rng(2026), datetime(YEAR, 1, 1), 365)
    for k, row in enumerate(rows):
        row.answers["y-kien-khac"] = COMMENTS[k % len(COMMENTS)]  # every response on the list
    store = ResponseStore(":memory:")
    store.add(rows, ws.template)
    report = build_report(ws, store, parse_period(year=str(YEAR)), commune_ids=(commune.id,), today=date(2026, 12, 7))
    signing = dataclasses.replace(report.signing, follow_up_listed=10**6)  # the whole list, to measure it
    return dataclasses.replace(report, signing=signing)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000,80000")
    parser.add_argument("--docx", action="store_true", help="also time the DOCX writer")
    options = parser.parse_args()
    from pypdf import PdfReader

    from formkit.report import docx_out, pdf_out

    per_thousand: dict[str, list[float]] = {"pdf": [], "docx": []}
    totals: dict[str, list[tuple[int, float]]] = {"pdf": [], "docx": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        atomic_write_text(root / "formkit.toml", province_toml(1, officers=5))
        for size in (int(s) for s in options.sizes.split(",")):
            report = report_of(root, size)
            listed = len(report.follow_up)
            started, cpu = time.perf_counter(), time.process_time()
            pdf = pdf_out.render(report)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            (root / "list.pdf").write_bytes(pdf)
            pages = len(PdfReader(root / "list.pdf").pages)
            per_thousand["pdf"].append(cpu / listed * 1000)
            totals["pdf"].append((listed, cpu))
            line = (f"{listed:>7,} entries: PDF {cpu:7.2f} s CPU ({seconds:7.2f} s wall), {pages:5,} pages, "
                    f"{cpu / listed * 1000:5.3f} s CPU per 1,000 entries")
            if options.docx:
                cpu = time.process_time()
                docx_out.render(report)
                docx = time.process_time() - cpu
                per_thousand["docx"].append(docx / listed * 1000)
                totals["docx"].append((listed, docx))
                line += f"; DOCX {docx:7.2f} s CPU, {docx / listed * 1000:5.3f} s per 1,000"
            print(line, flush=True)
    for name, figures in per_thousand.items():
        if figures:
            ratio = max(figures) / min(figures)
            # Between sizes: what each further 1,000 entries cost (the fixed part, charts and
            # tables before the list, left out; the DOCX's is most of a small report).
            steps = [(b[1] - a[1]) / (b[0] - a[0]) * 1000 for a, b in zip(totals[name], totals[name][1:], strict=False)]
            marginal = max(steps) / min(steps) if len(steps) > 1 and min(steps) > 0 else float("nan")
            verdict = (f"target ≤ 1.5: {'OK' if ratio <= 1.5 else 'MISSED'}" if name == "pdf"
                       else "no target: a small report's fixed part dominates")
            print(f"{name.upper()} CPU per 1,000 entries, slowest ÷ fastest: {ratio:.2f} "
                  f"({verdict}); each further 1,000: "
                  f"{', '.join(f'{x:.3f} s' for x in steps)} (slowest ÷ fastest {marginal:.2f})")


if __name__ == "__main__":
    main()

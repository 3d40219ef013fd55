"""Benchmark for `formkit report --from-csv`: one commune's sheet downloaded as a 50 MB CSV.

    python benchmarks/from_csv.py [--megabytes 50] [--formats json] [--store DIR]
    python benchmarks/from_csv.py --rows 80000 --formats pdf,docx,xlsx,csv,json

Writes a synthetic workspace (benchmarks/synthetic.py) and a Google Sheets CSV export of its first
commune (Vietnamese headers as the form was created, day-first times, officer labels as the
dropdown shows them; the answers of benchmarks/report.py) of the size asked, then times
`python -m formkit report --from-csv FILE --year 2026` in its own process, prints wall time and
peak memory (the child's ru_maxrss) and the target (issue 13: under 30 s and 1 GiB; issue 22: an
80,000-row export in every format under 30 s). The export is kept in benchmarks/out/ (or --store
DIR) and reused.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

import numpy as np  # noqa: E402
from report import YEAR, synthetic_rows, timed, write_workspace  # noqa: E402  (benchmarks/report.py)

from formkit.responses.columns import FormShape  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402


def write_export(root: Path, megabytes: float, rows: int | None = None) -> Path:
    """The first commune's answers as Google's CSV export, until the file holds `megabytes` (or
    `rows` responses)."""
    write_workspace(root, communes=3)
    ws = load_workspace(root, check_photos=False)
    commune = ws.communes[0]
    shape = FormShape.from_workspace(commune, ws.unit, ws.template, "csv")
    labels = {oid: label for label, oid in shape.officers.items()}
    officer_q = ws.template.by_role("officer")
    ids = list(shape.titles)
    path = root / "downloads" / "Khảo sát (Câu trả lời) - Câu trả lời biểu mẫu 1.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2026)
    limit = megabytes * 2**20
    written = 0

    def full(handle) -> bool:
        return written >= rows if rows is not None else handle.tell() >= limit

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["Dấu thời gian", *(shape.titles[q] for q in ids)])
        while not full(handle):
            for row in synthetic_rows(ws, commune, 5000, rng, datetime(YEAR, 1, 1), 365):
                answers = dict(row.answers)
                if officer_q is not None and row.officer_id:
                    answers[officer_q.id] = labels[row.officer_id]
                writer.writerow([f"{row.submitted.day}/{row.submitted.month}/{row.submitted.year} "
                                 f"{row.submitted:%H:%M:%S}", *(answers.get(q, "") for q in ids)])
                written += 1
                if full(handle):
                    break
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--rows", type=int, help="write this many responses instead of --megabytes")
    parser.add_argument("--formats", default="json", help="report formats, e.g. json or pdf,xlsx,csv,json")
    parser.add_argument("--store", type=Path, help="keep the workspace and export here (default benchmarks/out/)")
    options = parser.parse_args()
    size = f"{options.rows}-rows" if options.rows else f"{options.megabytes:g}mb"
    root = options.store or ROOT / "benchmarks" / "out" / f"from-csv-{size}"
    exports = list((root / "downloads").glob("*.csv")) if (root / "downloads").is_dir() else []
    export = exports[0] if exports else write_export(root, options.megabytes, options.rows)
    with open(export, encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    print(f"export: {export.stat().st_size / 2**20:.1f} MB, {rows:,} responses ({export.name})")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "reports"
        command = [sys.executable, "-m", "formkit", "report", "-w", str(root), "--from-csv", str(export),
                   "--commune", load_workspace(root, check_photos=False).communes[0].id, "--year", str(YEAR),
                   "--format", options.formats, "--out", str(out)]
        wall, peak, cpu = timed(command)
        document = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8")) if "json" in options.formats else {}
    print(f"formkit report --from-csv ({options.formats}): {wall:6.2f} s wall, {cpu:6.2f} s CPU, peak {peak:6.0f} MiB, "
          f"{rows / wall:9,.0f} rows/s" + (f"; {document['responses']:,} responses in the report" if document else ""))
    print(f"targets: < 30 s {'OK' if wall < 30 else 'MISSED'}; < 1 GiB {'OK' if peak < 1024 else 'MISSED'}")


if __name__ == "__main__":
    main()

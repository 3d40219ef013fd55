"""Writing a report in the formats asked for; every file is written atomically."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from .model import Report

FORMATS = ("pdf", "xlsx", "csv", "json")


def write_report(report: Report, formats=FORMATS, out_dir: Path | None = None) -> list[Path]:
    """Write the report; returns every file written (CSV: one per table, and one follow-up list per commune)."""
    formats = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise UsageError(f"unknown report format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    if out_dir is None:
        raise UsageError("write_report needs out_dir (formkit report uses <workspace>/output/reports)")
    out_dir = Path(out_dir)
    paths: list[Path] = []
    for name in FORMATS:
        if name not in formats:
            continue
        if name == "json":
            from .json_out import write_json
            paths.append(write_json(report, out_dir))
        elif name == "csv":
            from .csv_out import write_csv
            paths += write_csv(report, out_dir)
        elif name == "xlsx":
            from .xlsx_out import write_xlsx
            paths.append(write_xlsx(report, out_dir))
        elif name == "pdf":
            from .pdf_out import write_pdf
            paths.append(write_pdf(report, out_dir))
    return paths

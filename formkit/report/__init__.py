"""`formkit report`: satisfaction indices and the quarterly report, from the local response store.

    period = parse_period(quarter="2026Q3")
    report = build_report(ws, store, period, commune_ids=(), dossiers=None)
    paths = write_report(report, formats=("pdf", "xlsx", "csv", "json"), out_dir=ws.output_dir / "reports")

Modules: period (which days), load (store -> numpy), indices (the arithmetic), model (the typed
report model and its JSON), build (assembles the model), integrity, followup, participation,
tables (the tables every format shares), and one writer per format (json_out, csv_out, xlsx_out, pdf_out with charts).
"""

from .build import build_report
from .integrity import IntegrityRules
from .model import Report
from .period import Period, parse_period
from .write import FORMATS, write_report

__all__ = ["FORMATS", "IntegrityRules", "Period", "Report", "build_report", "parse_period", "write_report"]

"""`formkit report`: satisfaction indices and the quarterly report, from the local response store.

    period = parse_period(quarter="2026Q3")
    report = build_report(ws, store, period, commune_ids=(), dossiers=None)
    paths = write_report(report, formats=("pdf", "xlsx", "csv", "json"), out_dir=ws.output_dir / "reports")

Modules, in the order they import each other (load → build → model → writers):
  load (the store's rows -> numpy), indices (the arithmetic), groups, integrity, anomalies,
  participation, followup_pick (who goes on the follow-up list), build (assembles the model);
  model (the typed report model and its JSON): a leaf but for its value types — period (which
  days; every conversion of days to the store's text, seconds and words), followup (the
  follow-up list) and privacy (masking phones);
  the writers: labels (names a reader sees), content and tables (what every format shares),
  page (A4 geometry for the PDF and the DOCX), one writer per format (json_out, csv_out,
  xlsx_out, pdf_out and docx_out with charts), write (the set, atomically: WRITERS, one per format);
  make (`formkit report` as one call: which store, the report, what the store holds).
"""

from .build import build_report
from .integrity import IntegrityRules
from .make import Made, make_report
from .model import Report
from .period import Period, parse_period
from .write import FORMATS, WRITERS, parse_formats, write_report

__all__ = ["FORMATS", "WRITERS", "IntegrityRules", "Made", "Period", "Report", "build_report", "make_report",
           "parse_formats", "parse_period", "write_report"]

"""Paper statistics for the report, as plain rows (the report's writers turn them into tables).

Per commune: ballots issued (the register), returned (a marked page of it was read), counted (in the
response store), waiting for a person (a question in review, or a page unreadable or
not scanned yet), rejected pages (bad check value, serial never issued),
duplicate pages (photocopies, second photos) — and an integrity warning when returned ballots fall
well short of issued ones: ballots handed out and never seen again are how paper results get
swapped. Also responses per channel per commune, from the store (responses/queries.py).
"""

from __future__ import annotations

from ..responses.queries import channel_rows
from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from .register import Register
from .scan import ScanState, marked

SHORT_SHARE = 0.8  # fewer returned than this share of issued: a warning
SHORT_MIN = 20  # … once at least this many were issued


def paper_rows(ws: Workspace) -> list[dict]:
    register = Register.load(ws.state_dir)
    scans = ScanState.load(ws)
    returned: dict[str, set[str]] = {}
    for key, page in scans.pages.items():
        if marked(page):  # an unmarked page is a blank print scanned by mistake, or a ballot no one filled in
            commune, serial, _ = key.split("|")
            returned.setdefault(commune, set()).add(serial)
    # Waiting for a person: a question in review, or a page still unread (its photo unreadable,
    # or not scanned yet): every ballot returned is counted or waiting, never silently lost.
    waiting = {key.rsplit("|", 1)[0] for key, _, _ in scans.in_review()}
    waiting |= {f"{commune}|{serial}" for commune, serials in returned.items() for serial in serials} \
        - set(scans.counted)
    rows = []
    for commune in sorted({b.commune for b in register.batches}):
        rows.append({
            "commune": commune,
            "issued": register.issued(commune),
            "returned": len(returned.get(commune, ())),
            "counted": sum(1 for ballot in scans.counted if ballot.split("|")[0] == commune),
            "in_review": sum(1 for ballot in waiting if ballot.split("|")[0] == commune),
            "rejected": sum(1 for r in scans.rejected if r["ballot"].split(" ")[0] == commune),
            "duplicates": sum(1 for d in scans.duplicates if d["ballot"].split(" ")[0] == commune),
        })
    return rows


def paper_warning(row: dict) -> str:
    """The swap-and-discard pattern: many ballots handed out, few seen again."""
    if row["issued"] < SHORT_MIN or row["returned"] >= SHORT_SHARE * row["issued"]:
        return ""
    return (f"chỉ thu về {row['returned']}/{row['issued']} phiếu giấy đã phát "
            f"({100 * row['returned'] / row['issued']:.0f} %): kiểm tra việc phát, thu và niêm phong thùng phiếu")


def paper_section(ws: Workspace, store: ResponseStore, bounds: tuple[str, str], names: dict[str, str],
                  template: str | None = None) -> dict | None:
    """The report's "paper" part, or None for a workspace that never issued a ballot (its report
    stays as it was). The short-return warnings take the shape of the report's integrity warnings."""
    rows = [{"commune_name": names.get(r["commune"], r["commune"]), **r} for r in paper_rows(ws)]
    if not rows:
        return None
    warnings = [{"kind": "paper_not_returned", "commune": r["commune"],
                 "commune_name": names.get(r["commune"], r["commune"]), "count": r["issued"] - r["returned"],
                 "message": message}
                for r, message in ((r, paper_warning(r)) for r in rows) if message]
    return {"channels": channel_rows(store, bounds, template), "ballots": rows, "warnings": warnings}

"""Paper statistics for the report, as plain rows (the report's writers turn them into tables).

Per commune: ballots issued (the register), returned (a page of it was read), counted (in the
response store), waiting for review, rejected pages (bad check value, serial never issued),
duplicate pages (photocopies, second photos) — and an integrity warning when returned ballots fall
well short of issued ones: ballots handed out and never seen again are how paper results get
swapped. Also responses per channel per commune, from the store.
"""

from __future__ import annotations

from ..responses.store import ResponseStore
from ..workspace.config import Workspace
from .register import Register
from .scan import ScanState

SHORT_SHARE = 0.8  # fewer returned than this share of issued: a warning
SHORT_MIN = 20  # … once at least this many were issued


def paper_rows(ws: Workspace) -> list[dict]:
    register = Register.load(ws.state_dir)
    scans = ScanState.load(ws)
    returned: dict[str, set[str]] = {}
    for key in scans.pages:
        commune, serial, _ = key.split("|")
        returned.setdefault(commune, set()).add(serial)
    waiting = {key.rsplit("|", 1)[0] for key, _, _ in scans.in_review()}
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


def paper_warnings(rows: list[dict]) -> list[str]:
    return [f"{r['commune']}: chỉ thu về {r['returned']}/{r['issued']} phiếu giấy đã phát "
            f"({100 * r['returned'] / r['issued']:.0f} %) — kiểm tra việc phát và thu phiếu"
            for r in rows if r["issued"] >= SHORT_MIN and r["returned"] < SHORT_SHARE * r["issued"]]


def channel_rows(store: ResponseStore) -> list[dict]:
    """Responses per commune and channel ("online", "giấy")."""
    query = "SELECT commune_id, channel, count(*) FROM responses GROUP BY commune_id, channel ORDER BY 1, 2"
    return [{"commune": c, "channel": ch, "responses": n} for c, ch, n in store.db.execute(query)]

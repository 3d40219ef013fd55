"""What the report says about the counter tablets: the pairings audit (integrity section), and
exact participation from receipt numbers (`formkit report --receipts FILE`).

Counter ratings also pass every check the report makes of any answer; here, per tablet:
  counter_burst     at least `size` ratings bound to no dossier (no receipt number, or one the
                    receipts file does not list) within `minutes` at one tablet
  counter_off_hours ratings a tablet took outside office hours

The receipts file is a CSV exported from the one-stop software (UTF-8, with or without BOM;
comma, semicolon or tab), one dossier per row, with a header row:
  receipt   the receipt number printed on the dossier's receipt ("số biên nhận")
  commune   the commune's id, name or full name ("xã")
  stage     intake or return ("tiếp nhận" / "trả kết quả"); default intake
  counter, officer, field   optional: the dossier's counter, officer (id or name), field of procedure
A dossier is rated when a counter rating of that commune and stage carries its receipt number;
rated ÷ dossiers per commune, and per counter, officer and field when the file names them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from ..errors import Problems
from ..i18n import _
from ..responses.queries import channel_keys
from ..responses.store import ResponseStore
from ..workspace.config import OfficeHours, Workspace
from .ratings import CHANNEL_COUNTER, Rejected, normal_receipt, receipt_of
from .registry import Registry, registry_file

HEADERS = {
    "receipt": {"receipt", "số biên nhận", "so bien nhan", "mã hồ sơ", "ma ho so", "số hồ sơ"},
    "commune": {"commune", "commune_id", "xã", "xa", "xã/phường", "đơn vị"},
    "stage": {"stage", "giai đoạn", "giai doan", "bước"},
    "counter": {"counter", "quầy", "quay"},
    "officer": {"officer", "officer_id", "cán bộ", "can bo"},
    "field": {"field", "lĩnh vực", "linh vuc"},
}
STAGE_WORDS = {"intake": "intake", "tiếp nhận": "intake", "tiep nhan": "intake", "return": "return",
               "trả kết quả": "return", "tra ket qua": "return"}
REFUSALS = ("refused_token", "refused_rate", "refused_pin", "refused_code", "rejected")


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


def read_receipts(path: Path, ws: Workspace) -> list[dict]:
    """Every dossier of the file, checked (InputError listing every problem at once)."""
    problems = Problems()
    text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    try:
        rows = list(csv.reader(io.StringIO(text), csv.Sniffer().sniff(text[:4096], delimiters=",;\t")))
    except csv.Error:  # one column, or nothing to tell the delimiter by
        rows = list(csv.reader(io.StringIO(text)))
    header = [_key(h) for h in rows[0]] if rows else []
    column = {name: next((i for i, h in enumerate(header) if h in words), None) for name, words in HEADERS.items()}
    for name in ("receipt", "commune"):
        if column[name] is None:
            problems.add(path, _("line 1"), _("no '{column}' column").format(column=name))
    problems.raise_if_any(_("cannot read the receipts file"))
    communes, officers = {}, {}
    for c in ws.communes:
        communes.update({_key(c.id): c.id, _key(c.name): c.id, _key(c.display_name): c.id})
        for o in c.officers:  # an officer named by id or by name reads by name in the report
            officers.update({(c.id, _key(o.id)): o.name, (c.id, _key(o.name)): o.name})
    out: list[dict] = []
    seen: set[tuple] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row=row) -> str:
            i = column[name]
            return row[i].strip() if i is not None and i < len(row) else ""
        commune = communes.get(_key(cell("commune")))
        stage = STAGE_WORDS.get(_key(cell("stage")) or "intake")
        try:
            receipt = normal_receipt(cell("receipt"))
        except Rejected:
            receipt = ""
        place = _("line {line}").format(line=line)
        if commune is None:
            problems.add(path, place, _("unknown commune '{commune}'").format(commune=cell("commune")))
        if stage is None:
            problems.add(path, place, _("stage '{stage}' is neither intake nor return").format(stage=cell("stage")))
        if not receipt:
            problems.add(path, place, _("'{receipt}' is not a receipt number").format(receipt=cell("receipt")))
        if commune and stage and receipt:
            if (commune, stage, receipt) in seen:
                problems.add(path, place, _("receipt {receipt} is listed twice").format(receipt=receipt))
            seen.add((commune, stage, receipt))
            officer = cell("officer")
            out.append({"commune": commune, "stage": stage, "receipt": receipt, "counter": cell("counter"),
                        "officer": officers.get((commune, _key(officer)), officer), "field": cell("field")})
    problems.raise_if_any(_("cannot read the receipts file"))
    return out


def receipt_rates(store: ResponseStore, dossiers: list[dict], bounds: tuple[str, str],
                  names: dict[str, str]) -> list[dict]:
    """Rated ÷ dossiers per commune (and counter, officer, field when the file names them)."""
    rated = set()
    for key, commune, *_rest in channel_keys(store, CHANNEL_COUNTER, *bounds):
        bound = receipt_of(key)
        if bound is not None:
            rated.add((commune, *bound))
    totals: dict[tuple[str, str, str], list[int]] = {}
    for d in dossiers:
        hit = (d["commune"], d["stage"], d["receipt"]) in rated
        levels = [("commune", names.get(d["commune"], d["commune"]))]
        levels += [(level, f"{names.get(d['commune'], d['commune'])} · {d[level]}")
                   for level in ("counter", "officer", "field") if d[level]]
        for level, name in levels:
            tally = totals.setdefault((level, name, d["stage"]), [0, 0])
            tally[0] += 1
            tally[1] += hit
    order = {"commune": 0, "counter": 1, "officer": 2, "field": 3}
    return [{"level": level, "name": name, "stage": stage, "dossiers": n, "rated": r,
             "rate": 100.0 * r / n if n else None}
            for (level, name, stage), (n, r) in sorted(totals.items(), key=lambda kv: (order[kv[0][0]], kv[0][1:]))]


def pairing_warnings(state_dir: Path, bounds: tuple[str, str], names: dict[str, str]) -> list[dict]:
    """Per commune with counter tablets: paired, revoked, and the refusals of the period (wrong or
    revoked tokens, rate limits, wrong PINs and pairing codes, unreadable ratings)."""
    if not registry_file(state_dir).exists():
        return []
    with Registry(state_dir) as registry:
        devices = registry.devices()
        events = registry.events(*bounds)
    out = []
    for commune in sorted({d.commune_id for d in devices}):
        mine = [d for d in devices if d.commune_id == commune]
        ids = {d.id for d in mine}
        paired = sum(1 for d in mine if d.paired)
        revoked = sum(1 for d in mine if d.revoked)
        refused = {kind: sum(n for (device, k), n in events.items() if k == kind and device in ids)
                   for kind in REFUSALS}
        unknown = sum(n for (device, k), n in events.items() if device is None and k in REFUSALS)
        parts = [f"{paired} máy tính bảng đã ghép nối", f"{revoked} đã thu hồi"]
        labels = {"refused_rate": "vượt giới hạn gửi", "refused_pin": "sai mã PIN", "rejected": "phiếu không đọc được"}
        parts += [f"{refused[k]} lần {label}" for k, label in labels.items() if refused[k]]
        if unknown:
            parts.append(f"{unknown} yêu cầu từ thiết bị chưa ghép nối hoặc mã ghép nối sai (cả hệ thống)")
        out.append({"kind": "kiosk_pairings", "commune": commune, "commune_name": names.get(commune, commune),
                    "officer": None, "count": paired, "message": "Quầy đánh giá: " + "; ".join(parts) + ".",
                    "revoked": revoked, **{k: refused[k] for k in REFUSALS if k != "refused_token"},
                    "unpaired_requests": unknown})
    return out


def counter_names(state_dir: Path) -> dict[str, str]:
    """The counter's name ("Quầy 3") by the form id its tablet's ratings are stored under; none
    before the first tablet was paired (a reader never makes state/kiosk.sqlite)."""
    if not registry_file(state_dir).exists():
        return {}
    with Registry(state_dir) as registry:
        return {f"quay-{d.id}": d.counter for d in registry.devices()}


def counter_warnings(store: ResponseStore, state_dir: Path, bounds: tuple[str, str], names: dict[str, str],
                     hours: OfficeHours, dossiers: list[dict] | None = None, size: int = 5,
                     minutes: int = 10) -> list[dict]:
    """Bursts of ratings bound to no dossier, and ratings outside office hours, per tablet."""
    rows = channel_keys(store, CHANNEL_COUNTER, *bounds)
    if not rows:
        return []
    counters = counter_names(state_dir)
    listed = {(d["commune"], d["stage"], d["receipt"]) for d in dossiers} if dossiers is not None else None
    by_tablet: dict[tuple[str, str], list[tuple[datetime, bool]]] = {}
    for key, commune, _officer, _field, submitted, form in rows:
        bound = receipt_of(key)
        unbound = bound is None or (listed is not None and (commune, *bound) not in listed)
        by_tablet.setdefault((commune, form), []).append((datetime.fromisoformat(submitted), unbound))
    out = []
    window = timedelta(minutes=minutes)
    for (commune, form), ratings in sorted(by_tablet.items()):
        counter = counters.get(form, form)
        where = {"commune": commune, "commune_name": names.get(commune, commune), "officer": None,
                 "counter": counter, "tablet": form.removeprefix("quay-")}
        loose = sorted(t for t, unbound in ratings if unbound)
        runs: list[list[int]] = []
        start = 0
        for end in range(len(loose)):  # windows of `minutes` holding `size` or more; overlapping ones merged
            while loose[end] - loose[start] > window:
                start += 1
            if end - start + 1 >= size:
                if runs and start <= runs[-1][1]:
                    runs[-1][1] = end
                else:
                    runs.append([start, end])
        for first, last in runs:
            n = last - first + 1
            out.append({"kind": "counter_burst", **where, "count": n, "first": str(loose[first]),
                        "last": str(loose[last]), "minutes": minutes,
                        "message": f"{n} đánh giá không gắn với hồ sơ nào trong {minutes} phút tại {counter}"})
        outside = sorted(t for t, _unbound in ratings if not hours.contains(t))
        if outside:
            out.append({"kind": "counter_off_hours", **where, "count": len(outside), "first": str(outside[0]),
                        "last": str(outside[-1]),
                        "message": f"{len(outside)} đánh giá ngoài giờ làm việc tại {counter}"})
    return out

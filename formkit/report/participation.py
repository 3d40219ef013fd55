"""Participation: evaluations ÷ dossiers handled, from `--dossiers FILE`.

The file is a CSV (UTF-8, with or without BOM; comma, semicolon or tab) with a header row and
three columns, in any order:
  commune   the commune's id ("binh-thanh"), name ("Bình Thạnh") or full name ("Phường Bình Thạnh")
  period    2026Q3 (or Q3/2026), 2026-09 (or 09/2026), or 2026
  count     dossiers handled in that period: 15771, 15.771 or 15,771
Vietnamese headers work too: "xã", "kỳ", "số hồ sơ".

A commune's rate uses the rows whose period lies inside the report period (a quarter report can
sum three monthly rows); responses are counted over those same periods only, so a missing month
does not inflate the rate. Rows for other periods are ignored; rows of one commune that overlap
each other are an error (they would count dossiers twice).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problems
from ..i18n import _
from ..workspace.config import Workspace
from .groups import Communes, Fine
from .model import Participation, ParticipationRow
from .period import Period, parse_code

HEADERS = {
    "commune": {"commune", "commune_id", "xã", "xa", "mã xã", "xã/phường", "đơn vị"},
    "period": {"period", "kỳ", "ky", "kỳ báo cáo", "thời gian"},
    "count": {"count", "dossiers", "số hồ sơ", "so ho so", "hồ sơ", "số lượng hồ sơ"},
}
NUMBER = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$|^\d+$")


@dataclass(frozen=True)
class DossierRow:
    commune: str  # commune id
    period: Period
    count: int
    line: int


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


def read_dossiers(path: Path, ws: Workspace) -> list[DossierRow]:
    """Every row, checked; InputError listing every problem at once."""
    path = Path(path)
    shown = str(path)
    problems = Problems()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        problems.add(shown, "", _("cannot read: {error}").format(error=exc.strerror or exc))
        problems.raise_if_any(_("the dossiers file cannot be used"))
    except UnicodeDecodeError as exc:
        problems.add(shown, "", _("not UTF-8 text ({reason}); save it as \"CSV UTF-8\"").format(reason=exc.reason))
        problems.raise_if_any(_("the dossiers file cannot be used"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    while rows and not any(cell.strip() for cell in rows[0]):
        rows.pop(0)
    if not rows:
        problems.add(shown, "",
                     _("empty: expected a header row commune,period,count and one row per commune and period"))
        problems.raise_if_any(_("the dossiers file cannot be used"))
    header = [_key(h) for h in rows[0]]
    columns = {}
    for name, aliases in HEADERS.items():
        found = [i for i, h in enumerate(header) if h in aliases]
        if not found:
            problems.add(shown, _("line {line}").format(line=1), _(
                "no '{name}' column (header must name commune, period, count; got {header})").format(
                name=name, header=rows[0]))
        else:
            columns[name] = found[0]
    problems.raise_if_any(_("the dossiers file cannot be used"))
    communes: dict[str, str] = {}
    for c in ws.communes:
        for alias in (c.id, c.name, c.display_name):
            communes.setdefault(_key(alias), c.id)
    out: list[DossierRow] = []
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
        place = _("line {line}").format(line=line)
        commune = communes.get(_key(cells["commune"]))
        if commune is None:
            problems.add(shown, place, _("unknown commune '{commune}' (use an id from formkit.toml, e.g. '{example}')")
                         .format(commune=cells["commune"], example=ws.communes[0].id))
        period = parse_code(cells["period"])
        if period is None:
            problems.add(shown, place, _("period '{period}' is not like 2026Q3, 2026-09 or 2026").format(
                period=cells["period"]))
        count = cells["count"]
        if not NUMBER.match(count):
            problems.add(shown, place, _("count '{count}' is not a whole number of dossiers").format(count=count))
        if commune and period and NUMBER.match(count):
            out.append(DossierRow(commune, period, int(re.sub(r"\D", "", count)), line))
    by_commune: dict[str, list[DossierRow]] = {}
    for dossier in out:
        by_commune.setdefault(dossier.commune, []).append(dossier)
    for rows_of in by_commune.values():
        rows_of.sort(key=lambda r: (r.period.start, r.period.end))
        for before, after in itertools.pairwise(rows_of):
            if after.period.start <= before.period.end:
                problems.add(shown, _("line {line}").format(line=after.line), _(
                    "{period} overlaps {other} (line {line}) for the same commune").format(
                    period=after.period.code, other=before.period.code, line=before.line))
    problems.raise_if_any(_("the dossiers file cannot be used"))
    return out


def in_period(rows: list[DossierRow], period: Period) -> dict[str, list[DossierRow]]:
    """Per commune, the rows whose period lies inside the report period."""
    out: dict[str, list[DossierRow]] = {}
    for row in rows:
        if period.contains(row.period):
            out.setdefault(row.commune, []).append(row)
    return out


def rates(rows_by_commune: dict[str, list[DossierRow]], period: Period, fine: Fine, communes: Communes,
          path) -> tuple[Participation | None, dict[str, tuple[int, int]]]:
    """Per commune: responses ÷ dossiers over the dossiers' periods; and the communes with more
    responses than dossiers (for the integrity warnings)."""
    if path is None:
        return None, {}
    over: dict[str, tuple[int, int]] = {}
    lines, all_dossiers, all_responses = [], 0, 0
    order = communes.row
    for cid, rows in sorted(rows_by_commune.items(), key=lambda item: order.get(item[0], len(order))):
        slot = order.get(cid)
        responses = 0
        for r in rows:
            if slot is not None:
                responses += int(fine.responses[(communes.slot == slot) & fine.within(r.period)].sum())
        dossiers = sum(r.count for r in rows)
        lines.append(ParticipationRow(cid, communes.names.get(cid, cid), tuple(r.period.code for r in rows),
                                      sum(r.period.days for r in rows) == period.days, dossiers, responses,
                                      100.0 * responses / dossiers if dossiers else None, responses > dossiers))
        all_dossiers += dossiers
        all_responses += responses
        if responses > dossiers:
            over[cid] = (responses, dossiers)
    return Participation(str(path), all_dossiers, all_responses,
                         100.0 * all_responses / all_dossiers if all_dossiers else None, tuple(lines)), over

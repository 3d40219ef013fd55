"""Integrity warnings: patterns that suggest stuffed or manipulated answers. Flagged with counts so
someone can look; nothing is ever removed from the indices.

  identical_answers   ≥ cluster_size responses with exactly the same answer codes (every scale
                      question, blanks included) for the same officer in the same commune,
                      each run of them spanning at most cluster_minutes (responses without an
                      officer form one group per commune)
  off_hours           submissions outside the workspace's office hours, per commune
  more_than_dossiers  more evaluations than dossiers handled (see participation.py)
  burst, beyond_capacity, straight_lining   volume anomalies (see anomalies.py)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..responses.coding import scale_questions
from ..workspace.config import WEEKDAY_NAMES, OfficeHours
from ..workspace.templates import Template
from .anomalies import volume_anomalies
from .groups import Communes
from .labels import NO_OFFICER
from .load import Responses
from .model import IntegrityWarning
from .period import DAY, stamp

WEEKDAYS = WEEKDAY_NAMES


@dataclass(frozen=True)
class IntegrityRules:
    cluster_size: int = 5
    cluster_minutes: int = 10


@dataclass
class Cluster:
    commune: int  # category index in Responses.communes
    officer: int  # category index in Responses.officers
    rows: np.ndarray  # row positions in the Responses, in time order


def identical_clusters(resp: Responses, rules: IntegrityRules) -> list[Cluster]:
    n, size, window = len(resp), rules.cluster_size, rules.cluster_minutes * 60
    if n < size or size < 2:
        return []
    # The answer codes packed 8 per uint64. Rows are sorted by one 64-bit hash of them (identical
    # answers are adjacent), and compared word by word below, so a hash collision can never join
    # two different answer sets. Hashed a million rows at a time (a nation's codes are not copied).
    width = -(-resp.codes.shape[1] // 8) * 8

    def packed(rows) -> np.ndarray:
        codes = resp.codes[rows]
        out = np.zeros((len(codes), width), np.uint8)
        out[:, : codes.shape[1]] = codes
        return out.view(np.uint64)

    digest = np.zeros(n, np.uint64)
    with np.errstate(over="ignore"):
        for a in range(0, n, 1_000_000):
            part = digest[a:a + 1_000_000]
            for column in packed(slice(a, a + 1_000_000)).T:
                part ^= column
                part *= np.uint64(0x100000001B3)
        # Only answer sets given `size` times or more by one officer can cluster: the others
        # (most rows) are left out before sorting. Rows of one (commune, officer, answers) share
        # this key, so whole groups are kept or left out, and the result is the same.
        key = resp.commune.astype(np.uint64)  # (commune << 32 | officer) ^ digest, mixed; built in place
        key <<= np.uint64(32)
        key |= resp.officer.astype(np.uint64)
        key ^= digest
        key *= np.uint64(0x9E3779B97F4A7C15)
    ranked = np.sort(key)
    heavy = np.unique(ranked[size - 1:][ranked[size - 1:] == ranked[: n - size + 1]])  # keys held `size` times
    del ranked
    place = np.minimum(np.searchsorted(heavy, key), max(len(heavy) - 1, 0))
    kept = np.flatnonzero(heavy[place] == key) if len(heavy) else np.zeros(0, np.int64)
    del key, place
    if len(kept) < size:
        return []
    m = len(kept)
    commune, officer, time, words, digest = (resp.commune[kept], resp.officer[kept], resp.time[kept], packed(kept),
                                             digest[kept])
    order = np.lexsort([time, digest, officer, commune])
    keys = [commune, officer, *words.T]
    group = np.stack([k[order].astype(np.uint64) for k in keys], axis=1)
    t = time[order]
    # A run of `size` consecutive rows of one group within the window marks all of its rows.
    same = np.all(group[: m - size + 1] == group[size - 1:], axis=1)
    starts = np.flatnonzero(same & (t[size - 1:] - t[: m - size + 1] <= window))
    if not len(starts):
        return []
    depth = np.zeros(m + 1, np.int64)
    np.add.at(depth, starts, 1)
    np.add.at(depth, starts + size, -1)
    marked = np.cumsum(depth[:m]) > 0
    # Marked rows split into clusters where the group changes or the gap exceeds the window.
    new = marked.copy()
    new[1:] &= ~(marked[:-1] & np.all(group[1:] == group[:-1], axis=1) & (t[1:] - t[:-1] <= window))
    positions = np.flatnonzero(marked)
    runs = np.split(kept[order[positions]], np.flatnonzero(new[positions])[1:])
    return [Cluster(int(resp.commune[r[0]]), int(resp.officer[r[0]]), r) for r in runs]


def answer_summary(codes: np.ndarray, questions) -> str:
    """One answer set in a few words: "22 × Rất hài lòng; 1 × Có"."""
    def label(q, c: int) -> str:
        if 0 < c <= len(q.scale_options):
            return q.scale_options[c - 1].label
        return "(trống)" if c == 0 else "(không hợp lệ)"

    labels = Counter(label(q, int(c)) for q, c in zip(questions, codes, strict=False))
    return "; ".join(f"{n} × {label}" for label, n in labels.most_common())


def inside_hours(times: np.ndarray, hours: OfficeHours) -> np.ndarray:
    """Vectorised OfficeHours.contains for seconds on the local clock."""
    weekday = (times // DAY + 3) % 7 + 1  # 1970-01-01 was a Thursday (ISO 4)
    second = times % DAY

    def seconds(t) -> int:
        return t.hour * 3600 + t.minute * 60 + t.second

    return np.isin(weekday, hours.weekdays) & (second >= seconds(hours.start)) & (second <= seconds(hours.end))


def hours_text(hours: OfficeHours) -> str:
    days = sorted(hours.weekdays)
    span = (f"{WEEKDAYS[days[0]]} – {WEEKDAYS[days[-1]]}" if days == list(range(days[0], days[-1] + 1))
            else ", ".join(WEEKDAYS[d] for d in days))
    return f"{span}, {hours.start:%H:%M} – {hours.end:%H:%M}"


def off_hours(resp: Responses, hours: OfficeHours) -> list[tuple[int, int, int, str, str]]:
    """Per commune with any: (commune index, count, on non-working days, first, last)."""
    outside = ~inside_hours(resp.time, hours)
    if not outside.any():
        return []
    commune, times = resp.commune[outside], resp.time[outside]
    rest_day = ~np.isin((times // DAY + 3) % 7 + 1, hours.weekdays)
    size = len(resp.communes)
    count = np.bincount(commune, minlength=size)
    rest = np.bincount(commune, weights=rest_day, minlength=size)
    first, last = np.full(size, np.iinfo(np.int64).max), np.full(size, np.iinfo(np.int64).min)
    np.minimum.at(first, commune, times)
    np.maximum.at(last, commune, times)
    return [(int(c), int(count[c]), int(rest[c]), stamp(first[c]), stamp(last[c])) for c in np.flatnonzero(count)]


def warnings(current: Responses, template: Template, hours: OfficeHours, rules, communes: Communes,
             over: dict[str, tuple[int, int]], officer_names: dict | None = None) -> list[IntegrityWarning]:
    """The warnings as the report lists them, each with its counts and a sentence in Vietnamese
    that names the officer (officer_names: id -> full name), never by id."""
    questions = scale_questions(template)
    names, commune_row = communes.names, communes.row
    out = []
    for cluster in identical_clusters(current, rules):
        times = current.time[cluster.rows]
        cid, oid = current.communes[cluster.commune], current.officers[cluster.officer]
        who = (officer_names or {}).get(oid, oid) if oid else NO_OFFICER
        minutes = (int(times.max()) - int(times.min())) / 60
        out.append(IntegrityWarning(
            "identical_answers", cid, names.get(cid, cid), oid, len(cluster.rows),
            f"{len(cluster.rows)} phiếu trả lời giống hệt nhau trong {minutes:.0f} phút (cán bộ: {who})",
            stamp(times.min()), stamp(times.max()),
            {"minutes": minutes, "answers": answer_summary(current.codes[cluster.rows[0]], questions),
             "response_ids": sorted(int(i) for i in current.ids[cluster.rows])}, officer_name=who))
    for commune, count, rest_days, first, last in off_hours(current, hours):
        cid = current.communes[commune]
        responses = int(communes.current.responses[commune_row[cid]])
        out.append(IntegrityWarning(
            "off_hours", cid, names.get(cid, cid), None, count,
            f"{count} phiếu gửi ngoài giờ làm việc ({hours_text(hours)}), trong đó {rest_days} phiếu vào ngày nghỉ",
            first, last, {"non_working_days": rest_days, "share": 100.0 * count / responses if responses else None}))
    for cid, (responses, dossiers) in over.items():
        out.append(IntegrityWarning(
            "more_than_dossiers", cid, names.get(cid, cid), None, responses,
            f"{responses} phiếu đánh giá nhiều hơn {dossiers} hồ sơ đã giải quyết (thừa {responses - dossiers})",
            details={"dossiers": dossiers, "excess": responses - dossiers}))
    # A check that returns the JSON shape (a dict) is taken as it is.
    out = [w if isinstance(w, IntegrityWarning) else IntegrityWarning.from_json(w) for w in out]
    kinds = ["identical_answers", "off_hours", "more_than_dossiers"]
    out.sort(key=lambda w: (kinds.index(w.kind) if w.kind in kinds else len(kinds),
                            commune_row.get(w.commune, len(commune_row)), w.first or ""))
    # Volume anomalies (anomalies.py) follow, in their own order, in the JSON shape.
    volume = volume_anomalies(current, template, names, officer_names=officer_names)
    return out + [IntegrityWarning.from_json(w) for w in volume]

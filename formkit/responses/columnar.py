"""A columnar copy of the coded answers beside the store (state/responses.sqlite.columns/), so a
report reads numpy arrays (memory-mapped files) instead of a million SQLite rows.

The SQLite store stays the record; this copy is derived from it and can always be made again.
Each `ResponseStore.add` appends one segment holding the rows it stored (what it just inserted:
no read back): a folder with one file of raw arrays, synced, whose meta.json (where each array
lies, its shape and type), written last and atomically, makes it part of the copy. A pull adds
one segment per 50,000 rows or so (a scan or a CSV import one per call), so segments are merged as
they come (FANOUT in a row at the end, of the newest one's size class or smaller, make one: each
row is rewritten a few times, not once per append), and into one file when read beyond
MERGE_ABOVE. A segment without its meta.json (a kill in between) is ignored; a copy that
disagrees with the store (its first and last id with no gap between, else its row count: a store
written by an older formkit, an interrupted append or merge) or with its own meta.json (a torn or
missing file) is never read: the reader rebuilds it from the store (one segment per million rows).

Per row: id, template, template version, commune, officer and field (indices into the
segment's lists in meta.json), submission time in seconds on the local clock, flags,
the number of codes and the codes themselves (padded with 0 to the segment's widest row).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import atomic_write_text

FORMAT = 2  # 2: one data.bin per segment, laid out in meta.json (a format-1 copy of .npy files is rebuilt)
FANOUT = 8  # segments of one size class merged into one
MERGE_ABOVE = 4  # segments; more are merged into one when read (then a report maps one file, copying nothing)
REBUILD_ROWS = 1_000_000  # rows per segment when the copy is made again from the store
DATA, ALIGN = "data.bin", 64  # a segment's arrays, each starting at a multiple of ALIGN bytes
ARRAYS = ("id", "template", "version", "commune", "officer", "field", "time", "flags", "width", "codes")
SEP = "\x1f"


@dataclass
class Columns:
    """Every coded row of the store, as arrays (row order: id)."""

    id: np.ndarray  # int64
    template: np.ndarray  # int32 index into templates
    version: np.ndarray  # int32
    commune: np.ndarray  # int32 index into communes
    officer: np.ndarray  # int32 index into officers (None = no officer)
    field: np.ndarray  # int32 index into fields (None = none chosen)
    time: np.ndarray  # int64 seconds, local clock read as UTC
    flags: np.ndarray  # uint8
    width: np.ndarray  # int16 number of codes the row has
    codes: np.ndarray  # (n, widest) uint8
    templates: list[str]
    communes: list[str]
    officers: list[str | None]
    fields: list[str | None]


def folder_of(store_path: Path) -> Path:
    return Path(str(store_path) + ".columns")


def seconds(stamps) -> np.ndarray:
    """"YYYY-MM-DD HH:MM:SS" -> seconds on the local clock (read as UTC)."""
    return np.array(list(stamps), dtype="datetime64[s]").astype(np.int64) if len(stamps) else np.zeros(0, np.int64)


class _Categories:
    def __init__(self) -> None:
        self.index: dict[str | None, int] = {}

    def __call__(self, value: str | None) -> int:
        value = value or None
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found

    @property
    def values(self) -> list[str | None]:
        return list(self.index)


def append(store_path: Path, rows: list[tuple]) -> None:
    """A segment of rows just stored: (id, template, version, commune, submitted, officer, field,
    codes bytes, flags)."""
    if rows:
        folder = folder_of(store_path)
        _write_segment(folder, rows)
        _compact(folder)


def _size_class(count: int) -> int:
    """0 for 1…FANOUT-1 rows, 1 up to FANOUT², …"""
    size = 0
    while count >= FANOUT:
        count //= FANOUT
        size += 1
    return size


def _compact(folder: Path) -> None:
    """While the newest segments hold FANOUT in a row of the newest one's size class or smaller,
    merge those (a run at the end, so the rows stay in id order)."""
    while True:
        segments = _segments(folder)
        if not segments:
            return
        newest = _size_class(segments[-1]["count"])
        run: list[dict] = []
        for segment in reversed(segments):
            if _size_class(segment["count"]) > newest:
                break
            run.insert(0, segment)
        if len(run) < FANOUT:
            return
        try:
            columns = _concatenate(folder, run)
        except _Torn:
            return  # the reader sees it and rebuilds the copy
        _merge(folder, columns, run)


class _Torn(Exception):
    """A segment whose files do not match its meta.json."""


def _segments(folder: Path) -> list[dict]:
    """The complete segments (their meta.json written), in id order."""
    out = []
    for meta in folder.glob("seg-*/meta.json"):
        try:
            entry = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if entry.get("format") == FORMAT:
            out.append(entry | {"name": meta.parent.name})
    return sorted(out, key=lambda s: s["first_id"])


def _write_segment(folder: Path, rows: list[tuple]) -> None:
    templates, communes, officers, fields = _Categories(), _Categories(), _Categories(), _Categories()
    n = len(rows)
    widest = max(len(r[7]) for r in rows)
    codes = np.zeros((n, widest), np.uint8)
    for k, r in enumerate(rows):
        codes[k, : len(r[7])] = np.frombuffer(r[7], np.uint8)
    arrays: dict[str, np.ndarray] = {
        "id": np.fromiter((r[0] for r in rows), np.int64, n),
        "template": np.fromiter((templates(r[1]) for r in rows), np.int32, n),
        "version": np.fromiter((r[2] for r in rows), np.int32, n),
        "commune": np.fromiter((communes(r[3]) for r in rows), np.int32, n),
        "officer": np.fromiter((officers(r[5]) for r in rows), np.int32, n),
        "field": np.fromiter((fields(r[6]) for r in rows), np.int32, n),
        "time": seconds([r[4] for r in rows]),
        "flags": np.fromiter((r[8] for r in rows), np.uint8, n),
        "width": np.fromiter((len(r[7]) for r in rows), np.int16, n),
        "codes": codes,
    }
    _save(folder, arrays, {"templates": templates.values, "communes": communes.values, "officers": officers.values,
                           "fields": fields.values})


def _save(folder: Path, arrays: dict[str, np.ndarray], categories: dict[str, list]) -> None:
    """One segment: its arrays one after the other in data.bin (synced: one file, one fsync),
    then its meta.json (where each array lies; what makes the segment part of the copy) last."""
    segment = folder / f"seg-{uuid.uuid4().hex[:16]}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner-only, like the store
    segment.mkdir(mode=0o700)
    layout, offset = {}, 0
    with open(segment / DATA, "wb") as handle:
        for key in ARRAYS:
            array = np.ascontiguousarray(arrays[key])
            handle.write(b"\0" * (-offset % ALIGN))
            offset += -offset % ALIGN
            layout[key] = [offset, list(array.shape), array.dtype.str]
            handle.write(array.tobytes())
            offset += array.nbytes
        handle.flush()
        os.fsync(handle.fileno())  # on disk before the meta.json that vouches for it
    meta = {"format": FORMAT, "count": len(arrays["id"]), "first_id": int(arrays["id"].min()),
            "last_id": int(arrays["id"].max()), "size": offset, "arrays": layout, **categories}
    atomic_write_text(segment / "meta.json", json.dumps(meta, ensure_ascii=False))


def read(db: sqlite3.Connection, store_path: Path) -> Columns:
    """The columnar copy, checked against the store (and rebuilt from it when they disagree)."""
    folder = folder_of(store_path)
    segments = _segments(folder)
    columns = None
    if _agrees(db, segments):
        try:
            columns = _concatenate(folder, segments)
        except _Torn:
            pass
    if columns is None:
        _rebuild(db, folder)
        segments = _segments(folder)
        columns = _concatenate(folder, segments)
    if len(segments) > MERGE_ABOVE:
        _merge(folder, columns, segments)
    return columns


def _agrees(db: sqlite3.Connection, segments: list[dict]) -> bool:
    """The copy holds the store's coded rows: every id from the store's first to its last, in
    segments that follow one another (two lookups in the id index; the store only ever inserts
    rows), or else — a copy with gaps — as many rows as the store, up to the same last id (a
    count over the whole table: seconds for a nation's store)."""
    # one aggregate a query: SQLite answers a lone min() or max() from the index, both together by a scan
    first, last = (db.execute(f"SELECT ifnull({end}(id), 0) FROM coded").fetchone()[0] for end in ("min", "max"))
    if not segments:
        return last == 0  # an empty copy of an empty store
    whole = (all(s["count"] == s["last_id"] - s["first_id"] + 1 for s in segments)
             and all(b["first_id"] == a["last_id"] + 1 for a, b in zip(segments, segments[1:], strict=False)))
    if whole and (segments[0]["first_id"], segments[-1]["last_id"]) == (first, last):
        return True
    count = db.execute("SELECT count(*) FROM coded").fetchone()[0]
    return sum(s["count"] for s in segments) == count and max((s["last_id"] for s in segments), default=0) == last


def _load(folder: Path, segment: dict) -> dict[str, np.ndarray]:
    """A segment's arrays, memory-mapped from its one file, which must be as meta.json says."""
    path = folder / segment["name"] / DATA
    try:
        if path.stat().st_size != segment["size"]:
            raise _Torn(f"{path}: {path.stat().st_size} bytes, meta.json says {segment['size']}")
        data = np.memmap(path, np.uint8, mode="r") if segment["size"] else np.zeros(0, np.uint8)
        arrays = {}
        for key in ARRAYS:
            offset, shape, dtype = segment["arrays"][key]
            size = int(np.prod(shape)) * np.dtype(dtype).itemsize
            if offset % ALIGN or offset + size > segment["size"]:
                raise _Torn(f"{path}: {key} lies outside the file")
            # a plain ndarray over the mapped bytes (a memmap's indexing goes through Python: slow)
            arrays[key] = np.asarray(data[offset:offset + size]).view(dtype).reshape(shape)
    except (OSError, ValueError, TypeError, KeyError) as exc:  # missing, or meta.json not of this format
        raise _Torn(f"{path}: {exc}") from exc
    return arrays


def _concatenate(folder: Path, segments: list[dict]) -> Columns:
    globals_: dict[str, _Categories] = {k: _Categories() for k in ("templates", "communes", "officers", "fields")}
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ARRAYS}
    loaded = [_load(folder, s) for s in segments]  # each file opened once
    widest = max((arrays["codes"].shape[1] for arrays in loaded), default=0)
    for s, arrays in zip(segments, loaded, strict=True):
        for key in ARRAYS:
            array = arrays[key]
            if key == "codes" and array.shape[1] < widest:
                array = np.pad(array, ((0, 0), (0, widest - array.shape[1])))
            plural = {"template": "templates", "commune": "communes", "officer": "officers", "field": "fields"}.get(key)
            if plural:
                mapping = np.array([globals_[plural](v) for v in s[plural]] or [0], np.int32)
                if not np.array_equal(mapping, np.arange(len(mapping))):  # the first segment's: as it is
                    array = mapping[array]
            parts[key].append(array)
    if not segments:
        empty = {k: np.zeros(0, np.int64) for k in ARRAYS}
        empty["codes"] = np.zeros((0, 0), np.uint8)
        return Columns(**empty, templates=[], communes=[], officers=[], fields=[])
    arrays = {k: (v[0] if len(v) == 1 else np.concatenate(v)) for k, v in parts.items()}
    return Columns(**arrays, templates=[t or "" for t in globals_["templates"].values],
                   communes=[c or "" for c in globals_["communes"].values], officers=globals_["officers"].values,
                   fields=globals_["fields"].values)


def _rebuild(db: sqlite3.Connection, folder: Path) -> None:
    """The whole copy again from the store's coded rows, REBUILD_ROWS rows to a segment (a
    nation's store is never held as Python rows at once)."""
    fresh = folder.with_name(folder.name + f".new-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(mode=0o700, parents=True)
    cursor = db.execute("SELECT id, template, template_version, commune_id, submitted, officer_id, field, codes,"
                        " flags FROM coded ORDER BY id")
    while rows := cursor.fetchmany(REBUILD_ROWS):
        _write_segment(fresh, rows)
    old = folder.with_name(folder.name + f".old-{os.getpid()}")
    if folder.exists():
        os.replace(folder, old)
    os.replace(fresh, folder)
    shutil.rmtree(old, ignore_errors=True)


def _merge(folder: Path, columns: Columns, segments: list[dict]) -> None:
    """Many segments into one (their arrays are in memory already). Killed half-way, the copy
    holds rows twice, which the next read sees (the count) and rebuilds."""
    arrays: dict[str, np.ndarray] = {key: getattr(columns, key) for key in ARRAYS}
    _save(folder, arrays,
          {"templates": columns.templates, "communes": columns.communes, "officers": columns.officers,
           "fields": columns.fields})
    for s in segments:
        shutil.rmtree(folder / s["name"], ignore_errors=True)

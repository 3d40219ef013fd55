"""The columnar copy beside the store (responses/columnar.py): a cache of the SQLite store, kept
small in segments as it grows, and never read when stale or torn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from report_data import LEVEL, row

from formkit.responses import columnar
from formkit.responses.store import ResponseStore
from formkit.workspace.config import load_workspace


@pytest.fixture
def ws(example_dir):
    return load_workspace(example_dir)


def one(ws, k: int):
    answered = {q.id: LEVEL[1 + k % 5] for q in ws.template.criteria}
    return row(["hoa-thanh", "nam-dong"][k % 2], f"2026-07-{1 + k % 28:02d} 09:{k // 60 % 60:02d}:{k % 60:02d}",
               answered, None)


def from_sqlite(store: ResponseStore) -> list[tuple]:
    return store.db.execute("SELECT id, commune_id, submitted, codes FROM coded ORDER BY id").fetchall()


def as_rows(columns: columnar.Columns) -> list[tuple]:
    stamps = np.datetime_as_string(columns.time.astype("datetime64[s]"))
    return [(int(i), columns.communes[c], str(s).replace("T", " "), bytes(codes[:w]))
            for i, c, s, codes, w in zip(columns.id, columns.commune, stamps, columns.codes, columns.width,
                                         strict=True)]


def segments(store: ResponseStore) -> list[dict]:
    assert store.path is not None  # a store on disk
    return [json.loads(p.read_text()) for p in columnar.folder_of(store.path).glob("seg-*/meta.json")]


def test_appends_are_merged_as_they_come(ws, tmp_path, monkeypatch):
    """Every add appends a segment: 80 adds leave a few segments, not 80, each add
    costs a few merges at most, and the rows stay in id order."""
    monkeypatch.setattr(columnar, "FANOUT", 4)  # the classes of 2, 8, 32, 128 rows with few adds
    merged = []
    real_merge = columnar._merge
    monkeypatch.setattr(columnar, "_merge", lambda folder, columns, run: (merged.append(len(run)),
                                                                          real_merge(folder, columns, run)))
    with ResponseStore(tmp_path / "responses.sqlite") as store:
        for k in range(80):
            store.add([one(ws, 2 * k), one(ws, 2 * k + 1)], ws.template)
            assert len(segments(store)) <= 4 * (4 - 1)  # 160 rows in classes 0–3: at most FANOUT - 1 of each
        held = segments(store)
        assert sum(s["count"] for s in held) == 160 and len(held) == 2  # 128 + 32 rows
        assert set(merged) == {4} and len(merged) == 20 + 5 + 1
        columns = store.columns()
        assert as_rows(columns) == from_sqlite(store)
        assert list(columns.id) == sorted(columns.id)


def test_each_file_is_opened_once(ws, tmp_path, monkeypatch):
    with ResponseStore(tmp_path / "responses.sqlite") as store:
        for k in range(3):
            store.add([one(ws, k)], ws.template)
        opened: list[str] = []
        real_memmap = np.memmap
        monkeypatch.setattr(columnar.np, "memmap", lambda path, *a, **kw: (opened.append(str(path)),
                                                                           real_memmap(path, *a, **kw))[1])
        store.columns()
    assert len(opened) == 3 and len(set(opened)) == 3  # a segment's one file, once


@pytest.mark.parametrize("damage", ["truncated", "missing", "other shape", "old format", "segment lost"])
def test_a_torn_or_stale_copy_is_rebuilt_not_read(ws, tmp_path, damage):
    with ResponseStore(tmp_path / "responses.sqlite") as store:
        for k in range(4):
            store.add([one(ws, k), one(ws, 10 + k)], ws.template)
        expected = from_sqlite(store)
        folder = columnar.folder_of(store.path)
        segment = sorted(folder.glob("seg-*"))[1]
        data = segment / columnar.DATA
        meta = json.loads((segment / "meta.json").read_text())
        if damage == "truncated":  # a crash after meta.json reached the disk but not all of the data
            data.write_bytes(data.read_bytes()[:-3])
        elif damage == "missing":
            data.unlink()
        elif damage == "other shape":  # meta.json places an array beyond the file's end
            offset, shape, dtype = meta["arrays"]["codes"]
            meta["arrays"]["codes"] = [offset, [shape[0], shape[1] + 40], dtype]
            (segment / "meta.json").write_text(json.dumps(meta))
        elif damage == "segment lost":  # rows missing in the middle (the ends still agree with the store)
            (segment / "meta.json").unlink()
        else:  # a copy written by an older formkit
            (segment / "meta.json").write_text(json.dumps(meta | {"format": 1}))
        assert as_rows(store.columns()) == expected
        assert len(segments(store)) == 1  # rebuilt from the store as one segment
        assert as_rows(store.columns()) == expected

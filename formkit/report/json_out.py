"""The report as JSON (UTF-8, Vietnamese kept as is): indices unrounded, phones masked.

Laid out one record per line (each list item, each factor and criterion on its own line), which
stays readable and lets the C JSON encoder do the work: an indented dump goes through Python's
pure-Python encoder, ten times slower on a province's year. The follow-up list (100,000 entries
for a province's year, 1.4 million for the nation's) is encoded from its arrays a block of entries
at a time and streamed to the file: neither the entries nor the document are ever held whole.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import GeneratorType

from ..files import atomic_write_chunks
from .model import Report, json_body


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def chunks(document: dict):
    """The document's text, piece by piece (a list's items one at a time: never one string);
    an item given as bytes is UTF-8 JSON already."""
    yield "{\n"
    for n, (key, value) in enumerate(document.items()):
        yield ",\n" if n else ""
        if isinstance(value, GeneratorType) or (isinstance(value, list) and value):
            yield f"  {_dump(key)}: ["
            empty = True
            for item in value:
                yield "\n    " if empty else ",\n    "
                yield item if isinstance(item, bytes) else _dump(item)  # bytes: UTF-8 JSON already
                empty = False
            yield "]" if empty else "\n  ]"
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            inner = ",\n    ".join(f"{_dump(k)}: {_dump(v)}" for k, v in value.items())
            yield f"  {_dump(key)}: {{\n    {inner}\n  }}"
        else:
            yield f"  {_dump(key)}: {_dump(value)}"
    yield "\n}\n"


def write_json(report: Report, out_dir: Path, files: dict[str, str] | None = None) -> Path:
    """files: the SHA-256 of each file of the set written with it (name relative to out_dir).
    Streamed to the file, so memory does not grow with the follow-up list."""
    path = Path(out_dir) / f"{report.stem}.json"
    document = json_body(report) | {"files": {name: f"sha256:{digest}" for name, digest in (files or {}).items()}}
    # blocks of entries in UTF-8, each the same text as json.dumps(report.to_json()["follow_up"][i])
    document["follow_up"] = report.follow_up.json_blocks()
    atomic_write_chunks(path, chunks(document))
    return path

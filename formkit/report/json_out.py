"""The report as JSON (UTF-8, Vietnamese kept as is): indices unrounded, phones masked.

Laid out one record per line (each list item, each factor and criterion on its own line), which
stays readable and lets the C JSON encoder do the work: an indented dump goes through Python's
pure-Python encoder, ten times slower on a province's year. The follow-up list (100,000 entries
for a province's year) is encoded entry by entry, never held as dicts all at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import GeneratorType

from ..files import atomic_write_text
from .model import Report, json_body
from .followup import Encoder


class Raw(str):
    """Text that is JSON already."""


def _dump(value) -> str:
    return value if isinstance(value, Raw) else json.dumps(value, ensure_ascii=False)


def dumps(document: dict) -> str:
    parts = []
    for key, value in document.items():
        if isinstance(value, GeneratorType) or (isinstance(value, list) and value):
            inner = ",\n    ".join(_dump(item) for item in value)
            parts.append(f"  {_dump(key)}: [\n    {inner}\n  ]" if inner else f"  {_dump(key)}: []")
        elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            inner = ",\n    ".join(f"{_dump(k)}: {_dump(v)}" for k, v in value.items())
            parts.append(f"  {_dump(key)}: {{\n    {inner}\n  }}")
        else:
            parts.append(f"  {_dump(key)}: {_dump(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write_json(report: Report, out_dir: Path, files: dict[str, str] | None = None) -> Path:
    """files: the SHA-256 of each file of the set written with it (name relative to out_dir)."""
    path = Path(out_dir) / f"{report.stem}.json"
    document = json_body(report) | {"files": {name: f"sha256:{digest}" for name, digest in (files or {}).items()}}
    encoder = Encoder()  # the same text as json.dumps(report.to_json()["follow_up"][i])
    document["follow_up"] = (Raw(encoder.entry(f)) for f in report.follow_up)
    atomic_write_text(path, dumps(document))
    return path

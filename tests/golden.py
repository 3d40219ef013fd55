"""Golden files (psf/black's habit): deterministic outputs are compared with files under
tests/golden/. FORMKIT_UPDATE_GOLDEN=1 rewrites them; review the diff before committing."""

from __future__ import annotations

import json
import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"


def check_golden(name: str, value) -> None:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    path = GOLDEN_DIR / name
    if os.environ.get("FORMKIT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}; run with FORMKIT_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (FORMKIT_UPDATE_GOLDEN=1 to accept)"

"""`pip install .` (not only editable) carries everything formkit reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_carries_templates_layouts_fonts_and_licences(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("formkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (REPO / "templates" / "forms").glob("*.toml"):
        assert f"formkit/_data/templates/forms/{template.name}" in names
    for layout in (REPO / "posters").glob("*.toml"):
        assert f"formkit/_data/posters/{layout.name}" in names
    for layout in (REPO / "ballots").glob("*.toml"):
        assert f"formkit/_data/ballots/{layout.name}" in names
    for font in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "LiberationSerif-Regular.ttf",
                 "OFL-NotoSans.txt", "OFL-LiberationSerif.txt"):
        assert f"formkit/fonts/{font}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "formkit = formkit.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any("credentials.json" in n or "token" in n.lower() for n in names)

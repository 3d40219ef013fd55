"""`pip install .` (not only editable) carries everything formkit reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]  # one worker builds the wheel, once


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # The build backend pyproject.toml names is installed with the [test] extra: no isolated
    # environment to make (and fill from the network) for each run of the suite.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True)
    return next(out.glob("formkit-*.whl"))


def test_wheel_carries_templates_layouts_fonts_and_licences(wheel):
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
    for domain in ("formkit", "click"):  # compiled catalogs: an installed formkit speaks Vietnamese
        assert f"formkit/locale/vi/LC_MESSAGES/{domain}.mo" in names
    for page in ("index.html", "kiosk.css", "kiosk.js"):  # the counter tablet's page, served offline
        assert f"formkit/kiosk/static/{page}" in names


def test_an_installed_wheel_speaks_vietnamese_with_no_build_step(wheel, tmp_path):
    import os

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)  # a pure wheel, unpacked
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env["PYTHONPATH"] = str(installed)
    done = subprocess.run([sys.executable, "-m", "formkit", "check", "--help"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Cách dùng: formkit check" in done.stdout and "Ví dụ: formkit check" in done.stdout
    assert str(installed) in subprocess.run(
        [sys.executable, "-c", "import formkit; print(formkit.__file__)"], capture_output=True, text=True,
        env=env, cwd=tmp_path).stdout  # the wheel's copy ran, not the checkout

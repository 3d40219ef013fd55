"""The package's layers hold: a module imports only its own package and the layers below it, and
the embedded backend (localserver) is a leaf that imports nothing else of formkit. A new
package must be given its place here, which is the point: the picture in docs/architecture.md
and this table say the same thing."""

from __future__ import annotations

import ast
from pathlib import Path

FORMKIT = Path(__file__).resolve().parent.parent / "formkit"

# Highest first. Packages in one row are independent of each other.
LAYERS: list[set[str]] = [
    {"__main__"},
    {"cli"},
    {"demo"},
    {"report"},
    {"ballots"},  # paper: printed like posters, read into the responses store
    {"posters", "responses"},
    {"forms"},
    {"google", "workspace"},
    {"typography"},
    {"files", "resources", "console"},
    {"tomlsyntax"},  # TOML text to data, its errors in the reader's language (files.read_toml)
    {"errors"},
    {"i18n"},
    {"settings"},  # the environment, read once
]
LEAVES = {"localserver"}  # import nothing of formkit; only the layers named here may import them
LEAF_USERS = {"cli", "demo"}


def _rank(package: str) -> int:
    for rank, row in enumerate(LAYERS):
        if package in row:
            return rank
    raise AssertionError(f"formkit/{package} has no place in tests/test_layers.py: give it one")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level formkit package) for every import of formkit in one file."""
    parts = list(path.relative_to(FORMKIT.parent).with_suffix("").parts)
    package_parts = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
                names = [alias.name for alias in node.names] if not node.module and len(target) == 1 else []
            else:
                target, names = (node.module or "").split("."), []
            if target[0] != "formkit":
                continue
            if len(target) > 1:
                found.append((node.lineno, target[1]))
            else:
                found.extend((node.lineno, name) for name in names if (FORMKIT / name).exists()
                             or (FORMKIT / f"{name}.py").exists())
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[1]) for alias in node.names
                         if alias.name.startswith("formkit."))
    return found


def _package_of(path: Path) -> str:
    first = path.relative_to(FORMKIT).parts[0]
    return first.removesuffix(".py")


def test_no_module_imports_a_higher_layer_or_a_sibling():
    wrong = []
    for path in sorted(FORMKIT.rglob("*.py")):
        own = _package_of(path)
        for line, target in _imports(path):
            if target == own:
                continue
            place = f"{path.relative_to(FORMKIT.parent)}:{line} imports formkit.{target}"
            if own in LEAVES:
                wrong.append(f"{place}, but {own} is a leaf")
            elif target in LEAVES:
                if own not in LEAF_USERS:
                    wrong.append(f"{place}, which only {sorted(LEAF_USERS)} may use")
            elif _rank(target) <= _rank(own):
                wrong.append(f"{place}, which is not below {own}")
    assert not wrong, "\n".join(wrong)


def test_the_walker_sees_relative_imports():
    # The walker must see relative imports, or the test above could pass by seeing nothing.
    report = FORMKIT / "report" / "build.py"
    assert (report.stat().st_size and any(t == "workspace" for _, t in _imports(report)))

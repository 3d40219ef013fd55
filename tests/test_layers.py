"""The package's layers hold: a module imports only its own package and the layers below it, and
the embedded backend (localserver) is a leaf that imports nothing else of formkit. A new
package must be given its place here, which is the point: the picture in docs/architecture.md
and this table say the same thing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

FORMKIT = Path(__file__).resolve().parent.parent / "formkit"

# Highest first. Packages in one row are independent of each other.
LAYERS: list[set[str]] = [
    {"__main__"},
    {"cli"},
    {"demo", "loop"},  # loop: the follow-up register, its spreadsheet, the daily digest
    {"report"},
    {"ballots", "kiosk"},  # paper: printed like posters, read into the responses store; counter tablets
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


# The response store's schema and every query over it live in formkit/responses/ (the report turns
# rows into arrays); the embedded backend's own database is no business of this rule.
STORE_OWNER, STORE_TABLES = "responses", ("responses", "coded", "texts", "invalid")
_STORE_SQL = re.compile(r"\b(select|insert|update|delete|replace|create|alter|drop)\b.*"
                        rf"\b(from|into|join|table|on)\s+({'|'.join(STORE_TABLES)})\b", re.I | re.S)


def _store_sql(path: Path) -> list[str]:
    """Where a module reaches the store's connection (`.db`), opens SQLite, or writes a SQL
    statement naming one of the store's tables."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "db":
            found.append(f"{node.lineno}: reaches the store's connection (.db)")
        elif isinstance(node, ast.Attribute) and node.attr == "connect" and getattr(node.value, "id", "") == "sqlite3":
            found.append(f"{node.lineno}: opens SQLite")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _STORE_SQL.search(node.value):
            found.append(f"{node.lineno}: SQL on the store: {node.value[:60]!r}")
        elif isinstance(node, ast.JoinedStr) and _STORE_SQL.search(ast.unparse(node)):
            found.append(f"{node.lineno}: SQL on the store: {ast.unparse(node)[:60]}")
    return found


# Modules with a database of their own, not the store: they may open SQLite, never name the store's tables.
OWN_DATABASES = {"kiosk/registry.py"}  # state/kiosk.sqlite: the counter tablets' pairings


def test_only_the_responses_package_runs_sql_on_the_store():
    wrong = [f"{path.relative_to(FORMKIT.parent)}:{where}" for path in sorted(FORMKIT.rglob("*.py"))
             if _package_of(path) not in {STORE_OWNER, *LEAVES} for where in _store_sql(path)
             if path.relative_to(FORMKIT).as_posix() not in OWN_DATABASES or "SQL on the store" in where]
    assert not wrong, "\n".join(wrong)


def test_the_store_sql_rule_sees_queries():
    # The owner itself holds such queries, or the rule above could pass by seeing nothing.
    assert any("SQL on the store" in w for w in _store_sql(FORMKIT / "responses" / "queries.py"))
    assert any(".db" in w for w in _store_sql(FORMKIT / "responses" / "queries.py"))


# The report package flows load → build → model → writers. Its model is a leaf: report/model.py
# imports from report/ only the value types it is made of, and they in turn only each other
# (never the store, the workspace or the code that builds the report).
REPORT = FORMKIT / "report"
REPORT_VALUE_TYPES = {"followup", "period", "privacy"}


def _report_imports(path: Path) -> set[str]:
    """The report modules one report module imports (relative imports: `.x` and `from . import x`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
    return found


def test_the_report_model_imports_only_its_value_types():
    wrong = []
    for name in ["model", *sorted(REPORT_VALUE_TYPES)]:
        path = REPORT / f"{name}.py"
        outside = _report_imports(path) - REPORT_VALUE_TYPES
        wrong += [f"formkit/report/{name}.py imports report.{m}, which is not a value type of the model"
                  for m in sorted(outside)]
        wrong += [f"formkit/report/{name}.py:{line} imports formkit.{target}" for line, target in _imports(path)
                  if target not in {"report", "workspace", "errors", "i18n"}]
    assert not wrong, "\n".join(wrong)
    assert "followup" in _report_imports(REPORT / "model.py")  # the walker sees what it must


def test_writers_share_page_and_labels_not_each_other():
    assert "pdf_out" not in _report_imports(REPORT / "docx_out.py")  # page geometry: report/page.py
    assert "anomalies" not in _report_imports(REPORT / "tables.py")  # labels: report/labels.py

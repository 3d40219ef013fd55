#!/usr/bin/env python3
"""The message catalogs, with Babel: extract the source strings, update the .po files, compile
the .mo files that are committed beside them (so neither a checkout nor a wheel needs a build step).

  python tools/catalogs.py update    # after changing messages: new strings appear untranslated
  python tools/catalogs.py compile   # after translating: .po → .mo
  python tools/catalogs.py check     # what tests/test_i18n.py checks; exit 1 with the list

Two domains: "formkit" (our sources, keywords _ N_ ngettext) and "click" (the installed Click's
own strings, which Click looks up through the stdlib gettext).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "formkit" / "locale"
LANG = "vi"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _source_dir(domain: str) -> Path:
    if domain == "click":
        import click

        return Path(click.__file__).resolve().parent
    return ROOT / "formkit"


def extract(domain: str) -> Catalog:
    """The messages the source holds now (the .pot)."""
    template = Catalog(project=domain, domain=domain, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            _source_dir(domain), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",)):
        where = [(f"{domain}/{filename}", lineno)] if domain == "formkit" else []
        template.add(message, None, where, auto_comments=comments, context=context)
    return template


def po_path(domain: str) -> Path:
    return LOCALE / LANG / "LC_MESSAGES" / f"{domain}.po"


def read(domain: str) -> Catalog:
    with po_path(domain).open("rb") as f:
        return read_po(f, locale=LANG, domain=domain)


def _write_po(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    # no line numbers: fewer merge conflicts
    write_po(buffer, catalog, width=100, ignore_obsolete=True, include_lineno=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update(domain: str) -> None:
    template = extract(domain)
    pot = LOCALE / f"{domain}.pot"
    if pot.exists():  # its date kept: a run that changes no message changes no file (fewer merge conflicts)
        with pot.open("rb") as f:
            template.creation_date = read_po(f, domain=domain).creation_date
    _write_po(pot, template)
    path = po_path(domain)
    if path.exists():
        catalog = read(domain)
        template.creation_date = catalog.creation_date  # unchanged text, unchanged file (fewer conflicts)
        catalog.update(template, no_fuzzy_matching=True)
    else:
        catalog = Catalog(locale=LANG, domain=domain, project=domain)
        catalog.update(template)
    _write_po(path, catalog)


def compile_mo(domain: str) -> None:
    po_path(domain).with_suffix(".mo").write_bytes(compiled(read(domain)))


def problems(domain: str) -> list[str]:
    """Everything that makes the catalog wrong: strings missing or left over, untranslated or
    fuzzy entries, placeholders that differ, a .mo that is not the compiled .po."""
    found = []
    source = {m.id if isinstance(m.id, str) else m.id[0] for m in extract(domain) if m.id}
    catalog = read(domain)
    present = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    found += [f"{domain}: not in the catalog (run tools/catalogs.py update): {m!r}"
              for m in sorted(source - present.keys())]
    if domain != "click":  # an older Click lacks some of a newer one's strings: harmless there
        found += [f"{domain}: no longer in the source: {m!r}" for m in sorted(present.keys() - source)]
    for key, message in present.items():
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if message.fuzzy or not all(strings):
            found.append(f"{domain}: no Vietnamese translation: {key!r}")
        elif message.check():
            found.append(f"{domain}: {key!r}: {'; '.join(str(e) for e in message.check())}")
        else:
            ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
            if any(_fields(s) != _fields(ids[-1]) and _fields(s) != _fields(ids[0]) for s in strings):
                found.append(f"{domain}: {key!r}: the translation's {{placeholders}} differ")
    mo = po_path(domain).with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != compiled(catalog):
        found.append(f"{domain}: {mo.relative_to(ROOT)} is not the compiled .po (run tools/catalogs.py compile)")
    return found


def _fields(text: str) -> set[str]:
    import string

    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    for domain in ("formkit", "click"):
        if command == "update":
            update(domain)
        elif command == "compile":
            compile_mo(domain)
        elif command == "check":
            found = problems(domain)
            print("\n".join(found) or f"{domain}: up to date, every message translated")
            if found:
                return 1
        else:
            print(__doc__)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Messages in the reader's language: Vietnamese by default, English with LANG=en… (or LC_ALL,
LC_MESSAGES, LANGUAGE) or `--lang en`.

The source strings are English; formkit/locale/vi/LC_MESSAGES holds two gettext catalogs:
formkit.po (our messages) and click.po (Click's own: "Usage:", "Show this message and exit.").
The compiled .mo files are committed beside them, so a checkout and a wheel work with no build
step and no Babel at run time; tests/test_i18n.py fails when a .mo is not the compiled .po, or a
catalog is out of date with the source. tools/catalogs.py extracts, updates and compiles them.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .settings import current, language_variable

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "formkit"
CLICK_DOMAIN = "click"
LANGUAGES = ("vi", "en")
DEFAULT = "vi"


class _Current:
    """The language this process speaks now (set by use())."""

    lang: str = DEFAULT
    catalog: gettext.NullTranslations = gettext.NullTranslations()


def choose(explicit: str | None = None, locale: tuple[str, ...] | None = None) -> str:
    """The language to speak: --lang if given, else the first locale variable that is set
    ("en_US.UTF-8" → en); Vietnamese when nothing asks for a language formkit has (C, POSIX, fr)."""
    if explicit:
        return _code(explicit) or DEFAULT
    for value in current().locale if locale is None else locale:
        if value:
            # LANGUAGE may list several ("fr:en"): the first one formkit speaks wins.
            return next((code for part in value.split(":") if (code := _code(part))), DEFAULT)
    return DEFAULT


def _code(locale_name: str) -> str | None:
    code = locale_name.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def use(lang: str) -> None:
    """Speak `lang` from now on (formkit's messages; Click's follow inside `speaking`)."""
    _Current.catalog = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    _Current.lang = lang


def language() -> str:
    return _Current.lang


def _(message: str) -> str:
    return _Current.catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _Current.catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for the catalog where it is defined; it is translated where it is shown."""
    return message


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Run the CLI in `lang`: our catalog, and Click's strings through the stdlib gettext Click
    uses (domain "click", language from LANGUAGE). Restores the process's settings afterwards."""
    saved_lang, saved_domain = language(), gettext.textdomain()
    use(lang)
    gettext.bindtextdomain(CLICK_DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(CLICK_DOMAIN)
    try:
        with language_variable(lang):
            yield
    finally:
        use(saved_lang)
        gettext.textdomain(saved_domain)


use(choose())  # the library speaks the environment's language too, not only the CLI


def percent(value: float | None, width: int = 0) -> str:
    """88.32 % in English, 88,32 % in Vietnamese (the decimal comma, as in the report)."""
    if value is None:
        return "—"
    text = f"{value:{width}.2f}"
    return (text.replace(".", ",") if language() == "vi" else text) + " %"


def whole(value: int) -> str:
    """10,000,000 in English, 10.000.000 in Vietnamese (the dot groups thousands)."""
    text = f"{value:,}"
    return text.replace(",", ".") if language() == "vi" else text

"""Output that never fails on a letter the stream cannot encode.

On Windows a redirected or piped output (`formkit pull > log.txt`, a Task Scheduler job, Git
Bash) gets the ANSI code page, cp1252 or cp1258, which lacks most Vietnamese letters; Python then
raises UnicodeEncodeError in the middle of a command. formkit decides once, at the CLI edge:

- a file or a pipe whose encoding nobody chose is written in UTF-8 (what Python 3.15 does by
  default, PEP 686);
- a console, or an encoding chosen with PYTHONIOENCODING, is kept; a letter it lacks is written
  as composed as the code page allows plus combining marks (cp1258 has "ê" and the combining
  acute, so "ế" survives), else as a \\uXXXX escape. Both are lossless: NFC of the first gives the
  letter back, and the escape names it.
"""

from __future__ import annotations

import codecs
import unicodedata
from itertools import combinations


def lossless(encoding: str) -> str:
    """The name of the error handler that spells what `encoding` lacks (registered on first use;
    a charmap codec reports its encoding as "charmap", so each code page gets its own handler)."""
    encoding = codecs.lookup(encoding).name
    name = f"formkit-lossless-{encoding}"
    try:
        codecs.lookup_error(name)
    except LookupError:
        def handler(error: UnicodeError) -> tuple[str, int]:
            if not isinstance(error, UnicodeEncodeError):
                raise error
            return "".join(_spell(c, encoding) for c in error.object[error.start:error.end]), error.end

        codecs.register_error(name, handler)
    return name


def _spell(letter: str, encoding: str) -> str:
    decomposed = unicodedata.normalize("NFD", letter)
    base, marks = decomposed[:1], decomposed[1:]
    for keep in range(len(marks), -1, -1):  # the most composed spelling the code page has
        for kept in combinations(range(len(marks)), keep):  # "ệ": ê (U+00EA) + the dot below, in cp1258
            spelled = unicodedata.normalize("NFC", base + "".join(marks[i] for i in kept)) + "".join(
                m for i, m in enumerate(marks) if i not in kept)
            try:
                spelled.encode(encoding)
                return spelled
            except UnicodeEncodeError:
                continue
    return letter.encode("ascii", "backslashreplace").decode("ascii")


def safe_streams(streams, encoding_chosen: bool) -> None:
    """Make each text stream safe for any text (see the module's docstring)."""
    for stream in streams:
        encoding = codecs.lookup(getattr(stream, "encoding", None) or "ascii").name
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding == "utf-8" or reconfigure is None:
            continue
        try:
            if encoding_chosen or stream.isatty():
                reconfigure(errors=lossless(encoding))
            else:
                reconfigure(encoding="utf-8")
        except (ValueError, OSError):  # a stream already read from, or closed
            continue

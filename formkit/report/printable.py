"""Text as a document can hold it. Answers, comments, names and roster cells are kept in the
store exactly as received; XLSX (XML 1.0), PDF and DOCX cannot carry control characters (VT,
ESC, NUL …): an XLSX writer refuses them and a PDF draws boxes. Every writer passes text through
printable() once, where the text enters the document."""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")  # what some keyboards and systems send for a new line
# controls, non-characters, lone surrogates
_UNPRINTABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def printable(text: object) -> str:
    """NFC text with line breaks as "\\n", tabs kept, every other control character removed."""
    text = str(text)
    if text.isprintable():  # no control character at all (most cells): nothing to replace
        return unicodedata.normalize("NFC", text)
    cleaned = _UNPRINTABLE.sub("", _LINE_BREAKS.sub("\n", text))
    return unicodedata.normalize("NFC", cleaned)

"""Fonts shipped inside the package and registered with ReportLab (its built-in fonts cannot draw
Vietnamese). TrueType fonts registered this way are embedded (subset) in every PDF that uses them.

  SANS, SANS_BOLD      Noto Sans (OFL): posters and labels
  SERIF, SERIF_BOLD,   Liberation Serif (OFL), metric-compatible with Times New Roman, which
  SERIF_ITALIC         Nghị định 30/2020/NĐ-CP asks for in official documents
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cache

from .resources import fonts_dir

SANS, SANS_BOLD = "NotoSans", "NotoSans-Bold"
SERIF, SERIF_BOLD, SERIF_ITALIC = "LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"

_FILES = {
    SANS: "NotoSans-Regular.ttf",
    SANS_BOLD: "NotoSans-Bold.ttf",
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
}


@cache
def register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(fonts_dir() / file)))
    # Let <b> and <i> in Paragraph markup find the right faces.
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, SANS_BOLD)
    addMapping(SERIF, 0, 0, SERIF)
    addMapping(SERIF, 1, 0, SERIF_BOLD)
    addMapping(SERIF, 0, 1, SERIF_ITALIC)
    addMapping(SERIF, 1, 1, SERIF_BOLD)


_a85_lock = threading.Lock()


@contextmanager
def binary_pdf_streams():
    """ReportLab wraps every stream in ASCII85 by default (+25 % size, for 7-bit mail of the
    1990s); it reads the switch while drawing and while saving, so hold it off for both."""
    from reportlab import rl_config

    with _a85_lock:
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = saved

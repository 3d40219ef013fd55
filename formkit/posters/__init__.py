"""Printable QR table stands, commune posters and field labels (`formkit posters`).

    from formkit.posters import PosterOptions, make_posters
    result = make_posters(workspace, state, PosterOptions(layout="a5-table-stand"))

Modules: layouts (the TOML layout files and their checks), photos (print-ready officer photos),
qr (vector QR codes), textfit (wrapping and shrinking text into boxes), render (drawing pages),
make (selection, links from the state file, writing the PDFs).
"""

from .layouts import Layout, list_layouts, load_layout
from .make import DEFAULT_LAYOUT, PosterOptions, PosterResult, make_posters

__all__ = ["DEFAULT_LAYOUT", "Layout", "PosterOptions", "PosterResult", "list_layouts", "load_layout", "make_posters"]

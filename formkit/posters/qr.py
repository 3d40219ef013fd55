"""QR codes drawn as vector shapes: sharp at any printer resolution, a few hundred bytes each.

segno computes the module matrix; each row's runs of dark modules become rectangles of one
path, filled once. Filling them as a single path matters: rasterisers then add up coverage
across the shared edges, so no hairline seams appear between rows on screen or in a preview.
The path is written in module units (a transform scales it), so it is short integers: a few
kilobytes before compression, and quick to write for hundreds of pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class Placed:
    """Where a code went on the page, in PDF points (origin bottom-left)."""

    x: float
    y: float
    side: float  # including the quiet zone
    modules: int  # across the symbol, without the quiet zone
    quiet_zone: int

    @property
    def module(self) -> float:
        return self.side / (self.modules + 2 * self.quiet_zone)


def make(url: str, error: str = "M") -> segno.QRCode:
    # boost_error raises the level when the same version has room: free robustness.
    return segno.make_qr(url, error=error.lower(), boost_error=True)


def draw(canvas, code: segno.QRCode, x: float, y: float, side: float, quiet_zone: int = 4) -> Placed:
    """Draw `code` in the square (x, y, side) — bottom-left corner, points — quiet zone included."""
    matrix = code.matrix
    n = len(matrix)
    module = side / (n + 2 * quiet_zone)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, side, side, stroke=0, fill=1)  # the quiet zone stays light on any background
    canvas.setFillColorRGB(0, 0, 0)
    # One unit per module, y growing downwards from the symbol's top-left corner.
    canvas.transform(module, 0, 0, -module, x + quiet_zone * module, y + side - quiet_zone * module)
    ops = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            ops.append(f"{start} {r} {c - start} 1 re")
    ops.append("f")
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()
    return Placed(x, y, side, n, quiet_zone)

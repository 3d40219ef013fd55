"""One image of one ballot page → its page id and the ink in every bubble and box.

How (the way SDAPS, queXF and Auto Multiple Choice do it): the page's QR gives the page id and,
from its four corners, a first page→image mapping; that mapping says where the four corner
markers must be; the markers found there give the final perspective mapping; the page is warped
flat, its uneven light divided out, and each bubble's ink measured as the mean darkness inside
it (the printed ring excluded). Thresholds decide; what they cannot decide goes to a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
import zxingcpp

from ..posters import qr
from .register import PageId

SCALE = 2.0  # pixels per PDF point in the flattened page (144 dpi)
INNER = 0.7  # the part of the bubble measured: the printed ring stays outside
MARK, FAINT = 0.24, 0.09  # darkness: ≥ MARK is a mark; below FAINT nothing; between, a person looks
BOX_INK = 0.004  # share of a box's pixels that are ink before the box counts as written in
QR_BORDER = 3  # the quiet zone render.py draws, in modules
# zxing-cpp takes one format as it is at run time; its stubs ask for a BarcodeFormats set
QR_ONLY: zxingcpp.BarcodeFormats = zxingcpp.BarcodeFormat.QRCode  # type: ignore[assignment]
RING_INK = 0.15  # median darkness along the printed bubble rings of a page flattened right (~0.4)
MAX_QR_MISS = 0.25  # the final mapping may miss the QR's corners by this share of a marker's side


@dataclass
class PageImage:
    page_id: PageId
    flat: np.ndarray  # the page flattened, grey, SCALE px per point
    dark: np.ndarray  # 0 paper … 1 ink, light evened out


@dataclass
class Decision:
    answer: str | None  # the option chosen; None: blank
    review: str = ""  # why a person must look: "" when decided
    scores: dict[str, float] = field(default_factory=dict)


def find_page_ids(gray: np.ndarray) -> list[tuple[PageId | None, str, np.ndarray]]:
    """Every QR in the image: (page id or None when not ours, its text, its 4 corners in the image)."""
    barcodes = zxingcpp.read_barcodes(gray, formats=QR_ONLY)
    found = [(b, 1.0) for b in barcodes]
    if not barcodes and max(gray.shape) > 2400:  # a large photo: the decoder does better on less
        factor = 2000 / max(gray.shape)
        small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        found = [(b, 1 / factor) for b in zxingcpp.read_barcodes(small, formats=QR_ONLY)]
    out = []
    for barcode, k in found:
        p = barcode.position
        corners = np.array([[c.x, c.y] for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)],
                           np.float64) * k
        out.append((PageId.parse(barcode.text), barcode.text, corners))
    return out


@lru_cache(maxsize=256)
def _modules(shape: str) -> int:
    """Modules across a printed code. The payload's digits are replaced by 0 in `shape`: the code's
    size depends on the payload's length and character kinds only, so one computation serves all."""
    return int(qr.make(shape, "Q").symbol_size(border=0)[0])


def _symbol_corners(geometry: dict, page_id: PageId) -> np.ndarray:
    """The QR symbol's corners on the page (TL, TR, BR, BL as the code reads), in points."""
    spot = geometry["qr"]
    modules = _modules(re.sub(r"\d", "0", page_id.payload))
    module = spot["side"] / (modules + 2 * QR_BORDER)
    x0, y0 = spot["x"] + QR_BORDER * module, spot["y"] + QR_BORDER * module
    x1, y1 = spot["x"] + spot["side"] - QR_BORDER * module, spot["y"] + spot["side"] - QR_BORDER * module
    return np.array([[x0, y1], [x1, y1], [x1, y0], [x0, y0]], np.float64)


def _squares(gray: np.ndarray, side_px: float) -> np.ndarray:
    """Centres of every dark filled square about side_px wide in the whole image: the fallback
    when strong perspective puts a marker far from where the QR alone predicts it."""
    k = min(1.0, 12 / side_px)
    small = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    block = int(side_px * k * 4) | 1
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 25)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    expected = (side_px * k) ** 2
    out = []
    for i in range(1, count):
        left, top, w, h, area = stats[i]
        if 0.4 * expected <= area <= 2.5 * expected and max(w, h) <= 1.6 * min(w, h) and area >= 0.5 * w * h \
                and _square(labels[top:top + h, left:left + w] == i, area):
            out.append(centroids[i] / k)
    return np.array(out, np.float64).reshape(-1, 2)


def _find_marker(gray: np.ndarray, centre: np.ndarray, side_px: float) -> np.ndarray | None:
    """The dark square nearest `centre` whose size and shape fit, searched in a window around it
    (wide: the first guess comes from the small QR and can be off by a few marker sizes)."""
    half = int(side_px * 5)
    x, y = int(round(centre[0])), int(round(centre[1]))
    x0, y0 = max(x - half, 0), max(y - half, 0)
    window = gray[y0:y + half, x0:x + half]
    if window.size == 0 or min(window.shape) < side_px:
        return None
    _, ink = cv2.threshold(window, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    best, best_distance = None, None
    expected = side_px * side_px
    for i in range(1, count):
        area = stats[i, cv2.CC_STAT_AREA]
        if not 0.4 * expected <= area <= 2.2 * expected:
            continue
        point = centroids[i] + (x0, y0)
        distance = float(np.hypot(*(point - centre)))
        if distance > side_px * 4.5 or (best_distance is not None and distance >= best_distance):
            continue
        left, top, w, h = stats[i, :4]
        if _square(labels[top:top + h, left:left + w] == i, area):
            best, best_distance = point, distance
    return best


def _square(mask: np.ndarray, area: float) -> bool:
    """A filled square at any angle, not a filled disc (which fills 79 % of its tightest box)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    (_, _), (rw, rh), _ = cv2.minAreaRect(contours[0])
    return bool(rw * rh) and area / (rw * rh) >= 0.86 and max(rw, rh) <= 1.5 * min(rw, rh)


def _fit(geometry: dict, page_id: PageId, qr_corners: np.ndarray, markers: list[dict],
         found: dict[int, np.ndarray]) -> tuple[np.ndarray | None, float]:
    """Page→image mapping from the QR and the markers found, and how far it misses the QR's
    corners (pixels): the markers span the page, so they are trusted over the small QR."""
    qr_page = _symbol_corners(geometry, page_id)
    src = [*qr_page] + [[markers[i]["x"], markers[i]["y"]] for i in found] * 4
    dst = [*qr_corners] + list(found.values()) * 4
    fitted, _ = cv2.findHomography(np.array(src, np.float64), np.array(dst, np.float64))
    if fitted is None:
        return None, float("inf")
    back = cv2.perspectiveTransform(qr_page.reshape(1, -1, 2), fitted)[0]
    return fitted, float(np.abs(back - qr_corners).max())


def _assign(gray, geometry, page_id, qr_corners, markers, found, to_image, scale) -> dict[int, np.ndarray]:
    """Markers the first guesses missed, chosen among all marker-like squares in the image: the
    choice whose mapping fits the QR best (strong perspective puts them far from the guess)."""
    import itertools

    squares = _squares(gray, markers[0]["size"] * scale)
    missing = [i for i in range(len(markers)) if i not in found]
    options: list[list[np.ndarray]] = []
    for i in missing:
        guess = cv2.perspectiveTransform(np.array([[[markers[i]["x"], markers[i]["y"]]]], np.float64), to_image)[0, 0]
        near = sorted(squares, key=lambda q: float(np.hypot(*(q - guess))))[:6] if len(squares) else []
        options.append([q for q in near if np.hypot(*(q - guess)) < markers[i]["size"] * scale * 12])
    best, best_error = found, float("inf")
    for choice in itertools.product(*[o + [None] for o in options]):
        trial = dict(found)
        trial.update({i: q for i, q in zip(missing, choice, strict=False) if q is not None})
        if len(trial) < 3 or len({tuple(q.round()) for q in trial.values()}) < len(trial):
            continue
        _, error = _fit(geometry, page_id, qr_corners, markers, trial)
        error += 0.5 * (len(markers) - len(trial))  # prefer using every marker at equal fit
        if error < best_error:
            best, best_error = trial, error
    return best


def flatten(gray: np.ndarray, geometry: dict, page_id: PageId, qr_corners: np.ndarray) -> PageImage | None:
    """The page warped flat from the QR and the corner markers; None when the markers are not there."""
    width, height = geometry["page_size"]
    qr_page = _symbol_corners(geometry, page_id)
    to_image, _ = cv2.findHomography(qr_page, qr_corners)
    if to_image is None:
        return None
    # Guesses from the QR alone first. The QR is small, so its mapping extrapolates badly across
    # the page (a pixel of error at its corners moves a far marker by tens); the markers found
    # then guide the search for the others, through a mapping stable enough to extrapolate.
    markers = [m for m in geometry["markers"] if m["page"] == page_id.page]
    scale = _qr_scale(qr_page, qr_corners)  # image px per point near the QR: the size to look for
    found: dict[int, np.ndarray] = {}
    for _attempt in range(2):
        _look(gray, markers, found, to_image, scale)
        guide = to_image
        if 2 <= len(found) < len(markers):
            guide, scale = _similarity(qr_page, qr_corners, markers, found)
            _look(gray, markers, found, guide, scale)
        if len(found) < 3:
            found = _assign(gray, geometry, page_id, qr_corners, markers, found, guide, scale)
        if len(found) < 3:
            return None
        fitted, error = _fit(geometry, page_id, qr_corners, markers, found)
        if fitted is None or error > MAX_QR_MISS * markers[0]["size"] * scale:
            return None  # the squares found are not the markers: better unread than misread
        to_image = fitted
        if len(found) == len(markers):
            break
    flat_from_page = np.array([[SCALE, 0, 0], [0, -SCALE, height * SCALE], [0, 0, 1]], np.float64)
    flat_to_image = to_image @ np.linalg.inv(flat_from_page)
    size = (int(width * SCALE), int(height * SCALE))
    flat = cv2.warpPerspective(gray, flat_to_image, size, flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                               borderValue=255)
    page = PageImage(page_id, flat, darkness(flat))
    # The markers fit the QR, but a filled bubble taken for a hidden marker can too (the QR lies
    # near the top edge and says little about the bottom): the printed rings must be where the
    # mapping puts them, else the page is not read at all rather than read misplaced.
    return page if _rings_in_place(page, geometry) else None


def _rings_in_place(page: PageImage, geometry: dict) -> bool:
    """Whether most of the page's printed bubble rings are dark where the layout puts them
    (within a quarter of their radius: ink is measured well inside them)."""
    bubbles = [b for b in geometry["bubbles"] if b["page"] == page.page_id.page]
    if not bubbles:
        return True
    centres = np.array([pixel(page, b["x"], b["y"]) for b in bubbles])  # (n, 2)
    radii = np.array([b["r"] * SCALE for b in bubbles])[:, None, None] * np.array([0.75, 0.875, 1, 1.125, 1.25])[
        None, :, None]  # (n, 5, 1)
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)[None, None, :]
    xs = np.clip(np.round(centres[:, 0, None, None] + radii * np.cos(angles)).astype(int), 0, page.dark.shape[1] - 1)
    ys = np.clip(np.round(centres[:, 1, None, None] + radii * np.sin(angles)).astype(int), 0, page.dark.shape[0] - 1)
    rings = page.dark[ys, xs].mean(axis=2).max(axis=1)  # each bubble: its darkest circle near r
    return float(np.median(rings)) >= RING_INK


def _look(gray: np.ndarray, markers: list[dict], found: dict[int, np.ndarray], to_image: np.ndarray,
          scale: float) -> None:
    """Each marker not found yet, looked for where `to_image` puts it."""
    for i, m in enumerate(markers):
        if i not in found:
            guess = cv2.perspectiveTransform(np.array([[[m["x"], m["y"]]]], np.float64), to_image)[0, 0]
            point = _find_marker(gray, guess, m["size"] * scale)
            if point is not None:
                found[i] = point


def _qr_scale(qr_page: np.ndarray, qr_corners: np.ndarray) -> float:
    """Image pixels per point at the QR, from its area (not from its mapping extrapolated to the
    page's corner, which can be far off)."""
    return float(np.sqrt(cv2.contourArea(qr_corners.astype(np.float32)) /
                         max(cv2.contourArea(qr_page.astype(np.float32)), 1e-9)))


def _similarity(qr_page: np.ndarray, qr_corners: np.ndarray, markers: list[dict],
                found: dict[int, np.ndarray]) -> tuple[np.ndarray, float]:
    """Page→image rotation, uniform scale and shift fitted to the QR and the markers found (the
    markers weigh more: they lie far apart), and its scale. Two markers along one edge fix it well
    where a full perspective fit would guess the far edge wildly."""
    src = [*qr_page] + [[markers[i]["x"], markers[i]["y"]] for i in found] * 4
    dst = [*qr_corners] + list(found.values()) * 4
    rows = []
    for (x, y) in src:  # the page's y runs up, the image's down: a turn of (x, -y)
        rows += [[x, y, 1, 0], [-y, x, 0, 1]]
    (a, b, tx, ty), *_ = np.linalg.lstsq(np.array(rows, np.float64), np.array(dst, np.float64).ravel(), rcond=None)
    return np.array([[a, b, tx], [b, -a, ty], [0, 0, 1]], np.float64), float(np.hypot(a, b))


def darkness(flat: np.ndarray) -> np.ndarray:
    """0 for paper, 1 for full ink, with shadows and uneven light divided out: the paper's own
    brightness is estimated by a wide grey-level closing (which removes marks and text)."""
    small = cv2.resize(flat, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    paper = cv2.GaussianBlur(paper, (0, 0), 3)
    paper = cv2.resize(paper, (flat.shape[1], flat.shape[0]), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    return np.clip(1.0 - flat.astype(np.float32) / np.maximum(paper, 40.0), 0.0, 1.0)


def pixel(page: PageImage, x: float, y: float) -> tuple[float, float]:
    return x * SCALE, page.flat.shape[0] - y * SCALE


def bubble_ink(page: PageImage, bubble: dict) -> float:
    cx, cy = pixel(page, bubble["x"], bubble["y"])
    r = bubble["r"] * SCALE * INNER
    x0, y0, x1, y1 = int(cx - r - 1), int(cy - r - 1), int(cx + r + 2), int(cy + r + 2)
    patch = page.dark[max(y0, 0):y1, max(x0, 0):x1]
    yy, xx = np.mgrid[max(y0, 0):max(y0, 0) + patch.shape[0], max(x0, 0):max(x0, 0) + patch.shape[1]]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    return float(patch[inside].mean()) if inside.any() else 0.0


def decide(scores: dict[str, float]) -> Decision:
    marked = [o for o, s in scores.items() if s >= MARK]
    unsure = [o for o, s in scores.items() if FAINT <= s < MARK]
    rounded = {o: round(s, 3) for o, s in scores.items()}
    if len(marked) > 1:
        return Decision(None, "nhiều ô được tô", rounded)
    if unsure:
        return Decision(None, "dấu mờ hoặc đã gạch bỏ" if marked else "dấu mờ", rounded)
    return Decision(marked[0] if marked else None, "", rounded)


def box_ink(page: PageImage, box: dict) -> bool:
    inset = 4.0
    x0, y1 = pixel(page, box["x"] + inset, box["y"] + inset)
    x1, y0 = pixel(page, box["x"] + box["w"] - inset, box["y"] + box["h"] - inset)
    region = page.dark[int(y0):int(y1), int(x0):int(x1)]
    return bool(region.size) and float((region > 0.35).mean()) > BOX_INK


def crop(page: PageImage, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """The flattened page between two points (page coordinates, any order)."""
    (a, b), (c, d) = pixel(page, x0, y0), pixel(page, x1, y1)
    top, bottom = int(max(min(b, d), 0)), int(min(max(b, d), page.flat.shape[0]))
    left, right = int(max(min(a, c), 0)), int(min(max(a, c), page.flat.shape[1]))
    return page.flat[top:bottom, left:right]

"""A simulated hand and a simulated phone camera, for the demo, the tests and the benchmark.

The hand marks a printed ballot the ways people do (a filled circle, a tick, a cross, light
pencil, a mark crossed out with another chosen); the camera photographs it the way a phone held
over a table does (rotation, perspective, blur, uneven light, JPEG compression).
"""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np

from ..ballots.scan import render_grey

STYLES = ("filled", "tick", "cross", "pencil")


def render_pages(pdf: Path, dpi: float, first: int = 0, count: int | None = None) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    last = len(doc) if count is None else min(len(doc), first + count)
    pages = [render_grey(doc, i, dpi) for i in range(first, last)]
    doc.close()
    return pages


def mark(image: np.ndarray, x: float, y: float, r: float, style: str, rng: random.Random) -> None:
    """One mark centred near (x, y) pixels, bubble radius r pixels, drawn in place."""
    x += rng.uniform(-0.15, 0.15) * r
    y += rng.uniform(-0.15, 0.15) * r
    pen = max(1, int(round(r * 0.22)))
    ink = rng.randint(15, 60)
    centre = (int(x), int(y))
    if style == "filled":
        cv2.circle(image, centre, int(r * rng.uniform(0.8, 1.0)), ink, -1, cv2.LINE_AA)
    elif style == "pencil":
        cv2.circle(image, centre, int(r * rng.uniform(0.75, 0.95)), rng.randint(120, 150), -1, cv2.LINE_AA)
    elif style == "tick":
        points = np.array([[x - 0.7 * r, y], [x - 0.1 * r, y + 0.7 * r], [x + 0.9 * r, y - 0.9 * r]], np.int32)
        cv2.polylines(image, [points], False, ink, pen + 1, cv2.LINE_AA)
    elif style == "cross":
        for sign in (-1, 1):
            cv2.line(image, (int(x - 0.8 * r), int(y - sign * 0.8 * r)), (int(x + 0.8 * r), int(y + sign * 0.8 * r)),
                     ink, pen + 1, cv2.LINE_AA)
    elif style == "struck":  # a filled mark crossed out with a big X
        cv2.circle(image, centre, int(r * 0.9), ink, -1, cv2.LINE_AA)
        for sign in (-1, 1):
            cv2.line(image, (int(x - 1.6 * r), int(y - sign * 1.6 * r)), (int(x + 1.6 * r), int(y + sign * 1.6 * r)),
                     ink, pen + 1, cv2.LINE_AA)


def scribble(image: np.ndarray, x0: float, y0: float, x1: float, y1: float, rng: random.Random) -> None:
    """Handwriting-like strokes inside a box (pixels)."""
    y = y0 + (y1 - y0) * 0.3
    x = x0 + 10
    while x < x0 + (x1 - x0) * 0.6:
        cv2.line(image, (int(x), int(y)), (int(x + 8), int(y + rng.uniform(-6, 6))), 30, 2, cv2.LINE_AA)
        x += 9


def fill_page(image: np.ndarray, geometry: dict, page: int, dpi: float, answers: dict[str, str],
              styles: dict[str, str], rng: random.Random, struck: dict[str, str] | None = None,
              boxes: tuple[str, ...] = ()) -> None:
    """Mark `answers` (question -> option) on page `page` of a rendered ballot, in place.
    struck: question -> an option marked and then crossed out (the answer is marked beside it)."""
    k = dpi / 72
    height = image.shape[0]
    for b in geometry["bubbles"]:
        if b["page"] != page:
            continue
        x, y, r = b["x"] * k, height - b["y"] * k, b["r"] * k
        if answers.get(b["question"]) == b["option"]:
            mark(image, x, y, r, styles.get(b["question"], "filled"), rng)
        elif struck and struck.get(b["question"]) == b["option"]:
            mark(image, x, y, r, "struck", rng)
    for box in geometry["boxes"]:
        if box["page"] == page and box["role"] in boxes:
            scribble(image, box["x"] * k, height - (box["y"] + box["h"]) * k, (box["x"] + box["w"]) * k,
                     height - box["y"] * k, rng)


def photograph(image: np.ndarray, rng: random.Random, rotation: float = 10, perspective: float = 0.15,
               quality: int = 60) -> bytes:
    """The page as a phone photo on a table: JPEG bytes."""
    h, w = image.shape
    pad = int(0.12 * max(h, w))
    canvas = np.full((h + 2 * pad, w + 2 * pad), rng.randint(70, 130), np.uint8)  # the table
    canvas[pad:pad + h, pad:pad + w] = image
    H, W = canvas.shape
    src = np.array([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]], np.float32)
    # Perspective: one edge nearer the camera than the opposite one, by up to `perspective`.
    tilt = rng.uniform(-perspective, perspective)
    shrink = np.array([[abs(tilt) * w / 2 * (tilt > 0), 0], [-abs(tilt) * w / 2 * (tilt > 0), 0],
                       [-abs(tilt) * w / 2 * (tilt < 0), 0], [abs(tilt) * w / 2 * (tilt < 0), 0]], np.float32)
    jitter = np.array([[rng.uniform(-1, 1) * 0.02 * w, rng.uniform(-1, 1) * 0.02 * h] for _ in range(4)], np.float32)
    dst = src + shrink + jitter
    centre = dst.mean(axis=0)
    angle = np.radians(rng.uniform(-rotation, rotation))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    dst = (dst - centre) @ rot.T + centre
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    photo = cv2.warpPerspective(canvas, matrix, (W, H), flags=cv2.INTER_LINEAR, borderValue=100)
    photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.4, 1.3))
    yy, xx = np.arange(H, dtype=np.float32)[:, None], np.arange(W, dtype=np.float32)[None, :]
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * xx / W + np.sin(direction) * yy / H)
    light = 1.0 - rng.uniform(0.15, 0.4) * (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    photo = np.clip(photo.astype(np.float32) * light + rng.uniform(-8, 8), 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()

"""Benchmark for `formkit posters`: 500 officer pages from 12-megapixel phone photos.

    python benchmarks/posters.py [--pages 500] [--photos 40] [--cache DIR] [--baseline-pages N]

Prints wall time, pages per second and PDF bytes per page for formkit's photo pipeline, then the
same figures for the naive baseline that embeds each original photo unchanged. Targets (issue 3):
≤ 150 KB per page and ≥ 20 pages per second on a 2-core machine.

The photos are generated once into the cache folder (default benchmarks/out/photos-12mp, which git
ignores): `--photos` different 12 MP JPEGs of 3–4 MB — portrait, landscape and stored sideways
with an EXIF orientation tag, as phones do — shared round-robin by the officers. Every officer's
photo is decoded and prepared on its own; nothing is cached between officers.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from PIL import Image, ImageChops, ImageDraw, ImageOps  # noqa: E402

from formkit.forms.formspec import build_bodies  # noqa: E402
from formkit.forms.state import FormRecord, QuestionRecord, State  # noqa: E402
from formkit.posters import PosterOptions, make_posters  # noqa: E402
from formkit.posters import make as poster_make  # noqa: E402
from formkit.posters.photos import Photo  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402

HERE = Path(__file__).resolve().parent
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu", "Quang", "Hoàng"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Long", "Mai",
         "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến"]
TITLES = ["Công chức Văn phòng - Thống kê", "Công chức Tư pháp - Hộ tịch", "Công chức Địa chính - Xây dựng",
          "Công chức Văn hóa - Xã hội", "Công chức Tài chính - Kế toán"]


def phone_photo(index: int) -> bytes:
    """A 12 MP JPEG with a phone photo's size and texture: gradient, a figure, sensor-like noise."""
    shape = index % 3  # 0 portrait, 1 landscape, 2 portrait stored sideways (EXIF 6)
    size = (4000, 3000) if shape == 1 else (3000, 4000)
    w, h = size
    top = ((37 * index) % 200 + 30, (91 * index) % 200 + 30, (53 * index) % 200 + 30)
    bottom = tuple(255 - c for c in top)
    image = ImageOps.colorize(Image.linear_gradient("L").resize(size), top, bottom)
    draw = ImageDraw.Draw(image)
    skin = (225 - index % 40, 190 - index % 30, 165)
    draw.ellipse((w * 0.36, h * 0.2, w * 0.64, h * 0.48), fill=skin)
    draw.ellipse((w * 0.18, h * 0.52, w * 0.82, h * 1.2), fill=tuple(c // 3 for c in top))
    grain = Image.effect_noise((w // 2, h // 2), 18 + index % 8).resize(size)
    image = ImageChops.add(image, Image.merge("RGB", (grain, grain, grain)), 1.0, -128)
    exif = Image.Exif()
    if shape == 2:
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def ensure_photos(cache: Path, count: int) -> list[Path]:
    cache.mkdir(parents=True, exist_ok=True)
    paths = [cache / f"photo-{i:03d}.jpg" for i in range(count)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"generating {len(missing)} 12-megapixel photos in {cache} (once) …", flush=True)
        for i, path in enumerate(paths):
            if path in missing:
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(phone_photo(i))
                tmp.replace(path)
    return paths


def write_workspace(root: Path, photos: list[Path], pages: int, per_commune: int = 50) -> None:
    lines = ['template = "sipas-2640"', "", "[unit]", 'kind = "Tỉnh"', 'name = "Tây Ninh"', ""]
    for n in range(0, pages, per_commune):
        c = n // per_commune + 1
        lines += ["[[communes]]", f'id = "xa-{c:02d}"', 'kind = "Xã"', f'name = "Thạnh Đức {c}"',
                  'fields = ["Hộ tịch", "Chứng thực", "Đất đai"]', ""]
        for i in range(n, min(pages, n + per_commune)):
            name = f"{FAMILY[i % len(FAMILY)]} {MIDDLE[(i // 3) % len(MIDDLE)]} {GIVEN[(i * 7) % len(GIVEN)]}"
            lines += ["[[communes.officers]]", f'id = "can-bo-{i:04d}"', f'name = "{name}"',
                      f'title = "{TITLES[i % len(TITLES)]}"', f'counter = "Quầy {i % per_commune + 1}"',
                      f'photo = "{photos[i % len(photos)]}"', ""]
    root.mkdir(parents=True, exist_ok=True)
    (root / "formkit.toml").write_text("\n".join(lines), encoding="utf-8")


def published(ws) -> State:
    """Forms as `formkit create` records them, without a server: ids and options from build_bodies."""
    state = State(ws.state_file)
    for commune in ws.communes:
        bodies = build_bodies(ws.template, commune, ws.unit, "bench")
        questions = {b.question.id: QuestionRecord(b.question_id, b.item_id, b.question.title, list(b.options))
                     for b in bodies.questions if b.question_id}
        key = (commune.id.replace("-", "") * 12)[:47]
        state.add(commune.id, FormRecord(
            ws.template.id, ws.template.version, "google", bodies.create["info"]["documentTitle"], step="published",
            form_id=commune.id, responder_uri=f"https://docs.google.com/forms/d/e/1FAIpQLS{key}/viewform",
            questions=questions, officer_options=dict(bodies.officer_options),
            field_options=list(bodies.field_options)))
    return state


def original_photo(path, size, quality=None):
    """The naive baseline: the original file embedded as it is (no rotation, crop or downscale)."""
    with Image.open(path) as image:  # reads the header only
        return Photo(Path(path).read_bytes(), *image.size)


def cpu_seconds() -> float:
    """This process's CPU time and that of its finished children (the photo workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(label: str, ws, state, out: Path, officers: int, prepare=None) -> None:
    """make_posters as the CLI runs it; `prepare` replaces formkit's photo step (the baseline)."""
    photos = poster_make.photo_prep
    kept = photos.prepare
    photos.prepare = prepare or kept  # forked workers inherit the replacement
    try:
        cpu, start = cpu_seconds(), time.perf_counter()
        result = make_posters(ws, state, PosterOptions(out_dir=out))
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    finally:
        photos.prepare = kept
    size = sum(p.stat().st_size for p in result.files)
    print(f"{label}:")
    print(f"  {officers} officer pages (+{result.pages - officers} commune pages) in {len(result.files)} PDFs")
    print(f"  wall time     {wall:8.2f} s   (CPU {cpu:.1f} s, {cpu / officers * 1000:.0f} ms a page)")
    print(f"  pages/second  {officers / wall:8.1f}")
    print(f"  bytes/page    {size / result.pages / 1024:8.1f} KB   (total {size / 1e6:.1f} MB)")
    if result.warnings:
        print(f"  warnings      {len(result.warnings)}, first: {result.warnings[0]}")
    for path in result.files:
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="officer pages (default 500)")
    parser.add_argument("--photos", type=int, default=40, help="distinct 12 MP photos to generate (default 40)")
    parser.add_argument("--cache", type=Path, default=HERE / "out" / "photos-12mp")
    parser.add_argument("--baseline-pages", type=int, default=None,
                        help="officer pages for the naive baseline (default: --pages; its PDFs are ~4 MB a page)")
    args = parser.parse_args()

    photos = ensure_photos(args.cache, args.photos)
    total = sum(p.stat().st_size for p in photos)
    print(f"photos: {len(photos)} × 12 MP JPEG, {total / len(photos) / 1e6:.1f} MB on average; "
          f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} (other work skews the times)")
    with tempfile.TemporaryDirectory(prefix="formkit-bench-") as tmp_name:
        tmp = Path(tmp_name)
        write_workspace(tmp / "ws", photos, args.pages)
        ws = load_workspace(tmp / "ws")
        measure("formkit (EXIF-rotate, crop 3:4, ~300 dpi, JPEG once per officer)", ws, published(ws),
                tmp / "out", args.pages)

        baseline = args.baseline_pages or args.pages
        write_workspace(tmp / "naive", photos, baseline)
        naive = load_workspace(tmp / "naive")
        measure("naive baseline (original photos embedded unchanged)", naive, published(naive),
                tmp / "naive-out", baseline, prepare=original_photo)

if __name__ == "__main__":
    main()

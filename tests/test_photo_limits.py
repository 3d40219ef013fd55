"""Photos that would swallow the machine or loop forever: refused from the header, with the file
named; GIFs (animated too) are read as their first frame. Never an internal error."""

from __future__ import annotations

import struct
import time
import zlib

import pytest
from PIL import Image

from formkit.posters.photos import PhotoError, prepare


def huge_png(path, side: int = 12_500) -> None:
    """A valid PNG header for side × side pixels and a few compressed rows: what decodes to 2.6 GB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\x00" + b"\xff" * side * 3, 9) * 1
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def test_a_huge_png_is_refused_from_its_header(tmp_path):
    path = tmp_path / "huge.png"
    huge_png(path)
    started = time.perf_counter()
    with pytest.raises(PhotoError, match=r"12500 × 12500 pixels \(156 megapixels\)"):
        prepare(path, (600, 800))
    assert time.perf_counter() - started < 2  # nothing was decoded


def test_a_symlink_loop_is_a_photo_error(tmp_path):
    loop = tmp_path / "loop.jpg"
    loop.symlink_to(tmp_path / "loop.jpg")
    with pytest.raises(PhotoError):
        prepare(loop, (600, 800))


def test_gifs_animated_or_not_are_read_as_their_first_frame(tmp_path):
    frames = [Image.new("RGB", (300, 400), colour) for colour in ("red", "blue")]
    path = tmp_path / "animated.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    photo = prepare(path, (300, 400))
    assert (photo.width, photo.height) == (300, 400)
    import io

    with Image.open(io.BytesIO(photo.jpeg)) as decoded:
        red, green, blue = decoded.convert("RGB").getpixel((150, 200))
    assert red > 200 and blue < 60  # the first frame


def test_check_and_posters_name_the_file_for_a_huge_photo_and_a_loop(example_dir, formkit, endpoint):
    assert formkit("create", "-w", example_dir).exit_code == 0
    huge_png(example_dir / "photos" / "tran-van-minh.jpg")  # a PNG under a .jpg name, as phones do
    loop = example_dir / "photos" / "le-hoang-phuong.jpg"
    loop.unlink()
    loop.symlink_to(loop)
    result = formkit("check", "-w", example_dir)  # a form needs no photo: check warns
    assert result.exit_code == 0 and "le-hoang-phuong" in result.err, result.output
    assert "tran-van-minh" in result.err and "156 megapixels" in result.err, result.err
    result = formkit("check", "-w", example_dir, "--strict")
    assert result.exit_code == 2 and "le-hoang-phuong" in result.err and "Internal error" not in result.output
    result = formkit("posters", "-w", example_dir, "--commune", "hoa-thanh")
    assert result.exit_code == 0, result.output
    assert "tran-van-minh" in result.err and "156 megapixels" in result.err, result.err
    assert "le-hoang-phuong" in result.err
    assert "Internal error" not in result.output
    result = formkit("posters", "-w", example_dir, "--commune", "hoa-thanh", "--strict")
    assert result.exit_code == 2 and "Internal error" not in result.output, result.output

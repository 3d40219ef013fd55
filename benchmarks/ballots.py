"""Benchmark: paper ballots filled by a simulated hand, photographed by a simulated phone, scanned.

Prints the share of marks read right (target ≥ 99.5 %), the ballots read wrongly without going to
review (target 0), and ballots per second for `formkit scan`'s work (target ≥ 5 on 2 cores).
Marks: filled circles, ticks, crosses, light pencil; ~5 % of questions blank; one ballot in ten
has a mark crossed out and another chosen (that question must go to review). Photos: rotation up
to ±10°, perspective up to 15 %, blur, uneven light, JPEG quality 60, 150–300 dpi.
Run from a checkout:  python benchmarks/ballots.py [--ballots 500]

With --pdf-pages N it measures instead the peak memory of `formkit scan` reading one PDF of N
pages and one of N/10 pages (a box of two-sided ballots scanned to one file; here the print file
itself, whose unmarked pages are read and not counted), each in a child process of its own: the
two peaks must be about the same (pages are read one at a time).
  python benchmarks/ballots.py --pdf-pages 500
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from formkit.ballots.issue import make_ballots  # noqa: E402
from formkit.ballots.scan import Scanner  # noqa: E402
from formkit.cli import main as formkit  # noqa: E402
from formkit.demo import paper  # noqa: E402
from formkit.forms.state import State  # noqa: E402
from formkit.localserver import LocalGoogle  # noqa: E402
from formkit.responses.store import ResponseStore  # noqa: E402
from formkit.workspace.config import load_workspace  # noqa: E402
from formkit.workspace.example import write_example_workspace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", action="store_true", help="List every question read wrongly.")
    parser.add_argument("--keep", type=Path, help="Keep the photos in this folder.")
    parser.add_argument("--pdf-pages", type=int, help="Measure the peak memory of scanning a PDF of this many pages.")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)  # child: WORKSPACE PDF
    args = parser.parse_args()
    if args.measure:
        return measure(*args.measure)
    if args.pdf_pages:
        return pdf_memory(args.pdf_pages)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        server, ws = created_workspace(Path(tmp))
        issued = make_ballots(ws, State.load(ws.state_file), "hoa-thanh", args.ballots)

        geometry = json.loads(issued.geometry.read_text(encoding="utf-8"))
        per = geometry["pages_per_ballot"]
        questions: dict[str, list[str]] = {}
        for b in geometry["bubbles"]:
            questions.setdefault(b["question"], []).append(b["option"])
        truths, struck_at, styles_at, files = [], [], [], []
        photos = args.keep or Path(tmp) / "photos"
        photos.mkdir(parents=True, exist_ok=True)
        (Path(tmp) / "layout.json").write_text(issued.geometry.read_text(encoding="utf-8"), encoding="utf-8")
        started = time.perf_counter()
        for k in range(args.ballots):
            truth = {q: (None if rng.random() < 0.05 else rng.choice(o)) for q, o in questions.items()}
            styles = {q: rng.choice(paper.STYLES) for q in questions}
            struck = None
            if k % 10 == 0:
                q = rng.choice([q for q in questions if truth[q] is not None])
                struck = {q: rng.choice([o for o in questions[q] if o != truth[q]])}
            truths.append(truth)
            styles_at.append(styles)
            struck_at.append(struck or {})
            dpi = rng.uniform(150, 300)
            for p, image in enumerate(paper.render_pages(issued.pdf, dpi, k * per, per), 1):
                paper.fill_page(image, geometry, p, dpi, {q: a for q, a in truth.items() if a}, styles, rng, struck)
                path = photos / f"{k:04d}-{p}.jpg"
                path.write_bytes(paper.photograph(image, rng))
                files.append(path)
        print(f"made {args.ballots} ballots ({len(files)} photos) in {time.perf_counter() - started:.1f} s")
        scanner = Scanner(ws, State.load(ws.state_file))
        with ResponseStore(ws.responses_file) as store:
            started = time.perf_counter()
            result = scanner.scan(files, store)
            elapsed = time.perf_counter() - started
        server.stop()
    marks = right = wrong = reviewed = expected_review = wrong_ballots = 0
    for k, truth in enumerate(truths):
        read: dict = {}
        review: set = set()
        for p in range(1, per + 1):
            page = scanner.scans.pages.get(f"hoa-thanh|{k + 1}|{p}")
            if page is None:
                review.update(truth)  # unreadable: a person must handle the whole ballot
                continue
            read.update(page["answers"])
            review.update(page["review"])
            for q, item in page["review"].items():
                if args.verbose and q not in struck_at[k]:
                    print(f"  review: ballot {k + 1} {q}: truth {truth[q]!r} ({styles_at[k][q]}), {item['reason']}, "
                          f"{item['scores']}")
        ballot_wrong = False
        for q, answer in truth.items():
            marks += 1
            if q in review:
                reviewed += 1
                expected_review += q in struck_at[k]
            elif read.get(q) == answer:
                right += 1
            else:
                wrong += 1
                ballot_wrong = True
                if args.verbose:
                    print(f"  wrong: ballot {k + 1} {q}: truth {answer!r} ({styles_at[k][q]}), read {read.get(q)!r}")
        wrong_ballots += ballot_wrong
    decided = marks - expected_review
    print(f"questions: {marks}; read right without review {right} ({100 * right / decided:.2f} % of the "
          f"{decided} not crossed out; target ≥ 99.5 %)")
    print(f"sent to review: {reviewed} ({expected_review} crossed out by design, {reviewed - expected_review} others); "
          f"read wrongly: {wrong}")
    print(f"ballots with a question read wrongly (not sent to review): {wrong_ballots} (target 0)")
    print(f"unreadable pages: {len(result.unreadable)}; scan: {elapsed:.1f} s, "
          f"{args.ballots / elapsed:.1f} ballots/s (target ≥ 5)")


def measure(root: Path, pdf: Path) -> None:
    """In a child process: scan one PDF and print the process's peak resident memory."""
    ws = load_workspace(root, check_photos=False)
    started = time.perf_counter()
    with ResponseStore(ws.responses_file) as store:
        result = Scanner(ws, State.load(ws.state_file)).scan([pdf], store)
    elapsed = time.perf_counter() - started
    try:
        import resource
    except ImportError:  # Windows: no getrusage
        print(f"{result.pages} 0 {elapsed:.1f}")
        return
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    print(f"{result.pages} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale} {elapsed:.1f}")


def created_workspace(tmp: Path):
    """A local backend and the example workspace with its forms created on it."""
    server = LocalGoogle(tmp / "google.sqlite").start()
    os.environ["FORMKIT_GOOGLE_ENDPOINT"] = server.base_url
    os.environ["FORMKIT_GOOGLE_TOKEN"] = server.token
    root = tmp / "ws"
    write_example_workspace(root)
    assert formkit(["create", "-w", str(root)]) == 0
    return server, load_workspace(root, check_photos=False)


def pdf_memory(pages: int) -> None:
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        server, ws = created_workspace(Path(tmp))
        figures = []
        for count in (max(pages // 10, 2), pages):
            state = State.load(ws.state_file)
            per = make_ballots(ws, state, "hoa-thanh", 1, out_dir=Path(tmp) / "probe").pages  # pages a ballot
            issued = make_ballots(ws, state, "hoa-thanh", -(-count // per), out_dir=Path(tmp) / f"pdf{count}")
            child = subprocess.run([sys.executable, __file__, "--measure", str(ws.root), str(issued.pdf)],
                                   capture_output=True, text=True, check=True)
            read, peak, seconds = child.stdout.split()
            figures.append((int(read), int(peak)))
            print(f"{read} pages: peak resident memory {int(peak) / 2**20:.0f} MiB, {seconds} s")
        server.stop()
    (few, low), (many, high) = figures
    if low:
        print(f"{many / few:.1f}× the pages, {high / low:.2f}× the memory (target: about 1×)")


if __name__ == "__main__":
    main()

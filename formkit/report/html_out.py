"""The report as one self-contained HTML page leaders read on a phone: the index, the trend, the
communes ranked, each factor by commune and the follow-up figures. Inline CSS and SVG only: no
script, no font, no image to fetch, so it opens offline, from an e-mail or a USB stick.

Readable at 360 px: the tables turn into one card per row below 640 px (each value beside its
column's name), the charts scale with the page. Printable: a print style sheet on A4, black on
white, no card split across pages. Numbers as the PDF shows them (fmt.py: "82,66"); each also
carries its raw value in data-value, which the browser test compares with the JSON.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..files import atomic_write_text
from . import fmt
from .model import Report

CSS = """
:root { --ink: #1a1a1a; --muted: #5b6570; --line: #d5dbe1; --accent: #0b5394; --good: #2e7d32; --bad: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 "Noto Sans", "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       background: #f4f6f8; }
main { max-width: 1100px; margin: 0 auto; padding: 12px; }
header, section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px;
                  margin: 0 0 12px; }
h1 { font-size: 1.3rem; margin: 0 0 4px; } h2 { font-size: 1.1rem; margin: 0 0 8px; color: var(--accent); }
p { margin: 4px 0; } .muted { color: var(--muted); font-size: .9rem; }
.index { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; }
.index .big { font-size: 2.4rem; font-weight: 700; color: var(--accent); }
svg { width: 100%; max-width: 440px; height: auto; display: block; }  /* drawn 400 wide: text near its size */
svg text { font-family: inherit; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.name { text-align: left; }
th { background: #eef2f6; font-weight: 600; }
.up { color: var(--good); } .down { color: var(--bad); }
@media (max-width: 640px) {
  main { padding: 6px; } header, section { padding: 10px; }
  table, thead, tbody, tr, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 8px; padding: 4px 8px; background: #fff; }
  td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 3px 0; text-align: right; }
  td::before { content: attr(data-label); color: var(--muted); text-align: left; }
  td.name { font-weight: 600; } td.name::before { content: none; }
}
@media print {
  @page { size: A4; margin: 15mm; }
  body { background: #fff; font-size: 11pt; } main { max-width: none; padding: 0; }
  header, section { border: 0; padding: 0; margin: 0 0 10mm; break-inside: avoid-page; }
  tr { break-inside: avoid; } h2 { color: #000; }
}
"""


def _num(value, text: str, css: str = "") -> str:
    """A number cell's content: the text shown and its raw value for machines."""
    raw = "" if value is None else repr(value)
    return f'<span class="num{" " + css if css else ""}" data-value="{escape(raw)}">{escape(text)}</span>'


def _table(head: list[str], rows: list[list], first_is_name: bool = True) -> str:
    """Rows of cells: a str is text, a (value, text) pair a number. Every cell carries its
    column's name (data-label) for the narrow-screen cards."""
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for k, cell in enumerate(row):
            label = escape(head[k])
            if isinstance(cell, tuple):
                out.append(f'<td data-label="{label}">{_num(*cell)}</td>')
            else:
                css = ' class="name"' if first_is_name and k == 0 else ""
                out.append(f'<td{css} data-label="{label}">{escape(str(cell))}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _pct(value: float | None) -> tuple[float | None, str]:
    return value, fmt.percent(value)


def _count(value: int) -> tuple[int, str]:
    return value, fmt.number(value)


def _trend_svg(report: Report) -> str:
    """The index per quarter, bars with their value above."""
    rows = report.trend
    width, height, top, bottom = 400, 200, 28, 36
    slot = width / max(len(rows), 1)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Diễn biến chỉ số qua các quý">',
             f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#d5dbe1"/>']
    for k, q in enumerate(rows):
        x = k * slot + slot * 0.2
        bar = 0 if q.sipas is None else (height - top - bottom) * q.sipas / 100
        y = height - bottom - bar
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}" height="{bar:.1f}" fill="#0b5394"/>')
        parts.append(f'<text x="{x + slot * 0.3:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="16">'
                     f'{escape(fmt.percent(q.sipas))}</text>')
        parts.append(f'<text x="{x + slot * 0.3:.1f}" y="{height - 12}" text-anchor="middle" font-size="13" '
                     f'fill="#5b6570">{escape(q.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _ranking_svg(report: Report) -> str:
    """The communes by index, highest first; one bar a commune, its name above it."""
    ranked = sorted((c for c in report.communes if c.sipas is not None), key=lambda c: (c.rank or 0, c.name))
    line = 44
    width, height = 400, max(line * len(ranked), line)
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="Xếp hạng xã, phường">']
    for k, c in enumerate(ranked):
        y = k * line
        bar = (width - 70) * (c.sipas or 0) / 100
        parts.append(f'<text x="0" y="{y + 15}" font-size="15">{c.rank}. {escape(c.name)}</text>')
        parts.append(f'<rect x="0" y="{y + 21}" width="{bar:.1f}" height="16" rx="3" fill="#0b5394"/>')
        parts.append(f'<text x="{bar + 6:.1f}" y="{y + 34}" font-size="15">{escape(fmt.percent(c.sipas))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(report: Report) -> str:
    r = report
    change = r.change
    trend_css = "" if change is None else ("up" if change >= 0 else "down")
    factor_head = [f"Yếu tố {f.id} (%)" for f in r.factors]
    ranked = sorted(r.communes, key=lambda c: (c.rank or 10**9, c.name))  # communes without answers last
    one = r.commune_name  # a commune's own report: no ranking, no table of communes (README)
    total = one or ("Toàn tỉnh" if r.unit.lower().startswith("tỉnh") else "Chung")
    sections = [
        f"""<header><h1>{escape(r.index_name or "Chỉ số hài lòng")} — {escape(one or r.unit)}</h1>
<p class="muted">{escape(r.period.label)} ({escape(r.period.dates)}) · theo {escape(r.template.cited)}</p>
<div class="index" id="overall"><span class="big">{_num(r.sipas, fmt.percent(r.sipas))} %</span>
<span>{_num(r.responses, fmt.number(r.responses))} phiếu</span>
<span>so với kỳ trước: {_num(change, fmt.percent(change, True), trend_css)} điểm</span></div></header>""",
        f"""<section id="trend"><h2>Diễn biến qua các quý</h2>{_trend_svg(r)}</section>""",
        "" if one else f"""<section id="ranking"><h2>Xếp hạng xã, phường</h2>{_ranking_svg(r)}
{_table(["Xã, phường", "Xếp hạng", "Số phiếu", "Chỉ số (%)", "Thay đổi (điểm %)"],
        [[c.name, (c.rank, str(c.rank or "–")), _count(c.responses), _pct(c.sipas),
          (c.change, fmt.percent(c.change, True))] for c in ranked])}
</section>""",
        f"""<section id="factors"><h2>Chỉ số từng yếu tố{"" if one else " theo xã, phường"}</h2>
<p class="muted">{"; ".join(f"Yếu tố {escape(f.id)}: {escape(f.title)}" for f in r.factors)}</p>
{_table(["Xã, phường", *factor_head, "Chỉ số (%)"],
        [[c.name, *[_pct(c.factors[f.id]) for f in r.factors], _pct(c.sipas)] for c in r.communes if not one]
        + [[total, *[_pct(f.index) for f in r.factors], _pct(r.sipas)]])}
</section>""",
        f"""<section id="followup"><h2>Liên hệ lại người dân chưa hài lòng</h2>
<p class="muted">Thời hạn liên hệ lần đầu: {r.contact_days} ngày làm việc; số liệu tính đến ngày
{r.today:%d/%m/%Y}. Không có số điện thoại trong trang này.</p>
{_table(["Xã, phường", "Số trường hợp", f"Liên hệ trong {r.contact_days} ngày làm việc", "Đã giải quyết",
         "Không liên lạc được", "Còn đang xử lý", "Trung vị ngày đến lần liên hệ đầu"],
        [[x.commune_name, _count(x.opened), _count(x.contacted_in_time), _count(x.resolved), _count(x.unreachable),
          _count(x.still_open), (x.median_days, "–" if x.median_days is None else fmt.score(x.median_days))]
         for x in r.loop])}
</section>"""]
    title = f"{r.index_name or 'Chỉ số hài lòng'} — {one or r.unit} — {r.period.label}"
    return (f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(filter(None, sections)) + f'\n<p class="muted">Lập ngày {r.today:%d/%m/%Y} bằng formkit.</p>\n'
            "</main>\n</body>\n</html>\n")


def write_html(report: Report, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{report.stem}.html"
    atomic_write_text(path, render(report))
    return path

"""Page-level layout helpers for the PDF: a long table laid out a page at a time, and a lead
paragraph (a section heading) that never ends a page alone.

ReportLab splits one Table at every page by measuring and copying all its remaining rows again,
so a table of n rows costs n²/page: a commune's 16,781 follow-up entries took 46 s. PagedTable
measures each row once, then hands ReportLab a table of just the rows that fit the page (its
header rows repeated), so the cost is linear in the rows.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from reportlab.platypus import CondPageBreak, Table, TableStyle
from reportlab.platypus.flowables import Flowable

MEASURE_ROWS = 400  # rows measured per Table (a larger one costs the same per row, only more memory)
HUGE = 1e9


def row_heights(table: Table, width: float) -> list[float]:
    """Each row's height as ReportLab lays the table out (wrap measures them; it keeps them in
    _rowHeights, which its own split and draw read)."""
    table.wrap(width, HUGE)
    return list(table._rowHeights)  # type: ignore[attr-defined]


class _Rows:
    """The rows of one long table and their heights, measured once and shared by every piece."""

    def __init__(self, head: list[list], body: list[list], widths: list[float], style: list[tuple]) -> None:
        self.head, self.body, self.widths, self.style = head, body, widths, style
        self.head_height = 0.0
        self.head_heights: list[float] = []
        self.heights: list[float] = []
        self.ends: list[float] = []  # ends[i]: the height of rows 0 … i (prefix sums)

    def table(self, start: int, stop: int) -> Table:
        """Rows start … stop under the header rows; once measured, with their heights given, so
        ReportLab does not measure them again."""
        heights = self.head_heights + self.heights[start:stop] if self.ends else None
        table = Table(self.head + self.body[start:stop], colWidths=self.widths, rowHeights=heights,
                      repeatRows=len(self.head))
        table.setStyle(TableStyle(self.style))
        return table

    def measure(self) -> None:
        if self.ends or not self.body:
            return
        heights: list[float] = []
        for start in range(0, len(self.body), MEASURE_ROWS):
            table = self.table(start, start + MEASURE_ROWS)
            measured = row_heights(table, sum(self.widths))
            self.head_heights = measured[:len(self.head)]
            heights += measured[len(self.head):]
        self.head_height, self.heights = sum(self.head_heights), heights
        self.ends = list(accumulate(heights))

    def height(self, start: int, stop: int) -> float:
        before = self.ends[start - 1] if start else 0.0
        return self.head_height + self.ends[stop - 1] - before

    def fitting(self, start: int, room: float) -> int:
        """How many rows from `start` fit in `room` points under the header rows."""
        before = self.ends[start - 1] if start else 0.0
        return bisect_right(self.ends, before + room - self.head_height, lo=start) - start


class PagedTable(Flowable):
    """A table of many rows, split between rows, header rows repeated on every page."""

    def __init__(self, rows: _Rows, start: int = 0, space_after: float = 0) -> None:
        super().__init__()
        self.rows, self.start, self.spaceAfter = rows, start, space_after

    @classmethod
    def of(cls, head: list[list], body: list[list], widths: list[float], style: list[tuple],
           space_after: float = 0) -> PagedTable:
        return cls(_Rows(head, body, widths, style), 0, space_after)

    def first_height(self) -> float:
        """The header rows and the first row: what must fit below a heading that introduces it."""
        self.rows.measure()
        return self.rows.height(self.start, self.start + 1)

    def wrap(self, availWidth, availHeight):
        self.rows.measure()
        self.width = sum(self.rows.widths)
        self.height = self.rows.height(self.start, len(self.rows.body))
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.rows.measure()
        count = self.rows.fitting(self.start, availHeight)
        if count <= 0:
            return []  # not even one row: the next page
        stop = self.start + count
        if stop >= len(self.rows.body):
            return [self._piece(self.start, stop, self.spaceAfter)]
        return [self._piece(self.start, stop, 0), PagedTable(self.rows, stop, self.spaceAfter)]

    def _piece(self, start: int, stop: int, space_after: float) -> Table:
        table = self.rows.table(start, stop)
        table.spaceAfter = space_after
        return table

    def draw(self):  # it fitted whole: drawn as one Table
        table = self._piece(self.start, len(self.rows.body), 0)
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


def start_height(flowable, width: float) -> float:
    """How much of `flowable` must stay with a heading above it: a table's header and first row,
    a paragraph or a chart whole."""
    if isinstance(flowable, PagedTable):
        return flowable.first_height()
    if isinstance(flowable, Table):
        heads = max(flowable.repeatRows if isinstance(flowable.repeatRows, int) else 0, 0)
        return sum(row_heights(flowable, width)[:heads + 1])
    height = flowable.wrap(width, HUGE)[1]
    return height + flowable.getSpaceBefore()


class KeepStart(CondPageBreak):
    """A page break unless the leads (headings) and the start of what they introduce fit on this
    page, measured when the page is laid out: a heading never ends a page alone, and a page-long
    table after it still starts on the same page when its first rows fit."""

    def __init__(self, leads: list, following, width: float) -> None:
        super().__init__(0)
        self.leads, self.following, self.text_width = leads, following, width

    def wrap(self, availWidth, availHeight):
        if not self.height:
            self.height = sum(p.wrap(self.text_width, HUGE)[1] + p.getSpaceBefore() + p.getSpaceAfter()
                              for p in self.leads)
            if self.following is not None:
                self.height += start_height(self.following, self.text_width)
        return super().wrap(availWidth, availHeight)

"""Charts for the PDF (reportlab.graphics, drawn in the report's serif font): factor indices as
bars, the index over the last quarters, and communes ranked by their index."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from ..typography import SERIF, SERIF_BOLD
from . import fmt

BAR = colors.HexColor("#2F5D8A")
FAINT = colors.HexColor("#C8D3DF")
PER_CHART = 30  # communes per ranked chart; more make several charts, each fits a page


def _value_axis(axis) -> None:
    axis.valueMin, axis.valueMax, axis.valueStep = 0, 100, 20
    axis.labels.fontName, axis.labels.fontSize = SERIF, 9
    axis.labelTextFormat = lambda v: f"{v:.0f}"
    axis.visibleGrid, axis.gridStrokeColor, axis.gridStrokeWidth = True, FAINT, 0.4


def _drawing(width: float, height: float) -> Drawing:
    """A drawing whose initial font is the report's: ReportLab's default (Helvetica) would be
    referenced by the PDF without being embedded."""
    return Drawing(width, height, initialFontName=SERIF, initialFontSize=10)


def _title(drawing: Drawing, text: str) -> None:
    drawing.add(String(drawing.width / 2, drawing.height - 12, text, fontName=SERIF_BOLD, fontSize=11,
                       textAnchor="middle"))


def factor_bars(factors, width: float, height: float = 165) -> Drawing:
    """factors: the report's FactorRow tuple."""
    ids = [f.id for f in factors]
    drawing = _drawing(width, height)
    _title(drawing, "Chỉ số theo yếu tố (%)")
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 36, 30, width - 50, height - 62  # type: ignore[assignment]  # stubs say int; ReportLab takes any number
    chart.data = [[f.index or 0 for f in factors]]
    chart.categoryAxis.categoryNames = [f"Yếu tố {f}" for f in ids]
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = SERIF, 10
    _value_axis(chart.valueAxis)
    chart.bars[0].fillColor, chart.bars[0].strokeColor = BAR, None
    chart.barLabels.fontName, chart.barLabels.fontSize, chart.barLabels.nudge = SERIF, 9, 7
    chart.barLabelFormat = "values"
    chart.barLabelArray = [[fmt.percent(f.index) for f in factors]]
    drawing.add(chart)
    return drawing


def trend_line(trend, width: float, height: float = 170) -> Drawing:
    """trend: the report's TrendRow tuple."""
    shown = trend[next((i for i, q in enumerate(trend) if q.sipas is not None), len(trend)):] or trend[-1:]
    drawing = _drawing(width, height)
    _title(drawing, "Chỉ số qua các quý (%)")
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 36, 30, width - 60, height - 62  # type: ignore[assignment]  # stubs say int; ReportLab takes any number
    chart.data = [[q.sipas for q in shown]]
    chart.categoryAxis.categoryNames = [q.label for q in shown]
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = SERIF, 10
    _value_axis(chart.valueAxis)
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = BAR, 1.5
    chart.lines[0].symbol = makeMarker("FilledCircle", size=5, fillColor=BAR, strokeColor=BAR)
    chart.lineLabelFormat = "values"
    chart.lineLabelArray = [[fmt.percent(q.sipas) if q.sipas is not None else "" for q in shown]]
    chart.lineLabels.fontName, chart.lineLabels.fontSize, chart.lineLabels.dy = SERIF, 9, 8
    drawing.add(chart)
    return drawing


def communes_ranked(communes, width: float) -> list[Drawing]:
    """Horizontal bars, best first (CommuneRow); communes without an index are left out."""
    ranked = sorted((c for c in communes if c.sipas is not None), key=lambda c: (-c.sipas, c.name))
    drawings = []
    for start in range(0, len(ranked), PER_CHART):
        part = ranked[start:start + PER_CHART]
        height = 44 + 16 * len(part)
        drawing = _drawing(width, height)
        _title(drawing, "Xếp hạng các xã, phường theo chỉ số (%)" + (" (tiếp)" if start else ""))
        chart = HorizontalBarChart()
        label_width = 130
        chart.x, chart.y, chart.height = label_width, 22, 16 * len(part)
        chart.width = width - label_width - 40  # type: ignore[assignment]  # stubs say int; ReportLab takes any number
        chart.data = [[c.sipas for c in reversed(part)]]
        chart.categoryAxis.categoryNames = [f"{c.rank}. {c.name}" for c in reversed(part)]
        chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = SERIF, 9
        chart.categoryAxis.labels.boxAnchor = "e"
        _value_axis(chart.valueAxis)
        chart.bars[0].fillColor, chart.bars[0].strokeColor = BAR, None
        chart.barLabels.fontName, chart.barLabels.fontSize = SERIF, 8
        chart.barLabels.boxAnchor, chart.barLabels.dx = "w", 3
        chart.barLabelFormat = "values"
        chart.barLabelArray = [[fmt.percent(c.sipas) for c in reversed(part)]]
        drawing.add(chart)
        drawings.append(drawing)
    return drawings

"""How a project is drawn: the symbol system (layers.symbols, docs/cartography.md) as drawing options.

`feature_style` gives Leaflet path options (the app's map and the offline HTML) plus the project's point marker
as inline SVG and, for 建成, the colour of the dark casing drawn under its line. The QGIS styles
(layers.qgis_styles) and the print maps (layers.printmap) read the same tables.
"""
from __future__ import annotations

from core.vocab import CATEGORIES
from layers import symbols

CATEGORY_COLORS = {c: symbols.color(c) for c in CATEGORIES}


def color(category: str) -> str:
    """The colour of a category's family."""
    return symbols.color(category)


def feature_style(category: str, status: str, precision: str) -> dict:
    """Leaflet options for one project: colour by family (grey when 暂缓), width by category, dash pattern by
    status (never by precision), opacity by precision; `marker` (SVG) for points, `casing` for 建成."""
    st = symbols.STATUS_SYMBOLS.get(status, symbols.STATUS_SYMBOLS["proposed"])
    c = symbols.SUSPENDED_COLOR if st["grey"] else symbols.color(category)
    opacity = symbols.PRECISION_OPACITY.get(precision, symbols.PRECISION_OPACITY["county"])
    style = {"color": c, "weight": symbols.line_width(category), "opacity": opacity, "fillColor": c,
             "fillOpacity": round(symbols.AREA_FILL[st["fill"]] * opacity, 3), "lineCap": "round",
             "marker": symbols.marker_svg(category, status, precision)}
    if st["dash"]:
        style["dashArray"] = st["dash"]
    if st["casing"]:
        style["casing"] = symbols.CASING_COLOR
    return style

"""One source of truth for how projects look: used by the app (folium) and the QGIS styles (QML).

Colour tells the category, the line dash / marker fill tells the status, and opacity + a dashed outline tell
that a geometry is not exact (approximate, schematic, county fallback).
"""
from __future__ import annotations

CATEGORY_COLORS = {
    "river": "#1f78b4",
    "reservoir": "#0b5394",
    "sluice": "#3d85c6",
    "irrigation_district": "#76a5af",
    "railway": "#990000",
    "railway_spur": "#cc4125",
    "expressway": "#e69138",
    "highway": "#b45f06",
    "urban_road": "#f6b26b",
    "bridge": "#7f6000",
    "airport": "#674ea7",
    "wetland_park": "#38761d",
    "ecological_restoration": "#6aa84f",
    "quarry_restoration": "#8e7cc3",
    "industrial_park": "#a64d79",
    "hospital": "#cc0000",
    "culture": "#c27ba0",
    "science_park": "#3c78d8",
    "logistics": "#bf9000",
    "digital_infrastructure": "#45818e",
    "cooperation_zone": "#999999",
    "pilot_zone": "#6d9eeb",
}
DEFAULT_COLOR = "#555555"

# Status: line dash pattern (SVG dasharray, '' = solid) and whether point markers are filled.
STATUS_STYLE = {
    "proposed": {"dash": "2 6", "fill": False, "weight": 3},
    "preliminary": {"dash": "8 6", "fill": False, "weight": 3},
    "under_construction": {"dash": "", "fill": True, "weight": 4},
    "completed": {"dash": "", "fill": True, "weight": 6},
    "suspended": {"dash": "1 8", "fill": False, "weight": 2},
}

# Precision: less certain geometries are drawn fainter, and polygons of county fallbacks only as outlines.
PRECISION_STYLE = {
    "exact": {"opacity": 0.95, "fill_opacity": 0.45},
    "approximate": {"opacity": 0.8, "fill_opacity": 0.3},
    "schematic": {"opacity": 0.6, "fill_opacity": 0.2},
    "county": {"opacity": 0.45, "fill_opacity": 0.08},
}


def color(category: str) -> str:
    return CATEGORY_COLORS.get(category, DEFAULT_COLOR)


def feature_style(category: str, status: str, precision: str) -> dict:
    """Leaflet path options for one project feature."""
    s = STATUS_STYLE.get(status, STATUS_STYLE["proposed"])
    p = PRECISION_STYLE.get(precision, PRECISION_STYLE["county"])
    style = {
        "color": color(category),
        "weight": s["weight"],
        "opacity": p["opacity"],
        "fillColor": color(category),
        "fillOpacity": p["fill_opacity"] if s["fill"] else p["fill_opacity"] / 3,
    }
    dash = s["dash"]
    if not dash and precision in ("schematic", "county"):
        dash = "10 4"
    if dash:
        style["dashArray"] = dash
    return style

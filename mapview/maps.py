"""The folium maps of the changes and edit pages: a snapshot map of a given frame (the changes page) and the edit
page's small map with drawing tools. Pages hand the result to st_folium. (The main map is mapview.mapcomponent.)"""
from __future__ import annotations

import folium
import pandas as pd
import shapely
import streamlit as st
from folium.plugins import Draw

from mapview import assets, basemaps, data, draw
from layers.escape import safe_json
from layers.legend import legend_html

__all__ = ["edit_map", "snapshot_map"]


def _legend(frame, title: str) -> str:
    return legend_html(frame["status"].value_counts().to_dict(), frame["category"].value_counts().to_dict(),
                       title=title)


def snapshot_map(c, frame: pd.DataFrame, title: str) -> folium.Map:
    """A map of exactly `frame` (e.g. the projects as they were on a date), embedded in the page."""
    gcj02 = basemaps.is_gcj02(c.basemap)
    d = draw.project_data(data.geo_of(c.key, frame), gcj02=gcj02)
    projects = draw.Payload(safe_json(d), len(d["data"]["features"]), None)
    return draw.build_map(data.county_payload(c.key, gcj02), projects, _legend(frame, title),
                          draw.MapOptions(present=c.present), tiles=basemaps.tile_layers(c.basemap, c.token))


def _draw_tools(kinds: set[str]) -> Draw:
    d = Draw(export=False, draw_options={
        "polyline": "LineString" in kinds, "polygon": "Polygon" in kinds, "rectangle": "Polygon" in kinds,
        "marker": "Point" in kinds, "circle": False, "circlemarker": False},
        edit_options={"edit": True, "remove": True})
    d.default_js, d.default_css = assets.draw_tools()
    return d


def edit_map(counties, current, extra=None, *, draw_kinds: set[str] | None = None) -> folium.Map:
    """A small offline map: counties, the current geometry (grey, dashed), an optional new one (red), and the
    drawing tools for `draw_kinds` (geometry types) when given."""
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    assets.localize(m)
    folium.GeoJson(counties.__geo_interface__, name="县界",
                   style_function=lambda f: {"color": "#666", "weight": 1, "fillOpacity": 0.03}).add_to(m)
    folium.GeoJson(shapely.geometry.mapping(current), name="当前",
                   style_function=lambda f: {"color": "#555", "weight": 4, "dashArray": "6 4"}).add_to(m)
    if extra is not None:
        folium.GeoJson(shapely.geometry.mapping(extra), name="新几何",
                       style_function=lambda f: {"color": "#d00", "weight": 4}).add_to(m)
    if draw_kinds is not None:
        _draw_tools(draw_kinds).add_to(m)
    shown = [g for g in (current, extra) if g is not None and not g.is_empty]
    b = shapely.union_all(shown).bounds if shown else tuple(counties.total_bounds)
    pad = 0.02
    m.fit_bounds([[b[1] - pad, b[0] - pad], [b[3] + pad, b[2] + pad]])
    return m

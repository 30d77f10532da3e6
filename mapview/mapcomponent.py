"""The project map as a light Streamlit component of our own: a static page (static/pm/index.html with Leaflet,
map.js and component.js) that stays loaded across reruns. Each run sends it only small arguments — the URLs of
the cached payload files (mapview.data), a bitset of the features that pass the filter, the legend and the map
options — so a filter change redraws in the browser without a new frame, a new folium document or a new copy of
the data. Clicking a county's name on the map filters to that county (and zooms to it).
"""
from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from core.vocab import COUNTIES
from layers.escape import esc
from layers.legend import legend_html
from layers.webmap import MapOptions, map_options
from mapview import assets, basemaps, data, urlstate

__all__ = ["show"]

_component = components.declare_component("pm_map", path=str(assets.STATIC_DIR / "pm"))
KEY = "pm_map"


def _tiles(basemap: str, token: str | None) -> list[dict]:
    """The basemap's tile layers as Leaflet options (URL templates and credits are ours, not user input)."""
    out = []
    for p in basemaps.tile_layers(basemap, token):
        out.append({"url": p.build_url(scale_factor="{r}").replace("{r}", ""),
                    "attribution": p.get("html_attribution") or p.get("attribution", ""),
                    "subdomains": p.get("subdomains", "abc"), "maxZoom": p.get("max_zoom", 18),
                    "overlay": bool(p.get("overlay", False))})
    return out


def _on_click() -> None:
    """A county's name was clicked: show only that county (clicking it again shows every county)."""
    value = st.session_state.get(KEY) or {}
    name = value.get("county")
    if not isinstance(name, str) or name not in COUNTIES.values():
        return
    f = st.session_state.pm_filters
    urlstate.set_filters(county=() if tuple(f.county) == (name,) else (name,))


def show(c, *, height: int, fill: bool = False) -> None:
    """Draw the map of the context `c` (mapview.ui.Context), `height` px tall — or, with `fill`, down to the bottom
    of the window (at least `height` × 0.6)."""
    gcj02 = basemaps.is_gcj02(c.basemap)
    counties = data.county_payload(c.key, gcj02)
    projects = data.project_payload(c.key, c.shown, c.filters, gcj02)
    legend = legend_html(c.shown.counts("status"), c.shown.counts("category"), title=f"共 {len(c.shown)} 个项目")
    tiles = _tiles(c.basemap, c.token)
    options = map_options(counties, projects, legend, MapOptions(present=c.present, locate=c.locate, bbox=c.bbox),
                          bool(tiles))
    options.update(countiesUrl=counties.url, countyClick=True, fitCounties=[esc(n) for n in c.filters.county])
    # one JSON string: Streamlit checks every dict or list argument for a DataFrame, which imports pandas
    _component(args=json.dumps({"options": options, "tiles": tiles, "height": height, "fill": fill,
                                "minHeight": int(height * 0.6)}, ensure_ascii=False),
               key=KEY, on_change=_on_click, default=None)

"""The project map as a light Streamlit component of our own (a v2 component, drawn in the page itself: no frame,
no second document on the browser's main thread): static/pm/component.js loads Leaflet and map.js once per page
and keeps the map across reruns. Each run sends it only small data — the URLs of the cached payload files
(mapview.data), a bitset of the features that pass the filter (but for the statuses and categories chosen, which
the browser applies: a tick in the legend-filter shows at once, as an untick hides), the legend and the map
options — so a filter change redraws in the browser without a new folium document or a new copy of the data.
Clicking a county's name on the map filters to that county (and zooms to it); the map's 演示模式 button enters
presentation mode.

A session's first open draws the map before the sidebar's widgets: they cost the browser about 0.8 s of main-thread
work (React rendering Streamlit's selectboxes, multiselects, text box), which would delay the map as long. That run
leaves them out (`Context.sidebar_later`); the component's trigger "drawn", sent once the projects are on the map
(or after a few seconds, or when the map cannot load), reruns the script with them.
"""
from __future__ import annotations

import json

import streamlit as st

from core.vocab import COUNTIES
from layers.escape import esc
from layers.filters import apply
from layers.legend import legend_html
from layers.webmap import MapOptions, map_options
from mapview import assets, basemaps, data, sidebar, urlstate

__all__ = ["show"]

KEY = "pm_map"


def _css() -> str:
    """Leaflet's stylesheet and ours, put in the page: their relative URLs (Leaflet's images, our font) made
    absolute."""
    leaflet = (assets.STATIC_DIR / "vendor" / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    ours = (assets.STATIC_DIR / "pm" / "map.css").read_text(encoding="utf-8")
    return (leaflet.replace("url(images/", f"url({assets.static_url('vendor/leaflet/images/')}")
            + ours.replace('url("../fonts/', f'url("{assets.static_url("fonts/")}'))


_component = st.components.v2.component(
    "pm_map", html='<div class="pm-map" data-testid="pm-map"></div>', css=_css(),
    js=(assets.STATIC_DIR / "pm" / "component.js").read_text(encoding="utf-8"), isolate_styles=False)
SCRIPTS = {"leaflet": "vendor/leaflet/leaflet.js", "map": "pm/map.js", "bulk": "pm/bulk.js"}


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
    value = (st.session_state.get(KEY) or {}).get("county") or {}
    name = value.get("county")
    if not isinstance(name, str) or name not in COUNTIES.values():
        return
    f = st.session_state.pm_filters
    urlstate.set_filters(county=() if tuple(f.county) == (name,) else (name,))


def _on_present() -> None:
    urlstate.enter_present()


def _on_drawn() -> None:
    st.session_state[sidebar.SHOWN] = True


def show(c, *, height: int, fill: bool = False) -> None:
    """Draw the map of the context `c` (mapview.ui.Context), `height` px tall — or, with `fill`, down to the bottom
    of the window (at least `height` × 0.6). On a session's first open the sidebar's widgets wait for the map."""
    c.sidebar_later = not st.session_state.get(sidebar.SHOWN)
    gcj02 = basemaps.is_gcj02(c.basemap)
    counties = data.county_payload(c.key, gcj02)
    # the statuses and categories chosen (the sidebar's legend-filter) are applied in the browser, so that a tick
    # shows as fast as an untick hides; the bitset holds the other filters
    rest = c.filters.without("status").without("category")
    projects = data.project_payload(c.key, c.shown if rest == c.filters else apply(c.rows, rest), rest, gcj02)
    legend = legend_html(c.shown.counts("status"), c.shown.counts("category"), title=f"共 {len(c.shown)} 个项目")
    tiles = _tiles(c.basemap, c.token)
    options = map_options(counties, projects, legend, MapOptions(present=c.present, locate=c.locate, bbox=c.bbox),
                          bool(tiles))
    options.update(countiesUrl=counties.url, countyClick=True, fitCounties=[esc(n) for n in c.filters.county],
                   legendFilter={"status": [esc(v) for v in c.filters.status],
                                 "category": [esc(v) for v in c.filters.category]})
    # bytes: Streamlit checks a dict or list for DataFrames, which imports pandas
    _component(data=json.dumps({"options": options, "tiles": tiles, "height": height, "fill": fill,
                                "minHeight": int(height * 0.6), "tellDrawn": c.sidebar_later,
                                "presentButton": not c.present,
                                "scripts": {k: assets.versioned_url(v) for k, v in SCRIPTS.items()}},
                               ensure_ascii=False).encode("utf-8"), key=KEY, on_county_change=_on_click,
               on_drawn_change=_on_drawn, on_present_change=_on_present)

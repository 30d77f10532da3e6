"""The folium map of the app: local assets, optional tiles, and one call to the project's own JavaScript
(static/pm/map.js, static/pm/map.css) over the payloads that layers.webmap makes."""
from __future__ import annotations

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from layers.escape import safe_json
from layers.webmap import (CANVAS_THRESHOLD, MapOptions, Payload, bitset, county_data, display_style, map_options,
                           project_data)
from mapview import assets

__all__ = ["CANVAS_THRESHOLD", "MapOptions", "Payload", "bitset", "build_map", "county_data", "display_style",
           "project_data"]


class DataLayers(JSCSSMixin):
    """Counties (base), their labels and the project features: one call to pmDrawMap (static/pm/map.js) over
    pre-escaped JSON; the map's code and CSS are static files the browser caches."""

    _template = Template("""
{% macro script(this, kwargs) %}
pmDrawMap({{ this._parent.get_name() }}, {{ this.counties_json }}, {{ this.options_json }}, {{ this.projects_json }});
{% endmacro %}
""")

    def __init__(self, counties_json: str, projects_json: str | None, options: dict):
        super().__init__()
        self._name = "DataLayers"
        self.default_js, self.default_css = assets.map_code()
        self.counties_json = counties_json if counties_json is not None else "null"
        self.projects_json = projects_json if projects_json is not None else "null"
        self.options_json = safe_json(options)


def build_map(counties: Payload, projects: Payload, legend: str, opts: MapOptions,
              tiles: list | None = None) -> folium.Map:
    """The folium map with local assets, optional tile layers (xyzservices TileProviders), counties, labels,
    projects and legend."""
    canvas = projects.count > CANVAS_THRESHOLD  # count = features drawn
    m = folium.Map(location=[36.45, 115.95], zoom_start=9, tiles=None, prefer_canvas=canvas,
                   control_scale=False, zoom_snap=0.25, zoom_delta=0.5)
    assets.localize(m)
    for t in tiles or []:
        folium.TileLayer(tiles=t, max_zoom=18, overlay=bool(t.get("overlay", False))).add_to(m)
    options = map_options(counties, projects, legend, opts, bool(tiles))
    options["countiesUrl"] = counties.url
    DataLayers(counties.json, projects.json if projects.url is None else None, options).add_to(m)
    return m

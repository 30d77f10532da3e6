"""Building the folium map: counties with labels, project features, popups, tooltips and the on-map legend.

Safety: every value that reaches the browser as HTML is escaped here, in Python (`esc`), and the data is
embedded as JSON with `<`, `>` and `&` written as unicode escapes (`safe_json`) so nothing in a name can end a
<script> block or open a tag. The JavaScript only concatenates the already-escaped strings.
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from layers import evidence, styles
from core.vocab import CATEGORIES, EVIDENCE_KINDS, PRECISIONS, STATUSES, VERIFICATION_STATES
from mapview import assets

# Above this many project features the map is drawn on a <canvas> instead of SVG elements.
CANVAS_THRESHOLD = 3000

POPUP_FIELDS = [
    # (property, Chinese label)
    ("category", "类别"),
    ("status", "状态"),
    ("county", "县(市、区)"),
    ("lead_agency", "牵头单位"),
    ("support_agencies", "配合单位"),
    ("target_year", "目标年份"),
    ("plan_section", "规划条目"),
    ("plan_excerpt", "规划原文"),
    ("geom_source", "位置来源"),
    ("precision", "位置精度"),
    ("location_note", "位置说明"),
    ("evidence", "位置依据"),
    ("verification", "核实状态"),
    ("aliases", "别名"),
    ("id", "编号"),
]


def _missing(value) -> bool:
    """None, NaN, pd.NA, NaT."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes
        return False


def esc(value) -> str:
    """HTML-escape one value for text or attribute context. None/NaN → ''. Backticks too (template literals)."""
    if _missing(value):
        return ""
    return html.escape(str(value), quote=True).replace("`", "&#96;")


# Characters that can start Markdown syntax anywhere in a line (emphasis, code, links/images, HTML and autolinks,
# entities, Streamlit's :directives: and $math$); `www.` and block markers at the start are handled separately.
_MD_INLINE = re.compile(r"([\\`*_~\[\]<>&$:@])|(?<=www)(\.)", re.IGNORECASE)
_MD_BLOCK_START = re.compile(r"^([#=+-]|\d+[.)])")
# GFM autolink literals (http://…, https://…, www.…, a@b.c) are found in the *parsed* text, where escapes no longer
# count: an invisible word joiner (U+2060) inside the trigger keeps them text.
_AUTOLINK = re.compile(r"(https?)(?=:)|(www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def md(value) -> str:
    """Plain text made safe for a Streamlit Markdown element (st.markdown/caption/info/warning/…). None/NaN → ''.

    Whitespace runs become one space (a blank line would start a new block), and every character that could start
    Markdown syntax is backslash-escaped (CommonMark: an escaped punctuation character is always literal), so no
    link, image, emphasis, heading, list, HTML tag or code span can form; a word joiner (invisible) inside
    `http:`, `www.` and before `@` stops GFM's autolink literals. The text reads as given.
    """
    if _missing(value):
        return ""
    text = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, " ".join(str(value).split()))
    text = _MD_INLINE.sub(lambda m: "\\" + (m.group(1) or m.group(2)), text)
    m = _MD_BLOCK_START.match(text)
    if m:  # '# x', '- x', '1. x' at the start of a paragraph: escape the marker ('1\. x')
        text = text[:m.end() - 1] + "\\" + text[m.end() - 1:]
    return text


def safe_json(obj) -> str:
    """JSON that is safe to place inside a <script> element or an HTML attribute."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def status_label(code) -> str:
    return STATUSES[code][0] if code in STATUSES else str(code)


def precision_text(precision, precision_m) -> str:
    lab = PRECISIONS[precision][0] if precision in PRECISIONS else str(precision or "")
    try:
        m = float(precision_m)
        if not math.isnan(m):
            return f"{lab}(误差约 {m:,.0f} 米)" if m < 1000 else f"{lab}(误差约 {m / 1000:,.1f} 公里)"
    except (TypeError, ValueError):
        pass
    return lab


def evidence_html(value) -> str:
    """The evidence (layers.evidence JSON) as escaped HTML: one line per source — kind, title with a link,
    publisher, date, the quote that places it and what follows from it."""
    lines = []
    for s in evidence.from_json(value):
        kind = EVIDENCE_KINDS.get(s.kind, (s.kind,))[0]
        title = esc(s.title)
        if s.url.startswith(("https://", "http://")):
            title = f'<a href="{esc(s.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        meta = "，".join(esc(x) for x in (s.publisher, s.date) if x)
        quote = f"「{esc(s.quote)}」" if s.quote else ""
        finding = f"→ {esc(s.finding)}" if s.finding else ""
        lines.append(f"<div class=\"pm-ev\">[{esc(kind)}] {title}{'（' + meta + '）' if meta else ''}"
                     f"{quote}{finding}</div>")
    return "".join(lines) or esc(EVIDENCE_KINDS["none"][0])


def _display(prop: str, row) -> str:
    """The escaped display text of one popup field."""
    v = row.get(prop)
    if prop == "category":
        return esc(CATEGORIES.get(v, v))
    if prop == "status":
        return esc(status_label(v))
    if prop == "precision":
        return esc(precision_text(v, row.get("precision_m")))
    if prop == "target_year":
        return "未定" if v is None or pd.isna(v) else esc(f"{int(v)}年")
    if prop == "evidence":
        return evidence_html(v)
    if prop == "verification":
        return esc(VERIFICATION_STATES.get(v if isinstance(v, str) else "unverified", (v,))[0])
    if prop in ("county", "lead_agency", "support_agencies", "aliases"):
        return "、".join(esc(p.strip()) for p in str(v).split(";") if p.strip()) if isinstance(v, str) else esc(v)
    return esc(v)


def popup_parts(row) -> list[str]:
    """Escaped display texts: the name, then one per POPUP_FIELDS entry ('' when empty)."""
    return [esc(row.get("name"))] + [_display(prop, row) for prop, _ in POPUP_FIELDS]


EXCERPT_INDEX = [p for p, _ in POPUP_FIELDS].index("plan_excerpt")
TOOLTIP_INDEX = [1 + [p for p, _ in POPUP_FIELDS].index(k) for k in ("category", "status", "county")]


def popup_from_parts(parts: list[str]) -> str:
    """The popup markup. The JavaScript in DataLayers builds exactly the same string from the same parts."""
    rows = []
    for j, (_, lab) in enumerate(POPUP_FIELDS):
        text = parts[j + 1]
        if not text:
            continue
        cls = ' class="pm-excerpt"' if j == EXCERPT_INDEX else ""
        rows.append(f"<tr><th>{lab}</th><td{cls}>{text}</td></tr>")
    return f'<div class="pm-popup"><h4>{parts[0]}</h4><table>{"".join(rows)}</table></div>'


def popup_html(row) -> str:
    """Popup HTML for one project (a mapping of its fields). Every value escaped."""
    return popup_from_parts(popup_parts(row))


def style_key(row) -> tuple[str, str, str]:
    return (str(row.get("category")), str(row.get("status")), str(row.get("precision")))


_DRAW_ORDER = {"polygon": 0, "line": 1, "point": 2}


def _kind(geom) -> str:
    t = geom.geom_type if geom is not None else ""
    return "polygon" if "Polygon" in t else "line" if "LineString" in t else "point"


def display_style(category: str, status: str, precision: str, kind: str) -> dict:
    """`layers.styles.feature_style`, plus: an area known only as "the county" is drawn as an outline without fill
    (it would tint and cover the whole county and catch every click inside it)."""
    s = styles.feature_style(category, status, precision)
    if kind == "polygon" and precision == "county":
        s["fill"] = False
        s["fillOpacity"] = 0.0
        s["weight"] = min(s["weight"], 3)
    return s


def _geojson_geometry(geom) -> dict | None:
    if geom is None or geom.is_empty:
        return None
    return geom.__geo_interface__


def _radius(value) -> int:
    """The error radius in whole metres for the map (0 when unknown)."""
    try:
        r = float(value)
    except (TypeError, ValueError):
        return 0
    return int(round(r)) if math.isfinite(r) and r > 0 else 0


def project_data(gdf: gpd.GeoDataFrame, gcj02: bool = False) -> dict:
    """The compact, pre-escaped payload for the project layer: features + a table of distinct styles + a table
    of distinct escaped strings. `rows` maps features back to input rows (pop it before serialising).

    gcj02=True shifts coordinates to GCJ-02 for display over Gaode tiles (display only; never exported).
    """
    geoms = gdf.geometry
    if gcj02 and len(gdf):
        from geo.crs import geom_wgs84_to_gcj02
        geoms = gpd.GeoSeries(geom_wgs84_to_gcj02(geoms.values), index=gdf.index, crs=gdf.crs)
    if len(gdf):  # 6 decimals ≈ 0.1 m: more digits only cost bytes
        geoms = gpd.GeoSeries(shapely.transform(geoms.values, lambda c: np.round(c, 6)), index=gdf.index)
    style_index: dict[tuple, int] = {}
    style_list: list[dict] = []
    strings: dict[str, int] = {"": 0}
    feats, rows = [], []  # rows: the input row position of each feature (not sent to the browser)
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    # Draw order: areas under lines under points, so that a large area never hides a point from the mouse.
    order = sorted(range(len(records)), key=lambda i: (_DRAW_ORDER.get(_kind(geoms.values[i]), 3),
                                                       records[i].get("precision") != "county"))
    for i in order:
        rec, geom = records[i], geoms.values[i]
        g = _geojson_geometry(geom)
        if g is None:
            continue
        key = style_key(rec) + (_kind(geom),)
        if key not in style_index:
            style_index[key] = len(style_list)
            style_list.append(display_style(*key))
        # Popup texts go into one table of distinct escaped strings (agencies, categories… repeat a lot).
        v = [strings.setdefault(part, len(strings)) for part in popup_parts(rec)]
        feats.append({"type": "Feature", "geometry": g,
                      "properties": {"i": esc(rec.get("id")), "k": style_index[key], "v": v,
                                     "r": _radius(rec.get("precision_m"))}})
        rows.append(i)
    return {"rows": rows, "styles": style_list, "strings": list(strings),
            "labels": [lab for _, lab in POPUP_FIELDS], "excerpt": EXCERPT_INDEX, "tooltip": TOOLTIP_INDEX,
            "data": {"type": "FeatureCollection", "features": feats}}


def county_data(counties: gpd.GeoDataFrame, gcj02: bool = False) -> dict:
    """County polygons + label points (representative points, always inside), names escaped."""
    geoms = counties.geometry
    if gcj02 and len(counties):
        from geo.crs import geom_wgs84_to_gcj02
        geoms = gpd.GeoSeries(geom_wgs84_to_gcj02(geoms.values), index=counties.index, crs=counties.crs)
    feats, labels = [], []
    for name, geom in zip(counties["name"], geoms.values):
        g = _geojson_geometry(geom)
        if g is None:
            continue
        feats.append({"type": "Feature", "geometry": g, "properties": {"n": esc(name)}})
        pt = geom.representative_point()
        labels.append({"n": esc(name), "lat": round(pt.y, 6), "lon": round(pt.x, 6)})
    bounds = None
    if len(feats):
        minx, miny, maxx, maxy = geoms.total_bounds
        bounds = [[float(miny), float(minx)], [float(maxy), float(maxx)]]
    return {"data": {"type": "FeatureCollection", "features": feats}, "labels": labels, "bounds": bounds}


class DataLayers(MacroElement):
    """Counties (base), their labels and the project features, as plain Leaflet code over pre-escaped JSON."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var C = {{ this.counties_json }};
  var O = {{ this.options_json }};
  var cpane = map.createPane('pmCounties'); cpane.style.zIndex = 350;
  var lpane = map.createPane('pmLabels'); lpane.style.zIndex = 450; lpane.style.pointerEvents = 'none';
  var counties = L.geoJSON(C.data, {
    pane: 'pmCounties', interactive: false,
    style: function () { return O.countyStyle; }
  }).addTo(map);
  C.labels.forEach(function (l) {
    L.marker([l.lat, l.lon], {pane: 'pmLabels', interactive: false, keyboard: false,
      icon: L.divIcon({className: 'pm-county-label', html: '<span>' + l.n + '</span>', iconSize: null})
    }).addTo(map);
  });
  if (O.bounds) { map.fitBounds(O.bounds, {padding: [8, 8]}); }
  L.control.scale({imperial: false, maxWidth: 160}).addTo(map);
  var el = map.getContainer();
  el.setAttribute('data-pm-counties', String(C.data.features.length));
  el.setAttribute('data-pm-renderer', O.canvas ? 'canvas' : 'svg');
  if (O.legend) {
    var legend = L.control({position: 'bottomright'});
    legend.onAdd = function () {
      var d = L.DomUtil.create('div', 'pm-legend');
      d.innerHTML = O.legend;
      L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    legend.addTo(map);
    // the frame can be taller than the map: keep the whole legend inside the map (it scrolls when longer)
    var fitLegend = function () { legend.getContainer().style.maxHeight = (map.getSize().y - 50) + 'px'; };
    fitLegend(); map.on('resize', fitLegend);
  }
  function visibleFeatures(P) {  // O.visible: base64 bitset over P's features (null = all)
    if (O.visible === null) { return P.data.features; }
    var bits = atob(O.visible);
    return P.data.features.filter(function (f, i) { return (bits.charCodeAt(i >> 3) >> (i & 7)) & 1; });
  }
  function draw(P) {
  var S = P.strings, LAB = P.labels;
  function popup(v) {  // same markup as draw.popup_from_parts; every S entry is already HTML-escaped
    var h = '<div class="pm-popup"><h4>' + S[v[0]] + '</h4><table>';
    for (var j = 0; j < LAB.length; j++) {
      var t = S[v[j + 1]];
      if (t) { h += '<tr><th>' + LAB[j] + '</th><td' + (j === P.excerpt ? ' class="pm-excerpt"' : '') + '>' + t + '</td></tr>'; }
    }
    return h + '</table></div>';
  }
  function tooltip(v) {
    return '<b>' + S[v[0]] + '</b><br>' + S[v[P.tooltip[0]]] + ' · ' + S[v[P.tooltip[1]]] + ' · ' + S[v[P.tooltip[2]]];
  }
  var drawn = 0, target = null, stacks = {};
  var halo = null;  // the error radius (points) or corridor (lines, areas) of the feature under the mouse
  function metresPerPixel(lat) { return 40075016.686 * Math.cos(lat * Math.PI / 180) / Math.pow(2, map.getZoom() + 8); }
  function showError(layer, r) {
    hideError();
    if (!r) { return; }
    if (layer.getLatLng) {
      halo = L.circle(layer._pmTrue || layer.getLatLng(), {radius: r, className: 'pm-error', interactive: false});
    } else {
      var c = layer.getBounds().getCenter();
      var px = 2 * r / metresPerPixel(c.lat);  // a stroke as wide as the corridor: the buffer, drawn by the browser
      halo = L.geoJSON(layer.toGeoJSON(), {interactive: false, style: function () {
        return {className: 'pm-error', weight: Math.max(px, 3), lineCap: 'round', lineJoin: 'round'}; }});
    }
    halo.addTo(map); map.getContainer().setAttribute('data-pm-error-radius', String(r));
  }
  function hideError() { if (halo) { map.removeLayer(halo); halo = null; } }
  var projects = L.geoJSON({type: 'FeatureCollection', features: visibleFeatures(P)}, {
    style: function (f) {
      var s = Object.assign({}, P.styles[f.properties.k]);
      s.className = f.geometry.type === 'Point' ? 'pm-feature pm-point' : 'pm-feature';
      return s;
    },
    pointToLayer: function (f, ll) {
      var s = Object.assign({}, P.styles[f.properties.k]);
      s.radius = O.pointRadius; s.className = 'pm-feature pm-point';
      var m = L.circleMarker(ll, s), key = ll.lat.toFixed(5) + ',' + ll.lng.toFixed(5);
      m._pmTrue = ll; (stacks[key] = stacks[key] || []).push(m);
      return m;
    },
    onEachFeature: function (f, layer) {
      drawn += 1;
      layer.bindPopup(function () { return popup(f.properties.v); }, {maxWidth: O.popupWidth, className: 'pm-popup-wrap'});
      layer.bindTooltip(function () { return tooltip(f.properties.v); }, {sticky: true, className: 'pm-tooltip'});
      layer.on('mouseover', function () { showError(layer, f.properties.r); });
      layer.on('mouseout', function () { if (!layer.isPopupOpen()) { hideError(); } });
      layer.on('popupopen', function () { showError(layer, f.properties.r); });
      layer.on('popupclose', hideError);
      if (O.locate !== null && f.properties.i === O.locate) { target = layer; }
    }
  }).addTo(map);
  // Projects at one place: the markers are spread on a small circle so each can be clicked; the data stays true.
  var stacked = Object.keys(stacks).filter(function (k) { return stacks[k].length > 1; });
  function spread() {
    stacked.forEach(function (k) {
      var list = stacks[k], n = list.length, R = O.pointRadius * 1.6 + 2 * n;
      list.forEach(function (m, j) {
        var p = map.latLngToLayerPoint(m._pmTrue), a = 2 * Math.PI * j / n - Math.PI / 2;
        m.setLatLng(map.layerPointToLatLng(p.add([Math.cos(a) * R, Math.sin(a) * R])));
      });
    });
  }
  spread(); map.on('zoomend', spread);
  el.setAttribute('data-pm-stacked', String(stacked.reduce(function (n, k) { return n + stacks[k].length; }, 0)));
  if (target) {
    if (target.getBounds) { map.fitBounds(target.getBounds(), {maxZoom: 12, padding: [40, 40]}); }
    else { map.setView(target.getLatLng(), 12); }
    target.openPopup();
  }
  el.setAttribute('data-pm-projects', String(drawn));
  window.pmLayers = {counties: counties, projects: projects};
  }
  if (O.projectsUrl) {
    fetch(O.projectsUrl).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.json();
    }).then(draw).catch(function (e) {
      el.setAttribute('data-pm-error', String(e));
      var box = L.control({position: 'topright'});
      box.onAdd = function () {
        var d = L.DomUtil.create('div', 'pm-legend');
        d.textContent = '项目数据加载失败，请刷新页面。(' + e + ')';
        return d;
      };
      box.addTo(map);
    });
  } else {
    draw({{ this.projects_json }});
  }
})();
{% endmacro %}
""")

    def __init__(self, counties_json: str, projects_json: str | None, options: dict):
        super().__init__()
        self._name = "DataLayers"
        self.counties_json = counties_json
        self.projects_json = projects_json
        self.options_json = safe_json(options)


def _line_sample(style: dict, width: int = 34) -> str:
    dash = f' stroke-dasharray="{esc(style.get("dashArray", ""))}"' if style.get("dashArray") else ""
    return (f'<svg width="{width}" height="12"><line x1="2" y1="6" x2="{width - 2}" y2="6" '
            f'stroke="{esc(style["color"])}" stroke-width="{min(style["weight"], 5)}" '
            f'stroke-opacity="{style["opacity"]}"{dash}/></svg>')


def _dot_sample(color: str, fill: bool = True) -> str:
    return (f'<svg width="14" height="14"><circle cx="7" cy="7" r="5" stroke="{esc(color)}" stroke-width="2" '
            f'fill="{esc(color)}" fill-opacity="{0.8 if fill else 0.1}"/></svg>')


def legend_html(status_counts: dict[str, int], category_counts: dict[str, int], title: str = "") -> str:
    """The on-map legend: statuses (line style), categories (colour), precision; counts beside each."""
    parts = []
    if title:
        parts.append(f'<div class="pm-legend-title">{esc(title)}</div>')
    parts.append('<div class="pm-legend-h">状态</div>')
    for code, (lab, _) in STATUSES.items():
        n = status_counts.get(code, 0)
        if not n:
            continue
        st_ = styles.feature_style("", code, "exact")
        st_["color"] = "#333333"
        parts.append(f'<div class="pm-row">{_line_sample(st_)}<span>{esc(lab)}</span><b>{n}</b></div>')
    parts.append('<div class="pm-legend-h">类别</div>')
    for code, n in sorted(category_counts.items(), key=lambda kv: -kv[1]):
        if not n:
            continue
        parts.append(f'<div class="pm-row">{_dot_sample(styles.color(code))}'
                     f'<span>{esc(CATEGORIES.get(code, code))}</span><b>{n}</b></div>')
    parts.append('<div class="pm-legend-h">位置精度</div>')
    for code in PRECISIONS:
        st_ = styles.feature_style("river", "under_construction", code)
        st_["color"] = "#333333"
        parts.append(f'<div class="pm-row">{_line_sample(st_)}<span>{esc(PRECISIONS[code][0])}</span></div>')
    parts.append('<div class="pm-row"><svg width="34" height="12"><rect x="2" y="1" width="30" height="10" rx="5" '
                 'fill="#1f4e79" fill-opacity=".15"/></svg><span>误差范围（悬停或点击时显示）</span></div>')
    return "".join(parts)


MAP_CSS = """
<style>
.leaflet-container { background: %(bg)s; font-family: "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",
  "PingFang SC","WenQuanYi Micro Hei",sans-serif; }
.pm-county-label span { display: inline-block; transform: translate(-50%%, -50%%); white-space: nowrap;
  font-size: %(label)spx; font-weight: 600; color: #3a3a3a; letter-spacing: 1px;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.pm-legend { background: rgba(255,255,255,.93); padding: 8px 10px; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  font-size: %(legend)spx; line-height: 1.35; max-height: %(legend_h)s; overflow-y: auto; min-width: 150px; }
.pm-legend .pm-row { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.pm-legend .pm-row span { flex: 1; }
.pm-legend .pm-row b { font-weight: 600; color: #555; margin-left: 8px; }
.pm-legend-h { font-weight: 700; margin: 6px 0 2px; color: #222; }
.pm-legend-title { font-weight: 700; font-size: 1.1em; margin-bottom: 2px; }
.pm-popup h4 { margin: 0 0 6px; font-size: %(popup_h)spx; }
.pm-popup table { border-collapse: collapse; font-size: %(popup)spx; }
.pm-popup th { text-align: left; vertical-align: top; white-space: nowrap; color: #555; padding: 2px 8px 2px 0; font-weight: 600; }
.pm-popup td { padding: 2px 0; }
.pm-popup td.pm-excerpt { color: #333; font-size: .95em; }
.pm-popup .pm-ev { font-size: .9em; color: #333; margin: 0 0 4px; }
.pm-error { stroke: #1f4e79; stroke-opacity: .18; fill: #1f4e79; fill-opacity: .12; pointer-events: none; }
.pm-popup-wrap .leaflet-popup-content { max-height: 420px; overflow-y: auto; }
.pm-tooltip { font-size: %(popup)spx; }
</style>
"""


@dataclass(frozen=True)
class Payload:
    """One layer for the map: its serialised (safe) JSON inline, or the URL of a file holding it (large sets go
    as a static file the browser fetches and caches, not through the component's script); the feature count;
    for counties the [[s, w], [n, e]] bounds; for projects an optional base64 bitset of the visible features."""
    json: str | None
    count: int
    bounds: list | None
    url: str | None = None
    visible: str | None = None


def bitset(flags) -> str:
    """Booleans → base64 little-endian bitset (bit i of byte i>>3), decoded by DataLayers' visibleFeatures."""
    import base64
    flags = np.asarray(list(flags), dtype=bool)
    return base64.b64encode(np.packbits(flags, bitorder="little").tobytes()).decode("ascii")


@dataclass
class MapOptions:
    present: bool = False  # projector sizes (labels, legend, popups); the frame height is st_folium's
    locate: str | None = None  # project id to open and zoom to


def build_map(counties: Payload, projects: Payload, legend: str, opts: MapOptions,
              tiles: list[dict] | None = None) -> folium.Map:
    """The folium map with local assets, optional tile layers, counties, labels, projects and legend."""
    canvas = projects.count > CANVAS_THRESHOLD  # count = features drawn
    m = folium.Map(location=[36.45, 115.95], zoom_start=9, tiles=None, prefer_canvas=canvas,
                   control_scale=False, zoom_snap=0.25, zoom_delta=0.5)
    assets.localize(m)
    for t in tiles or []:
        folium.TileLayer(tiles=t["url"], attr=t["attribution"], name=t["name"], subdomains=t.get("subdomains", "abc"),
                         max_zoom=18, overlay=t.get("overlay", False)).add_to(m)
    has_tiles = bool(tiles)
    m.get_root().header.add_child(Element(MAP_CSS % {
        "bg": "#e9eef2" if not has_tiles else "#ddd",
        "label": 22 if opts.present else 14,
        "legend": 19 if opts.present else 12,
        "legend_h": "92vh" if opts.present else "70vh",
        "popup": 16 if opts.present else 13,
        "popup_h": 20 if opts.present else 15,
    }))
    county_style = {"color": "#5b5b5b", "weight": 2.5 if opts.present else 1.6, "opacity": 0.9,
                    "fillColor": "#fbf9f3", "fillOpacity": 0.0 if has_tiles else 1.0}
    options = {
        "countyStyle": county_style,
        "pointRadius": 10 if opts.present else 7,
        "popupWidth": 520 if opts.present else 420,
        "locate": esc(opts.locate) if opts.locate else None,
        "bounds": counties.bounds,
        "canvas": canvas,
        "legend": legend,
        "projectsUrl": projects.url,
        "visible": projects.visible,
    }
    DataLayers(counties.json, projects.json, options).add_to(m)
    return m

"""The single-file offline map: one HTML file with Leaflet, the map's code, the data, the county base, the legend
and a Chinese font inlined — it opens from a USB stick by double-click, with no server and no network, and keeps
popups, the legend as filter, search, precision styles and county names.

It is the app's own map (static/pm/map.js over layers.webmap's payloads) plus static/pm/offline.js for the legend
filter and the search box. Every text from the data is escaped in Python before it is inlined.
"""
from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from core.errors import UserError
from layers import legend, webmap
from layers.escape import esc, safe_json

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
FILES = {"leaflet_css": "vendor/leaflet/leaflet.css", "leaflet_js": "vendor/leaflet/leaflet.js",
         "map_css": "pm/map.css", "map_js": "pm/map.js", "offline_js": "pm/offline.js"}
FONT = "fonts/cjk-subset.woff"
MAX_BYTES = 2 * 1024 * 1024


def _asset(rel: str) -> str:
    path = STATIC / rel
    if not path.is_file():
        raise UserError(f"缺少地图文件 {path}；请先运行 scripts/setup.sh（它会准备 Leaflet 与中文字体）。",
                        f"Missing {path}: run scripts/setup.sh first.")
    # inlined inside <script>/<style>: a closing tag in a file would end the element early
    return path.read_text(encoding="utf-8").replace("</script", "<\\/script").replace("</style", "<\\/style")


def _font_face() -> str:
    path = STATIC / FONT
    if not path.is_file():
        return ""  # the viewer's own Chinese fonts then
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'@font-face {{ font-family: "PM CJK"; src: url(data:font/woff;base64,{data}) format("woff"); }}'


def build(projects, counties, *, title: str, note: str = "") -> str:
    """The HTML document of the projects (GeoDataFrame, EPSG:4326) over the counties."""
    cp = webmap.county_data(counties)
    pp = webmap.project_data(projects)
    pp.pop("rows")
    legend_html = legend.legend_html(projects["status"].value_counts().to_dict(),
                                     projects["category"].value_counts().to_dict(), title=f"共 {len(projects)} 个项目")
    options = webmap.map_options(webmap.Payload(None, len(counties), cp["bounds"]),
                                 webmap.Payload(None, len(projects), None), legend_html, webmap.MapOptions(), False)
    a = {k: _asset(rel) for k, rel in FILES.items()}
    stamp = f"数据截至 {dt.date.today().isoformat()} · 位置精度见图例 · 无需网络"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{a["leaflet_css"]}</style><style>{a["map_css"]}</style>
<style>{_font_face()} html, body, #map {{ height: 100%; margin: 0; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "PM CJK", sans-serif; }}</style>
</head><body>
<div id="map"></div>
<div class="pm-offline-title"><h1>{esc(title)}</h1><p>{esc(note + " · " if note else "")}{esc(stamp)}</p>
<input id="pm-search" type="search" placeholder="搜索项目名称" aria-label="搜索项目名称"></div>
<script>{a["leaflet_js"]}</script><script>{a["map_js"]}</script><script>{a["offline_js"]}</script>
<script>
var map = L.map("map", {{zoomSnap: 0.25, zoomDelta: 0.5}});
var P = {safe_json(pp)};
pmDrawMap(map, {safe_json(cp)}, {safe_json(options)}, P);
pmOffline(map, P);
</script></body></html>
"""


def to_bytes(projects, counties, *, title: str, note: str = "") -> bytes:
    data = build(projects, counties, title=title, note=note).encode("utf-8")
    if len(data) > MAX_BYTES * 10:  # far beyond the shipped data's size: say so rather than hand over a giant file
        raise UserError(f"离线地图文件过大（{len(data) // 2**20} MB），请先筛选。",
                        f"The offline map would be {len(data) // 2**20} MB; filter first.")
    return data

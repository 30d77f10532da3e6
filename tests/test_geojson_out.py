"""layers.geojson_out (the GeoJSON export): the FeatureCollection GDAL's RFC 7946 writer makes, parsed alike."""
import io
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import affinity
from shapely.geometry import shape

from benchmarks import synthetic
from layers import export, store

W = shapely.from_wkt


def gdal_geojson(gdf: gpd.GeoDataFrame) -> dict:
    """The reference: GDAL's GeoJSON writer with the options the export used before layers.geojson_out."""
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": export.COORD_DECIMALS, "WRITE_NAME": "NO",
               "AUTODETECT_JSON_STRINGS": "NO"}
    if "id" in gdf.columns:
        gdf = gdf.assign(_feature_id=gdf["id"])
        options["ID_FIELD"] = "_feature_id"
    buf = io.BytesIO()
    pyogrio.write_dataframe(gdf, buf, driver="GeoJSON", layer="projects", layer_options=options, use_arrow=True)
    return json.loads(buf.getvalue())


def ours(gdf: gpd.GeoDataFrame) -> dict:
    raw = export.geojson_bytes(gdf)
    return json.loads(raw.decode("utf-8"))  # strict UTF-8


def frame(geoms, crs="EPSG:4326", **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"p{i}" for i in range(len(geoms))], **columns}, geometry=list(geoms), crs=crs)


@pytest.fixture(scope="module")
def shipped_projects(shipped):
    return store.read_projects(shipped[0])


def test_same_as_gdal_on_the_shipped_projects(shipped_projects):
    assert ours(shipped_projects) == gdal_geojson(shipped_projects)


def test_same_as_gdal_on_synthetic_projects_with_hostile_names(tmp_path):
    gdf = store.read_projects(synthetic.write_gpkg(tmp_path / "s.gpkg", n=60, payloads=False))
    assert set(synthetic.HOSTILE_NAMES) <= set(gdf["name"])
    data = ours(gdf)
    assert data == gdal_geojson(gdf)
    assert [f["id"] for f in data["features"]] == list(gdf["id"])
    part = gdf.iloc[3:9]  # columns that start inside arrow's buffers
    assert ours(part) == gdal_geojson(part)


def test_a_frame_in_cgcs2000_gauss_kruger_is_written_in_lon_lat(shipped_projects):
    projected = shipped_projects.to_crs("EPSG:4548")
    data = ours(projected)
    assert data == gdal_geojson(projected) and "crs" not in data
    for f in data["features"]:
        minx, miny, maxx, maxy = shape(f["geometry"]).bounds
        assert 115 < minx and maxx < 117 and 35.5 < miny and maxy < 37.5


def _rings(geom):
    for polygon in getattr(geom, "geoms", [geom]):
        yield True, polygon.exterior
        for hole in polygon.interiors:
            yield False, hole


def test_exterior_rings_counter_clockwise_and_holes_clockwise():
    wrong = W("POLYGON ((116 36, 116 36.1, 116.1 36.1, 116.1 36, 116 36), "
              "(116.02 36.02, 116.05 36.02, 116.05 36.05, 116.02 36.02))")  # exterior clockwise, hole counter-clockwise
    multi = shapely.MultiPolygon([wrong, affinity.translate(wrong, 0.5)])
    gdf = frame([wrong, multi])
    data = ours(gdf)
    assert data == gdal_geojson(gdf)
    rings = [r for f in data["features"] for r in _rings(shape(f["geometry"]))]
    assert len(rings) == 6 and all(ring.is_ccw == exterior for exterior, ring in rings)


def test_every_geometry_type_missing_and_empty():
    geoms = [W("POINT (116.1 36.2)"), W("LINESTRING (116 36, 116.1 36.1)"), W("MULTIPOINT ((116 36), (116.1 36.1))"),
             W("MULTILINESTRING ((116 36, 116.1 36.1), (116.2 36.2, 116.3 36.3))"),
             W("MULTIPOLYGON (((116 36, 116 36.1, 116.1 36.1, 116 36)))"),
             W("GEOMETRYCOLLECTION (POINT (116 36), LINESTRING (116 36, 116.1 36.1))"),
             W("POINT Z (116 36 12.345678912)"), W("LINESTRING Z (116 36 1, 116.1 36.1 2)"), None]
    gdf = frame(geoms)
    assert ours(gdf) == gdal_geojson(gdf)
    assert ours(frame([None, W("POINT EMPTY"), W("POLYGON EMPTY")]))["features"][0]["geometry"] is None
    assert [f["geometry"] for f in ours(frame([W("POINT EMPTY"), W("POLYGON EMPTY")]))["features"]] == [None, None]


def test_text_stays_text_and_hostile_text_is_valid_json():
    texts = ["[1,2]", '{"a": 1}', "a\\b\"c\n\r\t\x01\x1f", "</script><b>x</b>", "聊城\u2028", "", None, "null", "12"]
    gdf = frame([shapely.Point(116, 36)] * len(texts), name=texts)
    data = ours(gdf)
    assert data == gdal_geojson(gdf)
    assert [f["properties"]["name"] for f in data["features"]] == texts
    assert "聊城".encode() in export.geojson_bytes(gdf)  # literal UTF-8, not \u-escaped


def test_text_gdal_cannot_write_is_still_valid_json():
    texts = ["a\x00b", "lone \ud800 surrogate", "ok"]  # GDAL cuts the first at NUL and fails on the second
    data = ours(frame([shapely.Point(116, 36)] * 3, name=pd.Series(texts, dtype=object)))  # str dtype refuses it
    assert [f["properties"]["name"] for f in data["features"]] == texts


def test_numbers_booleans_and_nulls_as_gdal_writes_them():
    gdf = frame([shapely.Point(116, 36)] * 4, count=[1, 2, 3, -4], share=[0.5, np.nan, 2023.0, -0.0],
                target_year=[None, 2024, None, 2025], flag=[True, False, True, False])
    data = ours(gdf)
    assert data == gdal_geojson(gdf)
    assert data["features"][1]["properties"]["share"] is None
    assert b'"share":2023.0' in export.geojson_bytes(gdf)  # a float stays a float


def test_property_names_and_order_kept_and_the_id_member():
    gdf = frame([shapely.Point(116, 36)], zeta=["z"], alpha=[1], 名称=["中"])
    [f] = ours(gdf)["features"]
    assert list(f) == ["type", "id", "properties", "geometry"] and f["id"] == "p0"
    assert list(f["properties"]) == ["id", "zeta", "alpha", "名称"]
    assert "id" not in ours(gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(116, 36)], crs="EPSG:4326"))[
        "features"][0]


def test_coordinates_rounded_on_their_exact_value_without_float_noise():
    rnd = np.random.default_rng(3)
    near_half = np.round(rnd.uniform(115, 117, 2000), 7) + rnd.choice([-5e-8, 5e-8], 2000)  # x.xxxxxxx5 ± binary error
    lat = np.round(rnd.uniform(35, 37, 2000), 8)
    raw = export.geojson_bytes(frame(shapely.points(near_half, lat)))
    coords = np.array([f["geometry"]["coordinates"] for f in json.loads(raw)["features"]])
    assert (coords == [[round(x, 7), round(y, 7)] for x, y in zip(near_half.tolist(), lat.tolist())]).all()
    numbers = re.findall(r'"coordinates":\[([^\]]*)\]', raw.decode())
    assert all(re.fullmatch(r"\d+\.\d{1,7}", n) for pair in numbers for n in pair.split(","))  # no 115.12345670000001


def test_values_are_kept_exactly_where_gdal_trims_them_as_float_noise():
    """GDAL reads a 7th decimal after five 0s or five 9s as noise (122.2000003 → 122.2, 122.2999997 → 122.3: about 1
    longitude in 50 000), and a run of six in a float property (0.7000000000000001 → 0.7): kept here."""
    data = ours(frame([shapely.Point(122.2000003, 36.2), shapely.Point(122.2999997, 36.2)], share=[0.1 * 7, 0.5]))
    assert [f["geometry"]["coordinates"][0] for f in data["features"]] == [122.2000003, 122.2999997]
    assert data["features"][0]["properties"]["share"] == 0.1 * 7 != 0.7


def test_an_empty_frame_is_an_empty_feature_collection(shipped_projects):
    empty = shipped_projects.iloc[:0]
    assert ours(empty) == gdal_geojson(empty)
    assert ours(empty)["features"] == []

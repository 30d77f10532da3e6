"""Exports: RFC 7946 GeoJSON, CSV, GeoPackage; filters and their errors."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely
from shapely.geometry import shape

from layers import export, registry, store

ROOT = Path(__file__).resolve().parent.parent
N_PROJECTS = len(registry.load(store.DEFAULT_REGISTRY))  # every row of the shipped registry


@pytest.fixture(scope="module")
def gpkg(shipped):
    return shipped[0]


def run(*args):
    return subprocess.run([sys.executable, "-m", "layers", *args], cwd=ROOT, capture_output=True, text=True)


def _rings(geom):
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    for p in polys:
        yield True, p.exterior
        for i in p.interiors:
            yield False, i


def test_geojson_is_rfc7946(gpkg, tmp_path):
    out = tmp_path / "all.geojson"
    r = run("export", "--format", "geojson", "--gpkg", str(gpkg), "--out", str(out))
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert len(data["features"]) == N_PROJECTS
    polygons = 0
    for f in data["features"]:
        g = shape(f["geometry"])
        assert g.is_valid
        minx, miny, maxx, maxy = g.bounds
        assert 115 < minx and maxx < 117 and 35.5 < miny and maxy < 37.5  # lon/lat order, in range
        if g.geom_type in ("Polygon", "MultiPolygon"):
            for exterior, ring in _rings(g):
                polygons += 1
                assert ring.is_ccw == exterior  # exterior counter-clockwise, holes clockwise
        assert set(store.PROJECT_FIELDS) <= set(f["properties"])
    assert polygons > 0


def test_clockwise_input_is_reoriented():
    import geopandas as gpd
    cw = shapely.Polygon([(116, 36), (116, 36.1), (116.1, 36.1), (116.1, 36), (116, 36)])
    assert not cw.exterior.is_ccw
    data = export.to_geojson(gpd.GeoDataFrame({"id": ["a"]}, geometry=[cw], crs="EPSG:4326"))
    assert shape(data["features"][0]["geometry"]).exterior.is_ccw


def test_filtered_exports(gpkg, tmp_path):
    out = tmp_path / "f.geojson"
    assert run("export", "--format", "geojson", "--status", "completed", "--gpkg", str(gpkg), "--out", str(out)).returncode == 0
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert feats and {f["properties"]["status"] for f in feats} == {"completed"}

    out = tmp_path / "g.csv"
    r = run("export", "--format", "csv", "--county", "冠县", "--category", "river", "wetland_park",
            "--gpkg", str(gpkg), "--out", str(out))
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel-friendly
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and all("冠县" in r["county"].split(";") for r in rows)
    assert {r["category"] for r in rows} <= {"river", "wetland_park"}
    for r in rows:
        assert shapely.from_wkt(r["wkt"]).is_valid and 115 < float(r["lon"]) < 117 and 35.5 < float(r["lat"]) < 37.5

    out = tmp_path / "h.gpkg"
    assert run("export", "--format", "gpkg", "--status", "preliminary", "--gpkg", str(gpkg), "--out", str(out)).returncode == 0
    n = sum(pyogrio.read_info(out, layer=name)["features"] for name, _ in pyogrio.list_layers(out))
    full = store.read_projects(gpkg)
    assert n == (full["status"] == "preliminary").sum() > 0


def test_unknown_filter_value_lists_valid_ones(gpkg, tmp_path):
    r = run("export", "--format", "geojson", "--status", "done", "--gpkg", str(gpkg), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "done" in r.stderr and "under_construction" in r.stderr
    r = run("export", "--format", "csv", "--county", "济南", "--gpkg", str(gpkg), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "冠县" in r.stderr
    assert not (tmp_path / "x").exists()


def test_gpkg_from_environment(gpkg, tmp_path):
    import os
    out = tmp_path / "env.geojson"
    r = subprocess.run([sys.executable, "-m", "layers", "export", "--format", "geojson", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True, env={**os.environ, "PROJECTMAP_GPKG": str(gpkg)})
    assert r.returncode == 0 and len(json.loads(out.read_text())["features"]) == N_PROJECTS


def test_export_onto_the_source_geopackage_is_refused(gpkg):
    import hashlib
    before = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    r = run("export", "--format", "gpkg", "--status", "completed", "--gpkg", str(gpkg), "--out", str(gpkg))
    assert r.returncode == 2 and "destroy" in r.stderr
    assert hashlib.sha256(gpkg.read_bytes()).hexdigest() == before


def test_csv_cells_never_become_spreadsheet_formulas():
    import geopandas as gpd
    gdf = gpd.GeoDataFrame({"id": ["a"], "name": ["=HYPERLINK(\"http://x\")"], "note": ["@SUM(1)"],
                            "precision_m": [-5.0]}, geometry=[shapely.Point(116, 36.4)], crs="EPSG:4326")
    rows = list(csv.DictReader(io.StringIO(export.to_bytes(gdf, "csv").decode("utf-8-sig"))))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")" and rows[0]["note"] == "'@SUM(1)"
    assert rows[0]["precision_m"] == "-5.0"  # numbers stay numbers


def test_geojson_rounds_coordinates_and_carries_the_id_member():
    import geopandas as gpd
    gdf = gpd.GeoDataFrame({"id": ["p-1"], "target_year": [None], "name": ["[1,2]"], "evidence": ['[{"kind": "news"}]']},
                           geometry=[shapely.Point(116.123456789, 36.4)], crs="EPSG:4326")
    [f] = export.to_geojson(gdf)["features"]
    assert f["id"] == "p-1" and f["properties"]["id"] == "p-1" and f["properties"]["target_year"] is None
    assert f["properties"]["name"] == "[1,2]" and f["properties"]["evidence"] == '[{"kind": "news"}]'  # text stays text
    assert f["geometry"]["coordinates"] == [116.1234568, 36.4]
    assert export.to_geojson(gdf.iloc[:0])["features"] == []

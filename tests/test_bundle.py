"""The GIS bundle opens as a GIS colleague expects (EPSG:4490, styles, RFC 7946, true lengths), and KML reads back."""
import json
import zipfile

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Geod

from layers import bundle, kml, store


@pytest.fixture(scope="module")
def unpacked(shipped, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    n = bundle.write(folder / "b.zip", gpkg=shipped[0], status=["under_construction"])
    zipfile.ZipFile(folder / "b.zip").extractall(folder)
    return folder, n


def test_the_geopackage_is_cgcs2000_with_a_style_per_layer(unpacked):
    folder, n = unpacked
    gpkg = folder / "projects_cgcs2000.gpkg"
    layers = [name for name, _ in pyogrio.list_layers(gpkg) if name != "layer_styles"]
    assert "counties" in layers
    for layer in layers:
        assert pyogrio.read_info(gpkg, layer=layer)["crs"] == "EPSG:4490", layer
    styled = set(pyogrio.read_dataframe(gpkg, layer="layer_styles")["f_table_name"])
    assert set(layers) <= styled
    projects = [layer for layer in layers if layer.startswith("projects_")]
    assert sum(pyogrio.read_info(gpkg, layer=layer)["features"] for layer in projects) == n
    point = pyogrio.read_dataframe(gpkg, layer="projects_point")
    assert set(point["status"]) == {"under_construction"} and set(point["status_zh"]) == {"在建"}


def test_lengths_agree_with_the_ellipsoid_within_half_a_percent(unpacked):
    folder, _ = unpacked
    lines = pyogrio.read_dataframe(folder / "projects_cgcs2000.gpkg", layer="projects_line")
    geod = Geod(ellps="GRS80")  # CGCS2000's ellipsoid
    for geom, km in zip(lines.geometry, lines["length_km"]):
        true_km = geod.geometry_length(geom) / 1000
        assert km == pytest.approx(true_km, rel=0.005)


def test_the_geojson_is_rfc7946_and_the_dictionary_has_chinese_labels(unpacked):
    folder, n = unpacked
    doc = json.loads((folder / "projects.geojson").read_text(encoding="utf-8"))
    assert "crs" not in doc and len(doc["features"]) == n
    dictionary = (folder / "data_dictionary.csv").read_text(encoding="utf-8-sig")
    assert "under_construction=在建" in dictionary and "length_km" in dictionary and "status_zh" in dictionary
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "status=under_construction" in readme and "在建" in readme and "EPSG:4490" in readme and "2023-08-26" in readme


def test_kml_reads_back_with_gdal_with_every_feature_and_chinese_names(shipped, tmp_path):
    projects = store.read_projects(shipped[0])
    path = tmp_path / "p.kml"
    path.write_bytes(kml.to_bytes(projects))
    back = gpd.read_file(path, engine="pyogrio")
    assert len(back) == len(projects)
    assert sorted(back["Name"]) == sorted(projects["name"])
    text = path.read_text(encoding="utf-8")
    assert "<styleUrl>#cat-railway</styleUrl>" in text and "状态：" in text

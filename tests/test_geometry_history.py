"""Geometry corrections (layers.geometry_history): in place or moved to another layer, restored as a new row,
with GDAL's R-tree and stored counts kept right."""
from __future__ import annotations

import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers import safe_write as sw
from layers.geometry_history import geometry_history, record_geometry, restore_geometry
from layers.history_base import HistoryError
from layers.store import read_projects
from tests.edit_fixtures import assert_counts_right, assert_rtree_ok, feature, make_gpkg


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "t.gpkg")


def test_geometry_correction_same_layer(gpkg):
    line = shapely.LineString([(115.61, 36.21), (115.8, 36.3), (116.0, 36.5), (116.31, 36.69)])
    ch = record_geometry(gpkg, "L001", line, precision="exact", precision_m=30, geom_source="测绘数字化",
                           editor="李工", note="按实测河道")
    assert (ch.previous_layer, ch.layer) == ("projects_line", "projects_line")
    f = feature(gpkg, "L001")
    assert f.geometry.geom_type == "MultiLineString"  # the layer is MULTILINESTRING, as the builder writes it
    assert f.geometry.geoms[0].equals_exact(line, 1e-12)
    assert (f["precision"], f["precision_m"], f["geom_source"]) == ("exact", 30.0, "测绘数字化")
    gh = geometry_history(gpkg, "L001")
    assert gh["action"].tolist() == ["baseline", "edit"]
    assert gh["geometry"].iloc[0].equals(shapely.LineString([(115.6, 36.2), (115.9, 36.4), (116.3, 36.7)]))
    assert gh["geometry"].iloc[1].equals(line)  # history keeps the geometry as given
    assert gh["precision"].iloc[0] == "schematic"
    assert_rtree_ok(gpkg, "projects_line")
    assert_counts_right(gpkg)
    conn = sqlite3.connect(gpkg)
    ext = conn.execute("SELECT min_x, max_y FROM gpkg_contents WHERE table_name='projects_line'").fetchone()
    conn.close()
    assert ext[0] == pytest.approx(115.61, abs=1e-5) and ext[1] == pytest.approx(36.69, abs=1e-5)
    assert sw.integrity_check(gpkg) == "ok"


def test_geometry_correction_moves_feature_between_layers(gpkg):
    park = shapely.Polygon([(115.94, 36.49), (115.96, 36.49), (115.96, 36.51), (115.94, 36.51)])
    ch = record_geometry(gpkg, "P003", park, precision="exact", geom_source="规划红线", editor="李工")
    assert (ch.previous_layer, ch.layer) == ("projects_point", "projects_polygon")
    pts = pyogrio.read_dataframe(gpkg, layer="projects_point")
    polys = pyogrio.read_dataframe(gpkg, layer="projects_polygon")
    assert "P003" not in set(pts["id"]) and len(pts) == 2
    moved = polys[polys["id"] == "P003"].iloc[0]
    assert moved.geometry.equals(park) and moved.geometry.geom_type == "MultiPolygon"
    assert (moved["name"], moved["category"], moved["status"], moved["plan_section"]) == \
        ("湿地公园", "wetland_park", "preliminary", "二(二)1")
    assert pyogrio.read_info(gpkg, layer="projects_polygon")["features"] == 2
    for layer in ("projects_point", "projects_polygon"):
        assert_rtree_ok(gpkg, layer)
    assert_counts_right(gpkg)
    # GDAL's own spatial filter (which uses the R-tree) finds the moved feature where it now is
    hit = pyogrio.read_dataframe(gpkg, layer="projects_polygon", bbox=(115.945, 36.495, 115.955, 36.505))
    assert hit["id"].tolist() == ["P003"]
    assert sw.integrity_check(gpkg) == "ok"


def test_restore_is_a_new_row_and_restores(gpkg):
    original = feature(gpkg, "P001").geometry
    record_geometry(gpkg, "P001", shapely.Point(115.981, 36.452), precision="exact", geom_source="GPS",
                      editor="李工")
    record_geometry(gpkg, "P001", shapely.box(115.97, 36.44, 115.99, 36.46), precision="approximate",
                      precision_m=200, geom_source="影像", editor="李工")
    gh = geometry_history(gpkg, "P001")
    baseline = int(gh.loc[gh["action"] == "baseline", "fid"].iloc[0])
    ch = restore_geometry(gpkg, "P001", baseline, editor="王工")
    assert ch.layer == "projects_point" and ch.previous_layer == "projects_polygon"
    f = feature(gpkg, "P001")
    assert f.geometry.equals(original) and f["precision"] == "approximate" and f["geom_source"] == "gazetteer"
    gh = geometry_history(gpkg, "P001")
    assert gh["action"].tolist() == ["baseline", "edit", "edit", "restore"]
    assert gh["restored_from"].iloc[-1] == baseline
    with pytest.raises(HistoryError, match="no geometry history row"):
        restore_geometry(gpkg, "P002", baseline, editor="王工")  # another project's row
    assert_counts_right(gpkg)


def test_multipart_geometry_in_single_part_layer_is_refused(gpkg):
    before = gpkg.read_bytes()
    two = shapely.MultiPoint([(115.98, 36.45), (115.99, 36.46)])
    with pytest.raises(HistoryError, match="disconnected parts"):
        record_geometry(gpkg, "P001", two, precision="exact", geom_source="x", editor="e")
    assert gpkg.read_bytes() == before
    # a one-part multi-geometry is fine
    record_geometry(gpkg, "P001", shapely.MultiPoint([(115.981, 36.451)]), precision="exact", geom_source="x",
                      editor="e")
    assert feature(gpkg, "P001").geometry.equals(shapely.Point(115.981, 36.451))
    # multi-part lines go into the MULTILINESTRING layer as they are
    parts = shapely.MultiLineString([[(115.6, 36.2), (115.7, 36.3)], [(115.9, 36.4), (116.0, 36.5)]])
    record_geometry(gpkg, "L001", parts, precision="exact", geom_source="x", editor="e")
    assert feature(gpkg, "L001").geometry.equals(parts)


def test_move_to_a_layer_the_build_did_not_create(tmp_path):
    import geopandas as gpd
    path = make_gpkg(tmp_path / "np.gpkg")
    # a GeoPackage without a polygon layer: copy counties + points + lines only
    lean = tmp_path / "lean.gpkg"
    for layer in ("counties", "projects_point", "projects_line"):
        gpd.read_file(path, layer=layer).to_file(lean, layer=layer, engine="pyogrio")
    park = shapely.box(115.94, 36.49, 115.96, 36.51)
    ch = record_geometry(lean, "P003", park, precision="exact", geom_source="红线", editor="e")
    assert ch.layer == "projects_polygon"
    info = pyogrio.read_info(lean, layer="projects_polygon")
    assert info["features"] == 1 and info["geometry_type"] == "MultiPolygon" and info["crs"] == "EPSG:4326"
    # the new layer has working R-tree triggers
    record_geometry(lean, "P001", shapely.box(115.97, 36.44, 115.99, 36.46), precision="exact",
                      geom_source="红线", editor="e")
    assert_rtree_ok(lean, "projects_polygon")
    assert_counts_right(lean)
    assert sw.integrity_check(lean) == "ok"
    assert set(read_projects(lean)["id"]) == {"P001", "P002", "P003", "L001", "L002"}


def test_the_build_writes_every_project_layer_so_a_project_can_move_to_an_empty_one(tmp_path):
    from layers.build import write_gpkg
    src = make_gpkg(tmp_path / "src.gpkg")
    points = read_projects(src)
    points = points[points.geometry.geom_type == "Point"]
    path = tmp_path / "built.gpkg"
    write_gpkg(path, gpd.read_file(src, layer="counties"), points)
    layers = dict(pyogrio.list_layers(path))
    assert (layers["projects_point"], layers["projects_line"], layers["projects_polygon"]) == \
        ("Point", "MultiLineString", "MultiPolygon")
    assert pyogrio.read_info(path, layer="projects_line")["features"] == 0
    park = shapely.box(115.94, 36.49, 115.96, 36.51)
    ch = record_geometry(path, "P003", park, precision="exact", geom_source="红线", editor="e")
    assert (ch.previous_layer, ch.layer) == ("projects_point", "projects_polygon")
    assert feature(path, "P003").geometry.equals(park)
    assert_rtree_ok(path, "projects_polygon")
    assert_counts_right(path)
    assert sw.integrity_check(path) == "ok"

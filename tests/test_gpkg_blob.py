"""GeoPackage geometry blobs (layers.gpkg_blob): our encoding round-trips and reads GDAL's, and GDAL's R-tree
triggers run on a connection that registers our ST_* functions."""
from __future__ import annotations

import sqlite3

import pytest
import shapely

from layers import safe_write as sw
from layers.gpkg_blob import blob_bounds, decode_gpkg_geom, encode_gpkg_geom
from tests.edit_fixtures import make_gpkg


@pytest.mark.parametrize("geom", [
    shapely.Point(116.0, 36.5),
    shapely.LineString([(115.6, 36.2), (116.3, 36.7)]),
    shapely.Polygon([(115.9, 36.4), (116.0, 36.4), (116.0, 36.5), (115.9, 36.4)]),
    shapely.MultiPolygon([shapely.box(115, 36, 115.1, 36.1), shapely.box(115.2, 36, 115.3, 36.1)]),
])
def test_geometry_blob_round_trip_and_header(geom):
    blob = encode_gpkg_geom(geom)
    assert blob[:2] == b"GP" and blob[2] == 0
    assert int.from_bytes(blob[4:8], "little") == 4326
    assert decode_gpkg_geom(blob).equals_exact(geom, 0)
    b = blob_bounds(blob)
    assert b == (geom.bounds[0], geom.bounds[2], geom.bounds[1], geom.bounds[3])


def test_blobs_written_by_gdal_decode(tmp_path):
    path = make_gpkg(tmp_path / "g.gpkg")
    conn = sw.connect(path, readonly=True)
    blobs = [r[0] for r in conn.execute('SELECT geom FROM "projects_line" ORDER BY fid')]
    conn.close()
    assert decode_gpkg_geom(blobs[0]).equals(shapely.LineString([(115.6, 36.2), (115.9, 36.4), (116.3, 36.7)]))


def test_gdal_rtree_triggers_exist_and_need_our_functions(tmp_path):
    path = make_gpkg(tmp_path / "g.gpkg")
    raw = sqlite3.connect(path)
    names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                                       "AND tbl_name='projects_point'")}
    assert {"rtree_projects_point_geom_insert", "rtree_projects_point_geom_update6",
            "rtree_projects_point_geom_delete", "trigger_insert_feature_count_projects_point"} <= names
    with pytest.raises(sqlite3.OperationalError, match="ST_IsEmpty"):
        raw.execute("UPDATE projects_point SET geom = geom")  # plain sqlite3 cannot run GDAL's triggers
    raw.close()
    conn = sw.connect(path)  # registers them
    conn.execute("UPDATE projects_point SET geom = geom")  # ours can
    conn.close()

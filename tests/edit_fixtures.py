"""A small GeoPackage written by GDAL (through pyogrio) with the layout of layers/store.py, for the edit tests.

It is written the way the builder writes (pyogrio, one layer per geometry type), so it carries GDAL's R-tree and
feature-count triggers — the things the history writes must keep consistent.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from layers.store import PROJECT_FIELDS

COUNTY = shapely.box(115.3, 35.8, 116.5, 37.0)


def _row(pid, name, category, status, geom, precision="approximate", precision_m=1000.0):
    row = {f: "" for f in PROJECT_FIELDS}
    row.update(id=pid, name=name, aliases="", category=category, county="东昌府区", status=status,
               target_year=2025, lead_agency="市水利局", plan_section="二(二)1", plan_excerpt=name,
               geom_source="gazetteer", precision=precision, precision_m=precision_m, location_note="")
    row["geometry"] = geom
    return row


def make_gpkg(path: Path, *, extra_points: int = 0) -> Path:
    """Counties + 3 points (a reservoir, a hospital, a park), 2 lines (a river, a railway), 1 polygon."""
    path = Path(path)
    counties = gpd.GeoDataFrame({"adcode": ["371502"], "name": ["东昌府区"]}, geometry=[COUNTY], crs="EPSG:4326")
    counties.to_file(path, layer="counties", engine="pyogrio")
    points = [
        _row("P001", "周店水库", "reservoir", "proposed", shapely.Point(115.98, 36.45)),
        _row("P002", "聊城市人民医院新院区", "hospital", "under_construction", shapely.Point(116.00, 36.46)),
        _row("P003", "湿地公园", "wetland_park", "preliminary", shapely.Point(115.95, 36.50)),
    ]
    points += [_row(f"X{i:03d}", f"测试项目{i}", "industrial_park", "proposed",
                    shapely.Point(115.5 + i * 0.001, 36.2)) for i in range(extra_points)]
    lines = [
        _row("L001", "徒骇河治理", "river", "under_construction",
             shapely.LineString([(115.6, 36.2), (115.9, 36.4), (116.3, 36.7)]), "schematic", 3000.0),
        _row("L002", "聊城至泰安铁路", "railway", "preliminary",
             shapely.LineString([(115.99, 36.45), (116.4, 36.2)]), "schematic", 5000.0),
    ]
    polys = [_row("G001", "化工园区", "industrial_park", "under_construction",
                  shapely.box(116.05, 36.5, 116.1, 36.55), "approximate", 500.0)]
    for layer, rows in (("projects_point", points), ("projects_line", lines), ("projects_polygon", polys)):
        gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        gdf["target_year"] = gdf["target_year"].astype("int32")
        # as layers/build.py writes them: lines and polygons promoted to multi-part
        gdf.to_file(path, layer=layer, engine="pyogrio", promote_to_multi=layer != "projects_point")
    return path


def feature(path, pid):
    """The one feature of project ``pid`` (a pandas row with its geometry)."""
    from layers.store import read_projects
    g = read_projects(path)
    rows = g[g["id"] == pid]
    assert len(rows) == 1
    return rows.iloc[0]


def assert_rtree_ok(path, layer):
    """Every feature has an R-tree entry whose box contains its geometry's bounds (R-tree stores float32)."""
    from layers import safe_write as sw
    from layers.gpkg_blob import decode_gpkg_geom
    conn = sw.connect(path, readonly=True)
    try:
        feats = conn.execute(f'SELECT fid, geom FROM "{layer}"').fetchall()
        boxes = {r[0]: r[1:] for r in conn.execute(f'SELECT id, minx, maxx, miny, maxy FROM "rtree_{layer}_geom"')}
    finally:
        conn.close()
    assert set(boxes) == {fid for fid, _ in feats}
    for fid, blob in feats:
        minx, miny, maxx, maxy = decode_gpkg_geom(blob).bounds
        bx = boxes[fid]
        assert bx[0] <= minx + 1e-5 and bx[1] >= maxx - 1e-5 and bx[2] <= miny + 1e-5 and bx[3] >= maxy - 1e-5


def assert_counts_right(path):
    """Every stored feature count (gpkg_ogr_contents) equals the table's row count."""
    from layers import safe_write as sw
    for table, (stored, actual) in sw.stored_counts(path).items():
        assert stored == actual, table


def cli(*args, env_gpkg=None):
    """``python -m layers ARGS`` in a subprocess from the project folder; ``env_gpkg`` sets $PROJECTMAP_GPKG."""
    import os
    import subprocess
    import sys
    env = dict(os.environ)
    env.pop("PROJECTMAP_GPKG", None)
    if env_gpkg:
        env["PROJECTMAP_GPKG"] = str(env_gpkg)
    return subprocess.run([sys.executable, "-m", "layers", *map(str, args)], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, env=env, timeout=300)

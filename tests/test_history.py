"""Status history, geometry corrections, as-of queries and carry-over across rebuilds, on a real GeoPackage."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pyogrio
import pytest
import shapely

from layers import history as h
from layers import safe_write as sw
from layers.store import read_projects
from tests.edit_fixtures import make_gpkg


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "t.gpkg")


def _feature(path, pid):
    g = read_projects(path)
    rows = g[g["id"] == pid]
    assert len(rows) == 1
    return rows.iloc[0]


def _rtree_ok(path, layer):
    """Every feature has an R-tree entry whose box contains its geometry's bounds (R-tree stores float32)."""
    conn = sw.connect(path, readonly=True)
    try:
        feats = conn.execute(f'SELECT fid, geom FROM "{layer}"').fetchall()
        boxes = {r[0]: r[1:] for r in conn.execute(f'SELECT id, minx, maxx, miny, maxy FROM "rtree_{layer}_geom"')}
    finally:
        conn.close()
    assert set(boxes) == {fid for fid, _ in feats}
    for fid, blob in feats:
        minx, miny, maxx, maxy = sw.decode_gpkg_geom(blob).bounds
        bx = boxes[fid]
        assert bx[0] <= minx + 1e-5 and bx[1] >= maxx - 1e-5 and bx[2] <= miny + 1e-5 and bx[3] >= maxy - 1e-5


def _counts_right(path):
    for table, (stored, actual) in sw.stored_counts(path).items():
        assert stored == actual, table


def test_status_change_is_recorded_and_shown(gpkg):
    ch = h.record_status(gpkg, "P001", "preliminary", "2024-03-01", note="完成立项", editor="王工",
                         source="市发改委通知")
    assert (ch.old_status, ch.new_status, ch.current_status) == ("proposed", "preliminary", "preliminary")
    assert _feature(gpkg, "P001")["status"] == "preliminary"
    hist = h.status_history(gpkg, "P001")
    assert hist[["old_status", "new_status", "effective_date", "note", "source", "editor"]].values.tolist() == [
        ["proposed", "preliminary", "2024-03-01", "完成立项", "市发改委通知", "王工"]]
    assert hist["recorded_at"].iloc[0].endswith("Z")
    # the history table is an attributes table GDAL (and so QGIS) lists and reads
    layers = dict(pyogrio.list_layers(gpkg))
    assert "status_history" in layers and layers["status_history"] is None
    df = pyogrio.read_dataframe(gpkg, layer="status_history")
    assert df["new_status"].tolist() == ["preliminary"]
    _counts_right(gpkg)
    assert sw.integrity_check(gpkg) == "ok"


@pytest.mark.parametrize("kwargs, needle", [
    (dict(project_id="NOPE", new_status="completed"), "Unknown project id 'NOPE'"),
    (dict(project_id="P00l", new_status="completed"), "P001"),  # a near miss suggests the id
    (dict(new_status="done"), "Unknown status 'done'"),
    (dict(effective_date="2999-01-01"), "in the future"),
    (dict(effective_date="01/03/2024"), "not YYYY-MM-DD"),
    (dict(editor="  "), "Editor is required"),
    (dict(note=""), "Note is required"),
    (dict(new_status="proposed"), "already had status proposed"),
])
def test_bad_status_input_is_rejected_and_changes_nothing(gpkg, kwargs, needle):
    before = gpkg.read_bytes()
    args = dict(project_id="P001", new_status="completed", effective_date="2024-01-01", note="n", editor="王工")
    args.update(kwargs)
    with pytest.raises(h.HistoryError) as e:
        h.record_status(gpkg, args.pop("project_id"), args.pop("new_status"), args.pop("effective_date"), **args)
    assert needle in str(e.value)
    assert gpkg.read_bytes() == before


def test_unknown_status_lists_the_valid_ones(gpkg):
    with pytest.raises(h.HistoryError) as e:
        h.record_status(gpkg, "P001", "finished", "2024-01-01", note="n", editor="e")
    for code in ("proposed", "preliminary", "under_construction", "completed", "suspended"):
        assert code in str(e.value)


def test_as_of_and_changed_since(gpkg):
    h.record_status(gpkg, "P001", "preliminary", "2024-03-01", note="a", editor="e")
    h.record_status(gpkg, "P001", "under_construction", "2024-09-01", note="b", editor="e")
    h.record_status(gpkg, "L002", "under_construction", "2024-05-10", note="c", editor="e")
    assert h.status_as_of(gpkg, "2023-08-26")["P001"] == "proposed"
    assert h.status_as_of(gpkg, "2024-02-29")["P001"] == "proposed"
    assert h.status_as_of(gpkg, "2024-03-01")["P001"] == "preliminary"  # effective that day
    assert h.status_as_of(gpkg, dt.date(2024, 8, 31))["P001"] == "preliminary"
    assert h.status_as_of(gpkg, "2024-09-01")["P001"] == "under_construction"
    assert h.status_as_of(gpkg, "2024-01-01")["L002"] == "preliminary"
    assert h.status_as_of(gpkg, "2024-01-01")["P002"] == "under_construction"  # no history: as it is
    assert len(h.status_as_of(gpkg, "2024-01-01")) == 6
    assert h.changed_since(gpkg, "2024-01-01") == {"P001", "L002"}
    assert h.changed_since(gpkg, "2024-05-10") == {"P001"}  # strictly after
    assert h.changed_since(gpkg, "2024-09-01") == set()
    ch = h.changes_since(gpkg, "2024-01-01")
    assert ch["date"].tolist() == ["2024-03-01", "2024-05-10", "2024-09-01"]


def test_back_dated_change_keeps_the_later_one_current(gpkg):
    h.record_status(gpkg, "P001", "under_construction", "2024-09-01", note="开工", editor="e")
    ch = h.record_status(gpkg, "P001", "preliminary", "2024-03-01", note="补记立项", editor="e")
    assert ch.old_status == "proposed" and ch.current_status == "under_construction"
    assert _feature(gpkg, "P001")["status"] == "under_construction"
    assert h.status_as_of(gpkg, "2024-04-01")["P001"] == "preliminary"
    assert h.status_as_of(gpkg, "2024-01-01")["P001"] == "proposed"


def test_geometry_correction_same_layer(gpkg):
    line = shapely.LineString([(115.61, 36.21), (115.8, 36.3), (116.0, 36.5), (116.31, 36.69)])
    ch = h.record_geometry(gpkg, "L001", line, precision="exact", precision_m=30, geom_source="测绘数字化",
                           editor="李工", note="按实测河道")
    assert (ch.previous_layer, ch.layer) == ("projects_line", "projects_line")
    f = _feature(gpkg, "L001")
    assert f.geometry.geom_type == "MultiLineString"  # the layer is MULTILINESTRING, as the builder writes it
    assert f.geometry.geoms[0].equals_exact(line, 1e-12)
    assert (f["precision"], f["precision_m"], f["geom_source"]) == ("exact", 30.0, "测绘数字化")
    gh = h.geometry_history(gpkg, "L001")
    assert gh["action"].tolist() == ["baseline", "edit"]
    assert gh["geometry"].iloc[0].equals(shapely.LineString([(115.6, 36.2), (115.9, 36.4), (116.3, 36.7)]))
    assert gh["geometry"].iloc[1].equals(line)  # history keeps the geometry as given
    assert gh["precision"].iloc[0] == "schematic"
    _rtree_ok(gpkg, "projects_line")
    _counts_right(gpkg)
    conn = sqlite3.connect(gpkg)
    ext = conn.execute("SELECT min_x, max_y FROM gpkg_contents WHERE table_name='projects_line'").fetchone()
    conn.close()
    assert ext[0] == pytest.approx(115.61, abs=1e-5) and ext[1] == pytest.approx(36.69, abs=1e-5)
    assert sw.integrity_check(gpkg) == "ok"


def test_geometry_correction_moves_feature_between_layers(gpkg):
    park = shapely.Polygon([(115.94, 36.49), (115.96, 36.49), (115.96, 36.51), (115.94, 36.51)])
    ch = h.record_geometry(gpkg, "P003", park, precision="exact", geom_source="规划红线", editor="李工")
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
        _rtree_ok(gpkg, layer)
    _counts_right(gpkg)
    # GDAL's own spatial filter (which uses the R-tree) finds the moved feature where it now is
    hit = pyogrio.read_dataframe(gpkg, layer="projects_polygon", bbox=(115.945, 36.495, 115.955, 36.505))
    assert hit["id"].tolist() == ["P003"]
    assert sw.integrity_check(gpkg) == "ok"


def test_restore_is_a_new_row_and_restores(gpkg):
    original = _feature(gpkg, "P001").geometry
    h.record_geometry(gpkg, "P001", shapely.Point(115.981, 36.452), precision="exact", geom_source="GPS",
                      editor="李工")
    h.record_geometry(gpkg, "P001", shapely.box(115.97, 36.44, 115.99, 36.46), precision="approximate",
                      precision_m=200, geom_source="影像", editor="李工")
    gh = h.geometry_history(gpkg, "P001")
    baseline = int(gh.loc[gh["action"] == "baseline", "fid"].iloc[0])
    ch = h.restore_geometry(gpkg, "P001", baseline, editor="王工")
    assert ch.layer == "projects_point" and ch.previous_layer == "projects_polygon"
    f = _feature(gpkg, "P001")
    assert f.geometry.equals(original) and f["precision"] == "approximate" and f["geom_source"] == "gazetteer"
    gh = h.geometry_history(gpkg, "P001")
    assert gh["action"].tolist() == ["baseline", "edit", "edit", "restore"]
    assert gh["restored_from"].iloc[-1] == baseline
    with pytest.raises(h.HistoryError, match="no geometry history row"):
        h.restore_geometry(gpkg, "P002", baseline, editor="王工")  # another project's row
    _counts_right(gpkg)


def test_multipart_geometry_in_single_part_layer_is_refused(gpkg):
    before = gpkg.read_bytes()
    two = shapely.MultiPoint([(115.98, 36.45), (115.99, 36.46)])
    with pytest.raises(h.HistoryError, match="disconnected parts"):
        h.record_geometry(gpkg, "P001", two, precision="exact", geom_source="x", editor="e")
    assert gpkg.read_bytes() == before
    # a one-part multi-geometry is fine
    h.record_geometry(gpkg, "P001", shapely.MultiPoint([(115.981, 36.451)]), precision="exact", geom_source="x",
                      editor="e")
    assert _feature(gpkg, "P001").geometry.equals(shapely.Point(115.981, 36.451))
    # multi-part lines go into the MULTILINESTRING layer as they are
    parts = shapely.MultiLineString([[(115.6, 36.2), (115.7, 36.3)], [(115.9, 36.4), (116.0, 36.5)]])
    h.record_geometry(gpkg, "L001", parts, precision="exact", geom_source="x", editor="e")
    assert _feature(gpkg, "L001").geometry.equals(parts)


def test_move_to_a_layer_the_build_did_not_create(tmp_path):
    import geopandas as gpd
    path = make_gpkg(tmp_path / "np.gpkg")
    # a GeoPackage without a polygon layer: copy counties + points + lines only
    lean = tmp_path / "lean.gpkg"
    for layer in ("counties", "projects_point", "projects_line"):
        gpd.read_file(path, layer=layer).to_file(lean, layer=layer, engine="pyogrio")
    park = shapely.box(115.94, 36.49, 115.96, 36.51)
    ch = h.record_geometry(lean, "P003", park, precision="exact", geom_source="红线", editor="e")
    assert ch.layer == "projects_polygon"
    info = pyogrio.read_info(lean, layer="projects_polygon")
    assert info["features"] == 1 and info["geometry_type"] == "MultiPolygon" and info["crs"] == "EPSG:4326"
    # the new layer has working R-tree triggers
    h.record_geometry(lean, "P001", shapely.box(115.97, 36.44, 115.99, 36.46), precision="exact",
                      geom_source="红线", editor="e")
    _rtree_ok(lean, "projects_polygon")
    _counts_right(lean)
    assert sw.integrity_check(lean) == "ok"
    assert set(read_projects(lean)["id"]) == {"P001", "P002", "P003", "L001", "L002"}


def test_carry_over_keeps_edits_across_a_rebuild(tmp_path):
    old = make_gpkg(tmp_path / "old.gpkg")
    h.record_status(old, "P002", "completed", "2025-01-15", note="竣工", editor="王工", source="新闻")
    h.record_status(old, "L002", "under_construction", "2024-06-01", note="开工", editor="王工")
    park = shapely.box(115.94, 36.49, 115.96, 36.51)
    h.record_geometry(old, "P003", park, precision="exact", geom_source="红线", editor="李工")
    new = make_gpkg(tmp_path / "new.gpkg")  # the fresh build: plan statuses, gazetteer geometries
    report = h.carry_over(old, new)
    assert report["status_rows"] == 2 and report["geometry_rows"] == 2
    assert report["status_applied"] == 2 and report["geometry_applied"] == 1 and report["missing"] == []
    g = read_projects(new).set_index("id")
    assert g.loc["P002", "status"] == "completed" and g.loc["L002", "status"] == "under_construction"
    assert g.loc["P003"].geometry.equals(park) and g.loc["P003", "precision"] == "exact"
    assert h.status_history(new)["note"].tolist() == h.status_history(old)["note"].tolist()
    assert h.status_as_of(new, "2024-01-01") == h.status_as_of(old, "2024-01-01")
    _counts_right(new)
    assert sw.integrity_check(new) == "ok"
    # and the history keeps growing in the rebuilt file
    h.record_status(new, "P002", "suspended", "2025-02-01", note="暂停", editor="王工")
    assert len(h.status_history(new)) == 3


def test_carry_over_reports_projects_gone_from_the_registry(tmp_path):
    old = make_gpkg(tmp_path / "old.gpkg", extra_points=1)
    h.record_status(old, "X000", "completed", "2024-01-01", note="n", editor="e")
    new = make_gpkg(tmp_path / "new.gpkg")
    report = h.carry_over(old, new)
    assert report["missing"] == ["X000"] and report["status_rows"] == 1
    assert h.status_history(new)["project_id"].tolist() == ["X000"]  # kept, not applied


def test_carry_over_without_old_file_creates_empty_tables(tmp_path):
    new = make_gpkg(tmp_path / "new.gpkg")
    report = h.carry_over(None, new)
    assert report["status_rows"] == 0
    assert len(pyogrio.read_dataframe(new, layer="status_history")) == 0
    assert sw.stored_counts(new)["geometry_history"] == (0, 0)


# ------------------------------------------------------------------------------ the CLI and the real builder

def _cli(*args, env_gpkg=None):
    import os
    import subprocess
    import sys
    from pathlib import Path
    env = dict(os.environ)
    env.pop("PROJECTMAP_GPKG", None)
    if env_gpkg:
        env["PROJECTMAP_GPKG"] = str(env_gpkg)
    return subprocess.run([sys.executable, "-m", "layers", *map(str, args)], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, env=env, timeout=300)


def test_cli_status(gpkg):
    r = _cli("status", "P001", "preliminary", "--date", "2024-03-01", "--note", "立项批复", "--editor", "王工",
             "--source", "市发改委", "--gpkg", gpkg)
    assert r.returncode == 0, r.stderr
    assert "proposed → preliminary" in r.stdout
    assert _feature(gpkg, "P001")["status"] == "preliminary"
    # $PROJECTMAP_GPKG names the file when --gpkg is absent
    r = _cli("status", "P002", "completed", "--date", "2024-04-01", "--note", "竣工", "--editor", "王工",
             env_gpkg=gpkg)
    assert r.returncode == 0, r.stderr
    assert h.status_history(gpkg)["project_id"].tolist() == ["P001", "P002"]


@pytest.mark.parametrize("args, needle", [
    (["NOPE", "completed", "--date", "2024-01-01"], "Unknown project id 'NOPE'"),
    (["P001", "done", "--date", "2024-01-01"], "Unknown status 'done'"),
    (["P001", "completed", "--date", (dt.date.today() + dt.timedelta(days=1)).isoformat()], "in the future"),
    (["P001", "completed", "--date", "2024-13-01"], "not YYYY-MM-DD"),
])
def test_cli_status_errors_exit_2_and_change_nothing(gpkg, args, needle):
    before = gpkg.read_bytes()
    r = _cli("status", *args, "--note", "n", "--editor", "e", "--gpkg", gpkg)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert gpkg.read_bytes() == before


def test_rebuild_keeps_edits(tmp_path):
    out = tmp_path / "lc.gpkg"
    r = _cli("build", "--out", out)
    assert r.returncode == 0, r.stderr
    built = read_projects(out).set_index("id")
    line_id = built.index[built.geometry.geom_type == "MultiLineString"][0]
    point_id = built.index[built.geometry.geom_type == "Point"][0]
    new_status = "completed" if built.loc[point_id, "status"] != "completed" else "suspended"
    r = _cli("status", point_id, new_status, "--date", "2025-01-10", "--note", "通车", "--editor", "王工",
             "--gpkg", out)
    assert r.returncode == 0, r.stderr
    course = shapely.LineString([(115.70, 36.30), (115.85, 36.42), (116.00, 36.55)])
    h.record_geometry(out, line_id, course, precision="exact", precision_m=20, geom_source="测绘数字化",
                      editor="李工", note="实测线位")
    r = _cli("build", "--out", out)  # rebuild from the registry
    assert r.returncode == 0, r.stderr
    rebuilt = read_projects(out).set_index("id")
    assert len(rebuilt) == len(built)
    assert rebuilt.loc[point_id, "status"] == new_status
    assert rebuilt.loc[line_id].geometry.equals(shapely.MultiLineString([course]))
    assert (rebuilt.loc[line_id, "precision"], rebuilt.loc[line_id, "geom_source"]) == ("exact", "测绘数字化")
    assert len(h.status_history(out)) == 1 and len(h.geometry_history(out, line_id)) == 2
    # untouched projects are exactly as built
    others = built.drop(index=[point_id, line_id])
    assert (rebuilt.loc[others.index, "status"] == others["status"]).all()
    for table, (stored, actual) in sw.stored_counts(out).items():
        assert stored == actual, table
    assert sw.integrity_check(out) == "ok"


def test_rebuild_reports_edits_and_ids_that_left_the_registry(tmp_path):
    from layers import report
    from layers.build import build
    from layers.history import record_status
    from layers.store import DEFAULT_REGISTRY
    out = tmp_path / "r.gpkg"
    build(out=out)
    record_status(out, "airport-liaocheng", "under_construction", "2024-06-01", note="开工", editor="测试")
    rows = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(keepends=True)
    reg = tmp_path / "reg.csv"
    reg.write_text("".join(r for r in rows if not r.startswith("airport-liaocheng,")), encoding="utf-8")
    summary = build(registry_path=reg, out=out)
    assert summary["edits"]["missing"] == ["airport-liaocheng"]
    assert "airport-liaocheng" in report.text(summary)
    summary = build(out=out)  # back in the registry: the edit applies again
    assert summary["edits"]["status_applied"] == 1 and summary["edits"]["missing"] == []


def test_geometry_changes_are_dated_in_china_time(gpkg):
    h.record_geometry(gpkg, "P001", shapely.Point(115.981, 36.452), precision="exact", geom_source="GPS", editor="e")
    with sqlite3.connect(gpkg) as c:  # recorded at 20:00 UTC on 10 May = 04:00 on 11 May in Liaocheng
        c.execute("UPDATE geometry_history SET recorded_at='2024-05-10T20:00:00.000Z' WHERE action='edit'")
    assert h.changed_since(gpkg, "2024-05-10") == {"P001"}
    assert h.changes_since(gpkg, "2024-05-10")["date"].tolist() == ["2024-05-11"]
    assert h.changed_since(gpkg, "2024-05-11") == set()

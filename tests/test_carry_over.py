"""Edits survive a rebuild (layers.carry_over): the old file's history copied into the new build and re-applied,
through the real builder and its CLI too."""
from __future__ import annotations

import pyogrio
import shapely

from layers import report
from layers import safe_write as sw
from layers.build import build
from layers.carry_over import carry_over
from layers.geometry_history import geometry_history, record_geometry
from layers.status_history import record_status, status_as_of, status_history
from layers.store import DEFAULT_REGISTRY, read_projects
from tests.edit_fixtures import assert_counts_right, cli, make_gpkg


def test_carry_over_keeps_edits_across_a_rebuild(tmp_path):
    old = make_gpkg(tmp_path / "old.gpkg")
    record_status(old, "P002", "completed", "2025-01-15", note="竣工", editor="王工", source="新闻")
    record_status(old, "L002", "under_construction", "2024-06-01", note="开工", editor="王工")
    park = shapely.box(115.94, 36.49, 115.96, 36.51)
    record_geometry(old, "P003", park, precision="exact", geom_source="红线", editor="李工")
    new = make_gpkg(tmp_path / "new.gpkg")  # the fresh build: plan statuses, gazetteer geometries
    report = carry_over(old, new)
    assert report["status_rows"] == 2 and report["geometry_rows"] == 2
    assert report["status_applied"] == 2 and report["geometry_applied"] == 1 and report["missing"] == []
    g = read_projects(new).set_index("id")
    assert g.loc["P002", "status"] == "completed" and g.loc["L002", "status"] == "under_construction"
    assert g.loc["P003"].geometry.equals(park) and g.loc["P003", "precision"] == "exact"
    assert status_history(new)["note"].tolist() == status_history(old)["note"].tolist()
    assert status_as_of(new, "2024-01-01") == status_as_of(old, "2024-01-01")
    assert_counts_right(new)
    assert sw.integrity_check(new) == "ok"
    # and the history keeps growing in the rebuilt file
    record_status(new, "P002", "suspended", "2025-02-01", note="暂停", editor="王工")
    assert len(status_history(new)) == 3


def test_carry_over_reports_projects_gone_from_the_registry(tmp_path):
    old = make_gpkg(tmp_path / "old.gpkg", extra_points=1)
    record_status(old, "X000", "completed", "2024-01-01", note="n", editor="e")
    new = make_gpkg(tmp_path / "new.gpkg")
    report = carry_over(old, new)
    assert report["missing"] == ["X000"] and report["status_rows"] == 1
    assert status_history(new)["project_id"].tolist() == ["X000"]  # kept, not applied


def test_carry_over_without_old_file_creates_empty_tables(tmp_path):
    new = make_gpkg(tmp_path / "new.gpkg")
    report = carry_over(None, new)
    assert report["status_rows"] == 0
    assert len(pyogrio.read_dataframe(new, layer="status_history")) == 0
    assert sw.stored_counts(new)["geometry_history"] == (0, 0)


def test_rebuild_keeps_edits(shipped_copy):
    out = shipped_copy  # as `python -m layers build` wrote it (tests/conftest.py)
    built = read_projects(out).set_index("id")
    line_id = built.index[built.geometry.geom_type == "MultiLineString"][0]
    point_id = built.index[built.geometry.geom_type == "Point"][0]
    new_status = "completed" if built.loc[point_id, "status"] != "completed" else "suspended"
    r = cli("status", point_id, new_status, "--date", "2025-01-10", "--note", "通车", "--editor", "王工",
             "--gpkg", out)
    assert r.returncode == 0, r.stderr
    course = shapely.LineString([(115.70, 36.30), (115.85, 36.42), (116.00, 36.55)])
    record_geometry(out, line_id, course, precision="exact", precision_m=20, geom_source="测绘数字化",
                    editor="李工", note="实测线位")
    r = cli("build", "--out", out)  # rebuild from the registry
    assert r.returncode == 0, r.stderr
    rebuilt = read_projects(out).set_index("id")
    assert len(rebuilt) == len(built)
    assert rebuilt.loc[point_id, "status"] == new_status
    assert rebuilt.loc[line_id].geometry.equals(shapely.MultiLineString([course]))
    assert (rebuilt.loc[line_id, "precision"], rebuilt.loc[line_id, "geom_source"]) == ("exact", "测绘数字化")
    assert len(status_history(out)) == 1 and len(geometry_history(out, line_id)) == 2
    # untouched projects are exactly as built
    others = built.drop(index=[point_id, line_id])
    assert (rebuilt.loc[others.index, "status"] == others["status"]).all()
    assert_counts_right(out)
    assert sw.integrity_check(out) == "ok"


def test_rebuild_reports_edits_and_ids_that_left_the_registry(shipped_copy, tmp_path):
    out = shipped_copy
    record_status(out, "airport-liaocheng", "under_construction", "2024-06-01", note="开工", editor="测试")
    rows = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(keepends=True)
    reg = tmp_path / "reg.csv"
    reg.write_text("".join(r for r in rows if not r.startswith("airport-liaocheng,")), encoding="utf-8")
    summary = build(registry_path=reg, out=out)
    assert summary["edits"]["missing"] == ["airport-liaocheng"]
    assert "airport-liaocheng" in report.text(summary)
    summary = build(out=out)  # back in the registry: the edit applies again
    assert summary["edits"]["status_applied"] == 1 and summary["edits"]["missing"] == []

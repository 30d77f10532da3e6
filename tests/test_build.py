"""The GeoPackage build: layers, fields, styles, atomicity."""
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pyogrio
import pytest

from layers import registry, store
from layers.build import build
from layers.registry import RegistryError

ROOT = Path(__file__).resolve().parent.parent
N_PROJECTS = len(registry.load(store.DEFAULT_REGISTRY))  # every row of the shipped registry


@pytest.fixture(scope="module")
def built(shipped):
    return shipped


def test_layers_fields_and_crs(built):
    out, summary = built
    layers = dict(pyogrio.list_layers(out))
    assert layers["counties"] == "MultiPolygon"
    assert {"projects_point", "projects_line", "projects_polygon"} <= set(layers)
    counties = store.read_counties(out)
    assert len(counties) == 8 and {"adcode", "name"} <= set(counties.columns)
    projects = store.read_projects(out)
    assert projects.crs.to_epsg() == 4326
    assert set(store.PROJECT_FIELDS) <= set(projects.columns)
    assert len(projects) == summary["projects"] == N_PROJECTS
    assert projects["id"].is_unique
    assert projects["precision"].isin(["exact", "approximate", "schematic", "county"]).all()
    assert (projects["precision_m"] > 0).all() and projects["geom_source"].str.len().gt(0).all()
    assert summary["outside_county"] == []


def test_qgis_styles_registered(built):
    out, _ = built
    with sqlite3.connect(out) as c:
        styled = {r[0] for r in c.execute("SELECT f_table_name FROM layer_styles WHERE useAsDefault")}
        qml = c.execute("SELECT styleQML FROM layer_styles WHERE f_table_name='projects_line'").fetchone()[0]
        contents = dict(c.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        counts = dict(c.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents").fetchall())
    assert {"counties", "projects_point", "projects_line", "projects_polygon"} <= styled
    assert contents["layer_styles"] == "attributes"
    # categorised by category and status in the symbol system: the water family's blue as RGBA, 前期工作 dashed
    assert 'attr="&quot;category&quot; || \'|\' || &quot;status&quot;"' in qml
    assert "#0072B2" not in qml and "0,114,178,255" in qml and 'value="river|preliminary"' in qml
    ElementTree.fromstring(qml.split("\n", 1)[1])  # well-formed XML after the DOCTYPE line
    assert 'value="dash"' in qml and "河道治理 · 前期工作" in qml
    assert counts["counties"] == 8
    assert sum(counts[t] for t in ("projects_point", "projects_line", "projects_polygon")) == N_PROJECTS


def test_report_command(built):
    out, _ = built
    r = subprocess.run([sys.executable, "-m", "layers", "report", "--gpkg", str(out)], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    assert f"{N_PROJECTS} projects" in r.stdout and "county fallbacks" in r.stdout and "by precision" in r.stdout


def _digest(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def test_bad_registry_leaves_target_untouched(built, tmp_path):
    out, _ = built
    target = tmp_path / "t.gpkg"
    target.write_bytes(out.read_bytes())
    before = _digest(target)
    bad = tmp_path / "bad.csv"
    bad.write_text(store.DEFAULT_REGISTRY.read_text(encoding="utf-8").replace(",river,", ",canal,", 1), encoding="utf-8")
    with pytest.raises(RegistryError):
        build(registry_path=bad, out=target)
    r = subprocess.run([sys.executable, "-m", "layers", "build", "--registry", str(bad), "--out", str(target)],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "category" in r.stderr and "bad.csv:" in r.stderr
    assert _digest(target) == before
    assert list(tmp_path.glob(".t.building-*")) == []


@pytest.mark.parametrize("stage", ["written", "replacing"])
def test_killed_build_never_leaves_a_broken_target(built, tmp_path, stage):
    """Kill the build after the new file is complete but before it replaces the target, and while holding the lock."""
    out, _ = built
    target = tmp_path / "live.gpkg"
    target.write_bytes(out.read_bytes())
    before = _digest(target)
    proc = subprocess.Popen([sys.executable, "-m", "layers", "build", "--out", str(target)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PROJECTMAP_BUILD_PAUSE": stage})
    try:
        assert proc.stderr.readline().strip() == f"paused:{stage}"
        assert list(tmp_path.glob(".live.building-*.gpkg"))  # the new file exists beside the target
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert _digest(target) == before  # the old file, untouched
    with sqlite3.connect(target) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(store.read_projects(target)) == N_PROJECTS
    # the OS released the killed build's lock; a later build cleans up its temporary file and succeeds
    build(out=target)
    assert len(store.read_projects(target)) == N_PROJECTS
    assert list(tmp_path.glob(".live.building-*")) == []


def test_cli_errors_are_messages_not_tracebacks(tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_text("not a geopackage")
    for args, needle in [(["report", "--gpkg", str(tmp_path / "none.gpkg")], "not found"),
                         (["build", "--registry", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.gpkg")],
                          "none.csv"),
                         (["build", "--out", str(junk)], "not a GeoPackage")]:
        r = subprocess.run([sys.executable, "-m", "layers", *args], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    assert junk.read_text() == "not a geopackage"

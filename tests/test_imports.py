"""python -m layers import-geometries: every feature checked like an upload, all written or none, with history."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from layers import history, store, verification
from layers.imports import BulkImportError, import_geometries
from tests.edit_fixtures import make_gpkg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "i.gpkg")


def feature(pid, geometry, **props):
    return {"type": "Feature", "properties": {"id": pid, **props}, "geometry": geometry}


def write(tmp_path, features, name="survey.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


GOOD = [
    feature("P001", {"type": "Point", "coordinates": [115.9812, 36.4507]}),
    feature("L001", {"type": "LineString", "coordinates": [[115.62, 36.22], [115.9, 36.4], [116.3, 36.7]]}),
    feature("L001", {"type": "LineString", "coordinates": [[116.3, 36.7], [116.35, 36.75]]}),
]


def snapshot(gpkg):
    p = store.read_projects(gpkg).set_index("id")
    return p.geometry.to_wkt().to_dict(), len(history.geometry_history(gpkg)), len(verification.history(gpkg))


def test_a_good_file_replaces_each_geometry_with_history_and_verification(gpkg, tmp_path):
    done = import_geometries(gpkg, write(tmp_path, GOOD), editor="李工", source="2024 测绘成果", precision_m=10,
                             state="surveyed", verified_on="2024-06-01")
    assert sorted(d.project_id for d in done) == ["L001", "P001"]
    p = store.read_projects(gpkg).set_index("id")
    assert p.loc["P001"].geometry.x == pytest.approx(115.9812)
    assert p.loc["L001"].geometry.length > 0.5 and p.loc["L001", "precision_m"] == 10
    assert set(p.loc[["P001", "L001"], "verification"]) == {"surveyed"}
    edits = history.geometry_history(gpkg).query("action == 'edit'")
    assert sorted(edits["project_id"]) == ["L001", "P001"] and set(edits["editor"]) == {"李工"}
    assert len(verification.history(gpkg)) == 2


@pytest.mark.parametrize("bad, needle", [
    (feature("NOPE", {"type": "Point", "coordinates": [116.0, 36.4]}), "NOPE"),
    (feature("P002", {"type": "Point", "coordinates": [121.4, 31.2]}), "P002"),                # outside the region
    (feature("P003", {"type": "LineString", "coordinates": [[116, 36.4], [116.1, 36.5]]}), "P003"),  # wrong kind
    ({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [116, 36.4]}}, "no id"),
])
def test_one_bad_feature_and_nothing_changes(gpkg, tmp_path, bad, needle):
    before = snapshot(gpkg)
    with pytest.raises(BulkImportError) as e:
        import_geometries(gpkg, write(tmp_path, GOOD + [bad]), editor="李工", source="测绘", precision_m=10,
                          verified_on="2024-06-01")
    assert needle in str(e.value) and "nothing was imported" in str(e.value)
    assert snapshot(gpkg) == before


def test_the_command_line_imports_and_reports_errors_without_a_traceback(gpkg, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "layers", "import-geometries", *args, "--gpkg", str(gpkg)],
                              cwd=ROOT, capture_output=True, text=True)
    ok = run(str(write(tmp_path, GOOD)), "--editor", "李工", "--source", "测绘", "--precision-m", "10")
    assert ok.returncode == 0 and "2 geometries imported" in ok.stdout
    assert set(verification.history(gpkg)["state"]) == {"documented"}
    for args, needle in [([str(tmp_path / "none.geojson")], "not found"),
                         ([str(write(tmp_path, GOOD[:1], "x.kml"))], "KML"),
                         ([str(write(tmp_path, GOOD)), "--state", "checked"], "Unknown verification state")]:
        r = run(*args, "--editor", "李工", "--source", "测绘", "--precision-m", "10")
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = subprocess.run([sys.executable, "-m", "layers", "verify", "P003", "surveyed", "--source", "踏勘",
                        "--editor", "王工", "--gpkg", str(gpkg)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and store.read_projects(gpkg).set_index("id").loc["P003", "verification"] == "surveyed"


def test_a_geopackage_keyed_by_id_in_cgcs2000_gk_imports(gpkg, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point
    frame = gpd.GeoDataFrame({"id": ["P001", "P002"]}, geometry=[Point(115.97, 36.44), Point(116.01, 36.47)],
                             crs="EPSG:4326").to_crs("EPSG:4548")
    path = tmp_path / "staff.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    done = import_geometries(gpkg, path, editor="李工", source="测绘", precision_m=5, verified_on="2024-06-01")
    assert [d.project_id for d in done] == ["P001", "P002"]
    assert store.read_projects(gpkg).set_index("id").loc["P002"].geometry.x == pytest.approx(116.01, abs=1e-6)

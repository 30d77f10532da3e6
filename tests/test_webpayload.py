"""The map page's light read path (layers.webpayload): attributes and prebuilt payloads straight from the
GeoPackage, valid only while the rows they were made from are unchanged, and no heavy GIS library on the way."""
import json
import subprocess
import sys

import pytest

from benchmarks.synthetic import write_gpkg
from layers import safe_write, store, webpayload
from tests.e2e.browser import ROOT


@pytest.fixture
def gpkg(tmp_path):
    return write_gpkg(tmp_path / "p.gpkg", n=40)


def test_attributes_are_the_stored_fields_of_every_project_in_id_order(gpkg):
    names, rows = webpayload.attributes(gpkg)
    full = store.read_projects(gpkg)
    assert names == store.PROJECT_FIELDS
    assert [r[names.index("id")] for r in rows] == list(full["id"])
    i = names.index("name")
    assert [r[i] for r in rows] == list(full["name"])
    assert webpayload.county_names(gpkg) == list(store.read_counties(gpkg)["name"])


def test_a_prebuilt_payload_lists_every_project_and_is_served_while_the_rows_are_unchanged(gpkg):
    body, ids = webpayload.payload(gpkg, "projects")
    assert sorted(ids) == sorted(store.read_projects(gpkg)["id"])
    d = json.loads(body)
    assert len(d["data"]["features"]) == len(ids)
    assert [f["properties"]["i"] for f in d["data"]["features"]][:3] == [webpayload_esc(i) for i in ids[:3]]
    counties, _ = webpayload.payload(gpkg, "counties")
    assert webpayload.bounds(counties)[0][0] < webpayload.bounds(counties)[1][0]


def webpayload_esc(text):
    from layers.escape import esc
    return esc(text)


def test_a_changed_row_makes_the_payload_stale(gpkg):
    assert webpayload.payload(gpkg, "projects") is not None
    with safe_write.write_transaction(gpkg) as conn:
        conn.execute("UPDATE projects_point SET status='completed' WHERE fid = (SELECT MIN(fid) FROM projects_point)")
        conn.touch("projects_point", geometry=False)
    assert webpayload.payload(gpkg, "projects") is None
    assert webpayload.payload(gpkg, "counties") is not None  # the counties did not change


def test_no_payload_before_a_build_stored_one(tmp_path):
    assert webpayload.payload(write_gpkg(tmp_path / "bare.gpkg", n=5, payloads=False), "projects") is None


def test_the_map_page_imports_neither_pandas_nor_a_gis_library(gpkg):
    """The map page — open it, filter by county and search — run by
    Streamlit's AppTest in a fresh interpreter: pandas, shapely, geopandas, pyproj, GDAL and folium stay unloaded.
    (pyarrow and numpy do load: Streamlit's custom components and its favicon code import them.)"""
    code = f"""
import os, sys
os.environ["PROJECTMAP_GPKG"] = {str(gpkg)!r}
from tests.apptest import app_test, shown_summary
at = app_test(120)
at.run()
at.multiselect(key="w_county").set_value(["冠县"]).run()
at.text_input(key="w_q").input("P0").run()
assert not at.exception, at.exception
assert shown_summary(at).startswith("显示"), at.html
heavy = ("pandas", "shapely", "geopandas", "pyproj", "pyogrio", "folium", "streamlit_folium", "matplotlib", "altair")
print(",".join(m for m in heavy if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""


def test_the_app_keeps_fresh_payloads_after_an_edit_so_the_next_start_is_fast(gpkg):
    from mapview import data
    with safe_write.write_transaction(gpkg) as conn:
        conn.execute("UPDATE projects_point SET status='completed' WHERE fid = (SELECT MIN(fid) FROM projects_point)")
        conn.touch("projects_point", geometry=False)
    assert webpayload.payload(gpkg, "projects") is None
    name, ids, _ = data.map_file(data.file_key(gpkg), "projects", False)
    kept = webpayload.payload(gpkg, "projects")
    assert kept is not None and kept[1] == ids
    assert (data.CACHE_DIR / name).read_bytes() == kept[0]
    first = next(f for f in json.loads(kept[0])["data"]["features"])
    assert first["properties"]["i"]


def test_a_served_file_keeps_the_age_of_its_content_and_the_recently_used_ones_are_kept(tmp_path, monkeypatch):
    """Browsers guess how long a file without Cache-Control stays fresh from its Last-Modified: using a file marks
    its access time, not its modification time; pruning keeps the KEEP_FILES most recently used."""
    import os
    from mapview import data
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)
    names = [data._write_cached("projects", f"body {i}".encode()) for i in range(data.KEEP_FILES)]
    for i, name in enumerate(names):  # written long ago, oldest first
        os.utime(tmp_path / name, (1_700_000_000 + i, 1_700_000_000 + i))
    assert data._write_cached("projects", b"body 0") == names[0]  # used again
    assert (tmp_path / names[0]).stat().st_mtime == 1_700_000_000  # its content's age
    data._write_cached("projects", b"a new body")  # one file too many: the least recently used goes
    left = {p.name for p in tmp_path.glob("projects-*.json")}
    assert len(left) == data.KEEP_FILES and names[0] in left and names[1] not in left


def test_the_server_reads_the_map_data_ahead_of_the_first_visitor(gpkg, tmp_path, monkeypatch):
    """mapview.serve calls data.warm() as the server starts: the map's files are in the cache folder before any
    page has run; a store that cannot be read is left to the page (no exception)."""
    from mapview import data
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv("PROJECTMAP_GPKG", str(tmp_path / "absent.gpkg"))
    data.warm()
    assert not (tmp_path / "cache").exists()
    monkeypatch.setenv("PROJECTMAP_GPKG", str(gpkg))
    data.warm()
    made = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").glob("*.json"))
    assert made == ["counties", "projects"]

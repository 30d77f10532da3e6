"""Items 1, 4, 9 and part of 10 of the hardening issue: a hostile upload reads no server file, fetches no URL, costs
bounded work, and every failure is an UploadError (Chinese + English) naming the uploaded file, never a server path.

The attack files are templates in fixtures/: {SOURCE} becomes a local file holding a marker string (file read) or a
/vsicurl/ URL of a listener on 127.0.0.1 (SSRF); {URL} becomes the listener's address.
"""
from __future__ import annotations

import http.server
import io
import json
import sqlite3
import tempfile
import threading
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo import upload as up
from geo import upload_limits

FIXTURES = Path(__file__).parent / "fixtures"
MARKER = "MARKER-7f3c2a-not-for-editors"


class Listener:
    """HTTP on 127.0.0.1, random port: records every request and answers with the secret CSV (so an attack that
    reaches it would succeed). It stops itself after two minutes even if the test never does."""

    def __init__(self):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            body = f'WKT,name\n"POINT (115.98 36.45)",{MARKER}\n'.encode()

            def do_GET(self):
                requests.append(f"GET {self.path}")
                self.send_response(200)
                self.send_header("Content-Length", str(len(self.body)))
                self.end_headers()
                self.wfile.write(self.body)

            def do_HEAD(self):
                requests.append(f"HEAD {self.path}")
                self.send_response(200)
                self.send_header("Content-Length", str(len(self.body)))
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.timer = threading.Timer(120, self.stop)
        self.timer.daemon = True
        self.timer.start()

    def stop(self):
        self.timer.cancel()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.stop()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text(f'WKT,name\n"POINT (115.98 36.45)",{MARKER}\n')
    return path


@pytest.fixture(autouse=True)
def fresh_cache():
    cache = getattr(up, "_CACHE", None)
    if cache is not None:
        cache.clear()
    yield


def _template(name: str, **subs) -> str:
    text = (FIXTURES / name).read_text()
    for key, value in subs.items():
        text = text.replace("{" + key + "}", value)
    return text


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _refused(data: bytes, name: str, listener: Listener) -> up.UploadError:
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, name)
    msg = str(e.value)
    assert MARKER not in msg and "secret" not in msg and listener.url not in msg
    assert e.value.zh and e.value.en
    assert listener.requests == []
    return e.value


def _source(kind: str, secret: Path, listener: Listener) -> str:
    return str(secret) if kind == "file" else f"/vsicurl/{listener.url}/secret.csv"


# ------------------------------------------------------------------------------- item 1: file read and SSRF

@pytest.mark.parametrize("kind", ["file", "url"])
def test_vrt_disguised_as_kml_is_refused(kind, secret, listener):
    data = _template("vrt_disguised.kml", SOURCE=_source(kind, secret, listener)).encode()
    err = _refused(data, "园区.kml", listener)
    assert "KML" in err.en and "园区.kml" in str(err)


@pytest.mark.parametrize("kind", ["file", "url"])
def test_gdalg_disguised_as_geojson_is_refused(kind, secret, listener):
    data = _template("gdalg_disguised.geojson", SOURCE=_source(kind, secret, listener)).encode()
    err = _refused(data, "河道.geojson", listener)
    assert "GeoJSON" in err.en and "gdal_streamed_alg" in err.en


@pytest.mark.parametrize("kind", ["file", "url"])
def test_zip_whose_shp_is_vrt_is_refused(kind, secret, listener):
    shp = _template("vrt_in_zip.shp", SOURCE=_source(kind, secret, listener)).encode()
    data = _zip({"parcel.shp": shp, "parcel.shx": b"\0" * 100, "parcel.dbf": b"\x03" + b"\0" * 40})
    err = _refused(data, "parcel.zip", listener)
    assert "Shapefile" in err.en and "parcel.shp" in err.en


def test_geojson_crs_link_is_not_fetched(listener):
    data = _template("geojson_crs_link.geojson", URL=listener.url).encode()
    err = _refused(data, "p.geojson", listener)
    assert "crs" in err.en and "link" in err.en


def test_kml_links_are_not_followed(listener):
    data = _template("kml_network_link.kml", URL=listener.url).encode()
    u = up.read_upload(data, "site.kml")
    assert u.geometry.equals(shapely.Point(115.98, 36.45))
    assert listener.requests == []


def _geopackage_with_view(tmp_path, url: str) -> bytes:
    path = tmp_path / "v.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(115.98, 36.45)], crs=4326).to_file(path, layer="t")
    con = sqlite3.connect(path)
    con.execute("CREATE VIEW v AS SELECT fid, geom, "
                f"gdal_get_pixel_value('/vsicurl/{url}/secret.tif', 1, 'pixel', 0, 0) AS leak FROM t")
    con.execute("UPDATE gpkg_contents SET table_name = 'v', identifier = 'v'")
    con.execute("UPDATE gpkg_geometry_columns SET table_name = 'v'")
    con.commit()
    con.close()
    return path.read_bytes()


def test_geopackage_view_is_refused_even_if_gdal_would_run_it(tmp_path, listener):
    data = _geopackage_with_view(tmp_path, listener.url)
    # a server where someone allowed GDAL's SQL functions in views: the upload must still not run them
    pyogrio.set_gdal_config_options({"ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW": "YES"})
    try:
        err = _refused(data, "v.gpkg", listener)
    finally:
        pyogrio.set_gdal_config_options({"ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW": None})
    assert "view" in err.en and "视图" in err.zh


def test_after_an_upload_gdal_has_no_network_and_no_virtual_drivers(tmp_path, listener):
    up.read_upload(json.dumps({"type": "Point", "coordinates": [115.98, 36.45]}).encode(), "p.geojson")
    assert not {"VRT", "OGR_VRT", "GDALG"} & set(pyogrio.list_drivers())
    with pytest.raises(Exception):
        pyogrio.read_info(f"/vsicurl/{listener.url}/secret.csv")
    linked = tmp_path / "linked.geojson"  # GDAL's own HTTP client (crs links): read directly, not through upload
    linked.write_text(_template("geojson_crs_link.geojson", URL=listener.url))
    try:
        pyogrio.read_info(linked)
    except Exception:
        pass
    assert listener.requests == []


# ------------------------------------------------------------------------------------------ item 4: bounded work

def _zigzag(n: int) -> shapely.Polygon:
    """A ring whose two long sides zigzag across each other at every tooth: make_valid is about quadratic on it."""
    k = n // 2
    x = np.linspace(115.5, 116.5, k)
    top = np.column_stack([x, 36.0 + 0.5 * (np.arange(k) % 2)])
    bottom = np.column_stack([x[::-1], 36.0 + 0.5 * ((np.arange(k) + 1) % 2)[::-1]])
    return shapely.Polygon(np.vstack([top, bottom]))


def _geojson(geom) -> bytes:
    return json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geom)}).encode()


def test_two_hundred_thousand_vertex_zigzag_is_refused_by_the_vertex_cap():
    assert up.MAX_VERTICES < 200_000
    data = _geojson(_zigzag(200_000))
    assert len(data) < up.MAX_BYTES
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "zigzag.geojson")
    assert "vertices" in e.value.en and "顶点" in e.value.zh
    assert f"{up.MAX_VERTICES:,}" in e.value.en


def test_a_repair_that_runs_too_long_is_stopped(monkeypatch):
    monkeypatch.setattr(upload_limits, "REPAIR_SECONDS", 1.0)
    with pytest.raises(up.UploadError) as e:
        up.read_upload(_geojson(_zigzag(20_000)), "zigzag.geojson")  # ~50 s of make_valid if unbounded
    assert "repairing" in e.value.en.lower() and "修复" in e.value.zh and "too long" in e.value.en


def test_a_repair_that_needs_too_much_memory_is_stopped(monkeypatch):
    monkeypatch.setattr(upload_limits, "REPAIR_MEMORY", 8 * 2**20)  # make_valid of this zigzag needs ~25 MB more
    with pytest.raises(up.UploadError) as e:
        up.read_upload(_geojson(_zigzag(4_000)), "zigzag.geojson")
    assert "memory" in e.value.en and "内存" in e.value.zh


def test_the_same_upload_is_parsed_once(monkeypatch):
    calls = []
    inner = up._read_upload
    monkeypatch.setattr(up, "_read_upload", lambda *a, **k: calls.append(1) or inner(*a, **k))
    good = _geojson(shapely.Point(115.98, 36.45))
    first, again = up.read_upload(good, "p.geojson"), up.read_upload(good, "p.geojson")
    assert first.geometry.equals(again.geometry) and len(calls) == 1
    again.notes.append("changed by the caller")
    assert up.read_upload(good, "p.geojson").notes == []
    bowtie = _geojson(shapely.Polygon([(115.90, 36.40), (116.00, 36.50), (116.00, 36.40), (115.90, 36.50)]))
    for _ in range(2):
        with pytest.raises(up.UploadError, match="Invalid polygon"):
            up.read_upload(bowtie, "bow.geojson")
    assert len(calls) == 2  # a failure is remembered too: a Streamlit rerun does not repeat it
    up.read_upload(good, "p.geojson", allowed_kinds={"Point"})  # other options: read again
    assert len(calls) == 3


# ------------------------------------------------------------------------------ item 9: no traceback, ever

def test_geojson_nested_a_hundred_thousand_levels_is_an_upload_error():
    data = b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "deep.geojson")
    assert "nested" in e.value.en and "嵌套" in e.value.zh


def test_unclosed_polygon_ring_is_an_upload_error():
    ring = [[115.94, 36.49], [115.96, 36.49], [115.96, 36.51], [115.94, 36.51]]  # last point is not the first
    data = json.dumps({"type": "Polygon", "coordinates": [ring]}).encode()
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "open.geojson")
    assert "not closed" in e.value.en and "闭合" in e.value.zh


def test_an_unexpected_failure_is_an_upload_error_without_a_traceback(monkeypatch):
    def boom(*a, **k):
        raise KeyError("internal detail")
    monkeypatch.setattr(up, "_combine", boom)
    with pytest.raises(up.UploadError) as e:
        up.read_upload(_geojson(shapely.Point(115.98, 36.45)), "p.geojson")
    assert "Traceback" not in str(e.value) and "p.geojson" in str(e.value)


# ----------------------------------------------------------------------- item 10 (part): no server paths shown

def test_gdal_errors_name_the_uploaded_file_not_the_server_temp_path():
    data = b"<?xml version='1.0'?><kml><Document><Placemark><LineString><coordinates>115.7,36.3 116"
    with pytest.raises(up.UploadError) as e:
        up.read_upload(data, "河道.kml")
    msg = str(e.value)
    assert "河道.kml" in msg
    assert tempfile.gettempdir() not in msg and "upload-" not in msg and "upload.kml" not in msg

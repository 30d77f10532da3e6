"""python -m layers api: the OGC API – Features server, started as a subprocess and asked over real HTTP. The projects
collection agrees with `python -m layers export --format geojson` for the same filter (ids, order, geometries and
properties), paging and bbox select what they should, bad values are refused with a message, nothing writes, and the
layer is live (an edit shows on the next request)."""
import hashlib
import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest
import shapely
from shapely.geometry import shape

from benchmarks.synthetic import HOSTILE_NAMES, write_gpkg
from layers.__main__ import main
from layers.status_history import record_status
from layers.stores import copy_store, open_store
from tests.pg import pg_server  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
PAGE = 7  # a page size that splits the shipped projects into several pages
ALL_COLLECTIONS = ["projects", "projects_point", "projects_line", "projects_polygon", "counties", "history"]


# ------------------------------------------------------------------------------------------------ the server

def start(target, *extra):
    """`python -m layers api --port 0` on a GeoPackage path or a postgresql:// URL; returns (process, base URL) once
    it accepts connections."""
    source = ["--db", target] if str(target).startswith("postgresql://") else ["--gpkg", str(target)]
    proc = subprocess.Popen([sys.executable, "-m", "layers", "api", "--port", "0", *source, *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+?)/\s", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"no address printed: {line!r} {proc.stderr.read()}")
    return proc, match.group(1)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


STATUS_CHANGES = (("bridge-liaotai-yellow-river", "completed", "2024-05-01"),
                  ("rail-xiong-shang", "completed", "2025-01-10"))


@pytest.fixture(scope="module")
def reference(shipped, tmp_path_factory):
    """A copy of the shipped GeoPackage with two status changes recorded: what `layers export` reads."""
    path = shutil.copy(shipped[0], tmp_path_factory.mktemp("api") / "liaocheng.gpkg")
    for pid, status, date in STATUS_CHANGES:
        record_status(path, pid, status, date, note="测试", editor="测试员", source="test")
    return Path(path)


def copy_to(engine, reference, request):
    """The reference store as a GeoPackage of its own or copied into a new PostGIS database (history included)."""
    if engine == "gpkg":
        return shutil.copy(reference, request.getfixturevalue("tmp_path_factory").mktemp("gpkg") / "s.gpkg")
    url = request.getfixturevalue("pg_server").new_database()
    copy_store(open_store(str(reference)), open_store(url))
    return url


@pytest.fixture(scope="module", params=["gpkg", "postgis"])
def source(request, reference):
    """The store the server reads (each engine in turn): a GeoPackage path or a postgresql:// URL."""
    return copy_to(request.param, reference, request)


@pytest.fixture(scope="module")
def server(source):
    proc, base = start(source)
    yield base
    stop(proc)


def snapshot(source):
    """Everything a write could change: the file's bytes, or the database's rows."""
    if not str(source).startswith("postgresql://"):
        return hashlib.sha256(Path(source).read_bytes()).hexdigest()
    st = open_store(source)
    return st.projects().to_json(), st.counties().to_json(), st.status_history().to_json()


def get(base, path, params=None, headers=None):
    """(status, headers, parsed JSON or text) of a GET."""
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            body, status, hdrs = r.read(), r.status, r.headers
    except urllib.error.HTTPError as err:
        body, status, hdrs = err.read(), err.code, err.headers
    text = body.decode("utf-8")
    ctype = hdrs.get("Content-Type", "")
    return status, hdrs, (json.loads(text) if "json" in ctype else text)


def all_items(base, collection, params):
    """Every feature of a query, page by page (PAGE at a time, offset by offset)."""
    feats, offset = [], 0
    while True:
        status, _, doc = get(base, f"/collections/{collection}/items", {**params, "limit": PAGE, "offset": offset})
        assert status == 200, doc
        feats += doc["features"]
        assert doc["numberReturned"] == len(doc["features"]) <= PAGE
        offset += PAGE
        if offset >= doc["numberMatched"]:
            assert len(feats) == doc["numberMatched"]
            return feats


def exported(store, tmp_path, *cli_filter):
    """The features `python -m layers export --format geojson` writes for a filter."""
    out = tmp_path / f"export{len(list(tmp_path.iterdir()))}.geojson"
    assert main(["export", "--format", "geojson", "--gpkg", str(store), "--out", str(out), *cli_filter]) == 0
    return json.loads(out.read_text(encoding="utf-8"))["features"]


# --------------------------------------------------------------------------------------- against the export

FILTERS = {  # name → (API query, export arguments)
    "none": ({}, []),
    "status": ({"status": "under_construction"}, ["--status", "under_construction"]),
    "status by its Chinese label": ({"status": "在建"}, ["--status", "under_construction"]),
    "two statuses": ({"status": "preliminary,proposed"}, ["--status", "preliminary", "proposed"]),
    "county": ({"county": "冠县"}, ["--county", "冠县"]),
    "category": ({"category": "river"}, ["--category", "river"]),
    "category by its Chinese label": ({"category": "河道治理"}, ["--category", "river"]),
    "status, county and category": ({"status": "under_construction", "county": "东昌府区", "category": "river"},
                                    ["--status", "under_construction", "--county", "东昌府区",
                                     "--category", "river"]),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_projects_agree_with_the_export(server, reference, tmp_path, name):
    query, cli_filter = FILTERS[name]
    expected = exported(reference, tmp_path, *cli_filter)
    got = all_items(server, "projects", query)
    assert [f["id"] for f in got] == [f["id"] for f in expected]
    assert [f["geometry"] for f in got] == [f["geometry"] for f in expected]
    assert [f["properties"] for f in got] == [f["properties"] for f in expected]
    if name != "none":
        assert 0 < len(got) < len(exported(reference, tmp_path)), "the filter should select some, not all"


def test_every_geometry_type_is_in_one_collection(server):
    _, _, doc = get(server, "/collections/projects/items", {"limit": 1000})
    assert {f["geometry"]["type"] for f in doc["features"]} >= {"Point", "MultiLineString", "MultiPolygon"}


def test_one_collection_per_geometry_type_too(server, reference, tmp_path):
    """projects_point/_line/_polygon split projects as the GeoPackage does, with the same filters."""
    every = exported(reference, tmp_path)
    building = {f["id"] for f in exported(reference, tmp_path, "--status", "under_construction")}
    seen = []
    for cid, types in (("projects_point", {"Point"}), ("projects_line", {"LineString", "MultiLineString"}),
                       ("projects_polygon", {"Polygon", "MultiPolygon"})):
        part = all_items(server, cid, {})
        assert part and {f["geometry"]["type"] for f in part} <= types, cid
        assert part == [f for f in every if f["geometry"]["type"] in types], cid
        filtered = all_items(server, cid, {"status": "在建"})
        assert [f["id"] for f in filtered] == [f["id"] for f in part if f["id"] in building], cid
        seen += [f["id"] for f in part]
    assert sorted(seen) == sorted(f["id"] for f in every)


def test_bbox_selects_the_features_that_intersect_it(server, reference, tmp_path):
    box = (115.8, 36.3, 116.1, 36.6)  # round the city centre: some projects in, some out
    every = exported(reference, tmp_path)
    inside = [f["id"] for f in every if shape(f["geometry"]).intersects(shapely.box(*box))]
    assert 0 < len(inside) < len(every)
    got = all_items(server, "projects", {"bbox": ",".join(map(str, box))})
    assert [f["id"] for f in got] == inside
    under_construction = {f["id"] for f in exported(reference, tmp_path, "--status", "under_construction")}
    got = all_items(server, "projects", {"bbox": ",".join(map(str, box)), "status": "under_construction"})
    assert [f["id"] for f in got] == [i for i in inside if i in under_construction]


def test_paging_by_limit_and_offset(server, reference, tmp_path):
    ids = [f["id"] for f in exported(reference, tmp_path)]
    status, _, doc = get(server, "/collections/projects/items", {"limit": 3, "offset": 5})
    assert status == 200
    assert [f["id"] for f in doc["features"]] == ids[5:8]
    assert doc["numberMatched"] == len(ids) and doc["numberReturned"] == 3
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert "offset=8" in rels["next"] and "offset=2" in rels["prev"]
    _, _, last = get(server, "/collections/projects/items", {"limit": 3, "offset": len(ids) - 1})
    assert [f["id"] for f in last["features"]] == ids[-1:]
    _, _, past = get(server, "/collections/projects/items", {"limit": 3, "offset": len(ids) + 10})
    assert past["features"] == [] and past["numberMatched"] == len(ids)


def test_one_item_by_its_id(server, reference, tmp_path):
    feature = exported(reference, tmp_path, "--category", "river")[0]
    status, _, doc = get(server, f"/collections/projects/items/{urllib.parse.quote(feature['id'])}")
    assert status == 200
    assert (doc["id"], doc["geometry"], doc["properties"]) == (feature["id"], feature["geometry"],
                                                               feature["properties"])
    status, _, doc = get(server, "/collections/projects/items/no-such-project")
    assert status == 404


# ----------------------------------------------------------------------------------------- the other two

def test_counties(server, source):
    counties = open_store(source).counties()
    feats = all_items(server, "counties", {})
    assert sorted(f["properties"]["name"] for f in feats) == sorted(counties["name"])
    assert {f["id"] for f in feats} == {str(a) for a in counties["adcode"]}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in feats)


def test_history_rows_with_their_projects_geometry(server, reference, tmp_path):
    feats = all_items(server, "history", {})
    assert [(f["properties"]["project_id"], f["properties"]["new_status"]) for f in feats] == [
        ("bridge-liaotai-yellow-river", "completed"), ("rail-xiong-shang", "completed")]
    assert feats[0]["properties"]["editor"] == "测试员" and feats[0]["properties"]["effective_date"] == "2024-05-01"
    projects = {f["id"]: f["geometry"] for f in exported(reference, tmp_path)}
    assert [f["geometry"] for f in feats] == [projects[f["properties"]["project_id"]] for f in feats]
    only = all_items(server, "history", {"project_id": "rail-xiong-shang"})
    assert [f["properties"]["project_id"] for f in only] == ["rail-xiong-shang"]
    assert len(all_items(server, "history", {"datetime": "2025-01-01/.."})) == 1
    assert len(all_items(server, "history", {"new_status": "建成"})) == 2
    assert get(server, "/collections/history/items", {"new_status": "demolished"})[0] == 400
    assert "not a date" in get(server, "/collections/history/items", {"datetime": "last week"})[2]["description"]


# ---------------------------------------------------------------------------------- what QGIS reads first

def test_collections_and_conformance_as_qgis_reads_them(server):
    status, _, landing = get(server, "/", headers={"Accept": "application/json"})
    assert status == 200
    rels = {link["rel"] for link in landing["links"]}
    assert {"service-desc", "conformance", "data"} <= rels
    assert not any("processes" in r or "job-list" in r or "tiling" in r for r in rels), "links to unserved paths"
    _, _, conf = get(server, "/conformance", {"f": "json"})
    classes = set(conf["conformsTo"])
    assert {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
            "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"} <= classes
    assert not any("features-4" in c for c in classes), "read-only: Part 4 (create/replace/delete) not claimed"
    _, _, cols = get(server, "/collections", {"f": "json"})
    assert [c["id"] for c in cols["collections"]] == ALL_COLLECTIONS
    for cid in ("projects", "counties", "history"):
        status, _, col = get(server, f"/collections/{cid}", headers={"Accept": "application/json"})
        assert status == 200 and col["id"] == cid
        (minx, miny, maxx, maxy), = col["extent"]["spatial"]["bbox"]
        assert 115 < minx < maxx < 117 and 35.5 < miny < maxy < 37.5  # the city
        assert col["extent"]["spatial"]["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert "http://www.opengis.net/def/crs/EPSG/0/4490" in col["crs"]
        assert col["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert any(link["rel"] == "items" for link in col["links"])
    status, hdrs, oas = get(server, "/openapi", headers={"Accept": "application/vnd.oai.openapi+json;version=3.0"})
    assert status == 200 and oas["openapi"].startswith("3.")
    limit = next(p for p in oas["paths"]["/collections/projects/items"]["get"]["parameters"]
                 if p.get("name") == "limit")
    assert limit["schema"]["maximum"] == 10_000
    assert not any(p.startswith("/jobs") for p in oas["paths"])
    assert all(set(ops) <= {"get", "options", "parameters", "summary", "description"}
               for ops in oas["paths"].values()), "only reading is described"


GDAL_CLIENT = """
import json, sys
import pyogrio
url = "OAPIF:" + sys.argv[1]
projects = pyogrio.read_dataframe(url, layer="projects")
building = pyogrio.read_dataframe(url, layer="projects", where="status = 'under_construction'")
print(json.dumps({"layers": [str(name) for name, _ in pyogrio.list_layers(url)],
                  "projects": dict(zip(projects["id"], projects.geometry.to_wkt(rounding_precision=-1))),
                  "building": sorted(building["id"]),
                  "count": pyogrio.read_info(url, layer="projects")["features"]}))
"""


def test_gdal_reads_it_as_a_client_does(server, reference, tmp_path):
    """GDAL's OGC API – Features client (the OAPIF driver; QGIS has its own: test_api_qgis.py), in a process of its
    own — this one may have GDAL's network switched off (geo.upload_read does, for uploads)."""
    run = subprocess.run([sys.executable, "-c", GDAL_CLIENT, server], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout)
    assert got["layers"] == ALL_COLLECTIONS
    expected = {f["id"]: shape(f["geometry"]) for f in exported(reference, tmp_path)}
    assert sorted(got["projects"]) == sorted(expected)
    assert all(shapely.from_wkt(wkt).equals_exact(expected[i], 1e-9) for i, wkt in got["projects"].items())
    assert got["building"] == sorted(f["id"] for f in exported(reference, tmp_path, "--status", "under_construction"))
    assert got["count"] == len(expected)


def test_items_as_geojson_for_a_geojson_client(server):
    status, hdrs, doc = get(server, "/collections/projects/items", {"limit": 2},
                            headers={"Accept": "application/geo+json, application/json;q=0.9"})
    assert status == 200 and doc["type"] == "FeatureCollection" and len(doc["features"]) == 2


def test_crs_cgcs2000(server):
    _, _, plain = get(server, "/collections/projects/items", {"limit": 1, "category": "sluice"})
    status, hdrs, cgcs = get(server, "/collections/projects/items",
                             {"limit": 1, "category": "sluice", "crs": "http://www.opengis.net/def/crs/EPSG/0/4490"})
    assert status == 200 and hdrs["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    lon, lat = plain["features"][0]["geometry"]["coordinates"]
    assert cgcs["features"][0]["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)  # EPSG axis order


# ----------------------------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("params, says", [
    ({"status": "building"}, "unknown status 'building'"),
    ({"status": "' OR 1=1 --"}, "unknown status"),
    ({"county": "济南市"}, "unknown county"),
    ({"category": "canal"}, "unknown category"),
    ({"status": "x" * 5000}, "longer than"),
    ({"status": ",".join(["x"] * 150)}, "more than"),
    ({"limit": "0"}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"offset": "-1"}, "offset"),
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "nan,36,116,37"}, "bbox"),
    ({"target_year": "soon"}, "not a number"),
    ({"filter": "status='completed'"}, "not supported"),
    ({"sortby": "budget"}, "sort"),
    ({"stauts": "completed"}, "unknown query parameter 'stauts'"),  # misspelt: not silently everything
    ({"f": "csv"}, "f=csv"),
])
def test_bad_values_are_refused_with_a_message(server, params, says):
    status, _, doc = get(server, "/collections/projects/items", params)
    assert status == 400
    assert says in doc["description"]


def test_the_valid_statuses_are_named(server):
    _, _, doc = get(server, "/collections/projects/items", {"status": "building"})
    assert all(code in doc["description"] for code in ("proposed", "under_construction", "completed"))


def test_a_large_limit_is_cut_to_the_maximum(reference, monkeypatch):
    from layers import api
    monkeypatch.setattr(api, "MAX_ITEMS", 5)
    client = api.make_app(str(reference), "http://127.0.0.1:1").test_client()
    doc = client.get("/collections/projects/items?limit=1000000").get_json()
    assert doc["numberReturned"] == 5 and any(link["rel"] == "next" for link in doc["links"])


def test_repeated_requests_do_not_grow_the_server(reference):
    """pygeoapi's own conformance() extends a module list on every call; the server answers from a fixed list."""
    from pygeoapi import api as core_api

    from layers import api
    client = api.make_app(str(reference), "http://127.0.0.1:1").test_client()
    first = client.get("/conformance").get_json()
    size = len(core_api.CONFORMANCE_CLASSES)
    for _ in range(20):
        assert client.get("/conformance").get_json() == first
    assert len(core_api.CONFORMANCE_CLASSES) == size


def test_links_use_the_public_url_behind_a_proxy(reference):
    from layers import api
    client = api.make_app(str(reference), "https://gis.example.org/oapi").test_client()
    hrefs = [link["href"] for link in client.get("/").get_json()["links"]]
    hrefs += [link["href"] for link in client.get("/collections/projects/items?limit=5").get_json()["links"]]
    assert hrefs and all(h.startswith("https://gis.example.org/oapi") for h in hrefs), hrefs


def test_nothing_writes(server, source):
    before = snapshot(source)
    body = json.dumps({"type": "Feature", "id": "x", "geometry": None, "properties": {}}).encode()
    for method, path in (("POST", "/collections/projects/items"),
                         ("PUT", "/collections/projects/items/rail-xiong-shang"),
                         ("DELETE", "/collections/projects/items/rail-xiong-shang"), ("PATCH", "/collections/projects"),
                         ("POST", "/collections/history/items")):
        req = urllib.request.Request(server + path, data=body if method != "DELETE" else None, method=method,
                                     headers={"Content-Type": "application/geo+json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 405, (method, path)
    assert snapshot(source) == before


def test_static_files_stay_in_their_folder(server):
    assert get(server, "/static/leaflet/leaflet.js")[0] == 200
    for path in ("/static/leaflet/../../pm/map.js", "/static/leaflet/%2e%2e/%2e%2e/pm/map.js",
                 "/static/../data/liaocheng.gpkg", "/static/leaflet/..%2f..%2f..%2fdata%2fprojects.csv"):
        assert get(server, path)[0] == 404, path


def test_binds_to_this_computer_only(server):
    port = int(server.rsplit(":", 1)[1])
    listening = [c for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert [c.laddr.ip for c in listening] == ["127.0.0.1"]


# ------------------------------------------------------------------------------------------------ live data

@pytest.mark.parametrize("engine", ["gpkg", "postgis"])
def test_an_edit_shows_on_the_next_request(engine, reference, request):
    target = copy_to(engine, reference, request)
    proc, base = start(target)
    try:
        _, _, before = get(base, "/collections/projects/items/river-majia")
        assert before["properties"]["status"] != "suspended"
        open_store(target).record_status("river-majia", "suspended", "2025-02-01", note="暂缓", editor="测试员")
        _, _, after = get(base, "/collections/projects/items/river-majia")
        assert after["properties"]["status"] == "suspended"
        assert get(base, "/collections/history/items", {"project_id": "river-majia"})[2]["numberMatched"] == 1
    finally:
        stop(proc)


# --------------------------------------------------------------------------------------------------- HTML

def test_html_pages_load_nothing_from_elsewhere(server):
    for path in ("/", "/collections", "/collections/projects", "/collections/projects/items",
                 "/collections/projects/items/rail-xiong-shang", "/conformance", "/openapi",
                 "/collections/projects/queryables", "/collections/history/items"):
        status, hdrs, html = get(server, path, {"f": "html"})
        assert status == 200 and hdrs["Content-Type"].startswith("text/html"), path
        loaded = re.findall(r'<(?:script|img|iframe|link|source|embed|object)\b[^>]*?(?:src|href|data)="([^"]+)"', html)
        assert all(u.startswith((server + "/", "/")) for u in loaded), (path, loaded)
        assert not re.search(r"unpkg|jsdelivr|cdnjs|googleapis", html), path
        assert "default-src 'self'" in hdrs["Content-Security-Policy"]


def test_html_escapes_names(tmp_path):
    from layers import api
    gpkg = write_gpkg(tmp_path / "hostile.gpkg", n=12)
    client = api.make_app(str(gpkg), "http://127.0.0.1:1").test_client()
    html = client.get("/collections/projects/items?f=html&limit=100").get_data(as_text=True)
    doc = client.get("/collections/projects/items?f=json&limit=100").get_json()
    names = {f["properties"]["name"] for f in doc["features"]}
    hostile = [n for n in HOSTILE_NAMES if n in names and "<" in n]
    assert hostile, "the synthetic store should hold names with markup"
    for name in hostile:
        assert name not in html


# ------------------------------------------------------------------------------------------------ the CLI

def test_cli_refuses_a_missing_store(tmp_path):
    r = subprocess.run([sys.executable, "-m", "layers", "api", "--gpkg", str(tmp_path / "none.gpkg")], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "layers build" in r.stderr and "Traceback" not in r.stderr


def test_cli_refuses_a_port_in_use(server, reference):
    port = server.rsplit(":", 1)[1]
    r = subprocess.run([sys.executable, "-m", "layers", "api", "--port", port, "--gpkg", str(reference)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--port" in r.stderr and "Traceback" not in r.stderr


def test_cli_refuses_a_database_it_cannot_reach():
    r = subprocess.run([sys.executable, "-m", "layers", "api", "--db", "postgresql://u:secret@127.0.0.1:1/x"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "127.0.0.1" in r.stderr and "Traceback" not in r.stderr
    assert "secret" not in r.stderr

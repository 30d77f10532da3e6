"""The shipped GeoPackage as an outside reviewer checks it: every position has evidence, radii cover what they stand
for, the rail lines pass their stations as the sources place them, no two projects claim one point."""
import itertools
import json

import pytest
import shapely

from geo import boundaries, gazetteer, rivers
from geo.crs import to_metric
from layers import evidence, registry, store

STATIONS = {  # the stations the sources (环评公示, 国铁集团 notices; see data/evidence.csv) put on each line
    "rail-jinan-zhengzhou": ["莘县站", "聊城西站", "茌平南站"],
    "rail-xiong-shang": ["临清东站", "聊城西站", "阳谷东站"],
}


@pytest.fixture(scope="module")
def projects(shipped):
    return store.read_projects(shipped[0]).set_index("id")


def test_every_project_has_evidence_with_a_source_or_what_was_searched(projects):
    for pid, text in projects["evidence"].items():
        sources = evidence.from_json(text)
        assert sources, pid
        assert all(s.title and (s.kind != "none" or s.finding) for s in sources), pid
    assert set(projects["evidence_kind"]) <= set(evidence.RANK)


def test_every_evidence_subject_names_something_that_exists():
    known = {p.id for p in registry.load(store.DEFAULT_REGISTRY)}
    known |= {f"place:{name}" for name in gazetteer.load()}
    known |= {f"river:{name}" for name in rivers.SCHEMATIC_COURSES}
    known |= {f"dataset:{key}" for key in ("gshhg", "ngcc", "cnmaps", "geonames", "tianditu", "amap", "nominatim")}
    unknown = evidence.unknown_subjects(evidence.load(), known)
    assert not [s for s in unknown if not s.startswith("dataset:")], unknown


@pytest.mark.parametrize("line_id", sorted(STATIONS))
def test_rail_lines_pass_their_stations_within_the_radius_they_claim(projects, line_id):
    line, radius = projects.loc[line_id, "geometry"], projects.loc[line_id, "precision_m"]
    places = gazetteer.load()
    for name in STATIONS[line_id]:
        station = shapely.Point(places[name].lon, places[name].lat)
        assert to_metric(line).distance(to_metric(station)) <= radius, (line_id, name)


def test_the_xiong_shang_line_no_longer_runs_through_yanggu_town(projects):
    town = shapely.Point(115.77528, 36.11056)  # 阳谷 county seat, GeoNames 1787601
    line = to_metric(projects.loc["rail-xiong-shang", "geometry"])
    assert line.distance(to_metric(town)) > 10_000  # the sources put the line 17–21 km east of it


def test_county_fallback_radii_cover_the_whole_area_they_stand_for(projects):
    fallbacks = projects[projects["precision"] == "county"]
    assert len(fallbacks)
    for pid, row in fallbacks.iterrows():
        area = to_metric(boundaries.county_geometry(registry.split_list(row["county"])))
        marker = to_metric(row.geometry if row.geometry.geom_type == "Point" else row.geometry.point_on_surface())
        covers = marker.buffer(row["precision_m"], quad_segs=64).covers(area)
        assert covers or row.geometry.geom_type != "Point", pid


def test_no_two_projects_share_a_point_and_every_point_is_in_the_city(projects):
    points = projects[projects.geometry.geom_type == "Point"]
    for (a, pa), (b, pb) in itertools.combinations(points.geometry.items(), 2):
        assert not pa.equals(pb), (a, b)
    city = boundaries.city_geometry()
    assert [pid for pid, p in points.geometry.items() if not city.contains(p)] == []


def test_the_two_yellow_river_bridges_are_distinct_sites(projects):
    a, b = (to_metric(projects.loc[i, "geometry"]) for i in ("bridge-liaotai-yellow-river",
                                                             "bridge-g105-donge-yellow-river"))
    assert a.distance(b) > 2000


def test_exports_carry_the_evidence(shipped, tmp_path):
    from layers.export import export_file
    out = tmp_path / "e.geojson"
    export_file("geojson", out, gpkg=shipped[0])
    feature = json.loads(out.read_text(encoding="utf-8"))["features"][0]
    sources = feature["properties"]["evidence"]  # GDAL writes the JSON field as JSON, not as a string
    assert evidence.from_json(sources if isinstance(sources, str) else json.dumps(sources))
    assert feature["properties"]["evidence_kind"] in evidence.RANK

"""geo.river_trace on the real data: schematic courses followed along GSHHG (and NGCC 1:4M) lines, or None."""
import pytest
from shapely.geometry import LineString, MultiLineString

from geo import rivers
from geo.crs import to_metric
from geo.gshhg import GSHHG_PRECISION_M, gshhg_lines
from geo.ngcc_rivers import NGCC_PRECISION_M
from geo.river_trace import MAX_GAP_M, trace
from tests.river_helpers import km, needs_gshhg, sample

pytestmark = needs_gshhg

# Rough points along the 黄河 on Liaocheng's SE edge, read off the decoded data (not vertices of it).
YELLOW = [(115.72, 35.82), (115.83, 35.855), (115.88, 35.875), (115.87, 35.90), (115.93, 35.97), (116.03, 35.97),
          (116.08, 36.07), (116.14, 36.15), (116.21, 36.18), (116.32, 36.29), (116.45, 36.33), (116.55, 36.40)]


def test_yellow_river_is_traced_along_its_course():
    res = trace(LineString(YELLOW))
    assert res is not None
    assert res.coverage >= 0.95
    assert "GSHHG" in res.source
    assert res.precision_m >= 1000
    for wp in YELLOW:
        assert km(wp, res.line) < 2.5, wp
    # starts near the first waypoint, ends near the last
    assert km(res.line.coords[0], YELLOW[0]) < 3
    assert km(res.line.coords[-1], YELLOW[-1]) < 3
    # a real course is longer than the straight-leg schematic, but not wildly
    sch_len = to_metric(LineString(YELLOW)).length
    assert sch_len * 0.95 < res.length_m < sch_len * 1.6
    assert abs(to_metric(res.line).length - res.length_m) < 1.0
    # every vertex of the trace lies on the decoded data (no bridging was needed)
    assert res.gap_m == 0
    data = to_metric(MultiLineString([g for g, _ in gshhg_lines()]))
    assert max(data.distance(p) for p in sample(res.line, 250)) < 50


def test_direction_follows_the_schematic():
    fwd = trace(LineString(YELLOW))
    rev = trace(LineString(YELLOW[::-1]))
    assert rev is not None
    assert km(rev.line.coords[0], YELLOW[-1]) < 3
    assert km(rev.line.coords[-1], YELLOW[0]) < 3
    assert km(rev.line.coords[0], fwd.line.coords[-1]) < 1


def test_open_country_without_a_river_gives_none():
    # between the 卫河, the 徒骇河 and the canal in 冠县/莘县: no GSHHG line within 2.5 km
    empty = LineString([(115.40, 36.25), (115.60, 36.45)])
    near = [g for g, _ in gshhg_lines() if to_metric(g).distance(to_metric(empty)) < 2500]
    assert near == []
    assert trace(empty) is None
    # the same line widened to reach the 徒骇河 still has far too little river along it
    assert trace(empty, corridor_m=8000) is None


def test_gaps_are_bridged_and_reported():
    # leaving out the 115.89E 36.59N waypoint lets the canal's bend there leave the 2.5 km corridor
    course = [wp for wp in rivers.SCHEMATIC_COURSES["小运河"] if wp != (115.89, 36.59)]
    res = trace(LineString(course))
    assert res is not None
    assert 0 < res.gap_m <= MAX_GAP_M
    assert res.precision_m > GSHHG_PRECISION_M
    assert "bridged" in res.source
    # with the waypoint, the canal is followed without a bridge
    full = trace(rivers.schematic_line("小运河"))
    assert full is not None and full.gap_m == 0 and full.precision_m == GSHHG_PRECISION_M


def test_min_coverage_is_enforced():
    # along the 黄河 for ~45 km, then a last leg ~75 km due north across country where no line follows it
    partial = LineString([(116.21, 36.18), (116.32, 36.29), (116.45, 36.33), (116.55, 36.40), (116.56, 37.10)])
    assert trace(partial) is None
    res = trace(partial, min_coverage=0.3)
    assert res is not None and 0.3 <= res.coverage < 0.7


@pytest.mark.parametrize("name", ["黄河", "徒骇河", "卫运河", "小运河"])
def test_schematic_courses_in_the_data_are_traced(name):
    wps = rivers.SCHEMATIC_COURSES[name]
    res = trace(rivers.schematic_line(name))
    assert res is not None and res.coverage >= 0.95
    assert all(km(wp, res.line) < 2.5 for wp in wps)


@pytest.mark.parametrize("name", ["马颊河", "金堤河"])
def test_schematic_courses_not_in_the_data_give_none(name):
    assert trace(rivers.schematic_line(name)) is None


def test_named_lines_can_join_the_candidates():
    res = trace(rivers.schematic_line("卫运河"), named="卫")
    assert res is not None and res.coverage >= 0.95
    # the path uses 1:4M pieces somewhere (they lie on the course too), and the precision says so
    assert "NGCC" in res.source
    assert res.precision_m >= NGCC_PRECISION_M
    assert all(km(wp, res.line) < 2.5 for wp in rivers.SCHEMATIC_COURSES["卫运河"])


@pytest.mark.parametrize("bad", [[(115.5, 36.0)], [(36.0, 115.5), (36.5, 116.0)], "not a line"])
def test_bad_schematic_is_a_clear_error(bad):
    with pytest.raises(ValueError):
        trace(bad)

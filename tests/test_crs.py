"""GCJ-02 conversion and the metric CRS against known values."""
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo import crs


def test_forward_matches_published_reference_value():
    # Widely published test vector of the GCJ-02 formula (e.g. the eviltransform test suite):
    # WGS84 (116.404, 39.915) → GCJ-02 (116.41024449916938, 39.91640428150164)
    lon, lat = crs.wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)


def test_inverse_round_trips_to_sub_millimetre():
    lons = np.linspace(115.27, 116.56, 7)
    lats = np.linspace(35.79, 37.04, 7)
    g = crs.wgs84_to_gcj02(lons, lats)
    w = crs.gcj02_to_wgs84(*g)
    assert np.max(np.abs(w[0] - lons)) < 1e-8 and np.max(np.abs(w[1] - lats)) < 1e-8


def test_shift_in_liaocheng_is_about_500_m():
    p = Point(115.985, 36.457)
    shifted = crs.geom_wgs84_to_gcj02(p)
    d = crs.to_metric(p).distance(crs.to_metric(shifted))
    assert 400 < d < 700


def test_geometry_conversion_keeps_shape():
    poly = Polygon([(116.0, 36.4), (116.1, 36.4), (116.1, 36.5), (116.0, 36.4)])
    back = crs.geom_gcj02_to_wgs84(crs.geom_wgs84_to_gcj02(poly))
    assert back.equals_exact(poly, 1e-8)


def test_metric_is_gauss_kruger_117_with_lon_first():
    # A 0.1° east-west line at 36.45N is ~8.95 km long (cos 36.45° × 111.3 km × 0.1)
    line = LineString([(116.0, 36.45), (116.1, 36.45)])
    assert crs.to_metric(line).length == pytest.approx(8960, rel=0.01)
    x, y = crs.to_metric(Point(117.0, 36.0)).coords[0]
    assert x == pytest.approx(500000, abs=1)  # central meridian → false easting, easting first

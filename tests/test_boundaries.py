"""County boundaries: eight counties, converted from GCJ-02 to WGS84."""
import pytest
from shapely.geometry import Point

from geo import boundaries
from geo.crs import to_metric


def test_eight_counties_with_adcodes_valid_and_in_extent():
    g = boundaries.counties()
    assert sorted(g["adcode"]) == ["371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"]
    assert g.geometry.is_valid.all()
    minx, miny, maxx, maxy = g.total_bounds
    assert 115.2 < minx < 115.35 and 35.7 < miny < 35.85 and 116.5 < maxx < 116.6 and 37.0 < maxy < 37.1


def test_boundaries_are_converted_from_gcj02():
    raw = boundaries.read_amap_county("371525")  # as shipped (GCJ-02)
    conv = boundaries.counties().set_index("adcode").geometry["371525"]
    shift = to_metric(raw.centroid).distance(to_metric(conv.centroid))
    assert 400 < shift < 700  # the GCJ-02 offset here is ~500 m; unconverted data would be 0 m off itself
    assert conv.centroid.x < raw.centroid.x  # GCJ-02 shifts east here, so WGS84 lies west of it


def test_county_seats_fall_in_their_counties():
    g = boundaries.counties().set_index("name").geometry
    # GeoNames positions of the county seats (see data/gazetteer.csv)
    assert g["冠县"].contains(Point(115.4351, 36.48031))
    assert g["高唐县"].contains(Point(116.22212, 36.85966))
    assert g["阳谷县"].contains(Point(115.77528, 36.11056))


def test_unknown_county_name_is_an_error():
    with pytest.raises(KeyError):
        boundaries.county_geometry(["济南市"])

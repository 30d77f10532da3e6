"""geo.rivers: the schematic courses are data (data/river_waypoints.csv), each river with a note on its source."""
import csv

import pytest
from shapely.geometry import LineString

from geo import rivers


def test_waypoints_come_from_the_data_file_in_flow_order():
    with open(rivers.WAYPOINTS_CSV, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert set(rivers.SCHEMATIC_COURSES) == {r["river"] for r in rows} == {"黄河", "徒骇河", "马颊河", "金堤河",
                                                                          "卫运河", "小运河"}
    for river, course in rivers.SCHEMATIC_COURSES.items():
        mine = sorted((int(r["seq"]), float(r["lon"]), float(r["lat"])) for r in rows if r["river"] == river)
        assert course == [(lon, lat) for _, lon, lat in mine]
        assert [s for s, _, _ in mine] == list(range(1, len(mine) + 1))
        assert next(r["note"] for r in rows if r["river"] == river and r["seq"] == "1").strip()  # its source
    assert rivers.SCHEMATIC_COURSES["黄河"][0] == (115.72, 35.82)


def test_schematic_line_and_unknown_rivers():
    assert rivers.schematic_line("小运河") == LineString(rivers.SCHEMATIC_COURSES["小运河"])
    with pytest.raises(KeyError, match="no schematic course"):
        rivers.schematic_line("长江")


def test_distance_in_metres():
    assert rivers.distance_m((116.0, 36.4), (116.0, 36.5)) == pytest.approx(11_100, rel=0.01)

"""What reads both history tables (layers.history): the changes since a date, dated in China's time."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import shapely

from layers import history as h
from tests.edit_fixtures import make_gpkg


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "t.gpkg")


def test_as_of_and_changed_since(gpkg):
    h.record_status(gpkg, "P001", "preliminary", "2024-03-01", note="a", editor="e")
    h.record_status(gpkg, "P001", "under_construction", "2024-09-01", note="b", editor="e")
    h.record_status(gpkg, "L002", "under_construction", "2024-05-10", note="c", editor="e")
    assert h.status_as_of(gpkg, "2023-08-26")["P001"] == "proposed"
    assert h.status_as_of(gpkg, "2024-02-29")["P001"] == "proposed"
    assert h.status_as_of(gpkg, "2024-03-01")["P001"] == "preliminary"  # effective that day
    assert h.status_as_of(gpkg, dt.date(2024, 8, 31))["P001"] == "preliminary"
    assert h.status_as_of(gpkg, "2024-09-01")["P001"] == "under_construction"
    assert h.status_as_of(gpkg, "2024-01-01")["L002"] == "preliminary"
    assert h.status_as_of(gpkg, "2024-01-01")["P002"] == "under_construction"  # no history: as it is
    assert len(h.status_as_of(gpkg, "2024-01-01")) == 6
    assert h.changed_since(gpkg, "2024-01-01") == {"P001", "L002"}
    assert h.changed_since(gpkg, "2024-05-10") == {"P001"}  # strictly after
    assert h.changed_since(gpkg, "2024-09-01") == set()
    ch = h.changes_since(gpkg, "2024-01-01")
    assert ch["date"].tolist() == ["2024-03-01", "2024-05-10", "2024-09-01"]


def test_geometry_changes_are_dated_in_china_time(gpkg):
    h.record_geometry(gpkg, "P001", shapely.Point(115.981, 36.452), precision="exact", geom_source="GPS", editor="e")
    with sqlite3.connect(gpkg) as c:  # recorded at 20:00 UTC on 10 May = 04:00 on 11 May in Liaocheng
        c.execute("UPDATE geometry_history SET recorded_at='2024-05-10T20:00:00.000Z' WHERE action='edit'")
    assert h.changed_since(gpkg, "2024-05-10") == {"P001"}
    assert h.changes_since(gpkg, "2024-05-10")["date"].tolist() == ["2024-05-11"]
    assert h.changed_since(gpkg, "2024-05-11") == set()

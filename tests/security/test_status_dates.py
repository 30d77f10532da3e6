"""Item 10 of the hardening issue: status dates are plain YYYY-MM-DD from the plan's date on, and a back-dated
change keeps the history consistent."""
import pytest

from layers import history as h
from core.vocab import PLAN_DATE
from tests.edit_fixtures import make_gpkg


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "p.gpkg")


@pytest.mark.parametrize("date", ["0001-01-01", "2024-W01-1", "20240102", "2024-1-2", "２０２４-０１-０２",
                                  "2023-08-25", "2024-01-02T00:00"])
def test_only_plain_dates_from_the_plan_date_on(gpkg, date):
    with pytest.raises(h.HistoryError) as e:
        h.record_status(gpkg, "P001", "completed", date, note="n", editor="e")
    assert "YYYY-MM-DD" in str(e.value) or PLAN_DATE in str(e.value)
    assert h.status_history(gpkg, "P001").empty


def test_the_plan_date_itself_is_accepted(gpkg):
    assert h.record_status(gpkg, "P001", "preliminary", PLAN_DATE, note="n", editor="e").effective_date == PLAN_DATE


def test_a_back_dated_change_rechains_the_later_rows(gpkg):
    h.record_status(gpkg, "P001", "under_construction", "2024-09-01", note="开工", editor="e")
    h.record_status(gpkg, "P001", "completed", "2025-03-01", note="完工", editor="e")
    h.record_status(gpkg, "P001", "preliminary", "2024-03-01", note="补记立项", editor="e")
    rows = h.status_history(gpkg, "P001").sort_values("effective_date")
    chain = rows[["old_status", "new_status"]].values.tolist()
    assert chain == [["proposed", "preliminary"], ["preliminary", "under_construction"],
                     ["under_construction", "completed"]]


def test_a_region_without_a_plan_date_takes_any_past_date_but_not_a_future_one(gpkg):
    from core import region
    with region.use("heze"):  # 菏泽: statuses are as of each row's own source, no plan date
        assert h.record_status(gpkg, "P001", "preliminary", "2023-05-01", note="n", editor="e").effective_date \
            == "2023-05-01"
        with pytest.raises(h.HistoryError):
            h.record_status(gpkg, "P001", "completed", "2999-01-01", note="n", editor="e")

"""Verification states: recorded with history, shown on the feature, kept across rebuilds, and the 待核实 list."""
import pytest

from layers import history, safe_write, store, verification
from layers.history import HistoryError
from tests.edit_fixtures import make_gpkg


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "v.gpkg")


def state_of(gpkg, pid):
    p = store.read_projects(gpkg)
    return p.loc[p["id"] == pid, "verification"].iloc[0]


def test_a_verification_is_a_history_row_and_the_features_state(gpkg):
    verification.record_verification(gpkg, "P001", "documented", "2024-05-01", source="初设批复", editor="李工")
    verification.record_verification(gpkg, "P001", "实地或测绘核实", "2024-06-01", source="RTK 实测", editor="李工",
                                      note="闸址实测")
    assert state_of(gpkg, "P001") == "surveyed"
    rows = verification.history(gpkg, "P001")
    assert rows["state"].tolist() == ["documented", "surveyed"] and rows["editor"].tolist() == ["李工", "李工"]
    assert safe_write.integrity_check(gpkg) == "ok"


@pytest.mark.parametrize("kwargs, needle", [
    (dict(state="checked"), "Unknown verification state"),
    (dict(source=""), "Source"),
    (dict(editor=" "), "Editor"),
    (dict(project_id="NOPE"), "Unknown project id"),
    (dict(verified_on="2024/06/01"), "YYYY-MM-DD"),
])
def test_bad_input_changes_nothing(gpkg, kwargs, needle):
    args = dict(project_id="P001", state="documented", verified_on="2024-05-01", source="批复", editor="李工")
    args.update(kwargs)
    with pytest.raises(HistoryError) as e:
        verification.record_verification(gpkg, args.pop("project_id"), args.pop("state"), args.pop("verified_on"),
                                          **args)
    assert needle in str(e.value)
    assert verification.history(gpkg).empty


def test_states_survive_a_rebuild(gpkg, tmp_path):
    verification.record_verification(gpkg, "P002", "surveyed", "2024-06-01", source="实测", editor="李工")
    fresh = make_gpkg(tmp_path / "fresh.gpkg")
    report = history.carry_over(gpkg, fresh)
    assert report["verification_applied"] == 1
    assert state_of(fresh, "P002") == "surveyed"
    assert len(verification.history(fresh)) == 1


def test_to_verify_lists_what_is_not_surveyed_largest_radius_first(gpkg):
    verification.record_verification(gpkg, "P002", "surveyed", "2024-06-01", source="实测", editor="李工")
    todo = verification.to_verify(store.read_projects(gpkg))
    assert "P002" not in set(todo["id"])
    assert todo["precision_m"].tolist() == sorted(todo["precision_m"], reverse=True)

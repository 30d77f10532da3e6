"""Status changes (layers.status_history): recorded with their feature in one transaction, checked, shown as of a
date, and the `python -m layers status` command."""
from __future__ import annotations

import datetime as dt

import pyogrio
import pytest

from layers import safe_write as sw
from layers.history_base import HistoryError
from layers.status_history import record_status, status_as_of, status_history
from tests.edit_fixtures import assert_counts_right, cli, feature, make_gpkg


@pytest.fixture
def gpkg(tmp_path):
    return make_gpkg(tmp_path / "t.gpkg")


def test_status_change_is_recorded_and_shown(gpkg):
    ch = record_status(gpkg, "P001", "preliminary", "2024-03-01", note="完成立项", editor="王工",
                         source="市发改委通知")
    assert (ch.old_status, ch.new_status, ch.current_status) == ("proposed", "preliminary", "preliminary")
    assert feature(gpkg, "P001")["status"] == "preliminary"
    hist = status_history(gpkg, "P001")
    assert hist[["old_status", "new_status", "effective_date", "note", "source", "editor"]].values.tolist() == [
        ["proposed", "preliminary", "2024-03-01", "完成立项", "市发改委通知", "王工"]]
    assert hist["recorded_at"].iloc[0].endswith("Z")
    # the history table is an attributes table GDAL (and so QGIS) lists and reads
    layers = dict(pyogrio.list_layers(gpkg))
    assert "status_history" in layers and layers["status_history"] is None
    df = pyogrio.read_dataframe(gpkg, layer="status_history")
    assert df["new_status"].tolist() == ["preliminary"]
    assert_counts_right(gpkg)
    assert sw.integrity_check(gpkg) == "ok"


@pytest.mark.parametrize("kwargs, needle", [
    (dict(project_id="NOPE", new_status="completed"), "Unknown project id 'NOPE'"),
    (dict(project_id="P00l", new_status="completed"), "P001"),  # a near miss suggests the id
    (dict(new_status="done"), "Unknown status 'done'"),
    (dict(effective_date="2999-01-01"), "in the future"),
    (dict(effective_date="01/03/2024"), "not YYYY-MM-DD"),
    (dict(editor="  "), "Editor is required"),
    (dict(note=""), "Note is required"),
    (dict(new_status="proposed"), "already had status proposed"),
])
def test_bad_status_input_is_rejected_and_changes_nothing(gpkg, kwargs, needle):
    before = gpkg.read_bytes()
    args = dict(project_id="P001", new_status="completed", effective_date="2024-01-01", note="n", editor="王工")
    args.update(kwargs)
    with pytest.raises(HistoryError) as e:
        record_status(gpkg, args.pop("project_id"), args.pop("new_status"), args.pop("effective_date"), **args)
    assert needle in str(e.value)
    assert gpkg.read_bytes() == before


def test_unknown_status_lists_the_valid_ones(gpkg):
    with pytest.raises(HistoryError) as e:
        record_status(gpkg, "P001", "finished", "2024-01-01", note="n", editor="e")
    for code in ("proposed", "preliminary", "under_construction", "completed", "suspended"):
        assert code in str(e.value)


def test_back_dated_change_keeps_the_later_one_current(gpkg):
    record_status(gpkg, "P001", "under_construction", "2024-09-01", note="开工", editor="e")
    ch = record_status(gpkg, "P001", "preliminary", "2024-03-01", note="补记立项", editor="e")
    assert ch.old_status == "proposed" and ch.current_status == "under_construction"
    assert feature(gpkg, "P001")["status"] == "under_construction"
    assert status_as_of(gpkg, "2024-04-01")["P001"] == "preliminary"
    assert status_as_of(gpkg, "2024-01-01")["P001"] == "proposed"


def test_cli_status(gpkg):
    r = cli("status", "P001", "preliminary", "--date", "2024-03-01", "--note", "立项批复", "--editor", "王工",
             "--source", "市发改委", "--gpkg", gpkg)
    assert r.returncode == 0, r.stderr
    assert "proposed → preliminary" in r.stdout
    assert feature(gpkg, "P001")["status"] == "preliminary"
    # $PROJECTMAP_GPKG names the file when --gpkg is absent
    r = cli("status", "P002", "completed", "--date", "2024-04-01", "--note", "竣工", "--editor", "王工",
             env_gpkg=gpkg)
    assert r.returncode == 0, r.stderr
    assert status_history(gpkg)["project_id"].tolist() == ["P001", "P002"]


@pytest.mark.parametrize("args, needle", [
    (["NOPE", "completed", "--date", "2024-01-01"], "Unknown project id 'NOPE'"),
    (["P001", "done", "--date", "2024-01-01"], "Unknown status 'done'"),
    (["P001", "completed", "--date", (dt.date.today() + dt.timedelta(days=1)).isoformat()], "in the future"),
    (["P001", "completed", "--date", "2024-13-01"], "not YYYY-MM-DD"),
])
def test_cli_status_errors_exit_2_and_change_nothing(gpkg, args, needle):
    before = gpkg.read_bytes()
    r = cli("status", *args, "--note", "n", "--editor", "e", "--gpkg", gpkg)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert gpkg.read_bytes() == before

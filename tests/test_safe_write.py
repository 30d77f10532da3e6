"""One writer at a time, every write a transaction, stored counts right — checked with real processes."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pyogrio
import pytest
import shapely

from layers import history as h
from layers import safe_write as sw
from tests.edit_fixtures import make_gpkg

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_connect_never_creates_a_file(tmp_path):
    with pytest.raises(sw.WriteError, match="not found"):
        sw.connect(tmp_path / "missing.gpkg")
    assert not (tmp_path / "missing.gpkg").exists()


def test_failed_write_rolls_back_everything(tmp_path):
    path = make_gpkg(tmp_path / "g.gpkg")
    with pytest.raises(RuntimeError):
        with sw.write_transaction(path) as conn:
            conn.execute("DELETE FROM projects_point")
            conn.touch("projects_point")
            raise RuntimeError("boom")
    assert pyogrio.read_info(path, layer="projects_point")["features"] == 3
    assert len(pyogrio.read_dataframe(path, layer="projects_point")) == 3


def test_counts_are_fixed_even_if_triggers_are_missing(tmp_path):
    """GDAL drops its feature-count triggers while it holds a file open for update; our count is recomputed."""
    path = make_gpkg(tmp_path / "g.gpkg")
    raw = sqlite3.connect(path)
    raw.execute('DROP TRIGGER "trigger_delete_feature_count_projects_point"')
    raw.commit()
    raw.close()
    with sw.write_transaction(path) as conn:
        conn.execute("DELETE FROM projects_point WHERE id='P002'")
        conn.touch("projects_point")
    assert sw.stored_counts(path)["projects_point"] == (2, 2)
    assert pyogrio.read_info(path, layer="projects_point")["features"] == 2


WRITER = """
    import sys
    from layers import history as h
    path, pid, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cycle = ["under_construction", "completed", "suspended", "proposed"]
    def write(i):
        h.record_status(path, pid, cycle[i % 4], "2024-01-01", note=f"{pid} change {i}", editor=pid)
    write(0)
    print("wrote one", flush=True)
    sys.stdin.readline()  # the parent says go once both writers are this far: the rest overlaps by construction
    for i in range(1, n):
        write(i)
    print("done", flush=True)
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = make_gpkg(tmp_path / "g.gpkg")
    procs = [_python(WRITER, str(path), pid, "100") for pid in ("P001", "L002")]
    # both have written once and neither has written the rest: their 99 further writes contend for the lock
    for p in procs:
        assert p.stdout.readline().strip() == "wrote one", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.split() == ["done"]
    hist = h.status_history(path)
    assert len(hist) == 200
    for pid in ("P001", "L002"):
        notes = set(hist.loc[hist["project_id"] == pid, "note"])
        assert notes == {f"{pid} change {i}" for i in range(100)}
    assert h.status_as_of(path, "2024-01-01")["P001"] == "proposed"  # change 99 is cycle[3]
    for table, (stored, actual) in sw.stored_counts(path).items():
        assert stored == actual, table
    assert sw.stored_counts(path)["status_history"] == (200, 200)
    assert pyogrio.read_info(path, layer="status_history")["features"] == 200
    assert len(pyogrio.read_dataframe(path, layer="projects_point")) == 3
    assert sw.integrity_check(path) == "ok"


HOLDER = """
    import sys
    import shapely
    from layers import history as h, safe_write as sw
    from layers.gpkg_blob import encode_gpkg_geom
    path = sys.argv[1]
    with sw.write_transaction(path) as conn:
        h.ensure_tables(conn)
        for i in range(500):  # a long transaction: rows that must never appear
            conn.execute("INSERT INTO status_history(project_id, old_status, new_status, effective_date, editor, "
                         "recorded_at) VALUES ('P001', 'a', 'b', '2024-01-01', 'killed', 'x')")
        conn.execute("UPDATE projects_point SET geom=?, status='suspended' WHERE id='P001'",
                     (encode_gpkg_geom(shapely.Point(115.5, 36.0)),))
        conn.execute("DELETE FROM projects_line")
        conn.touch("projects_point"); conn.touch("projects_line")
        print("holding", flush=True)
        sys.stdin.read()  # held until the parent kills us (it never closes our stdin first)
"""


def test_writer_killed_mid_write_loses_nothing_committed(tmp_path):
    path = make_gpkg(tmp_path / "g.gpkg")
    h.record_status(path, "P002", "completed", "2024-05-01", note="committed before", editor="e")
    proc = _python(HOLDER, str(path))
    try:
        assert proc.stdout.readline().strip() == "holding"
        # while it holds the lock, another writer cannot get in
        with pytest.raises(sw.WriteBusy, match="retry"):
            h.record_status(path, "P003", "completed", "2024-05-01", note="n", editor="e", timeout=0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert sw.lock_path(path).exists()  # the lock file stays, but the OS released the lock with the process
    assert sw.integrity_check(path) == "ok"
    hist = h.status_history(path)
    assert hist["note"].tolist() == ["committed before"] and "killed" not in set(hist["editor"])
    pts = pyogrio.read_dataframe(path, layer="projects_point").set_index("id")
    assert pts.loc["P001"].geometry.equals(shapely.Point(115.98, 36.45)) and pts.loc["P001", "status"] == "proposed"
    assert pts.loc["P002", "status"] == "completed"
    assert len(pyogrio.read_dataframe(path, layer="projects_line")) == 2
    # the next writer gets the lock at once and writes
    ch = h.record_status(path, "P003", "completed", "2024-05-01", note="after the crash", editor="e", timeout=5)
    assert ch.current_status == "completed"
    for table, (stored, actual) in sw.stored_counts(path).items():
        assert stored == actual, table
    assert sw.integrity_check(path) == "ok"


def test_lock_is_reentrant_for_the_builder(tmp_path):
    path = make_gpkg(tmp_path / "g.gpkg")
    new = make_gpkg(tmp_path / "new.gpkg")
    h.record_status(path, "P001", "completed", "2024-05-01", note="n", editor="e")
    with sw.writer_lock(path):  # what the builder holds around carry_over + replace
        report = h.carry_over(path, new)
    assert report["status_applied"] == 1


def test_threads_of_one_server_exclude_each_other(tmp_path):
    """Streamlit sessions are threads of one process: the lock must hold between them too."""
    import threading
    path = make_gpkg(tmp_path / "g.gpkg")
    held, release = threading.Event(), threading.Event()

    def holder():
        with sw.locked(path):
            held.set()
            release.wait(60)

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert held.wait(30)
        with pytest.raises(sw.WriteBusy):
            h.record_status(path, "P001", "completed", "2024-01-01", note="n", editor="e", timeout=0.2)
    finally:
        release.set()
        t.join(30)
    errors = []

    def writer(pid):
        cycle = ["under_construction", "completed", "suspended", "proposed"]
        try:
            for i in range(40):
                h.record_status(path, pid, cycle[i % 4], "2024-01-01", note=f"{pid} {i}", editor=pid)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(pid,)) for pid in ("P001", "P003", "L002")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    assert len(h.status_history(path)) == 120
    assert sw.stored_counts(path)["status_history"] == (120, 120)
    assert sw.integrity_check(path) == "ok"

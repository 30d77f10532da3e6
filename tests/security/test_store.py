"""The GeoPackage on disk against interrupted writers and odd output paths (issue 12, items 6 and 7).

6. A writer killed mid-commit leaves a hot rollback journal: every read-only open then fails ("attempt to write a
   readonly database"). Readers must roll it back (under the writer lock) and, where they cannot, say what happened
   — never call the file "not a GeoPackage".
7. Export and build must never replace a device, pipe or directory, must write through a symlink to the file it
   names (one lock for every path to a file), and must refuse a hard link onto the source like the source itself.

The hot journal here is real: a child process updates many rows with a one-page cache (so SQLite journals the
original pages and spills changed ones into the database file mid-transaction), says so while still inside the
transaction, and is SIGKILLed. The non-regular target is a FIFO in the test's temporary directory: harmless even if
a regression replaced it.
"""
from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pyogrio
import pytest

from layers import history, safe_write as sw, store
from layers.__main__ import main
from tests.edit_fixtures import make_gpkg
from tests.apptest import app_test

ROOT = Path(__file__).resolve().parents[2]
EXTRA = 3000  # enough rows that a one-page cache must spill into the database file
N_POINTS = 3 + EXTRA
N_PROJECTS = N_POINTS + 3

KILLED_WRITER = """
    import sys, time
    from layers import safe_write as sw
    path = sys.argv[1]
    with sw.locked(path):  # as a real edit: the writer lock, then one transaction
        conn = sw.connect(path)
        conn.execute("PRAGMA cache_size=1")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE projects_point SET name = 'half-written ' || name, "
                     "plan_excerpt = hex(randomblob(300))")
        print("inside", flush=True)  # still inside the transaction: the parent kills us now
        time.sleep(120)
"""


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "layers", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _kill_writer_mid_commit(path: Path) -> None:
    before = _digest(path)
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_WRITER), str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "inside", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    journal = Path(str(path) + "-journal")
    assert journal.is_file() and journal.stat().st_size > 0  # the originals were journalled …
    assert _digest(path) != before                            # … and changed pages reached the database file
    raw = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):  # what every reader met before
            raw.execute("SELECT COUNT(*) FROM projects_point").fetchone()
    finally:
        raw.close()


@pytest.fixture
def hot(tmp_path) -> Path:
    """A GeoPackage whose last writer was killed mid-commit (a hot journal beside it)."""
    path = make_gpkg(tmp_path / "hot.gpkg", extra_points=EXTRA)
    _kill_writer_mid_commit(path)
    return path


def _assert_rolled_back(path: Path) -> None:
    journal = Path(str(path) + "-journal")
    assert not journal.exists() or journal.stat().st_size == 0
    assert sw.integrity_check(path) == "ok"
    points = pyogrio.read_dataframe(path, layer="projects_point")
    assert len(points) == N_POINTS and not points["name"].str.startswith("half-written").any()


# ------------------------------------------------------------------------------------ 6. interrupted writers

def test_geopandas_readers_roll_back_a_killed_writers_journal(hot):
    projects = store.read_projects(hot)
    assert len(projects) == N_PROJECTS
    assert not projects["name"].str.startswith("half-written").any()
    assert len(store.read_counties(hot)) == 1
    _assert_rolled_back(hot)


def test_sqlite_readers_roll_back_a_killed_writers_journal(hot):
    assert history.status_history(hot).empty            # sw.connect(readonly=True)
    assert history.status_as_of(hot, "2024-01-01")["P001"] == "proposed"
    _assert_rolled_back(hot)


@pytest.mark.parametrize("command", ["report", "export", "build"])
def test_cli_works_after_a_killed_writer(hot, tmp_path, command):
    args = {"report": ["report", "--gpkg", str(hot)],
            "export": ["export", "--format", "csv", "--gpkg", str(hot), "--out", str(tmp_path / "x.csv")],
            "build": ["build", "--out", str(hot)]}[command]
    r = _cli(*args)
    assert r.returncode == 0, r.stderr
    assert "not a GeoPackage" not in r.stderr and "Traceback" not in r.stderr
    if command == "export":
        assert (tmp_path / "x.csv").read_text(encoding="utf-8-sig").count("\n") == N_PROJECTS + 1
    if command != "build":
        _assert_rolled_back(hot)


@pytest.mark.parametrize("command", ["report", "export", "build", "status"])
def test_unrecoverable_journal_is_explained_not_called_junk(hot, tmp_path, monkeypatch, capsys, command):
    """Where the file or its folder is read-only the journal cannot be rolled back: say so, in both languages."""
    monkeypatch.setattr(sw, "_writable", lambda p: False, raising=False)  # root ignores chmod: pretend
    journal = Path(str(hot) + "-journal")
    before = (_digest(hot), _digest(journal))
    args = {"report": ["report", "--gpkg", str(hot)],
            "export": ["export", "--format", "geojson", "--gpkg", str(hot), "--out", str(tmp_path / "x.json")],
            "build": ["build", "--out", str(hot)],
            "status": ["status", "P001", "completed", "--date", "2024-01-01", "--note", "n", "--editor", "e",
                       "--gpkg", str(hot)]}[command]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "interrupted" in err and "中断" in err and "journal" in err
    assert "not a GeoPackage" not in err and "不是" not in err and "Traceback" not in err
    assert (_digest(hot), _digest(journal)) == before  # nothing touched, nothing deleted
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(sw.InterruptedWrite):
        store.read_projects(hot)
    with pytest.raises(sw.InterruptedWrite):
        history.status_history(hot)


def test_junk_file_is_still_not_a_geopackage(tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_text("not a geopackage")
    r = _cli("build", "--out", str(junk))
    assert r.returncode == 2 and "not a GeoPackage" in r.stderr and "Traceback" not in r.stderr
    assert junk.read_text() == "not a geopackage"


# -------------------------------------------------------------------------------------- 7. output targets

@pytest.fixture
def source(tmp_path) -> Path:
    return make_gpkg(tmp_path / "src.gpkg")


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv"])
def test_export_refuses_a_fifo(source, tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = _cli("export", "--format", fmt, "--gpkg", str(source), "--out", str(fifo), timeout=60)
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the pipe, not replaced by a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "src.gpkg"]


def test_export_through_a_symlink_writes_the_file_it_names(source, tmp_path):
    real = tmp_path / "real" / "out.gpkg"
    real.parent.mkdir()
    real.write_bytes(b"old export")
    link = tmp_path / "link.gpkg"
    link.symlink_to(real)
    r = _cli("export", "--format", "gpkg", "--gpkg", str(source), "--out", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert {name for name, _ in pyogrio.list_layers(real)} == {"projects_point", "projects_line",
                                                                "projects_polygon"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.gpkg", "real", "src.gpkg"]


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_export_onto_a_hard_link_of_the_source_is_refused(source, tmp_path, fmt):
    twin = tmp_path / "twin.gpkg"
    os.link(source, twin)
    before = _digest(source)
    r = _cli("export", "--format", fmt, "--gpkg", str(source), "--out", str(twin))
    assert r.returncode == 2 and "destroy" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert _digest(source) == before and os.stat(twin).st_ino == os.stat(source).st_ino


def test_every_path_to_one_file_shares_one_lock(source, tmp_path):
    link = tmp_path / "link.gpkg"
    link.symlink_to(source)
    assert sw.lock_path(link) == sw.lock_path(source) == source.resolve().with_name("src.gpkg.lock")
    assert sw.writer_lock(link) is sw.writer_lock(source)


def test_build_through_a_symlink_replaces_the_file_it_names(tmp_path):
    (tmp_path / "data").mkdir()
    real = make_gpkg(tmp_path / "data" / "real.gpkg")
    history.record_status(real, "P001", "completed", "2024-01-01", note="done", editor="e")
    link = tmp_path / "link.gpkg"
    link.symlink_to(real)
    r = _cli("build", "--out", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()  # still a link: edits stay in one file
    assert len(store.read_projects(real)) > 0
    assert len(history.status_history(real)) == 1  # the edit made through the real path was carried over
    assert not (tmp_path / "link.gpkg.lock").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "link.gpkg"]


def test_build_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "pipe.gpkg"
    os.mkfifo(fifo)
    r = _cli("build", "--out", str(fifo), timeout=300)
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.gpkg"]


def test_build_never_creates_a_file_beside_an_orphaned_journal(hot):
    """Someone deleted the GeoPackage but not its hot journal: a new file there would get the old file's pages."""
    hot.unlink()
    r = _cli("build", "--out", str(hot))
    assert r.returncode == 2 and "journal" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not hot.exists() and Path(str(hot) + "-journal").stat().st_size > 0


def test_the_app_explains_an_unrecoverable_journal_instead_of_a_traceback(hot, monkeypatch):
    monkeypatch.setattr(sw, "_writable", lambda p: False, raising=False)  # root ignores chmod: pretend
    monkeypatch.setenv("PROJECTMAP_GPKG", str(hot))
    at = app_test(60).run()
    assert not at.exception
    assert any("journal" in e.value or "日志" in e.value or "中断" in e.value for e in at.error), \
        [e.value for e in at.error]
    assert Path(str(hot) + "-journal").stat().st_size > 0  # nothing deleted

"""The store interface over both engines (issue 11): one suite, parametrised ["gpkg", "postgis"], the PostGIS one on
a real throwaway cluster (tests/pg.py, whose fixtures tests/conftest.py registers). Build a small store, read it
back, status and geometry changes with history, views, verification, a rebuild that keeps the history, concurrent
writers, and ``copy`` between the engines."""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import shapely

from layers.history_base import HistoryError
from layers.stores import HISTORY_TABLES, Store, copy_store, open_store
from layers.stores.gpkg import GpkgStore
from layers.views import ViewError
from tests.edit_fixtures import make_gpkg

ENGINES = ["gpkg", "postgis"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """(counties, projects) of the small edit fixture, read from a GeoPackage GDAL wrote."""
    path = make_gpkg(tmp_path_factory.mktemp("src") / "src.gpkg")
    st = GpkgStore(path)
    return st.counties(), st.projects()


@pytest.fixture(params=ENGINES)
def store(request, tmp_path, source):
    """A freshly built small store of each engine (the GeoPackage as GDAL writes it; PostGIS by write_build)."""
    if request.param == "gpkg":
        return open_store(str(make_gpkg(tmp_path / "s.gpkg")))
    st = open_store(request.getfixturevalue("pg_url"))
    st.write_build(*source)
    return st


def _day(i: int) -> str:
    return (dt.date(2024, 1, 1) + dt.timedelta(days=i)).isoformat()


def test_a_built_store_reads_back_what_was_built(store, source):
    counties, projects = source
    got = store.projects()
    assert isinstance(store, Store) and store.exists()
    assert list(got["id"]) == sorted(projects["id"])
    assert got.crs.to_epsg() == 4326
    want = projects.set_index("id").loc[got["id"]]
    for col in ("name", "category", "county", "status", "precision", "geom_source"):
        assert list(got[col]) == list(want[col]), col
    assert list(got["target_year"]) == [2025.0] * len(got)
    for g, w in zip(got.geometry, want.geometry):
        assert g.equals_exact(w, 1e-12) and g.geom_type == w.geom_type
    c = store.counties()
    assert list(c["name"]) == list(counties["name"]) and c.geometry.iloc[0].equals(counties.geometry.iloc[0])


def test_a_status_change_is_kept_with_its_history(store):
    ch = store.record_status("P001", "under_construction", "2024-03-01", note="开工", editor="王工", source="通知")
    assert (ch.old_status, ch.new_status, ch.current_status) == ("proposed", "under_construction",
                                                                 "under_construction")
    back = store.record_status("P001", "preliminary", "2023-12-01", note="前期", editor="李工")  # back-dated
    assert back.current_status == "under_construction"  # the later change stays current
    p = store.projects().set_index("id")
    assert p.loc["P001", "status"] == "under_construction" and p.loc["P002", "status"] == "under_construction"
    h = store.status_history("P001")
    assert list(h.columns) == HISTORY_TABLES["status_history"]
    assert list(zip(h["old_status"], h["new_status"], h["effective_date"])) == [
        ("proposed", "preliminary", "2023-12-01"), ("preliminary", "under_construction", "2024-03-01")]
    assert store.status_as_of("2024-01-15")["P001"] == "preliminary"
    assert store.status_as_of("2023-09-01")["P001"] == "proposed"
    assert set(store.changes_since("2024-01-01")["project_id"]) == {"P001"}
    with pytest.raises(HistoryError, match="已是"):
        store.record_status("P001", "under_construction", "2024-04-01", note="x", editor="王工")
    with pytest.raises(HistoryError, match="P002"):  # an unknown id names similar ones
        store.record_status("P00X", "completed", "2024-04-01", note="x", editor="王工")
    with pytest.raises(HistoryError):
        store.record_status("P001", "no_such_status", "2024-04-01", note="x", editor="王工")
    assert len(store.status_history()) == 2  # the refused writes left nothing


def test_a_geometry_change_is_kept_with_its_history_and_can_be_restored(store):
    area = shapely.box(115.97, 36.44, 115.99, 36.46)
    ch = store.record_geometry("P001", area, precision="exact", precision_m=5, geom_source="2024 测绘",
                               editor="赵工", note="实测范围")
    assert (ch.previous_layer, ch.layer, ch.geom_type) == ("projects_point", "projects_polygon", "Polygon")
    p = store.projects().set_index("id").loc["P001"]
    assert p.geometry.geom_type == "MultiPolygon" and p.geometry.equals(area)
    assert (p["precision"], p["precision_m"], p["geom_source"]) == ("exact", 5.0, "2024 测绘")
    h = store.geometry_history("P001")
    assert list(h.columns) == ["fid", "project_id", "action", "geom_type", "precision", "precision_m", "geom_source",
                               "layer", "restored_from", "editor", "note", "recorded_at", "geometry"]
    assert list(h["action"]) == ["baseline", "edit"]
    assert h["geometry"].iloc[0].equals(shapely.Point(115.98, 36.45)) and h["geometry"].iloc[1].equals(area)
    back = store.restore_geometry("P001", int(h["fid"].iloc[0]), editor="赵工")
    assert back.action == "restore" and back.layer == "projects_point"
    p = store.projects().set_index("id").loc["P001"]
    assert p.geometry.equals(shapely.Point(115.98, 36.45)) and p["precision"] == "approximate"
    assert list(store.geometry_history("P001")["action"]) == ["baseline", "edit", "restore"]
    assert set(store.changes_since("2024-01-01")["kind"]) == {"geometry"}
    with pytest.raises(HistoryError):
        store.restore_geometry("P001", 9999, editor="赵工")
    with pytest.raises(HistoryError):
        store.record_geometry("P001", shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), precision="exact",
                              geom_source="x", editor="赵工")  # a bow-tie: invalid


def test_verification_is_recorded_and_shown(store):
    store.record_verification("L001", "documented", "2024-02-01", source="设计图", editor="钱工")
    store.record_verification("L001", "surveyed", "2024-05-01", source="实测", editor="钱工")
    assert store.projects().set_index("id").loc["L001", "verification"] == "surveyed"
    h = store.verification_history("L001")
    assert list(h.columns) == ["project_id", "state", "verified_on", "source", "note", "editor", "recorded_at"]
    assert list(h["state"]) == ["documented", "surveyed"] and list(h["editor"]) == ["钱工", "钱工"]
    with pytest.raises(HistoryError):
        store.record_verification("L001", "maybe", "2024-05-01", source="x", editor="钱工")


def test_views_are_saved_ordered_renamed_and_removed(store):
    store.save_view("在建", "status=under_construction", editor="王工", title="在建项目")
    store.save_view("冠县", "county=冠县", editor="王工", bbox=(115.3, 36.3, 115.7, 36.7))
    assert [v.name for v in store.list_views()] == ["在建", "冠县"]
    assert store.get_view("冠县").bbox == (115.3, 36.3, 115.7, 36.7)
    store.move_view("冠县", 1)
    assert [v.name for v in store.list_views()] == ["冠县", "在建"]
    store.rename_view("在建", "施工中", editor="李工")
    assert store.get_view("施工中").query == "status=under_construction"
    store.save_view("施工中", "status=completed", editor="李工")  # same name: replaced in place
    assert [v.name for v in store.list_views()] == ["冠县", "施工中"]
    assert store.get_view("施工中").query == "status=completed"
    with pytest.raises(ViewError):
        store.save_view("坏", "colour=red", editor="王工")
    with pytest.raises(ViewError):
        store.rename_view("冠县", "施工中", editor="王工")
    store.remove_view("冠县")
    assert [v.name for v in store.list_views()] == ["施工中"]


def test_a_rebuild_keeps_and_reapplies_the_history(store, source):
    store.record_status("L002", "completed", "2024-06-01", note="通车", editor="王工")
    store.record_geometry("G001", shapely.box(116.0, 36.5, 116.2, 36.6), precision="exact", geom_source="测绘",
                          editor="赵工")
    store.record_verification("P003", "surveyed", "2024-06-02", source="实测", editor="钱工")
    report = store.write_build(*source)  # the registry's state again: the edits come back on top
    assert (report["status_applied"], report["geometry_applied"], report["verification_applied"]) == (1, 1, 1)
    p = store.projects().set_index("id")
    assert p.loc["L002", "status"] == "completed" and p.loc["P003", "verification"] == "surveyed"
    assert p.loc["G001"].geometry.equals(shapely.box(116.0, 36.5, 116.2, 36.6))
    assert len(store.status_history()) == 1 and len(store.geometry_history()) == 2
    report = store.write_build(source[0], source[1][source[1]["id"] != "L002"])  # L002 left the registry
    assert report["missing"] == ["L002"] and len(store.status_history("L002")) == 1


WRITER = """
import os, sys, time
from layers.stores import open_store
target, who, parity, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
import datetime as dt
st = open_store(target)
statuses = (("preliminary", "under_construction"), ("completed", "suspended"))[parity]
while not os.path.exists(go):
    time.sleep(0.005)
for i in range(n):
    day = (dt.date(2024, 1, 1) + dt.timedelta(days=2 * i + parity)).isoformat()
    st.record_status("P001", statuses[i % 2], day, note=f"{who} #{i}", editor=who)
print("done", flush=True)
"""


def test_concurrent_writers_lose_nothing(store, tmp_path):
    """Two processes change one project's status at once, on interleaved dates (each from its own pair of
    statuses, so no change can repeat the status before it): every change is recorded once and the chain of old →
    new statuses is unbroken — each write saw the other's committed rows (file lock / row lock). Two threads
    record verifications of one project meanwhile: none is lost."""
    import subprocess
    import sys
    n = 15
    target = getattr(store, "url", None) or store.label
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, target, who, str(parity), str(n), str(go)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for parity, who in enumerate(("甲", "乙"))]
    errors = []

    def verifier(who: str) -> None:
        try:
            for i in range(n):
                store.record_verification("L001", "documented", _day(i), source=f"{who} #{i}", editor=who)
        except Exception as err:  # reported below: a thread's exception would otherwise vanish
            errors.append(err)

    threads = [threading.Thread(target=verifier, args=(who,)) for who in ("丙", "丁")]
    go.touch()
    for t in threads:
        t.start()
    outs = [p.communicate(timeout=180) for p in procs]
    for t in threads:
        t.join(120)
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    assert not errors, errors
    h = store.status_history("P001")  # in effective order
    assert len(h) == 2 * n and h["note"].is_unique
    assert list(h["effective_date"]) == [_day(i) for i in range(2 * n)]
    assert h["old_status"].iloc[0] == "proposed"
    assert list(h["old_status"].iloc[1:]) == list(h["new_status"].iloc[:-1])  # the chain is unbroken
    assert store.projects().set_index("id").loc["P001", "status"] == h["new_status"].iloc[-1]
    v = store.verification_history("L001")
    assert len(v) == 2 * n and v["source"].is_unique


@contextmanager
def _holding_p001(store):
    """Hold what a write of P001 must wait for — the GeoPackage's file lock and transaction, PostGIS's row lock
    (SELECT … FOR UPDATE) — and yield a function that records a status row inside that held transaction."""
    sql = ("INSERT INTO status_history(project_id, old_status, new_status, effective_date, note, source, editor, "
           "recorded_at) VALUES ({0},{0},{0},{0},{0},'',{0},'2024-02-01T00:00:00.000Z')")
    if store.kind == "gpkg":
        from layers import safe_write as sw
        from layers.status_history import ensure_table
        with sw.write_transaction(store.path) as conn:
            ensure_table(conn)
            yield lambda *row: conn.execute(sql.format("?"), row)
            conn.touch("status_history", geometry=False)
        return
    import psycopg
    with psycopg.connect(store.url) as conn:
        conn.execute("SELECT 1 FROM projects WHERE id = 'P001' FOR UPDATE")
        yield lambda *row: conn.execute(sql.format("%s"), row)


def test_a_write_waits_for_the_lock_and_sees_what_was_committed_meanwhile(store):
    """While another writer holds P001, a status change of P001 waits; once the holder commits a later change, the
    waiting write records against it (its old status chained, the later change stays current)."""
    done = []
    with _holding_p001(store) as add:
        t = threading.Thread(target=lambda: done.append(store.record_status(
            "P001", "preliminary", "2024-01-01", note="前期", editor="甲")))
        t.start()
        t.join(0.5)
        assert t.is_alive() and not done  # it waits for the holder
        add("P001", "proposed", "completed", "2024-02-01", "建成", "乙")
    t.join(60)
    assert done and done[0].current_status == "completed"
    h = store.status_history("P001")
    assert list(zip(h["old_status"], h["new_status"])) == [("proposed", "preliminary"), ("preliminary", "completed")]
    assert store.projects().set_index("id").loc["P001", "status"] == "completed"


def test_copy_round_trips_a_store_with_its_history(tmp_path, pg_url, monkeypatch):
    """gpkg → postgis → gpkg: equal row counts, features and geometries, history rows (fids and geometries)."""
    from layers.editor_accounts import Editor, save_accounts
    monkeypatch.setenv("PROJECTMAP_EDITORS", str(tmp_path / "editors.toml"))
    save_accounts({"wang": Editor("wang", "王工", "$2b$12$" + "a" * 53)}, tmp_path / "editors.toml")
    src = open_store(str(make_gpkg(tmp_path / "a.gpkg")))
    src.record_status("P001", "under_construction", "2024-03-01", note="开工", editor="王工")
    src.record_geometry("L001", shapely.LineString([(115.6, 36.2), (116.3, 36.7)]), precision="exact",
                        geom_source="测绘", editor="赵工")
    src.record_geometry("P002", shapely.box(116.0, 36.45, 116.01, 36.47), precision="exact", geom_source="测绘",
                        editor="赵工")
    src.restore_geometry("P002", int(src.geometry_history("P002")["fid"].iloc[0]), editor="赵工")
    src.record_verification("G001", "surveyed", "2024-04-01", source="实测", editor="钱工")
    src.save_view("在建", "status=under_construction", editor="王工")
    pg = open_store(pg_url)
    counts = copy_store(src, pg)
    assert counts == {"counties": 1, "projects": 6, "status_history": 1, "geometry_history": 5,
                      "verification_history": 1, "views": 1, "editor_accounts": 1}
    monkeypatch.setenv("PROJECTMAP_EDITORS", str(tmp_path / "editors2.toml"))
    back = GpkgStore(tmp_path / "b.gpkg")
    assert copy_store(pg, back) == counts
    a, b = src.dump(), back.dump()
    assert a.counts() == b.counts()
    for x, y in ((a.projects, b.projects), (a.counties, b.counties)):
        assert list(x.columns) == list(y.columns)
        pd.testing.assert_frame_equal(pd.DataFrame(x.drop(columns="geometry")),
                                      pd.DataFrame(y.drop(columns="geometry")), check_dtype=False)  # the fixture's int32 year comes back as the build's int64
    assert all(g.equals_exact(h, 0) and g.geom_type == h.geom_type
               for g, h in zip(a.projects.geometry, b.projects.geometry))
    # counties are multi-part as the build writes them: the fixture's single polygon comes back as a one-part multi
    assert all(g.equals(h) for g, h in zip(a.counties.geometry, b.counties.geometry))
    for table in HISTORY_TABLES:
        x, y = a.tables[table], b.tables[table]
        if table == "geometry_history":
            assert [shapely.from_wkb(w).wkt for w in x["geom_wkb"]] == [shapely.from_wkb(w).wkt for w in y["geom_wkb"]]
            x, y = x.drop(columns="geom_wkb"), y.drop(columns="geom_wkb")
        assert x.astype(object).where(x.notna(), None).values.tolist() == \
            y.astype(object).where(y.notna(), None).values.tolist(), table
    assert b.editors["wang"].name == "王工"
    # the copy goes on working: a restore in the copy points at the right history row
    pg.restore_geometry("L001", int(pg.geometry_history("L001")["fid"].iloc[0]), editor="赵工")
    assert pg.projects().set_index("id").loc["L001"].geometry.equals(
        shapely.LineString([(115.6, 36.2), (115.9, 36.4), (116.3, 36.7)]))


def test_postgis_schema_is_versioned_and_has_every_field(pg_url):
    import psycopg
    from core import fields
    from layers.stores.migrate import migrate, steps
    st = open_store(pg_url)
    assert st.migrate() == [] or True  # first use migrates; a second run applies nothing
    with psycopg.connect(pg_url) as conn:
        assert migrate(conn) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        cols = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                                           "table_name = 'projects' ORDER BY ordinal_position")]
        gist = {r[0] for r in conn.execute("SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%%USING gist%%'")}
        srid = conn.execute("SELECT Find_SRID('public', 'projects', 'geom')").fetchone()[0]
    assert versions == [v for v, _, _ in steps()] and versions[:2] == [1, 2]
    assert cols == ["fid", *fields.stored(), "geom"]
    assert {"projects", "counties", "geometry_history"} <= gist and srid == 4326


def test_the_cli_builds_edits_exports_and_copies_a_postgis_store(pg_url, shipped, tmp_path, capsys, monkeypatch):
    """python -m layers build/status/verify/views/report/export/bundle --db URL, and copy both ways: the PostGIS
    store's export is the GeoPackage's, and an edit survives a rebuild into the database."""
    import json
    import zipfile

    from layers.__main__ import main
    monkeypatch.setenv("PROJECTMAP_EDITORS", str(tmp_path / "editors.toml"))  # a copy never touches config/
    gpkg = shipped[0]
    assert main(["build", "--db", pg_url]) == 0
    n = len(GpkgStore(gpkg).projects())
    assert f"{n} projects" in capsys.readouterr().out
    for fmt in ("geojson", "csv"):
        assert main(["export", "--format", fmt, "--db", pg_url, "--out", str(tmp_path / f"pg.{fmt}")]) == 0
        assert main(["export", "--format", fmt, "--gpkg", str(gpkg), "--out", str(tmp_path / f"gp.{fmt}")]) == 0
    assert json.loads((tmp_path / "pg.geojson").read_bytes()) == json.loads((tmp_path / "gp.geojson").read_bytes())
    assert (tmp_path / "pg.csv").read_bytes() == (tmp_path / "gp.csv").read_bytes()
    pid = GpkgStore(gpkg).projects()["id"].iloc[0]
    assert main(["status", pid, "completed", "--date", "2024-05-01", "--note", "完工", "--editor", "王工",
                 "--db", pg_url]) == 0
    assert main(["verify", pid, "surveyed", "--source", "实测", "--editor", "钱工", "--date", "2024-05-02",
                 "--db", pg_url]) == 0
    assert main(["views", "add", "完工", "--query", "status=completed", "--db", pg_url]) == 0
    assert main(["build", "--db", pg_url]) == 0  # a rebuild keeps the edits
    assert "recorded edits re-applied: 1 status" in capsys.readouterr().out
    pg = open_store(pg_url)
    assert pg.projects().set_index("id").loc[pid, ["status", "verification"]].tolist() == ["completed", "surveyed"]
    assert main(["export", "--format", "geojson", "--status", "completed", "--db", pg_url,
                 "--out", str(tmp_path / "done.geojson")]) == 0
    assert pid in {f["id"] for f in json.loads((tmp_path / "done.geojson").read_bytes())["features"]}
    assert main(["bundle", "--view", "完工", "--db", pg_url, "--out", str(tmp_path / "b.zip")]) == 0
    assert "projects.geojson" in zipfile.ZipFile(tmp_path / "b.zip").namelist()
    assert main(["report", "--db", pg_url]) == 0
    assert "by verification: unverified" in capsys.readouterr().out
    assert main(["html", "--status", "completed", "--db", pg_url, "--out", str(tmp_path / "m.html")]) == 0
    assert f"{(pg.projects()['status'] == 'completed').sum()} projects →" in capsys.readouterr().out
    with pytest.MonkeyPatch.context() as mp:  # $PROJECTMAP_DB names the store when no --db/--gpkg is given
        mp.setenv("PROJECTMAP_DB", pg_url)
        assert main(["views", "list"]) == 0 and "完工" in capsys.readouterr().out
        assert main(["status", pid, "under_construction", "--date", "2024-06-01", "--note", "复工",
                     "--editor", "王工"]) == 0
    assert pg.projects().set_index("id").loc[pid, "status"] == "under_construction"
    assert main(["status", pid, "completed", "--date", "2024-07-01", "--note", "完工", "--editor", "王工",
                 "--db", pg_url]) == 0
    # copy: the database into a new GeoPackage, and a GeoPackage into the (non-empty) database only with --replace
    copy = tmp_path / "copy.gpkg"
    assert main(["copy", pg_url, str(copy)]) == 0
    assert GpkgStore(copy).status_history()["project_id"].tolist() == [pid] * 3
    assert main(["copy", str(gpkg), pg_url]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["copy", str(gpkg), pg_url, "--replace"]) == 0
    assert pg.status_history().empty and len(pg.projects()) == n


def test_editor_accounts_live_in_the_postgis_store(pg_url, tmp_path, monkeypatch):
    """python -m layers.editors add --db URL saves a bcrypt hash in editor_accounts; the login's load_editors reads
    the store named by $PROJECTMAP_DB (the file's accounts too; the database's win)."""
    import subprocess
    import sys

    from layers import editors
    from layers.editors_cli import main as editors_main
    monkeypatch.setenv("PROJECTMAP_EDITORS", str(tmp_path / "none.toml"))
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("correct horse battery\n"))
    assert editors_main(["add", "wang", "--name", "王工", "--password-stdin", "--db", pg_url]) == 0
    monkeypatch.setenv("PROJECTMAP_DB", pg_url)
    found = editors.load_editors(secrets={})
    assert found["wang"].name == "王工" and found["wang"].password_hash.startswith("$2")
    assert editors.verify("wang", "correct horse battery", found) is not None
    assert editors.verify("wang", "wrong password!", found) is None
    monkeypatch.delenv("PROJECTMAP_DB")
    assert "wang" not in editors.load_editors(secrets={})
    assert subprocess.run([sys.executable, "-m", "layers.editors", "list", "--db", pg_url], capture_output=True,
                          text=True, check=True).stdout.split() == ["wang", "王工"]


def test_a_field_the_database_lacks_is_added_by_the_migration(pg_url, source):
    """A database made before a field existed (simulated: the column dropped) gets it on the next migration, and the
    GeoPackage-style layer views show it again."""
    import psycopg
    from layers.stores.migrate import migrate
    st = open_store(pg_url)
    st.write_build(*source)
    with psycopg.connect(pg_url) as conn:
        conn.execute("ALTER TABLE projects DROP COLUMN location_note CASCADE")  # CASCADE: the views go too
        conn.commit()
        assert migrate(conn) == []
        cols = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_name = 'projects_point'")}
    assert "location_note" in cols
    assert st.projects()["location_note"].isna().all() and len(st.projects()) == len(source[1])


def test_an_unreachable_database_is_a_message(capsys):
    from layers.__main__ import main
    with socket_free_port() as port:
        assert main(["report", "--db", f"postgresql://nobody@127.0.0.1:{port}/none"]) == 2
    assert "无法连接数据库" in capsys.readouterr().err


@contextmanager
def socket_free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]  # bound, not listening: a connection is refused

"""Two regions side by side (issue 11 items 1 and 5): on each engine — two GeoPackages, or one PostGIS database with
a schema per region (layers.stores.pg_region) — an edit to one region's project is in that region's history and
nowhere else, and only that region's cache key moves. The PostGIS-only parts: a region the database does not hold is
the "not built" message (and reading it makes nothing), region keys that are not region files are refused before
any SQL, each region's schema is migrated by the same steps, and its change counter is its own whoever writes."""
from __future__ import annotations

import psycopg
import pytest

from layers.store import StoreError
from layers.stores import HISTORY_TABLES, open_store, region_url
from layers.stores.gpkg import GpkgStore
from layers.stores.migrate import steps
from layers.stores.pg_region import RegionNotBuilt
from tests.edit_fixtures import make_gpkg

ENGINES = ["gpkg", "postgis"]


def cli(*argv: str) -> int:
    """python -m layers … in this process; ``--region`` makes the process that region's (region.serve_only): the
    default region again afterwards, for the other tests."""
    from core import region
    from layers.__main__ import main
    try:
        return main(list(argv))
    finally:
        region.serve_only(region.DEFAULT)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """(counties, projects) of the small edit fixture, and 菏泽's stand-in: the same minus L002, renamed."""
    st = GpkgStore(make_gpkg(tmp_path_factory.mktemp("src") / "src.gpkg"))
    counties, projects = st.counties(), st.projects()
    other = projects[projects["id"] != "L002"].copy()
    other["name"] = "菏泽" + other["name"]
    return counties, projects, other


@pytest.fixture(params=ENGINES)
def regions(request, tmp_path, source):
    """{region key: (store, the app's source of it)} of both regions, built."""
    counties, projects, other = source
    if request.param == "gpkg":
        targets = {"liaocheng": str(tmp_path / "liaocheng.gpkg"), "heze": str(tmp_path / "heze.gpkg")}
    else:
        url = request.getfixturevalue("pg_url")
        targets = {"liaocheng": url, "heze": region_url(url, "heze")}
    out = {k: (open_store(t), t) for k, t in targets.items()}
    out["liaocheng"][0].write_build(counties, projects)
    out["heze"][0].write_build(counties, other)
    return out


def test_each_region_reads_back_its_own_build(regions, source):
    _, projects, other = source
    for key, want in (("liaocheng", projects), ("heze", other)):
        got = regions[key][0].projects()
        assert list(got["id"]) == sorted(want["id"]) and len(got) == len(want), key
        w = want.set_index("id").loc[got["id"]]
        assert list(got["name"]) == list(w["name"]), key
        assert all(g.equals_exact(h, 1e-12) for g, h in zip(got.geometry, w.geometry)), key


def test_an_edit_in_heze_is_in_hezes_history_only_and_moves_only_hezes_cache_key(regions):
    from mapview import data
    heze, lc = regions["heze"][0], regions["liaocheng"][0]
    keys = {k: data.key_of(src) for k, (_, src) in regions.items()}
    assert keys["heze"] != keys["liaocheng"]
    heze.record_status("P001", "under_construction", "2024-03-01", note="菏泽开工", editor="王工")
    assert heze.status_history()["note"].tolist() == ["菏泽开工"]
    assert lc.status_history().empty and lc.changes_since("2024-01-01").empty
    assert heze.projects().set_index("id").loc["P001", "status"] == "under_construction"
    assert lc.projects().set_index("id").loc["P001", "status"] == "proposed"
    assert data.key_of(regions["liaocheng"][1]) == keys["liaocheng"]
    assert data.key_of(regions["heze"][1]) != keys["heze"]
    lc.save_view("在建", "status=under_construction", editor="王工")
    assert [v.name for v in lc.list_views()] == ["在建"] and heze.list_views() == []


# ------------------------------------------------------------------------------------------------ PostGIS only

def _schemas(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}


def test_a_region_the_database_does_not_hold_is_the_not_built_message_and_reading_makes_nothing(pg_url, source):
    from mapview import data
    open_store(pg_url).write_build(*source[:2])
    heze = open_store(region_url(pg_url, "heze"))
    assert not heze.exists()
    with pytest.raises(RegionNotBuilt, match="还没有菏泽市的数据.*--region heze"):
        heze.require()
    with pytest.raises(RegionNotBuilt, match="菏泽市"):
        data.key_of(region_url(pg_url, "heze"))
    with pytest.raises(RegionNotBuilt):
        heze.record_status("P001", "completed", "2024-03-01", note="x", editor="王工")
    assert "heze" not in _schemas(pg_url)  # no schema was made by reading (or by a refused write)
    assert len(open_store(pg_url).projects()) == len(source[1])


@pytest.mark.parametrize("key", ["x;drop table projects", "public", "pg_catalog", "Heze", "../heze", "heze'--"])
def test_a_key_that_is_not_a_region_file_is_refused_before_any_sql(pg_url, source, key):
    from urllib.parse import quote
    open_store(pg_url).write_build(*source[:2])
    before = _schemas(pg_url)
    with pytest.raises(StoreError, match="不是 config/regions/ 中的地区"):
        region_url(pg_url, key)
    with pytest.raises(StoreError, match="不是 config/regions/ 中的地区"):
        open_store(f"{pg_url}?region={quote(key)}")
    assert _schemas(pg_url) == before
    assert len(open_store(pg_url).projects()) == len(source[1])


def test_each_region_is_migrated_by_the_same_steps_and_counts_its_own_changes(pg_url, source):
    from layers.editor_accounts import Editor
    heze_url = region_url(pg_url, "heze")
    lc, heze = open_store(pg_url), open_store(heze_url)
    lc.write_build(*source[:2])
    heze.write_build(source[0], source[2])
    with psycopg.connect(pg_url) as conn:
        for schema in ("public", "heze"):
            versions = [r[0] for r in conn.execute(f'SELECT version FROM "{schema}".schema_migrations ORDER BY 1')]
            assert versions == [v for v, _, _ in steps()], schema
        tables = {(s, t) for s, t in conn.execute("SELECT table_schema, table_name FROM information_schema.tables "
                                                  "WHERE table_schema IN ('public', 'heze')")}
    assert {t for t in HISTORY_TABLES} | {"projects", "counties", "store_version"} <= {t for s, t in tables
                                                                                      if s == "heze"}
    assert ("public", "editor_accounts") in tables and ("heze", "editor_accounts") not in tables
    heze.save_editor(Editor("zhao", "赵工", "$2b$12$" + "a" * 53))  # the deployment's accounts: one login
    assert set(lc.editor_accounts()) == set(heze.editor_accounts()) == {"zhao"}
    v_lc, v_heze = lc.version(), heze.version()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # psql on public's search path writes heze's table
        conn.execute("UPDATE heze.projects SET name = name || '' WHERE id = 'P001'")
    assert (lc.version(), heze.version()) == (v_lc, v_heze + 1)
    heze.record_status("P001", "completed", "2024-03-01", note="完工", editor="王工")
    assert (lc.version(), heze.version()) == (v_lc, v_heze + 2)


def test_python_m_migrate_brings_up_a_regions_schema(pg_url, capsys):
    from layers.stores.migrate import main
    assert main([pg_url, "--region", "heze"]) == 0
    listed = capsys.readouterr().out
    assert "0004 regions" in listed and listed.count("(applied now)") == len(steps())
    assert "heze" in _schemas(pg_url)
    assert main([pg_url, "--region", "heze"]) == 0 and "applied now" not in capsys.readouterr().out
    assert main([pg_url, "--region", "x;drop table projects"]) == 2
    assert "不是 config/regions/ 中的地区" in capsys.readouterr().err


def test_copy_moves_one_region_both_ways_and_leaves_the_other(pg_url, source, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PROJECTMAP_EDITORS", str(tmp_path / "editors.toml"))
    lc = open_store(pg_url)
    lc.write_build(*source[:2])
    src = open_store(str(tmp_path / "heze.gpkg"))
    src.write_build(source[0], source[2])
    src.record_status("P003", "completed", "2024-05-01", note="建成", editor="王工")
    assert cli("copy", str(tmp_path / "heze.gpkg"), pg_url, "--region", "heze") == 0
    assert "?region=heze" in capsys.readouterr().out
    heze = open_store(region_url(pg_url, "heze"))
    assert heze.status_history()["note"].tolist() == ["建成"] and lc.status_history().empty
    assert sorted(heze.projects()["id"]) == sorted(source[2]["id"])
    assert cli("copy", pg_url, str(tmp_path / "back.gpkg"), "--region", "heze") == 0
    back = open_store(str(tmp_path / "back.gpkg"))
    assert back.dump().counts() == heze.dump().counts() and back.status_history()["note"].tolist() == ["建成"]
    assert cli("copy", str(tmp_path / "heze.gpkg"), pg_url, "--region", "heze") == 2  # it holds data now
    assert "--replace" in capsys.readouterr().err
    assert len(lc.projects()) == len(source[1])

"""A shared PostGIS deployment serves every region (issue 11 items 1, 3 and 5): ``python -m layers build --db URL``
and ``… --region heze`` build 聊城 and 菏泽 into one throwaway database (tests/pg.py), each equal to its GeoPackage
build; export, report and status work on a region with ``--db URL --region heze``; the app with $PROJECTMAP_DB set
opens ``?region=heze`` from the database (never a local file), says so when the database does not hold the region,
and refuses a region value that is no region file."""
from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from core import region
from layers.build import build
from layers.stores import open_store, region_url
from layers.stores.gpkg import GpkgStore
from tests.apptest import page_title
from tests.test_region_app import opened, shown_count
from tests.test_store_regions import cli


@pytest.fixture(scope="module")
def built(pg_server, shipped, tmp_path_factory):
    """(database URL, {region: its GeoPackage build}): both regions built into one database by the CLI."""
    heze = tmp_path_factory.mktemp("heze") / "heze.gpkg"
    build(region="heze", out=heze)
    url = pg_server.new_database()
    assert cli("build", "--db", url) == 0
    assert cli("build", "--db", url, "--region", "heze") == 0
    return url, {"liaocheng": shipped[0], "heze": heze}


@pytest.fixture
def app_env(monkeypatch, tmp_path):
    def on(url: str) -> None:
        monkeypatch.setenv("PROJECTMAP_DB", url)
        monkeypatch.setenv("PROJECTMAP_GPKG", str(tmp_path / "absent.gpkg"))  # nothing to fall back to
        monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return on


def _schemas(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg%%'")}


def test_two_regions_built_into_one_database_read_back_as_their_geopackage_builds(built):
    url, gpkgs = built
    assert {"public", "heze"} <= _schemas(url)
    for key, path in gpkgs.items():
        pg, gp = open_store(region_url(url, key)).projects(), GpkgStore(path).projects()
        assert len(pg) == len(gp) > 0 and list(pg["id"]) == list(gp["id"]), key
        assert list(pg["name"]) == list(gp["name"]) and list(pg["county"]) == list(gp["county"]), key
        assert all(a.equals_exact(b, 1e-9) and a.geom_type == b.geom_type for a, b in zip(pg.geometry, gp.geometry))
        pc, gc = open_store(region_url(url, key)).counties(), GpkgStore(path).counties()
        assert list(pc["name"]) == list(gc["name"]) and len(pc) == len(region.get(key).counties), key
    assert len(open_store(region_url(url, "heze")).projects()) == 9


def test_export_report_and_status_work_on_a_region_of_the_database(built, tmp_path, capsys):
    """… with --db URL --region heze, or $PROJECTMAP_DB and --region heze; an edit lands in 菏泽's history only."""
    url, gpkgs = built
    assert cli("export", "--format", "geojson", "--db", url, "--region", "heze",
               "--out", str(tmp_path / "pg.json")) == 0
    assert cli("export", "--format", "geojson", "--gpkg", str(gpkgs["heze"]), "--region", "heze",
               "--out", str(tmp_path / "gp.json")) == 0
    assert json.loads((tmp_path / "pg.json").read_bytes()) == json.loads((tmp_path / "gp.json").read_bytes())
    capsys.readouterr()
    assert cli("report", "--db", url, "--region", "heze") == 0
    assert "?region=heze" in capsys.readouterr().out
    with pytest.MonkeyPatch.context() as mp:  # $PROJECTMAP_DB without --db: the region's tables in it too
        mp.setenv("PROJECTMAP_DB", url)
        assert cli("report", "--region", "heze") == 0
        assert "?region=heze" in capsys.readouterr().out
        assert cli("report") == 0
        assert "?region=" not in capsys.readouterr().out
    pid = GpkgStore(gpkgs["heze"]).projects()["id"].iloc[0]
    assert cli("status", pid, "completed", "--date", "2024-05-01", "--note", "菏泽完工", "--editor", "王工",
               "--db", url, "--region", "heze") == 0
    heze, lc = open_store(region_url(url, "heze")), open_store(url)
    assert heze.status_history()["note"].tolist() == ["菏泽完工"] and lc.status_history().empty
    assert cli("status", pid, "completed", "--date", "2024-05-01", "--note", "x", "--editor", "王工",
               "--db", url) == 2  # no such project in 聊城
    assert lc.status_history().empty


def test_the_app_opens_heze_from_the_database(built, app_env):
    url, _ = built
    app_env(url)
    at = opened(region="heze")
    assert page_title(at) == "菏泽市 2023—2025 年重点项目地图" and not at.error
    assert shown_count(at).startswith("显示 9 / 9 个项目")
    at.switch_page("pages/4_关于数据.py").run()
    assert any(f"数据库**：`{open_store(region_url(url, 'heze')).label}`" in m.value for m in at.markdown)
    at = opened()  # the default region of the same database, its own cache entries
    n = len(open_store(url).projects())
    assert shown_count(at).startswith(f"显示 {n} / {n} 个项目") and n != 9


def test_a_region_the_database_does_not_hold_is_the_not_built_message(pg_url, shipped, app_env):
    from layers.stores import copy_store
    copy_store(open_store(shipped[0]), open_store(pg_url))  # 聊城 only
    app_env(pg_url)
    at = opened(region="heze")
    assert len(at.error) == 1 and "还没有菏泽市的数据" in at.error[0].value and "--region heze" in at.error[0].value
    assert "heze" not in _schemas(pg_url)


@pytest.mark.parametrize("value", ["x;drop table projects", "heze;drop schema public cascade", "public"])
def test_a_hostile_region_value_is_a_notice_and_the_default_region(built, app_env, value):
    url, _ = built
    before, n = _schemas(url), len(open_store(url).projects())
    app_env(url)
    at = opened(region=value)
    assert len(at.warning) == 1 and "无法识别" in at.warning[0].value
    assert page_title(at) == "聊城市 2023—2025 年重点项目地图"
    assert _schemas(url) == before and len(open_store(url).projects()) == n
    assert len(open_store(region_url(url, "heze")).projects()) == 9


def test_the_deploy_doc_says_how_to_put_each_region_in_the_database():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "--region heze" in doc and "?region=heze" in doc

"""Several app servers, one database (issue 11 item 3): one throwaway PostGIS (tests/pg.py) holding the shipped data
(``python -m layers copy``), two real ``streamlit run app.py`` servers on it (PROJECTMAP_DB; their GeoPackage path
names no file, so nothing is read from one). An edit saved through server A's edit page shows on server B at its
next rerun; 2 servers × 2 editors × 50 concurrent status changes are each in the history exactly once; the store's
change counter counts every committed write once and a change to the views keeps the map payloads."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.vocab import STATUSES
from layers.history_base import HistoryError
from layers.stores import open_store
from tests.e2e.browser import CHROMIUM, offline_browser, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"
N_CHANGES = 50  # per editor


@pytest.fixture(scope="module")
def db(pg_server, shipped):
    """A database holding the shipped data, copied in by the CLI the way a deployment starts."""
    url = pg_server.new_database()
    r = subprocess.run([sys.executable, "-m", "layers", "copy", str(shipped[0]), url], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    from layers.editor_accounts import add_db_editor
    add_db_editor(url, "wang", PASSWORD, name="王工", rounds=4)
    return url


@pytest.fixture(scope="module")
def servers(db, tmp_path_factory):
    """(base URL of A, base URL of B): two app processes on the one database."""
    d = tmp_path_factory.mktemp("servers")
    env = {"PROJECTMAP_DB": db, "PROJECTMAP_EDITORS": str(d / "no-editors.toml")}
    with streamlit_server(d / "absent.gpkg", env=env) as (a, _), streamlit_server(d / "absent.gpkg", env=env) as (b, _):
        yield a, b


def _version(url: str) -> int:
    return open_store(url).version()


# ----------------------------------------------------------------------------------------- the change counter

def test_every_committed_write_bumps_the_change_counter_once_and_views_keep_the_map_payloads(pg_url, shipped,
                                                                                             capsys):
    from layers.stores import copy_store, pg_app
    st = open_store(pg_url)
    copy_store(open_store(shipped[0]), st)
    assert pg_app.payload(pg_url, "projects") is not None  # the copy kept the map payloads
    v0 = st.version()
    pid = st.projects()["id"].iloc[0]
    st.record_status(pid, "suspended", "2024-05-01", note="暂缓", editor="甲")
    assert st.version() == v0 + 1
    with pytest.raises(HistoryError):  # refused: nothing committed, nothing counted
        st.record_status(pid, "suspended", "2024-05-02", note="again", editor="甲")
    assert st.version() == v0 + 1
    assert pg_app.payload(pg_url, "projects") is None  # the rows changed: stale
    assert pg_app.payload(pg_url, "counties") is not None
    st.save_view("周会", "status=suspended", editor="甲")
    assert st.version() == v0 + 2
    import psycopg
    with psycopg.connect(pg_url, autocommit=True) as conn:  # a write from outside the app (psql, QGIS) counts too
        conn.execute("UPDATE projects SET name = name || '' WHERE id = %s", (pid,))
    assert st.version() == v0 + 3
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the database drops the kept connection: reopened
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid()")
    assert st.version() == v0 + 3
    from layers.stores.migrate import main  # python -m layers.stores.migrate: the steps, nothing left to apply
    assert main([pg_url]) == 0
    listed = capsys.readouterr().out
    assert "0003 store_version" in listed and "applied now" not in listed


# -------------------------------------------------------------------------------------- an edit seen elsewhere

def _open_changes_page(page, base: str):
    from playwright.sync_api import expect
    page.goto(base + "/")
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_role("link", name="变更与回溯")).to_be_visible(timeout=60000)
    nav.get_by_role("link", name="变更与回溯").click()
    main = page.locator("section.stMain, [data-testid='stMain']").first
    expect(main.get_by_text(re.compile(r"个项目中，\d+ 个在"))).to_be_visible(timeout=60000)
    return main


def _edit_through_the_ui(page, base: str, note: str) -> None:
    from playwright.sync_api import expect
    page.goto(base + "/")
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_role("link", name="编辑", exact=True)).to_be_visible(timeout=60000)
    nav.get_by_role("link", name="编辑", exact=True).click()
    main = page.locator("section.stMain, [data-testid='stMain']").first
    main.get_by_label("用户名").fill("wang")
    main.get_by_label("密码").fill(PASSWORD)
    main.get_by_role("button", name="登录").click()
    expect(main.get_by_role("button", name="保存状态变更")).to_be_visible(timeout=60000)
    main.get_by_label("说明（必填）").fill(note)
    main.get_by_role("button", name="保存状态变更").click()
    expect(main.get_by_text("已记录：")).to_be_visible(timeout=60000)


def test_an_edit_saved_on_server_a_shows_on_server_b_at_its_next_rerun(servers, db):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} missing: apt-get install chromium"
    a, b = servers
    with sync_playwright() as p, offline_browser(p, (1400, 1000)) as ctx:
        on_b = _open_changes_page(ctx.new_page(), b)
        expect(on_b.get_by_text(re.compile(r"个项目中，0 个在"))).to_be_visible()
        v0 = _version(db)
        _edit_through_the_ui(ctx.new_page(), a, "两台服务器：甲服务器保存")
        assert _version(db) == v0 + 1
        h = open_store(db).status_history()
        assert h["note"].tolist() == ["两台服务器：甲服务器保存"] and h["editor"].tolist() == ["王工 (wang)"]
        # B's session was open before the edit: its next rerun (any widget) shows it, no reload, no restart
        on_b.get_by_text("只显示有变更的项目").click()
        expect(on_b.get_by_text(re.compile(r"个项目中，1 个在"))).to_be_visible(timeout=30000)


# --------------------------------------------------------------------------- 2 servers × 2 editors × 50 changes

# One app server: a process whose sessions are threads (as Streamlit runs them); each of its two editors records
# N status changes through the store, as mapview.editing does (Context.store.record_status), one per project.
SERVER = r"""
import json, sys, threading
from mapview import data
server, plan = sys.argv[1], json.loads(sys.argv[2])
store = data.store(data.key_of(data.source()))
errors = []
def editor(who, changes):
    try:
        for pid, status, day in changes:
            store.record_status(pid, status, day, note=f"{who} {pid}", source="调度会", editor=who)
    except Exception as err:
        errors.append(repr(err))
threads = [threading.Thread(target=editor, args=(who, changes)) for who, changes in plan.items()]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(errors))
sys.exit(1 if errors else 0)
"""


def _plan(projects, today: dt.date) -> dict[str, dict[str, list]]:
    """{server: {editor: [(project, status, date)]}}: every editor changes every project once, on a date of its own,
    to a status of its own that is none of the project's others nor its built status — so no change can be refused
    as "unchanged", whatever order the four land in, and every one must be kept."""
    editors = [("A", "A甲"), ("A", "A乙"), ("B", "B丙"), ("B", "B丁")]
    plan: dict[str, dict[str, list]] = {"A": {}, "B": {}}
    for j, (pid, built) in enumerate(projects):
        others = [s for s in STATUSES if s != built]
        for k, (server, who) in enumerate(editors):
            day = (today - dt.timedelta(days=20 - k)).isoformat()
            plan[server].setdefault(who, []).append((pid, others[(j + k) % 4], day))
    return plan


def test_two_servers_two_editors_each_fifty_concurrent_changes_lose_nothing(servers, db):
    import json
    st = open_store(db)
    edited = set(st.status_history()["project_id"])  # the UI test's project is left alone
    projects = [(r.id, r.status) for r in st.projects().itertuples() if r.id not in edited][:N_CHANGES]
    assert len(projects) == N_CHANGES
    plan = _plan(projects, dt.date.today())
    before, rows_before = _version(db), len(st.status_history())
    env = dict(os.environ, PROJECTMAP_DB=db, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", SERVER, server, json.dumps(plan[server])], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for server in ("A", "B")]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs

    h = st.status_history()
    new = h[~h["project_id"].isin(edited)]
    assert len(h) - rows_before == len(new) == 4 * N_CHANGES
    want = {(pid, status, day, who) for server in plan.values() for who, changes in server.items()
            for pid, status, day in changes}
    got = list(zip(new["project_id"], new["new_status"], new["effective_date"], new["editor"]))
    assert len(set(got)) == len(got) and set(got) == want  # each once, none lost, none invented
    assert new["note"].is_unique
    current = dict(st.projects()[["id", "status"]].itertuples(index=False))
    for pid, built in projects:  # each project's chain is unbroken and its status is its latest change
        rows = new[new["project_id"] == pid]  # ordered by effective date
        assert rows["old_status"].iloc[0] == built
        assert list(rows["old_status"].iloc[1:]) == list(rows["new_status"].iloc[:-1])
        assert current[pid] == rows["new_status"].iloc[-1]
    assert _version(db) - before == 4 * N_CHANGES  # every committed change counted once

    # both servers see all of it at their next run
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright
    with sync_playwright() as p, offline_browser(p, (1400, 1000)) as ctx:
        for base in servers:
            main = _open_changes_page(ctx.new_page(), base)
            expect(main.get_by_text(re.compile(rf"个项目中，{N_CHANGES + len(edited)} 个在"))).to_be_visible()


# ------------------------------------------------------------------------------------ the light map page on PostGIS

LIGHT_MAP = """
import os, sys
os.environ["PROJECTMAP_DB"] = {url!r}
os.environ["PROJECTMAP_GPKG"] = {absent!r}
from tests.apptest import app_test, shown_summary
at = app_test(120)
at.run()
at.multiselect(key="w_county").set_value(["冠县"]).run()
assert not at.exception, at.exception
assert shown_summary(at).startswith("显示"), at.html
heavy = ("pandas", "shapely", "geopandas", "pyproj", "pyogrio", "folium", "streamlit_folium", "matplotlib", "altair")
print(",".join(m for m in heavy if m in sys.modules))
"""


def test_the_map_page_on_postgis_is_light_and_fresh_payloads_are_kept_for_every_server(pg_url, shipped, tmp_path):
    """As on a GeoPackage (tests/test_webpayload.py): with the payloads a copy or build stored, the map page reads
    the counter, the attributes and the payloads with psycopg only — no pandas, no GIS library. After an edit the
    first server to draw the map makes fresh payloads and keeps them in the database for the others."""
    from layers.stores import copy_store, pg_app
    from mapview import data
    st = open_store(pg_url)
    copy_store(open_store(shipped[0]), st)
    out = subprocess.run([sys.executable, "-c", LIGHT_MAP.format(url=pg_url, absent=str(tmp_path / "absent.gpkg"))],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""

    pid = st.projects()["id"].iloc[0]
    st.record_status(pid, "suspended", "2024-05-01", note="暂缓", editor="甲")
    assert pg_app.payload(pg_url, "projects") is None
    key = data.key_of(pg_url)
    name, ids, _ = data.map_file(key, "projects", False)
    kept = pg_app.payload(pg_url, "projects")
    assert kept is not None and kept[1] == ids and (data.CACHE_DIR / name).read_bytes() == kept[0]
    assert data.attributes(key)[1].value("id", pid, "status") == "suspended"


# ----------------------------------------------------------------------------------------- every page on PostGIS

PAGES = ["pages/0_地图.py", "pages/1_表格.py", "pages/2_统计.py", "pages/3_导出.py", "pages/4_关于数据.py",
         "pages/5_待核实.py", "pages/8_变更.py", "pages/9_编辑.py"]


def test_every_page_opens_on_postgis_and_exports_what_the_geopackage_would(pg_url, shipped, tmp_path, monkeypatch):
    """AppTest on a PostGIS store (its GeoPackage path names no file): every page runs; the about page names the
    database; the export page's files are byte for byte those of the GeoPackage it came from;
    the changes page lists a change recorded in the database."""
    from streamlit.testing.v1 import AppTest
    from layers.filters import Filters
    from layers.stores import copy_store
    from layers.stores.pg_conn import safe_label
    from mapview import data, exports
    st = open_store(pg_url)
    copy_store(open_store(shipped[0]), st)
    monkeypatch.setenv("PROJECTMAP_DB", pg_url)
    monkeypatch.setenv("PROJECTMAP_GPKG", str(tmp_path / "absent.gpkg"))
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        if page == "pages/4_关于数据.py":
            assert any(f"数据库**：`{safe_label(pg_url)}`" in m.value for m in at.markdown)

    for fmt in ("geojson", "csv"):
        assert exports.export_bytes(data.key_of(pg_url), Filters(), fmt) == \
            exports.export_bytes(data.file_key(shipped[0]), Filters(), fmt), fmt

    pid = st.projects()["id"].iloc[0]
    st.record_status(pid, "suspended", dt.date.today().isoformat(), note="暂缓", editor="甲")
    at.switch_page("pages/8_变更.py").run()
    assert not at.exception
    assert any("个项目中，1 个在" in c.value for c in at.caption)

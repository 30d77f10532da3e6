"""The edit page: login required, presentation view never edits, a status change recorded through the UI.

AppTest drives the real app (router + page); one browser test checks the same in chromium, offline.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers import editors, history
from tests.edit_fixtures import make_gpkg
from tests.apptest import app_test

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/9_编辑.py"
PASSWORD = "a long enough password"


@pytest.fixture
def env(tmp_path, monkeypatch):
    gpkg = make_gpkg(tmp_path / "edit.gpkg")
    accounts = tmp_path / "editors.toml"
    editors.add_editor("wang", PASSWORD, name="王工", path=accounts, rounds=4)
    monkeypatch.setenv("PROJECTMAP_GPKG", str(gpkg))
    monkeypatch.setenv("PROJECTMAP_EDITORS", str(accounts))
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return gpkg


def _open(query: dict | None = None) -> AppTest:
    at = app_test(60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()  # the router (app.py) first, then the page, as a browser would
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _edit_widgets(at) -> list[str]:
    keys = [w.key for kind in ("selectbox", "text_area", "file_uploader", "date_input", "radio")
            for w in getattr(at, kind) if w.key and str(w.key).startswith("ed_")]
    return [k for k in keys if k not in ("ed_login_user", "ed_login_password")]


def _login(at, user="wang", password=PASSWORD) -> AppTest:
    at.text_input(key="ed_login_user").input(user)
    at.text_input(key="ed_login_password").input(password)
    at.button[[b.label for b in at.button].index("登录")].click().run()
    assert not at.exception, at.exception
    return at


def test_edit_page_needs_login(env):
    at = _open()
    assert [t.label for t in at.text_input if t.key and t.key.startswith("ed_login")] == ["用户名", "密码"]
    assert _edit_widgets(at) == []
    assert not any(f.proto.form_id == "ed_status_form" for f in at.button)


def test_wrong_password_shows_error_and_no_edit_widgets(env):
    at = _login(_open(), password="wrong password")
    assert any("密码错误" in e.value for e in at.error)
    assert _edit_widgets(at) == []
    at = _login(_open(), user="nobody")
    assert _edit_widgets(at) == []


def test_login_then_record_a_status_change(env):
    at = _login(_open())
    assert "ed_project" in _edit_widgets(at)
    assert any("已登录：王工 (wang)" in c.value for c in at.caption)
    at.selectbox(key="ed_project").set_value("P001").run()
    at.selectbox(key="ed_new_status").set_value("preliminary")
    at.text_area(key="ed_note").input("立项批复")
    at.text_input(key="ed_source").input("市发改委通知")
    at.button[[b.label for b in at.button].index("保存状态变更")].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("已记录" in s.value for s in at.success)
    hist = history.status_history(env, "P001")
    assert hist[["old_status", "new_status", "note", "source", "editor"]].values.tolist() == [
        ["proposed", "preliminary", "立项批复", "市发改委通知", "王工 (wang)"]]


def test_login_then_record_a_verification(env):
    from layers import store, verification
    at = _login(_open())
    at.selectbox(key="ed_project").set_value("P002").run()
    at.selectbox(key="ed_verify_state").set_value("surveyed")
    at.text_input(key="ed_verify_source").input("RTK 实测")
    at.button[[b.label for b in at.button].index("保存核实记录")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert verification.history(env, "P002")[["state", "source", "editor"]].values.tolist() == [
        ["surveyed", "RTK 实测", "王工 (wang)"]]
    assert store.read_projects(env).set_index("id").loc["P002", "verification"] == "surveyed"
    at.text_input(key="ed_verify_source").input("")
    at.button[[b.label for b in at.button].index("保存核实记录")].click().run()
    assert any("Source is required" in e.value for e in at.error)


def test_an_editor_saves_the_current_map_as_a_meeting_view(env):
    from layers import views
    at = _login(_open({"status": "preliminary"}))
    at.text_input(key="ed_view_name").input("前期")
    at.text_input(key="ed_view_title").input("前期工作项目")
    at.button[[b.label for b in at.button].index("把当前地图保存为视图")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [v] = views.list_views(env)
    assert (v.name, v.title, v.query, v.created_by) == ("前期", "前期工作项目", "status=preliminary", "王工 (wang)")
    at.text_input(key="ed_view_new").input("前期项目")
    at.button[[b.label for b in at.button].index("重命名")].click().run()
    assert [v.name for v in views.list_views(env)] == ["前期项目"]
    at.button(key="ed_view_rm_1").click().run()
    assert not at.exception, at.exception
    assert views.list_views(env) == [], [b.key for b in at.button]


def test_status_form_errors_are_shown_and_nothing_is_written(env):
    at = _login(_open())
    at.selectbox(key="ed_project").set_value("P001").run()
    at.selectbox(key="ed_new_status").set_value("completed")
    at.button[[b.label for b in at.button].index("保存状态变更")].click().run()  # no note
    assert any("Note is required" in e.value for e in at.error)
    assert len(history.status_history(env)) == 0


def test_logout(env):
    at = _login(_open())
    at.button[[b.label for b in at.button].index("退出登录")].click().run()
    assert _edit_widgets(at) == []
    assert any(t.key == "ed_login_user" for t in at.text_input)


def test_presentation_view_never_edits(env):
    at = _open({"mode": "present"})
    assert any("演示模式下不能编辑" in i.value for i in at.info)
    assert not any(t.key == "ed_login_user" for t in at.text_input)
    assert _edit_widgets(at) == []


def test_logged_in_editor_in_presentation_mode_cannot_edit(env):
    at = _login(_open())
    assert "ed_project" in _edit_widgets(at)
    at.session_state["pm_present"] = True
    at.run()
    assert any("演示模式下不能编辑" in i.value for i in at.info)
    assert _edit_widgets(at) == []


def test_restore_from_history_tab(env):
    import shapely
    history.record_geometry(env, "P001", shapely.Point(115.981, 36.452), precision="exact", geom_source="GPS",
                            editor="王工 (wang)")
    at = _login(_open())
    at.selectbox(key="ed_project").set_value("P001").run()
    assert at.selectbox(key="ed_restore_pick").options  # the baseline row can be restored
    at.button(key="ed_restore_btn").click().run()
    assert not at.exception, at.exception
    gh = history.geometry_history(env, "P001")
    assert gh["action"].tolist() == ["baseline", "edit", "restore"]
    assert gh["editor"].iloc[-1] == "王工 (wang)"


def test_changes_page_as_of_and_changed_since(env):
    import datetime as dt
    history.record_status(env, "P001", "preliminary", "2024-03-01", note="立项", editor="王工")
    history.record_status(env, "L002", "under_construction", "2024-06-01", note="开工", editor="王工")
    at = app_test(60)
    at.run()
    at.switch_page("pages/8_变更.py").run()
    assert not at.exception, at.exception
    at.date_input(key="ch_since").set_value(dt.date(2024, 4, 1)).run()
    assert any("1 个在 2024-04-01 之后有变更" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert table["编号"].tolist() == ["L002"] and table["新状态"].tolist() == ["在建"]
    at.date_input(key="ch_since").set_value(dt.date(2024, 1, 1)).run()
    assert set(at.dataframe[0].value["编号"]) == {"P001", "L002"}
    assert any("6 个项目中，2 个" in c.value for c in at.caption)


# ------------------------------------------------------------------------------------------- real browser

def test_browser_edit_page_login_and_offline_draw_tools(tmp_path):
    """chromium, network cut: /edit shows a login and no edit widgets; wrong password stays out; after login the
    status form and the (locally served) drawing tools appear; ?mode=present never offers editing."""
    import os
    import re
    pytest.importorskip("playwright")
    from playwright.sync_api import expect, sync_playwright
    from tests.e2e.browser import CHROMIUM, folium_frame, offline_browser, streamlit_server

    assert os.path.exists(CHROMIUM), f"{CHROMIUM} missing: apt-get install chromium"
    gpkg = make_gpkg(tmp_path / "edit.gpkg")
    accounts = tmp_path / "editors.toml"
    editors.add_editor("wang", PASSWORD, name="王工", path=accounts, rounds=4)
    with streamlit_server(gpkg, env={"PROJECTMAP_EDITORS": str(accounts)}) as (base, _), \
            sync_playwright() as p, offline_browser(p, (1400, 1000)) as ctx:
        page = ctx.new_page()
        # open the app and follow the sidebar link (a deep link to /edit works too, but Streamlit then shows a
        # spurious "Page not found" modal over the right page: streamlit/streamlit#9992)
        page.goto(base + "/")
        nav = page.locator("[data-testid='stSidebarNav']")
        # wait for the router's navigation (until app.py has run once, Streamlit lists pages/ by file name)
        expect(nav.get_by_role("link", name="变更与回溯")).to_be_visible(timeout=30000)
        nav.get_by_role("link", name="编辑", exact=True).click()
        expect(page).to_have_url(re.compile(r"/edit$"), timeout=30000)
        main = page.locator("section.stMain, [data-testid='stMain']").first
        expect(main.get_by_label("用户名")).to_be_visible(timeout=30000)
        expect(main.get_by_label("密码")).to_be_visible()
        expect(main.get_by_role("button", name="保存状态变更")).to_have_count(0)
        expect(main.get_by_role("tab")).to_have_count(0)
        expect(main.locator("[data-testid='stFileUploader']")).to_have_count(0)
        expect(main.locator("[data-testid='stSelectbox']")).to_have_count(0)

        main.get_by_label("用户名").fill("wang")
        main.get_by_label("密码").fill("not the password")
        main.get_by_role("button", name="登录").click()
        expect(main.get_by_text("用户名或密码错误")).to_be_visible(timeout=20000)
        expect(main.get_by_role("button", name="保存状态变更")).to_have_count(0)

        main.get_by_label("密码").fill(PASSWORD)
        main.get_by_role("button", name="登录").click()
        expect(main.get_by_role("button", name="保存状态变更")).to_be_visible(timeout=20000)
        expect(main.get_by_text("已登录：王工 (wang)")).to_be_visible()

        main.get_by_role("tab", name="修正几何").click()
        main.get_by_text("在地图上绘制").click()
        frame = folium_frame(page)
        expect(frame.locator(".leaflet-draw-toolbar").first).to_be_visible(timeout=30000)
        assert [u for u in ctx.guard.blocked if re.search(r"cdn|unpkg|cloudflare", u)] == []

        page.goto(base + "/edit?mode=present")
        expect(page.get_by_text("演示模式下不能编辑")).to_be_visible(timeout=30000)
        expect(page.get_by_label("用户名")).to_have_count(0)
        expect(page.get_by_role("button", name="保存状态变更")).to_have_count(0)


def test_the_project_list_is_in_pinyin_order_with_the_county_and_no_code(env):
    from layers import order
    at = _login(_open())
    box = at.selectbox(key="ed_project")
    names = [o.rsplit("（", 1)[0] for o in box.options]
    assert names == sorted(names, key=order.name_key) and len(names) > 5
    assert not any(pid in o for o in box.options for pid in ("P001", "P002"))  # the codes stay out of sight
    assert all(o.endswith("）") for o in box.options)

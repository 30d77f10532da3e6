"""Meeting views in the browser: ?view=NAME reproduces the saved view; in presentation mode ◀ ▶ and the arrow keys
step through the views in order, with the view's title above the map."""
import re
import shutil

import pytest
from playwright.sync_api import expect

from layers import store, views
from layers.filters import Filters, apply
from tests.e2e.browser import map_frame, streamlit_server, wait_map_drawn


@pytest.fixture(scope="module")
def meeting(gpkg, tmp_path_factory):
    path = shutil.copy(gpkg, tmp_path_factory.mktemp("meeting") / "meeting.gpkg")
    views.save_view(path, "在建", "status=under_construction", editor="t", title="第一项：在建项目")
    views.save_view(path, "冠县", "county=冠县", editor="t", title="第二项：冠县", bbox="115.2,36.2,115.8,36.8")
    views.save_view(path, "建成", "status=completed", editor="t", title="第三项：已建成")
    with streamlit_server(path) as (base, _proc):
        yield base, path


def count(path, **f) -> int:
    return len(apply(store.read_projects(path), Filters(**f)))


def test_a_view_link_reproduces_the_saved_view(meeting, page):
    base, path = meeting
    page.goto(f"{base}/?view=%E5%86%A0%E5%8E%BF")  # 冠县
    assert wait_map_drawn(page)[0] == count(path, county=("冠县",))
    expect(page).to_have_url(re.compile(r"view=(%E5%86%A0%E5%8E%BF|冠县)"))
    expect(page).to_have_url(re.compile(r"county="))


def test_an_unknown_view_is_a_notice(meeting, page):
    page.goto(f"{meeting[0]}/?view=nope")
    expect(page.locator('[data-testid="stAlert"]', has_text="会议视图“nope”不存在")).to_be_visible()


def test_presentation_steps_through_the_views_with_buttons_and_arrow_keys(meeting, page):
    base, path = meeting
    page.goto(f"{base}/?mode=present&view=%E5%9C%A8%E5%BB%BA")  # 在建
    expect(page.get_by_role("heading", name="第一项：在建项目")).to_be_visible()
    assert wait_map_drawn(page)[0] == count(path, status=("under_construction",))
    page.get_by_role("button", name="▶").click()
    expect(page.get_by_role("heading", name="第二项：冠县")).to_be_visible()
    expect(map_frame(page).locator("[data-pm-projects]")).to_have_attribute(
        "data-pm-projects", str(count(path, county=("冠县",))), timeout=30000)
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("heading", name="第三项：已建成")).to_be_visible()
    expect(map_frame(page).locator("[data-pm-projects]")).to_have_attribute(  # the presenter sees the map first
        "data-pm-projects", str(count(path, status=("completed",))), timeout=30000)
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("heading", name="第二项：冠县")).to_be_visible(timeout=15000)
    page.get_by_role("button", name="◀").click()
    expect(page.get_by_role("heading", name="第一项：在建项目")).to_be_visible()


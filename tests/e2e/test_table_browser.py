"""项目表 in chromium (offline) on the shipped data: a row chosen in a county section of the grouped table is located
on the map, and what the page says about the choice is Chinese (the project code stays in its column)."""
import re

import pytest

from layers import order, store
from tests.e2e.browser import wait_map_drawn
from tests.e2e.shipped import started
from tests.visible_text import ALLOWED, latin_words

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def shipped_server(shipped, browser_context):
    with started(shipped[0], browser_context) as base:
        yield base


def test_a_row_chosen_in_a_county_section_is_located_on_the_map(shipped_server, shipped, page):
    projects = order.ordered(store.read_projects(shipped[0]))
    sections = projects["county"].map(order.section)
    third = [s for s in order.SECTIONS if (sections == s).any()][2]  # a section other than the first
    chosen = projects[sections == third].iloc[0]
    page.goto(f"{shipped_server}/table")
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=30000)
    main.get_by_text("按县分组").click()
    heading = main.get_by_role("heading", name=re.compile(f"^{third}（"))
    expect(heading).to_be_visible(timeout=30000)
    grid = main.locator('[data-testid="stDataFrame"]').nth(2)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's tick box, below the 35 px header
    chosen_line = main.get_by_text("已选：")
    expect(chosen_line).to_contain_text(chosen["name"], timeout=20000)
    assert latin_words(chosen_line.inner_text(), ALLOWED) == []  # no project code (编号) in the sentence
    main.get_by_role("button", name="在地图上定位").click()
    expect(page).to_have_url(re.compile(f"locate={re.escape(chosen['id'])}"), timeout=30000)
    expect(page.locator('[data-testid="stAlert"]', has_text="已定位")).to_contain_text(chosen["name"])
    wait_map_drawn(page)

"""项目表 and 统计 on a phone (390×844) and a tablet (iPad, 1180×820), in chromium (offline) on the shipped data: the
page never scrolls sideways (a wide table scrolls inside itself), the search box and the 按县分组 toggle are on the
page itself (the sidebar is folded away on a phone), a project found by search has its row on screen, and the
statistics tables show every column and every row without a scroll box of their own."""
import re

import pytest

from layers import store
from tests.e2e.shipped import started

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

PHONE, TABLET = (390, 844), (1180, 820)
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# A Streamlit table's scroll box (glide-data-grid): how far its content reaches beyond it, across and down.
INNER_OVERFLOW = "e => [e.scrollWidth - e.clientWidth, e.scrollHeight - e.clientHeight]"


@pytest.fixture(scope="module")
def shipped_server(shipped, browser_context):
    with started(shipped[0], browser_context) as base:
        yield base


def in_view(box, size) -> bool:
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size[0] + 1 and \
        box["y"] + box["height"] <= size[1] + 1


def open_page(page, base: str, path: str, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{base}/{path}")
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=30000)
    return main


def test_on_a_phone_a_project_is_found_by_search_and_its_row_is_on_screen(shipped_server, shipped, page):
    name = "徒骇河南镇闸"
    projects = store.read_projects(shipped[0])
    assert name in set(projects["name"])
    main = open_page(page, shipped_server, "table", PHONE)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()  # folded away: the page has its own search
    search = main.get_by_label("搜索项目名称或别名")
    toggle = main.get_by_text("按县分组")
    assert in_view(search.bounding_box(), PHONE) and in_view(toggle.bounding_box(), PHONE)
    search.fill("南镇闸")
    search.press("Enter")
    expect(main.locator('[data-testid="stCaptionContainer"]').first).to_contain_text(f"显示 1 / {len(projects)}", timeout=30000)
    cell = main.locator('[data-testid="stDataFrame"] td', has_text=name)
    expect(cell).to_have_count(1)
    grid = main.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    assert in_view(grid.bounding_box(), PHONE) and grid.bounding_box()["height"] >= 2 * 35  # header and the row
    assert page.evaluate(OVERFLOW) <= 0


def test_on_a_phone_the_table_groups_by_county_without_a_sideways_page(shipped_server, page):
    main = open_page(page, shipped_server, "table", PHONE)
    main.get_by_text("按县分组").click()
    expect(main.get_by_role("heading", name=re.compile(r"^东昌府区（\d+ 个项目）"))).to_be_visible(timeout=30000)
    expect(main.get_by_role("heading", name=re.compile("全市及跨县项目"))).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_the_table_page_never_scrolls_sideways(shipped_server, page, size):
    open_page(page, shipped_server, "table", size)
    assert page.evaluate(OVERFLOW) <= 0


@pytest.mark.parametrize("size", [TABLET, (1600, 1000)], ids=["tablet", "desktop"])
def test_the_statistics_tables_show_every_column_and_row_without_a_scroll_box(shipped_server, page, size):
    main = open_page(page, shipped_server, "stats", size)
    expect(main.locator('[data-testid="stDataFrame"]')).to_have_count(2, timeout=30000)
    boxes = main.locator('[data-testid="stDataFrame"] .dvn-scroller')
    expect(boxes).to_have_count(2)
    for i in range(2):  # the county table (10 rows) and the category table (≤ 23 rows): whole, 合计 column too
        across, down = boxes.nth(i).evaluate(INNER_OVERFLOW)
        assert across <= 1 and down <= 1, (i, across, down)
    assert page.evaluate(OVERFLOW) <= 0


def test_on_a_phone_the_statistics_page_never_scrolls_sideways(shipped_server, page):
    main = open_page(page, shipped_server, "stats", PHONE)
    expect(main.locator('[data-testid="stDataFrame"]')).to_have_count(2, timeout=30000)
    assert page.evaluate(OVERFLOW) <= 0


def test_the_about_pages_vocabulary_tables_show_every_row_without_a_scroll_box(shipped_server, page):
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{shipped_server}/about")
    main = page.locator('[data-testid="stMain"]')
    boxes = main.locator('[data-testid="stDataFrame"] .dvn-scroller')
    expect(boxes).to_have_count(5, timeout=30000)  # statuses, precisions, 22 categories, evidence kinds, sources
    for i in range(4):
        assert boxes.nth(i).evaluate(INNER_OVERFLOW)[1] <= 1, i

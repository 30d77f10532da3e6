"""No English where a planner reads: the map (page and map), 项目表, 统计 and 关于数据 opened in chromium (offline) on
the shipped data; their visible text (`innerText` of the page and of the map's frame) has no Latin word outside a
short allow-list. Text in code spans is left out: commands and file names are typed as they are written."""
import re

import pytest

from layers import store
from tests.e2e.browser import map_frame, streamlit_server, wait_map_drawn
from tests.e2e.shipped import started
from tests.visible_text import ALLOWED, CITATIONS, data_words, latin_words

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

PAGES = {  # path → what shows that the page has been drawn
    "": lambda page: wait_map_drawn(page),
    "table": lambda page: expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=30000),
    "stats": lambda page: expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(2, timeout=30000),
    "about": lambda page: expect(page.get_by_text("数据来源与许可")).to_be_visible(timeout=30000),
}

VISIBLE_TEXT = """() => {
  let text = document.body.innerText;
  for (const code of document.querySelectorAll('code')) text = text.replace(code.innerText, ' ');
  return text;
}"""


@pytest.fixture(scope="module")
def shipped_server(shipped, browser_context):
    with started(shipped[0], browser_context) as base:
        yield base


@pytest.mark.parametrize("path", list(PAGES))
def test_no_english_words_in_the_visible_text(shipped_server, shipped, page, path):
    page.goto(f"{shipped_server}/{path}")
    PAGES[path](page)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=30000)  # the run is over
    text = page.evaluate(VISIBLE_TEXT)
    if path == "":
        text += "\n" + map_frame(page).locator("body").evaluate("b => b.innerText")
        assert f"共 {len(store.read_projects(shipped[0]))} 个项目" in text  # the map's legend was read too
    allowed = ALLOWED | data_words(store.read_projects(shipped[0])) | (CITATIONS if path == "about" else set())
    assert latin_words(text, allowed) == [], text


def test_no_english_when_the_table_is_grouped_by_county(shipped_server, page):
    page.goto(f"{shipped_server}/table")
    page.get_by_text("按县分组").click()
    expect(page.get_by_role("heading", name=re.compile("全市及跨县项目"))).to_be_visible(timeout=30000)
    assert latin_words(page.evaluate(VISIBLE_TEXT), ALLOWED) == []


def test_a_page_link_opened_first_after_a_start_shows_that_page_without_a_dialog(shipped, browser_context):
    """A shared link to a sub-page, the first visit after a start (the app started as ./run.sh starts it)."""
    with streamlit_server(shipped[0]) as (base, _proc):
        page = browser_context.new_page()
        page.goto(f"{base}/table")
        expect(page.get_by_role("heading", name="项目表")).to_be_visible(timeout=30000)
        expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=30000)
        text = page.evaluate(VISIBLE_TEXT)
        page.close()
        assert "Page not found" not in text and latin_words(text, ALLOWED) == []

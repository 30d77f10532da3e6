"""A viewer without any Chinese font still reads Chinese: the app serves its own web font. Chromium is started with a
fontconfig that knows only DejaVu (no CJK glyphs), so anything not drawn by the served font would be .notdef boxes."""
import os

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, Offline, map_frame, wait_map_drawn

pytest.importorskip("playwright")
from playwright.sync_api import sync_playwright  # noqa: E402



@pytest.fixture(scope="module")
def no_cjk_browser(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nocjk")
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{folder}/cache</cachedir></fontconfig>')
    env = dict(os.environ, FONTCONFIG_FILE=str(folder / "fonts.conf"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=env)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route("**/*", Offline())
        yield context
        browser.close()


DRAW = """async (el, text) => {
  const family = getComputedStyle(el).fontFamily;
  await document.fonts.load('48px ' + family, text);
  const c = document.createElement('canvas'); c.width = c.height = 64;
  const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64);
  g.fillStyle = '#000'; g.font = '48px ' + family; g.fillText(text, 4, 52);
  return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
}"""


def _glyph(page_or_frame, selector: str, text: str) -> str:
    """The character drawn in the font the element uses, as pixels (a .notdef box looks the same for any character)."""
    return page_or_frame.locator(selector).first.evaluate(DRAW, text)


def test_this_browser_has_no_chinese_font_of_its_own(no_cjk_browser):
    page = no_cjk_browser.new_page()
    page.set_content("<p style='font-family:sans-serif'>聊城</p>")
    assert _glyph(page, "p", "聊") == _glyph(page, "p", "城")  # both the same box


def test_the_app_title_and_the_map_labels_are_drawn_in_chinese(no_cjk_browser, server):
    page = no_cjk_browser.new_page()
    page.goto(server + "/")
    wait_map_drawn(page)
    page.locator("h1").first.wait_for()
    assert _glyph(page, "h1", "聊") != _glyph(page, "h1", "城")
    frame = map_frame(page)
    assert _glyph(frame, ".pm-county-label span", "聊") != _glyph(frame, ".pm-county-label span", "城")

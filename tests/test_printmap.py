"""Print maps: the requested size, Chinese drawn with a real CJK font (embedded, extractable), county sheets."""
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

from core.errors import UserError
from layers import fonts, printmap, safe_write, store


@pytest.fixture(scope="module")
def data(shipped):
    return store.read_projects(shipped[0]), store.read_counties(shipped[0])


def _glyph(text: str, family: str) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(1, 1), dpi=64)
    fig.text(0.5, 0.5, text, fontsize=40, family=family, ha="center", va="center")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0]


def test_chinese_glyphs_are_drawn_not_boxes():
    cjk = fonts.use_in_matplotlib()
    liao, cheng = _glyph("聊", cjk), _glyph("城", cjk)
    box_liao, box_cheng = _glyph("聊", "DejaVu Sans"), _glyph("城", "DejaVu Sans")  # no CJK glyphs: .notdef
    assert (box_liao == box_cheng).all()          # the missing-glyph box looks the same for every character …
    assert not (liao == cheng).all()              # … real glyphs differ from each other
    assert not (liao == box_liao).all() and (liao < 128).sum() > 30


def test_png_has_the_requested_size(data, tmp_path):
    projects, counties = data
    out = printmap.save(printmap.render(projects, counties, title="聊城市重点项目", size="1920x1080"),
                        tmp_path / "slide.png", "png")
    assert Image.open(out).size == (1920, 1080)


def test_pdf_embeds_the_cjk_font_and_its_text_is_chinese(data, tmp_path):
    projects, counties = data
    built = projects[projects["status"] == "under_construction"]
    out = printmap.save(printmap.render(built, counties, title="聊城市在建项目", note="状态：在建"),
                        tmp_path / "map.pdf", "pdf")
    fonts_listed = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts_listed and all(" yes " in line for line in fonts_listed.splitlines()[2:])
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "聊城市在建项目" in text and "位置精度见图例" in text and "在建" in text
    assert "谋划" not in text.split("状态")[-1]  # the legend lists only what is shown


def test_county_sheets_are_one_page_per_county_and_one_for_the_city(data, tmp_path):
    projects, counties = data
    out = printmap.save(printmap.county_sheets(projects, counties), tmp_path / "sheets.pdf", "pdf")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+9$", info, re.M)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "冠县重点项目" in text and "聊城市重点项目" in text and "市水利局" in text


@pytest.mark.parametrize("size", ["4k", "10x10", "A3", ""])
def test_an_unknown_size_is_a_clear_error(size):
    with pytest.raises(UserError) as e:
        printmap.parse_size(size)
    assert "1920x1080" in str(e.value)


def test_a_failed_write_leaves_no_half_file(data, tmp_path):
    projects, counties = data
    fig = printmap.render(projects.head(3), counties, title="t")
    (tmp_path / "dir.png").mkdir()
    with pytest.raises((UserError, safe_write.WriteError)):
        printmap.save(fig, tmp_path / "dir.png", "png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.png"]

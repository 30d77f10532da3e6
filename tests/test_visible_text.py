"""No English in the tables a planner reads (they are drawn on a canvas, which the browser test's innerText does not
see): every table on 项目表, 统计 and 关于数据 built from the shipped data, through AppTest. The machine codes (编号,
代码) are allowed in their own column, which comes last; on 关于数据 the sources' own titles, publishers, quotes and
links are citations, shown as published."""

import pytest

from layers import store
from tests.visible_text import ALLOWED, CITATIONS, latin_words, data_words
from tests.apptest import app_test

MACHINE = ("编号", "代码")
CITED = {"来源", "发布者", "原文短句", "链接", "第三方转载网址（未核实）"}
# The evidence team's notes on how a source gave the position (由此得出) still name code and datasets
# (geo/rivers.py, place:…, CIA World Data Bank II, NGCC): data, not page text; reported, left out here.
NOTES = {"由此得出"}


def test_the_allow_list_catches_english_and_lets_the_listed_names_through():
    assert latin_words("项目表 Page not found 坐标系 WGS84", ALLOWED) == ["Page", "found", "not"]
    assert latin_words("Skip to main content 地图 Leaflet 30 km", ALLOWED) == []


@pytest.fixture(scope="module")
def app(shipped):
    import os
    old = os.environ.get("PROJECTMAP_GPKG")
    os.environ["PROJECTMAP_GPKG"] = str(shipped[0])
    yield app_test(60).run()
    if old is None:
        os.environ.pop("PROJECTMAP_GPKG", None)
    else:
        os.environ["PROJECTMAP_GPKG"] = old


@pytest.mark.parametrize("page", ["pages/1_表格.py", "pages/2_统计.py", "pages/4_关于数据.py"])
def test_every_table_cell_and_heading_is_chinese(app, shipped, page):
    app.switch_page(page).run()
    assert not app.exception and app.dataframe
    allowed = ALLOWED | data_words(store.read_projects(shipped[0])) | (CITATIONS if "关于" in page else set())
    found = {}
    for df in app.dataframe:
        table = df.value.reset_index(drop=df.value.index.name is None)
        if table.isna().any().any():  # a missing value is drawn as "None" unless the table says what to draw
            assert df.proto.HasField("placeholder") and not latin_words(df.proto.placeholder, allowed)
        for col in table.columns:
            if col in MACHINE:
                assert col == table.columns[-1], f"{col} is not the last column"
                continue
            if col in CITED | NOTES:
                continue
            words = latin_words(" ".join([str(col)] + table[col].dropna().astype(str).tolist()), allowed)
            if words:
                found[col] = words
    assert found == {}

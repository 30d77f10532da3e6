"""项目表 through streamlit.testing's AppTest: the table in pinyin order, grouped by county (one section per county,
then the projects of several counties or of the whole city), and its own search box."""

import geopandas as gpd
import pandas as pd
import pytest

from benchmarks.synthetic import write_gpkg
from core.vocab import CITY_WIDE, COUNTIES
from layers import order, store
from tests.apptest import app_test

N = 40


# The projects of 东昌府区 alone (P00008, P00016 …) renamed so that pinyin and code-point orders differ.
PINYIN = {"P00008": "重庆路工程", "P00016": "安阳路工程", "P00024": "北环路工程", "P00032": "徒骇河工程"}
IN_PINYIN_ORDER = ["安阳路工程", "北环路工程", "重庆路工程", "徒骇河工程"]  # an, bei, chong, tu


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    path = write_gpkg(tmp_path_factory.mktemp("table") / "projects.gpkg", n=N)
    for layer in store.PROJECT_LAYERS.values():
        part = gpd.read_file(path, layer=layer, engine="pyogrio")
        part["name"] = [PINYIN.get(i, n) for i, n in zip(part["id"], part["name"])]
        part.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path


@pytest.fixture
def table_page(gpkg, monkeypatch):
    monkeypatch.setenv("PROJECTMAP_GPKG", str(gpkg))
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    at = app_test(60).run()
    at.switch_page("pages/1_表格.py").run()
    assert not at.exception
    return at


def test_the_table_is_in_county_then_pinyin_order(table_page, gpkg):
    table = table_page.dataframe[0].value
    projects = store.read_projects(gpkg)
    assert table["编号"].tolist() == order.ordered(projects)["id"].tolist()
    assert sorted(IN_PINYIN_ORDER) != IN_PINYIN_ORDER  # code-point order differs
    assert table["项目名称"].tolist()[:4] == IN_PINYIN_ORDER  # 东昌府区 first, its projects in pinyin order
    assert set(table["县(市、区)"][:4]) == {"东昌府区"}


def test_grouped_by_county_one_section_per_county_then_the_cross_county_ones(table_page, gpkg):
    flat = table_page.dataframe[0].value
    table_page.toggle(key="w_table_group").set_value(True).run()
    assert not table_page.exception
    headings = [h.value for h in table_page.subheader]
    sections = [t.value for t in table_page.dataframe]
    assert len(headings) == len(sections) > 2
    counties = list(COUNTIES.values())
    for heading, table in zip(headings[:-1], sections[:-1]):
        county = heading.split("（")[0]
        assert county in counties and set(table["县(市、区)"]) == {county}
        assert heading == f"{county}（{len(table)} 个项目）"
    order_seen = [counties.index(h.split("（")[0]) for h in headings[:-1]]
    assert order_seen == sorted(order_seen)  # the city's order
    last = sections[-1]
    assert headings[-1] == f"{CITY_WIDE}及跨县项目（{len(last)} 个项目）"
    assert all("、" in c or c == CITY_WIDE for c in last["县(市、区)"]) and len(last) > 0
    together = pd.concat(sections, ignore_index=True)
    assert together["编号"].tolist() == flat["编号"].tolist()  # the same rows, in the same order, with headings


def test_grouping_is_kept_across_pages(table_page):
    table_page.toggle(key="w_table_group").set_value(True).run()
    table_page.switch_page("pages/2_统计.py").run()
    table_page.switch_page("pages/1_表格.py").run()
    assert table_page.toggle(key="w_table_group").value and len(table_page.dataframe) > 2
    table_page.toggle(key="w_table_group").set_value(False).run()
    assert len(table_page.dataframe) == 1 and not table_page.subheader


def test_the_pages_search_box_is_the_sidebars_search(table_page):
    table_page.text_input(key="w_table_q").input("alias-7").run()
    assert not table_page.exception
    table = table_page.dataframe[0].value
    assert table["编号"].tolist() == ["P00007"]
    assert table_page.text_input(key="w_q").value == "alias-7"  # the sidebar shows the same search
    assert table_page.query_params["q"] in ("alias-7", ["alias-7"])
    table_page.text_input(key="w_q").input("").run()  # cleared in the sidebar: cleared here too
    assert table_page.text_input(key="w_table_q").value == "" and len(table_page.dataframe[0].value) == N


def test_the_county_sections_columns_line_up(table_page):
    import json
    table_page.toggle(key="w_table_group").set_value(True).run()
    widths = [{c: v.get("width") for c, v in json.loads(df.proto.columns).items()} for df in table_page.dataframe]
    assert len(widths) > 2 and all(w == widths[0] for w in widths)  # one set of widths for every section
    shown = {c: w for c, w in widths[0].items() if c != "_index"}  # the (hidden) index has no width
    assert set(shown) == set(table_page.dataframe[0].value.columns) and all(shown.values())

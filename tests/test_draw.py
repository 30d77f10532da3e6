"""Map building: escaping, styles from layers.styles, draw order, offline assets."""
import html
import json
import re

import pytest
from shapely.geometry import box

from benchmarks.synthetic import HOSTILE_NAMES, county_frame, project_frame
from layers import styles
from mapview import assets, draw


@pytest.fixture(scope="module")
def gdf():
    return project_frame(30)


def test_escape_neutralises_markup_quotes_and_backticks():
    assert draw.esc('<script>alert(1)</script>') == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert draw.esc('"a\' `b` ${x}') == "&quot;a&#x27; &#96;b&#96; ${x}"
    assert draw.esc(None) == "" and draw.esc(float("nan")) == ""


def test_popup_has_every_field_and_no_raw_markup(gdf):
    row = gdf.iloc[0].to_dict()
    html = draw.popup_html(row)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for label in ("类别", "状态", "县(市、区)", "牵头单位", "配合单位", "目标年份", "规划条目", "规划原文",
                  "位置来源", "位置精度"):
        assert f"<th>{label}</th>" in html
    assert "谋划" in html and "河道治理" in html and "2023年" in html and "精确(误差约 50 米)" in html
    assert "东昌府区、茌平区" in html


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_never_reach_html_unescaped(name):
    row = {"name": name, "plan_excerpt": name, "lead_agency": name, "status": "proposed"}
    html = draw.popup_html(row)
    assert re.search(r"<(script|img|/script)", html) is None
    assert "`" not in html
    assert name.replace("<", "").replace(">", "").replace('"', "").replace("`", "") == \
        draw.esc(name).replace("&lt;", "").replace("&gt;", "").replace("&quot;", "").replace("&#96;", "") \
        .replace("&#x27;", "'").replace("&amp;", "&")


MD_HOSTILE = [
    "![x](http://example.invalid/x.png)", "[登录](http://evil.example)", "<img src=x onerror=alert(1)>",
    "**粗** _斜_ ~~删~~ `代码`", "# 标题", "- 列表", "2025. 编号", "> 引用", "a\n\n![x](http://e.invalid/y.png)",
    "<http://evil.example>", "WWW.evil.example a@evil.example HTTPS://x", "[a][r]\n\n[r]: http://evil.example", "&lt;b&gt; &amp;", "a\\*b\\*", "王工 (wang)",
] + list(HOSTILE_NAMES)


@pytest.mark.parametrize("text", MD_HOSTILE)
def test_markdown_escape_leaves_plain_text_only(text):
    from markdown_it import MarkdownIt
    out = MarkdownIt("commonmark").enable("strikethrough").render(draw.md(text))
    assert re.fullmatch(r"<p>[^<]*</p>\n", out), out  # one paragraph of text: no link, image, tag, list, heading
    shown = MarkdownIt("commonmark").render(draw.md(text))[3:-5]
    shown = html.unescape(shown)
    assert not re.search(r"(?i)https?:|www\.|\w@", shown)  # GFM autolink literals are found in the parsed text
    assert shown.replace(draw.WORD_JOINER, "") == " ".join(text.split())  # reads as given (whitespace collapsed)


def test_markdown_escape_of_missing_values():
    assert draw.md(None) == "" and draw.md(float("nan")) == ""


def test_payload_keeps_popup_texts_in_a_shared_string_table(gdf):
    payload = draw.project_data(gdf)
    strings = payload["strings"]
    by_id = {f["properties"]["i"]: f["properties"]["v"] for f in payload["data"]["features"]}
    for _, row in gdf.iterrows():
        parts = [strings[k] for k in by_id[row["id"]]]
        assert draw.popup_from_parts(parts) == draw.popup_html(row.to_dict())
    assert len(strings) == len(set(strings)) and strings[0] == ""
    assert payload["labels"][payload["excerpt"]] == "规划原文"


def test_payload_json_cannot_close_a_script_block(gdf):
    text = draw.safe_json(draw.project_data(gdf))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["data"]["features"]


def test_styles_come_from_layers_styles(gdf):
    payload = draw.project_data(gdf)
    by_id = {f["properties"]["i"]: f for f in payload["data"]["features"]}
    for _, row in gdf.iterrows():
        feat = by_id[row["id"]]
        got = payload["styles"][feat["properties"]["k"]]
        want = styles.feature_style(row["category"], row["status"], row["precision"])
        if row.geometry.geom_type == "Polygon" and row["precision"] == "county":
            assert got["fillOpacity"] == 0 and got["color"] == want["color"]
        else:
            assert got == want


def test_exact_and_approximate_geometries_look_different():
    exact = styles.feature_style("river", "under_construction", "exact")
    approx = styles.feature_style("river", "under_construction", "approximate")
    schematic = styles.feature_style("river", "under_construction", "schematic")
    assert approx["opacity"] < exact["opacity"] and "dashArray" in schematic and "dashArray" not in exact


def test_areas_are_drawn_below_lines_below_points(gdf):
    feats = draw.project_data(gdf)["data"]["features"]
    kinds = [f["geometry"]["type"] for f in feats]
    rank = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1, "Point": 2}
    assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds)
    assert len(feats) == len(gdf)


def test_gcj02_shift_is_for_display_and_about_half_a_kilometre(gdf):
    a = draw.project_data(gdf.iloc[[5]])["data"]["features"][0]["geometry"]["coordinates"]
    b = draw.project_data(gdf.iloc[[5]], gcj02=True)["data"]["features"][0]["geometry"]["coordinates"]
    assert 0.002 < abs(b[0] - a[0]) + abs(b[1] - a[1]) < 0.02
    assert round(gdf.iloc[5].geometry.x, 6) == a[0]  # the frame itself is untouched (WGS84)


def test_county_labels_are_escaped_and_inside_their_county():
    counties = county_frame()
    counties.loc[0, "name"] = "<b>县</b>"
    d = draw.county_data(counties)
    assert d["labels"][0]["n"] == "&lt;b&gt;县&lt;/b&gt;"
    for lab, geom in zip(d["labels"], counties.geometry):
        assert geom.contains(box(lab["lon"] - 1e-9, lab["lat"] - 1e-9, lab["lon"] + 1e-9, lab["lat"] + 1e-9))


def test_legend_lists_counts_and_skips_empty_statuses():
    html = draw.legend_html({"under_construction": 3, "proposed": 0}, {"river": 2, "<x>": 1})
    assert "在建</span><b>3</b>" in html and "谋划" not in html
    assert "&lt;x&gt;" in html and "<x>" not in html


def test_map_references_only_local_assets(gdf):
    cp = draw.county_data(county_frame())
    counties = draw.Payload(draw.safe_json(cp), 8, cp["bounds"])
    pd_ = draw.project_data(gdf)
    projects = draw.Payload(draw.safe_json(pd_), len(gdf), None)
    m = draw.build_map(counties, projects, "", draw.MapOptions())
    html = m.get_root().render()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/app/static/vendor/") for u in urls), urls
    assert all((assets.VENDOR_DIR / u.removeprefix("/app/static/vendor/")).is_file() for u in urls), \
        "run python -m mapview.assets"
    assert "cdn" not in html.lower()


def test_every_map_option_changes_the_map():
    from dataclasses import fields
    cp = draw.county_data(county_frame())
    counties = draw.Payload(draw.safe_json(cp), 8, cp["bounds"])

    def render(**kw):  # element ids are random: blank them
        m = draw.build_map(counties, draw.Payload("{}", 3, None), "", draw.MapOptions(**kw))
        return re.sub(r"[0-9a-f]{32}", "", m.get_root().render())
    other = {"present": True, "locate": "P00001"}
    assert {f.name for f in fields(draw.MapOptions)} == set(other)  # no option that nothing reads
    for name, value in other.items():
        assert render(**{name: value}) != render(), name


def test_large_sets_switch_to_canvas(gdf):
    cp = draw.county_data(county_frame())
    counties = draw.Payload(draw.safe_json(cp), 8, cp["bounds"])
    big = draw.build_map(counties, draw.Payload("{}", draw.CANVAS_THRESHOLD + 1, None), "", draw.MapOptions())
    small = draw.build_map(counties, draw.Payload("{}", 10, None), "", draw.MapOptions())
    assert "preferCanvas\": true" in big.get_root().render().replace("preferCanvas\":true", "preferCanvas\": true")
    assert "preferCanvas\": false" in small.get_root().render().replace("preferCanvas\":false", "preferCanvas\": false")


def test_bitset_marks_exactly_the_visible_features():
    import base64
    flags = [i % 3 == 0 for i in range(21)]
    raw = base64.b64decode(draw.bitset(flags))
    assert [bool((raw[i >> 3] >> (i & 7)) & 1) for i in range(21)] == flags


def test_map_with_a_data_file_embeds_no_project_data(gdf):
    cp = draw.county_data(county_frame())
    counties = draw.Payload(draw.safe_json(cp), 8, cp["bounds"])
    projects = draw.Payload(None, 3, None, url="/app/static/cache/projects-x.json", visible=draw.bitset([1, 0, 1, 1]))
    html = draw.build_map(counties, projects, "", draw.MapOptions()).get_root().render()
    assert "/app/static/cache/projects-x.json" in html and "P00000" not in html

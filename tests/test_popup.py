"""layers.popup: every popup field, from core.fields, escaped."""
import re

import pytest

from benchmarks.synthetic import HOSTILE_NAMES, project_frame
from layers import escape, popup


@pytest.fixture(scope="module")
def gdf():
    return project_frame(30)


def test_popup_has_every_field_and_no_raw_markup(gdf):
    row = gdf.iloc[0].to_dict()
    html = popup.popup_html(row)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for label in ("类别", "状态", "县(市、区)", "牵头单位", "配合单位", "目标年份", "规划条目", "规划原文",
                  "位置来源", "位置精度"):
        assert f"<th>{label}</th>" in html
    assert "谋划" in html and "河道治理" in html and "2023年" in html and "精确(误差约 50 米)" in html
    assert "东昌府区、茌平区" in html


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_never_reach_html_unescaped(name):
    row = {"name": name, "plan_excerpt": name, "lead_agency": name, "status": "proposed"}
    html = popup.popup_html(row)
    assert re.search(r"<(script|img|/script)", html) is None
    assert "`" not in html
    assert name.replace("<", "").replace(">", "").replace('"', "").replace("`", "") == \
        escape.esc(name).replace("&lt;", "").replace("&gt;", "").replace("&quot;", "").replace("&#96;", "") \
        .replace("&#x27;", "'").replace("&amp;", "&")


def test_how_a_geometry_was_drawn_reads_in_chinese(shipped):
    import re

    from layers import store
    for raw in set(store.read_projects(shipped[0])["geom_source"]):
        zh = popup.source_zh(raw)
        english = set(re.findall(r"[A-Za-z]{3,}", zh)) - {"GSHHG"}  # a dataset's name stays as it is
        assert not english, (raw, zh)
    assert popup.source_zh("依据施工图数字化") == "依据施工图数字化"  # an editor's own words, as typed

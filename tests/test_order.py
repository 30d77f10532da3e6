"""layers.order: projects are listed by county section (the city's order), then by name in pinyin order — not in
the order of the characters' code points."""
import pandas as pd

from core.vocab import CITY_WIDE, COUNTIES
from layers import order


def test_names_are_in_pinyin_order_not_code_point_order():
    names = ["徒骇河治理", "安阳路", "北环路", "重庆路", "昂扬大道", "马颊河", "G105大桥"]
    assert sorted(names) != sorted(names, key=order.name_key)  # the case is one where the two orders differ
    # 安 an before 昂 ang (syllable by syllable, not as one run of letters), G105 as "g"; 重 chóng; 徒 tú.
    assert sorted(names, key=order.name_key) == ["安阳路", "昂扬大道", "北环路", "重庆路", "G105大桥", "马颊河",
                                                 "徒骇河治理"]


def test_tone_then_the_name_break_ties():
    assert sorted(["马路", "麻路", "骂路"], key=order.name_key) == ["麻路", "马路", "骂路"]  # má, mǎ, mà
    assert order.name_key("河") < order.name_key("河道")
    assert order.name_key(None) == ((), "") and order.name_key(float("nan")) == ((), "")


def test_a_project_of_one_county_is_in_its_section_several_or_the_city_in_the_last():
    assert order.section("冠县") == "冠县" and order.section("371525") == "冠县"  # a code is read as its county
    assert order.section("莘县;阳谷县") == CITY_WIDE and order.section("全市") == CITY_WIDE
    assert order.section("") == CITY_WIDE and order.section(None) == CITY_WIDE
    assert order.SECTIONS == list(COUNTIES.values()) + [CITY_WIDE]


def test_ordered_is_by_county_section_in_the_citys_order_then_pinyin():
    frame = pd.DataFrame({
        "county": ["临清市", "莘县;阳谷县", "东昌府区", "东昌府区", "全市", "冠县", "东昌府区"],
        "name": ["卫运河桥", "马颊河", "徒骇河", "重点公园", "安澜湖", "北馆陶路", "安居路"],
    })
    got = order.ordered(frame)
    assert got["name"].tolist() == ["安居路", "徒骇河", "重点公园", "北馆陶路", "卫运河桥", "安澜湖", "马颊河"]
    assert got.index.tolist() == [6, 2, 3, 5, 0, 4, 1]  # rows keep their labels (a caller can join back)


def test_the_print_maps_county_sheets_list_projects_in_pinyin_order():
    from benchmarks.synthetic import county_frame, project_frame
    from layers import printmap
    projects = project_frame(40, hostile=False).assign(status="proposed")
    names = {"P00008": "重庆路工程", "P00016": "安阳路工程", "P00024": "北环路工程", "P00032": "徒骇河工程"}
    projects["name"] = [names.get(i, n) for i, n in zip(projects["id"], projects["name"])]
    sheet = printmap.county_sheets(projects, county_frame())[1]  # 东昌府区
    listed = [line.split(" — ")[0].strip() for t in sheet.texts for line in t.get_text().splitlines()
              if line.startswith("  ")]
    mine = [n for n in listed if n in names.values()]
    assert mine == ["安阳路工程", "北环路工程", "重庆路工程", "徒骇河工程"] != sorted(mine)

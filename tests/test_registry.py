"""Registry loading and validation: every bad row is named by file, line and field; nothing is half-loaded."""
import pytest

from layers import registry
from layers.registry import RegistryError, load, parse
from layers.store import DEFAULT_REGISTRY

HEADER = "id,name,aliases,category,county,status,target_year,lead_agency,support_agencies,plan_section,plan_excerpt,locate,location_note\n"
GOOD = "river-x,徒骇河治理,徒骇河,river,莘县;阳谷县,under_construction,2025,市水利局,市财政局,二(二)1,实施徒骇河治理工程。,,\n"


def problems(text: str, path="p.csv"):
    with pytest.raises(RegistryError) as e:
        parse(text.encode("utf-8"), path)
    return e.value.problems


def test_good_row_parses_lists_and_year():
    [p] = parse((HEADER + GOOD).encode())
    assert p.county == ["莘县", "阳谷县"]
    assert p.target_year == 2025
    assert p.lead_agency == ["市水利局"]


def test_bad_category_names_line_field_and_valid_values():
    [pr] = problems(HEADER + GOOD + GOOD.replace("river-x", "y-1").replace(",river,", ",canal,"))
    assert (pr.path, pr.line, pr.field) == ("p.csv", 3, "category")
    assert "canal" in pr.message and "reservoir" in pr.message
    assert str(pr).startswith("p.csv:3: category:")


def test_unknown_county():
    [pr] = problems(HEADER + GOOD.replace("莘县;阳谷县", "莘县;济南市"))
    assert pr.field == "county" and "济南市" in pr.message


def test_missing_name():
    [pr] = problems(HEADER + GOOD.replace("徒骇河治理,", ",", 1))
    assert (pr.line, pr.field) == (2, "name")


def test_duplicate_id_points_at_first_line():
    [pr] = problems(HEADER + GOOD + GOOD)
    assert (pr.line, pr.field) == (3, "id") and "line 2" in pr.message


def test_all_errors_reported_together_and_nothing_returned():
    bad = GOOD.replace("under_construction", "building").replace("2025", "20x5")
    ps = problems(HEADER + GOOD + bad.replace("river-x", "z-2"))
    assert {p.field for p in ps} == {"status", "target_year"}


def test_city_wide_cannot_be_combined():
    [pr] = problems(HEADER + GOOD.replace("莘县;阳谷县", "全市;冠县"))
    assert pr.field == "county"


def test_gbk_file_from_excel_loads(tmp_path):
    f = tmp_path / "gbk.csv"
    f.write_bytes((HEADER + GOOD).encode("gbk"))
    [p] = load(f)
    assert p.name == "徒骇河治理" and p.plan_excerpt == "实施徒骇河治理工程。"


def test_utf8_bom_and_crlf_load(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbf" + (HEADER + GOOD).replace("\n", "\r\n").encode("utf-8"))
    [p] = load(f)
    assert p.id == "river-x"


def test_undecodable_bytes_are_a_clear_error():
    with pytest.raises(RegistryError) as e:
        parse(b"\xff\xfe\x00\x00garbage\x81", "x.csv")
    assert "UTF-8" in str(e.value) and "x.csv" in str(e.value)


def test_missing_column():
    ps = problems("id,name\nx-1,a\n")
    assert {p.line for p in ps} == {1}
    assert {p.field for p in ps} == {"category", "county", "status", "lead_agency", "plan_section", "plan_excerpt"}


def test_row_with_extra_cells():
    [pr] = problems(HEADER + GOOD.rstrip("\n") + ",extra\n")
    assert pr.field == "(row)"


def test_bad_locate_hint():
    [pr] = problems(HEADER + GOOD.replace(",,\n", ",somewhere,\n"))
    assert pr.field == "locate"


def test_shipped_registry_covers_the_plan():
    projects = load(DEFAULT_REGISTRY)
    names = " ".join(p.name + " " + " ".join(p.aliases) for p in projects)
    # projects the plan names, across its sections
    for expected in ["徒骇河", "马颊河", "金堤河", "漳卫河", "西新河", "青年渠", "唐公沟", "大沙河水库", "闫谭闸", "南镇闸",
                     "黄河故道", "温泉湿地", "防沙治沙展览馆", "张洼村窑厂", "世行贷款", "黄河国家文化公园",
                     "大运河国家文化公园", "聊城化工产业园", "莘县化工产业园", "济郑高铁", "雄商高铁", "聊泰铁路黄河公铁桥",
                     "内陆港", "冠州国际陆港", "鲁西化工", "信发集团", "祥光铜业", "聊城机场", "东阿至阳谷", "德上高速临清连接线",
                     "济南至临清", "济南至东阿", "德郓高速", "临清至莘县", "高唐至台前", "东阿至聊城", "中环高架路", "大外环",
                     "G309", "G105", "S248", "标识解析二级节点", "位山灌区", "彭楼灌区", "仲子庙灌区", "刘桥西灌区",
                     "鲁豫毗邻", "积水潭医院", "大学科技园", "冷链物流基地", "现代设施农业产业研究院", "跨境电子商务综合试验区"]:
        assert expected in names, expected
    plan = (DEFAULT_REGISTRY.parent / "liaocheng-2023-2025-implementation-plan.txt").read_text(encoding="utf-8")
    for p in projects:
        assert p.plan_excerpt in plan, f"{p.id}: excerpt is not verbatim from the plan"
        assert p.plan_section.split("(")[0] in "一二三"


def test_split_list_accepts_fullwidth_separators():
    assert registry.split_list("莘县；阳谷县、冠县") == ["莘县", "阳谷县", "冠县"]

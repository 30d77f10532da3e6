"""mapview.tables: the project table's columns come from core.fields; the 待核实 list; vocabularies with counts."""
from benchmarks.synthetic import project_frame
from core import fields
from core.vocab import STATUSES
from mapview import tables


def test_project_table_columns_are_the_fields_marked_for_the_table():
    t = tables.project_table(project_frame(12))
    assert list(t.columns) == [f.zh for f in fields.table()]
    row = t.set_index("编号").loc["P00000"]
    assert row["类别"] == "河道治理" and row["状态"] == "谋划" and "、" in row["配合单位"] and ";" not in row["配合单位"]
    assert row["位置精度"] == "精确(误差约 50 米)" and t["目标年份"].dtype == "Int64"


def test_a_field_added_to_the_list_shows_in_the_table_and_the_synthetic_data(monkeypatch):
    budget = fields.Field("budget", "总投资(亿元)", "number", "计划总投资", table=99)
    monkeypatch.setattr(fields, "FIELDS", fields.FIELDS + [budget])
    frame = project_frame(3)
    assert "budget" in frame.columns  # benchmarks.synthetic fills every stored field
    assert list(tables.project_table(frame.assign(budget=[1.5, 2.0, 0.25])).columns)[-1] == "总投资(亿元)"
    t = tables.project_table(frame.assign(budget=[1.5, 2.0, 0.25]))
    assert dict(zip(t["编号"], t["总投资(亿元)"])) == {"P00000": "1.5", "P00001": "2", "P00002": "0.25"}


def test_to_verify_table_is_largest_radius_first_with_chinese_labels():
    t = tables.to_verify_table(project_frame(8))
    assert t["误差半径(米)"].tolist() == sorted(t["误差半径(米)"].tolist(), reverse=True)
    assert set(t["核实状态"]) == {"未核实"} and set(t["最强依据"]) == {"新闻报道"}


def test_vocab_table_counts_each_code():
    frame = project_frame(10)
    t = tables.vocab_table(STATUSES, frame["status"], "状态", meaning="定义")
    assert list(t.columns) == ["状态", "定义", "项目数", "代码"] and t["项目数"].sum() == 10  # the code last


def test_the_category_table_names_each_colour_family_in_chinese_not_a_hex_colour():
    from core.vocab import CATEGORIES
    t = tables.vocab_table(CATEGORIES, project_frame(10)["category"], "类别", families=True)
    assert list(t.columns) == ["类别", "图例颜色组", "项目数", "代码"]
    assert t.set_index("代码").loc["river", "图例颜色组"] == "水利" and not t["图例颜色组"].str.contains("#").any()


def test_the_project_table_is_tall_enough_for_every_row():
    import pandas as pd

    from mapview.tables import fitting_height
    assert fitting_height(pd.DataFrame({"a": range(52)})) == 35 * 53 + 3
    assert fitting_height(pd.DataFrame({"a": range(10_000)})) == 35 * 301 + 3  # long tables scroll inside


def test_column_widths_fit_the_longest_value_within_bounds():
    import pandas as pd
    t = pd.DataFrame({"项目名称": ["河", "徒骇河南镇闸"], "状态": ["在建", None], "长": ["很" * 60, "x"]})
    w = tables.column_widths(t)
    assert w["项目名称"] == 24 + 6 * 13 and w["状态"] == 60 and w["长"] == 320  # at least 60 px, at most 320 px

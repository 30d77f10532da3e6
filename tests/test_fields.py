"""core.fields, the one field list: the registry, the GeoPackage, the data dictionary and the README follow it."""
import math
import re
from pathlib import Path

import pyogrio
import pytest

from core import fields
from core.fields import Field
from core.vocab import label
from layers import registry, store
from layers.build import build
from layers.registry import RegistryError

ROOT = Path(__file__).resolve().parent.parent


def test_data_dictionary_is_current():
    assert (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == fields.dictionary_markdown(), \
        "run: python -m core.fields > docs/data-dictionary.md"


def test_readme_field_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- fields -->\n(.*?)\n<!-- /fields -->", readme, re.S)
    assert table and table.group(1) == fields.readme_table(), "README's field table: paste fields.readme_table()"


def test_derived_lists_follow_the_field_list():
    assert registry.COLUMNS == [f.name for f in fields.FIELDS if f.source == "registry"]
    assert store.PROJECT_FIELDS == [f.name for f in fields.FIELDS if f.stored]
    assert "locate" in registry.COLUMNS and "locate" not in store.PROJECT_FIELDS
    assert [f.name for f in fields.popup()][:3] == ["category", "status", "county"]
    assert set(fields.filters()) == {"status", "county", "category", "agency", "year"}


def test_label_and_display():
    assert label("status", "under_construction") == "在建"
    assert label("category", "river") == "河道治理"
    assert label("precision", "county") == "县级"
    assert label("evidence_kind", "news") == "新闻报道"
    assert label("verification", "surveyed") == "实地或测绘核实"
    assert label("county", "371525") == "冠县" and label("county", "冠县") == "冠县"
    assert label("status", "old_code") == "old_code" and label("status", None) == "" and label("status", math.nan) == ""
    assert fields.display("lead_agency", "市水利局;市财政局") == "市水利局、市财政局"
    assert fields.display("category", "river") == "河道治理"
    assert fields.display("target_year", 2025) == "2025" and fields.display("target_year", None) == ""


def test_unknown_csv_column_is_an_error_naming_it():
    header = ",".join(registry.COLUMNS) + ",budget\n"
    row = ("river-x,徒骇河治理,,river,莘县,under_construction,2025,市水利局,,二(二)1,实施徒骇河治理工程。,,,12\n")
    with pytest.raises(RegistryError) as e:
        registry.parse((header + row).encode(), "p.csv")
    [problem] = e.value.problems
    assert (problem.line, problem.field) == (1, "budget") and "unknown column" in problem.message


def test_adding_a_field_is_one_line_and_a_column(monkeypatch, tmp_path):
    """One line in the field list + the CSV column: the field is parsed, validated and in the built GeoPackage."""
    monkeypatch.setattr(fields, "FIELDS", fields.FIELDS + [Field("budget", "总投资(亿元)", "number", "总投资")])
    lines = store.DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()
    copy = tmp_path / "projects.csv"
    copy.write_text("\n".join([lines[0] + ",budget", lines[1] + ",12.5", lines[2] + ","]) + "\n", encoding="utf-8")
    out = tmp_path / "out.gpkg"
    build(registry_path=copy, out=out)
    projects = store.read_projects(out).set_index("id")
    first = lines[1].split(",")[0]
    assert projects.loc[first, "budget"] == 12.5
    assert projects["budget"].isna().sum() == 1
    for layer, _ in pyogrio.list_layers(out):
        if layer.startswith("projects_"):
            assert "budget" in pyogrio.read_info(out, layer=layer)["fields"]
    copy.write_text("\n".join([lines[0] + ",budget", lines[1] + ",lots"]) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        build(registry_path=copy, out=out)
    assert [p.field for p in e.value.problems] == ["budget"]

"""The project fields, declared once. Everything else is derived from this list: the registry's columns, parsing and
validation (layers.registry), the GeoPackage's feature fields (layers.store.PROJECT_FIELDS), the build's rows, the
exports, the popup and the table (mapview), the data dictionary (docs/data-dictionary.md, `python -m core.fields`)
and the README's field table (a test checks both are current).

Adding a field is one line in FIELDS plus the CSV column. A column in the CSV that is not a registry field here is
an error naming the column (it would otherwise be dropped silently).

Kinds (how a value is read from the CSV, stored and shown):
- ``text``: one string. ``list``: ``a;b`` (also ``；`` and ``、``), stored ``a;b``, shown ``a、b``.
- ``code``: one code of a vocabulary (``vocab``), shown by its Chinese label (core.vocab.label).
- ``codes``: a list of values of a vocabulary (the counties, by name).
- ``year``: a year like 2025 (2000–2100). ``number``: a number. ``json``: a JSON text (the evidence).
- ``id``, ``section``, ``hint``: the project id, a plan section like 二(四)1, a location hint for the geocoder.

``source`` says where a value comes from: ``registry`` (a column of data/projects.csv) or ``build`` (the geocoder
and the evidence, written by the build). ``stored`` fields are feature fields of the GeoPackage (and exported);
``popup`` and ``table`` give the position in the map's popup and the project table (0: not shown); ``filter`` is
the URL parameter that filters by the field ('' when none).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from core import vocab

__all__ = ["Field", "FIELDS", "KINDS", "by_name", "registry_fields", "required", "stored", "popup", "table",
           "filters", "split_list", "display", "dictionary_markdown", "readme_table"]

KINDS = ("text", "list", "code", "codes", "year", "number", "json", "id", "section", "hint")


@dataclass(frozen=True)
class Field:
    name: str
    zh: str                  # Chinese label (popup, table, exports, data dictionary)
    kind: str                # one of KINDS
    help: str = ""           # one line for the data dictionary
    required: bool = False   # a registry cell that may not be empty
    vocab: str = ""          # code/codes: the vocabulary (core.vocab.VOCABS key)
    source: str = "registry"  # registry | build
    stored: bool = True      # a feature field of the GeoPackage (and so of every export)
    popup: int = 0           # position in the map popup (0: not shown)
    table: int = 0           # position in the project table (0: not shown)
    filter: str = ""         # URL parameter filtering by it ('' when none)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: unknown kind {self.kind!r}; valid: {', '.join(KINDS)}")
        if self.vocab and self.vocab not in vocab.VOCABS:
            raise ValueError(f"field {self.name}: unknown vocabulary {self.vocab!r}")


B = "build"
FIELDS = [
    Field("id", "编号", "id", "项目编号：小写字母、数字和 '-'（2–64 字符），全表唯一", True, table=13),  # last: a code
    Field("name", "项目名称", "text", "规划中的项目名称", True, table=2),
    Field("aliases", "别名", "list", "其他名称（搜索也匹配别名）", popup=14, table=12),
    Field("category", "类别", "code", "项目类别", True, "category", popup=1, table=3, filter="category"),
    Field("county", "县(市、区)", "codes", "所在县(市、区)，一个或多个；或“全市”", True, "county", popup=3,
          table=5, filter="county"),
    Field("status", "状态", "code", "实施状态（依规划用语，截至 2023-08-26）", True, "status", popup=2, table=4,
          filter="status"),
    Field("target_year", "目标年份", "year", "规划的完成年份", popup=6, table=8, filter="year"),
    Field("lead_agency", "牵头单位", "list", "牵头单位", True, popup=4, table=6, filter="agency"),
    Field("support_agencies", "配合单位", "list", "配合单位", popup=5, table=7),
    Field("plan_section", "规划条目", "section", "规划中的条目编号，如 二(四)1", True, popup=7, table=9),
    Field("plan_excerpt", "规划原文", "text", "规划原文中的一句（逐字摘录）", True, popup=8),
    Field("locate", "位置提示", "hint", "供地理编码的位置提示：point:地名[~米]、line:A>B[~米]、river:河名[~米]、"
          "on:河名[@地名或县]、ring:地名:半径米；空则按县定位", stored=False),
    Field("geom_source", "位置来源", "text", "几何的来源（地名表、河流数据、县域兜底、修正…）", source=B, popup=9,
          table=11),
    Field("precision", "位置精度", "code", "位置精度等级", vocab="precision", source=B, popup=10, table=10),
    Field("precision_m", "误差半径(米)", "number", "误差半径（米）：真实位置可能偏离的距离", source=B),
    Field("location_note", "位置说明", "text", "位置的说明（如何确定、有何不确定）", popup=11),
    Field("evidence", "位置依据", "json", "确定位置的公开来源（JSON 数组：类型、标题、发布者、日期、链接、引文、结论）",
          source=B, popup=12),
    Field("evidence_kind", "最强依据", "code", "来源中最强的一类", vocab="evidence_kind", source=B),
    Field("verification", "核实状态", "code", "位置核实状态（编辑记录，重建后保留）", vocab="verification", source=B,
          popup=13),
]


def by_name() -> dict[str, Field]:
    return {f.name: f for f in FIELDS}


def registry_fields() -> list[Field]:
    """The columns of data/projects.csv, in order."""
    return [f for f in FIELDS if f.source == "registry"]


def required() -> list[str]:
    return [f.name for f in FIELDS if f.required]


def stored() -> list[str]:
    """The feature fields of the GeoPackage's project layers (and of the exports), in order."""
    return [f.name for f in FIELDS if f.stored]


def popup() -> list[Field]:
    return sorted((f for f in FIELDS if f.popup), key=lambda f: f.popup)


def table() -> list[Field]:
    return sorted((f for f in FIELDS if f.table), key=lambda f: f.table)


def filters() -> dict[str, Field]:
    """URL parameter → the field it filters."""
    return {f.filter: f for f in FIELDS if f.filter}


def split_list(value) -> list[str]:
    """'a;b' → ['a', 'b']; also accepts the full-width ；and 、 that Chinese editors type."""
    if not isinstance(value, str):
        return []
    return [v.strip() for v in re.split(r"[;；、]", value) if v.strip()]


def _missing(value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def display(name: str, value) -> str:
    """A stored value as Chinese text: codes by their label, lists joined with 、, years as numbers ('' if empty).
    Not escaped: escape for the place it goes (HTML, Markdown)."""
    if _missing(value):
        return ""
    f = by_name().get(name)
    if f is None or f.kind in ("text", "id", "section", "hint", "json"):
        return str(value)
    if f.kind == "code":
        return vocab.label(f.vocab, value)
    if f.kind in ("list", "codes"):
        items = split_list(value) if isinstance(value, str) else [str(v) for v in value]
        return "、".join(vocab.label(f.vocab, v) if f.vocab else v for v in items)
    if f.kind == "year":
        return str(int(value))
    return f"{float(value):g}"


def _where(f: Field) -> str:
    shown = [w for w, on in (("弹窗", f.popup), ("表格", f.table), ("筛选", f.filter), ("导出", f.stored)) if on]
    return "、".join(shown) or "—"


def _values(f: Field) -> str:
    if not f.vocab:
        return ""
    codes = vocab.VOCABS[f.vocab]
    if f.kind == "codes":
        return "、".join(codes.values())
    return "; ".join(f"`{c}` {zh}" for c, zh in codes.items())


def dictionary_markdown() -> str:
    """docs/data-dictionary.md: every field with its label, kind, whether required, where it comes from and shows."""
    lines = ["# 数据字典 · Data dictionary", "",
             "Generated from `core/fields.py` by `python -m core.fields > docs/data-dictionary.md` "
             "(a test checks it is current). Registry fields are the columns of `data/projects.csv`; build fields "
             "are written by `python -m layers build`.", "",
             "| 字段 field | 中文 | 类型 kind | 必填 | 来源 source | 显示 shown in | 说明 |",
             "|---|---|---|---|---|---|---|"]
    for f in FIELDS:
        lines.append(f"| `{f.name}` | {f.zh} | {f.kind} | {'是' if f.required else ''} | {f.source} | {_where(f)} "
                     f"| {f.help.replace('|', '／')} |")
    lines += ["", "## 代码 · Codes", ""]
    for f in FIELDS:
        if f.vocab and f.kind == "code":
            lines.append(f"- `{f.name}`: {_values(f)}")
    lines.append(f"- `county`: {_values(by_name()['county'])}、{vocab.CITY_WIDE}")
    return "\n".join(lines) + "\n"


def readme_table() -> str:
    """The README's table of registry columns (between <!-- fields --> markers; a test checks it)."""
    lines = ["| column | 中文 | kind | required |", "|---|---|---|---|"]
    lines += [f"| `{f.name}` | {f.zh} | {f.kind}{' (' + f.vocab + ')' if f.vocab else ''} | "
              f"{'yes' if f.required else ''} |" for f in registry_fields()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(dictionary_markdown(), end="")

"""The tables pages show, with Chinese headings: the project table (its columns from core.fields, `table=`), the
待核实 list, the vocabularies with their counts, and the sources of the shown projects."""
from __future__ import annotations

import pandas as pd

from core import fields
from core.vocab import EVIDENCE_KINDS, label
from layers import evidence, styles
from layers.filters import COUNTY_ORDER
from layers.verification import to_verify
from layers.popup import precision_text, source_zh

__all__ = ["project_table", "sources_table", "to_verify_table", "vocab_table"]


def _column(frame: pd.DataFrame, f: fields.Field) -> pd.Series | list:
    if f.name == "precision":
        return [precision_text(p, m) for p, m in zip(frame["precision"], frame["precision_m"])]
    if f.kind == "year":  # a number column (sorts as numbers)
        return frame[f.name]
    if f.name == "geom_source":  # in Chinese, as in the popup (the machine text stays in the exports)
        return frame[f.name].map(source_zh)
    return frame[f.name].map(lambda v: fields.display(f.name, v))


def project_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The project table: one column per field with `table=` in core.fields, in that order, values as shown;
    rows by county (the city's order, first county of each project), then name."""
    rank = {c: i for i, c in enumerate(COUNTY_ORDER)}
    first = frame["county"].map(lambda v: rank.get((fields.split_list(v) or [""])[0], len(rank)))
    ordered = frame.assign(_c=first.values).sort_values(["_c", "name"], kind="stable")
    return pd.DataFrame({f.zh: _column(ordered, f) for f in fields.table()}).reset_index(drop=True)


def to_verify_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The 待核实 list (layers.verification.to_verify): not yet verified in the field, largest error radius first."""
    todo = to_verify(frame)
    return pd.DataFrame({
        "项目名称": todo["name"],
        "县(市、区)": todo["county"].map(lambda v: fields.display("county", v)),
        "类别": todo["category"].map(lambda v: label("category", v)),
        "位置精度": [precision_text(p, m) for p, m in zip(todo["precision"], todo["precision_m"])],
        "误差半径(米)": todo["precision_m"].round(0).astype("Int64"),
        "最强依据": todo["evidence_kind"].map(lambda v: label("evidence_kind", v)),
        "核实状态": todo["verification"].map(lambda v: label("verification", v)),
        "编号": todo["id"],
    })


def vocab_table(vocabulary: dict, column: pd.Series, heading: str, meaning: str = "含义",
                colours: bool = False) -> pd.DataFrame:
    """Codes of a vocabulary (code → (中文, meaning) or code → 中文) with the number of projects having each."""
    rows = []
    for code, v in vocabulary.items():
        zh, text = (v[0], v[1]) if isinstance(v, tuple) else (v, None)
        row = {"代码": code, heading: zh}
        if text is not None:
            row[meaning] = text
        if colours:
            row["颜色"] = styles.color(code)
        rows.append(row | {"项目数": int((column == code).sum())})
    return pd.DataFrame(rows)


def evidence_kinds_table(projects: pd.DataFrame) -> pd.DataFrame:
    kinds = projects["evidence_kind"].fillna("none") if "evidence_kind" in projects else pd.Series(dtype=str)
    return pd.DataFrame([{"依据类型": zh, "含义": text, "项目数": int((kinds == k).sum())}
                         for k, (zh, text) in EVIDENCE_KINDS.items()])


def sources_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every source (layers.evidence) of the given projects: one row per project and source."""
    return pd.DataFrame([
        {"项目": name, "依据类型": label("evidence_kind", s.kind), "来源": s.title, "发布者": s.publisher,
         "日期": s.date, "原文短句": s.quote, "由此得出": s.finding, "链接": s.url}
        for name, ev in zip(frame["name"], frame.get("evidence", [])) for s in evidence.from_json(ev)])


def fitting_height(table: pd.DataFrame, row_px: int = 35, most: int = 300) -> int:
    """A table's height that shows every row (Streamlit's rows are 35 px, the header too), up to `most` rows;
    longer tables scroll inside."""
    return row_px * (min(len(table), most) + 1) + 3

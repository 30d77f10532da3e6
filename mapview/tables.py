"""The tables pages show, with Chinese headings: the project table (its columns from core.fields, `table=`; in
layers.order's order, whole or in county sections), the 待核实 list, the vocabularies with their counts, and the
sources of the shown projects."""
from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from core import fields
from core.vocab import EVIDENCE_KINDS, label
from core.vocab import CITY_WIDE
from layers import evidence, order, symbols
from layers.verification import to_verify
from layers.filters import Q_MAX_CHARS
from layers.popup import precision_text, source_zh
from mapview import urlstate

__all__ = ["county_sections", "project_table", "sources_table", "to_verify_table", "vocab_table"]


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
    rows as people read them (layers.order: county section in the city's order, then name in pinyin order)."""
    ordered = order.ordered(frame)
    return pd.DataFrame({f.zh: _column(ordered, f) for f in fields.table()}).reset_index(drop=True)


def section_heading(name: str, n: int) -> str:
    where = f"{CITY_WIDE}及跨县项目" if name == CITY_WIDE else name
    return f"{where}（{n} 个项目）"


def county_sections(frame: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """The project table in county sections (layers.order.SECTIONS, those with projects): one per county with its
    own projects, then the projects of several counties or of the whole city; each as (section, heading with the
    count, table). Read one after another, the rows are those of project_table, in its order."""
    where = frame["county"].map(order.section)
    parts = [(name, frame[where == name]) for name in order.SECTIONS]
    return [(name, section_heading(name, len(part)), project_table(part)) for name, part in parts if len(part)]


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
                families: bool = False) -> pd.DataFrame:
    """A vocabulary (code → (中文, meaning) or code → 中文) with the number of projects having each; with
    `families`, each category's colour family as the map's legend names it. The code (used in links and exports)
    comes last, as 编号 does in the project table."""
    rows = []
    for code, v in vocabulary.items():
        zh, text = (v[0], v[1]) if isinstance(v, tuple) else (v, None)
        row = {heading: zh}
        if text is not None:
            row[meaning] = text
        if families:
            row["图例颜色组"] = symbols.FAMILIES[symbols.family_of(code)][0]
        rows.append(row | {"项目数": int((column == code).sum()), "代码": code})
    return pd.DataFrame(rows)


def evidence_kinds_table(projects: pd.DataFrame) -> pd.DataFrame:
    kinds = projects["evidence_kind"].fillna("none") if "evidence_kind" in projects else pd.Series(dtype=str)
    return pd.DataFrame([{"依据类型": zh, "含义": text, "项目数": int((kinds == k).sum())}
                         for k, (zh, text) in EVIDENCE_KINDS.items()])


def sources_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every source (layers.evidence) of the given projects: one row per project and source. Only pages on known
    sites are links (evidence.linked); the address of a third-party copy is shown as text."""
    return pd.DataFrame([
        {"项目": name, "依据类型": label("evidence_kind", s.kind), "来源": s.title, "发布者": s.publisher,
         "日期": s.date, "原文短句": s.quote, "由此得出": s.finding,
         "链接": s.url if evidence.linked(s.url) else "", "第三方转载网址（未核实）": "" if evidence.linked(s.url) else s.url}
        for name, ev in zip(frame["name"], frame.get("evidence", [])) for s in evidence.from_json(ev)])


def fitting_height(table: pd.DataFrame, row_px: int = 35, most: int = 300) -> int:
    """A table's height that shows every row (Streamlit's rows are 35 px, the header too), up to `most` rows;
    longer tables scroll inside."""
    return row_px * (min(len(table), most) + 1) + 3


# ---- the 项目表 page's widgets ---------------------------------------------------------------------------------

def _on_search() -> None:
    st.session_state.w_q = st.session_state.w_table_q  # the sidebar's search, so both boxes and the URL agree
    urlstate.on_q()


def _on_group() -> None:
    st.session_state.pm_table_group = bool(st.session_state.w_table_group)


def search_and_group(q: str) -> bool:
    """The search box (the sidebar's search, within reach on a phone) and the 按县分组 toggle, which is kept across
    pages; returns whether the table is grouped by county."""
    ss = st.session_state
    ss.w_table_q, ss.w_table_group = q, bool(ss.get("pm_table_group", False))
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].text_input("搜索项目名称或别名", key="w_table_q", on_change=_on_search, placeholder="如：徒骇河、高铁",
                       max_chars=Q_MAX_CHARS)
    return cols[1].toggle("按县分组", key="w_table_group", on_change=_on_group,
                          help="每个县(市、区)一节；涉及几个县的项目和全市项目单列一节")


def _picked(key: str) -> None:
    st.session_state.pm_table_pick = key


def _text_px(text: str) -> int:
    """About how wide a cell's text is drawn (a Chinese character 13 px, other characters 8 px)."""
    return sum(13 if ord(ch) > 0x2E80 else 8 for ch in text)


def column_widths(table: pd.DataFrame, least: int = 60, most: int = 320) -> dict[str, int]:
    """Column widths in px that fit each column's heading and longest value (within least…most): the same for
    every county section, so the sections' columns line up."""
    def fit(col) -> int:
        longest = max([_text_px(str(col))] + [_text_px(str(v)) for v in table[col].dropna()])
        return max(least, min(most, 24 + longest))
    return {col: fit(col) for col in table.columns}


def project_tables(frame: pd.DataFrame, grouped: bool) -> pd.Series | None:
    """The project table, whole or one table per county section (county_sections) with the same column widths;
    returns the selected row (the one chosen last when rows of several sections are selected), or None."""
    whole = project_table(frame)
    parts = county_sections(frame) if grouped else [("", "", whole)]
    widths = column_widths(whole)
    config = {col: st.column_config.Column(width=px) for col, px in widths.items()}
    config["目标年份"] = st.column_config.NumberColumn(format="%d", width=widths.get("目标年份"))
    selected = {}
    for name, heading, table in parts:
        if heading:
            st.subheader(heading, anchor=False)
        key = f"pm_table_{name}" if name else "pm_table"
        event = st.dataframe(table, hide_index=True, width="stretch", height=fitting_height(table), key=key,
                             on_select=functools.partial(_picked, key), selection_mode="single-row", placeholder="",
                             column_config=config)
        if event and event.selection and event.selection.rows:
            selected[key] = table.iloc[event.selection.rows[0]]
    if not selected:
        return None
    return selected.get(st.session_state.get("pm_table_pick"), next(iter(selected.values())))

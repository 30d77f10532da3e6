"""Cross-tabulations and charts for the statistics page (pure pandas + altair, Chinese labels)."""
from __future__ import annotations

import altair as alt
import pandas as pd

from core.vocab import CATEGORIES, STATUSES, label
from layers.filters import county_order, parts

__all__ = ["LAYOUT_CSS", "STATUS_COLORS", "STATUS_ORDER", "by_category_status", "by_county_status", "chart",
           "county_note", "sections"]

STATUS_ORDER = list(STATUSES)
# Chart and table side by side when the page is wide enough for the whole table (with its 合计 column), else one
# above the other (a tablet with the sidebar open, a phone): the page's sections are in a container keyed pm_stats.
LAYOUT_CSS = """<style>
.st-key-pm_stats { container-type: inline-size; }
@container (max-width: 1000px) {
  .st-key-pm_stats [data-testid="stHorizontalBlock"] { flex-direction: column; }
  .st-key-pm_stats [data-testid="stColumn"] { width: 100% !important; flex: 1 1 auto !important; }
}
</style>"""
# The bars' colour per status (grey: not started or halted; warm: under way; green: done).
STATUS_COLORS = {"proposed": "#bdbdbd", "preliminary": "#f6b26b", "under_construction": "#e06666",
                 "completed": "#6aa84f", "suspended": "#999999"}


def _crosstab(rows: pd.DataFrame, index: str, order: list[str]) -> pd.DataFrame:
    cols = [label("status", s) for s in STATUS_ORDER]
    extra_status = sorted(set(rows["状态"]) - set(cols))
    t = pd.crosstab(rows[index], rows["状态"]).reindex(columns=cols + extra_status, fill_value=0)
    present = [o for o in order if o in t.index] + sorted(set(t.index) - set(order))
    t = t.reindex(present).fillna(0).astype(int)
    t["合计"] = t.sum(axis=1)
    t.loc["合计"] = t.sum(axis=0)
    t.index.name = index
    t.columns.name = None
    return t


def by_county_status(gdf: pd.DataFrame) -> pd.DataFrame:
    """County × status; a project in several counties counts once in each (the total row counts projects)."""
    rows = pd.DataFrame([{"县(市、区)": cty, "状态": label("status", s)}
                         for v, s in zip(gdf["county"], gdf["status"]) for cty in (parts(v) or ["未定"])])
    if rows.empty:
        rows = pd.DataFrame(columns=["县(市、区)", "状态"])
    t = _crosstab(rows, "县(市、区)", county_order())
    # The total row counts distinct projects, not county memberships.
    t.loc["合计"] = _crosstab(pd.DataFrame({"县(市、区)": ["x"] * len(gdf),
                                          "状态": [label("status", s) for s in gdf["status"]]}),
                            "县(市、区)", ["x"]).loc["合计"].reindex(t.columns, fill_value=0)
    return t


def by_category_status(gdf: pd.DataFrame) -> pd.DataFrame:
    rows = pd.DataFrame({"类别": [label("category", c) for c in gdf["category"]],
                         "状态": [label("status", s) for s in gdf["status"]]})
    return _crosstab(rows, "类别", list(CATEGORIES.values()))


def _long(table: pd.DataFrame, y: str) -> pd.DataFrame:
    """A cross-table as one row per (row, status) with its count and the status's order (for stacking)."""
    long = table.drop(columns="合计").reset_index().melt(id_vars=y, var_name="状态", value_name="项目数")
    long = long[(long["项目数"] > 0) & (long[y] != "合计")]
    return long.assign(序=long["状态"].map({label("status", s): i for i, s in enumerate(STATUS_ORDER)}))


def rows_of(table: pd.DataFrame) -> list[str]:
    """The rows of a cross-table in its order, without the 合计 row: the chart's bars in the same order."""
    return [str(r) for r in table.index if r != "合计"]


def chart(table: pd.DataFrame, y: str, title: str | None = None) -> alt.Chart:
    """Stacked bars of a cross-table (by_county_status / by_category_status), coloured by status, one bar per row
    in the table's order. No title by default: the page's heading names it (a title once, not twice)."""
    return (alt.Chart(_long(table, y), **({"title": title} if title else {})).mark_bar()
            .encode(y=alt.Y(f"{y}:N", sort=rows_of(table), title=None),
                    x=alt.X("项目数:Q", title="项目数", axis=alt.Axis(tickMinStep=1, format="d")),  # counts: whole
                    color=alt.Color("状态:N", scale=alt.Scale(domain=[label("status", s) for s in STATUS_ORDER],
                                                            range=[STATUS_COLORS[s] for s in STATUS_ORDER]),
                                    legend=alt.Legend(orient="top", title=None)),
                    order=alt.Order("序:Q"),
                    tooltip=[y, "状态", "项目数"])
            .properties(height=alt.Step(26)))


def county_note(table: pd.DataFrame) -> str | None:
    """Where by_county_status's 合计 is shown: why the counties add up to more (None when they do not)."""
    total, counted = int(table.loc["合计", "合计"]), int(table.drop(index="合计")["合计"].sum())
    if counted <= total:
        return None
    return (f"合计为项目数（{total} 个）。跨县项目计入所涉及的每个县(市、区)，"
            f"所以各县(市、区)的数字加起来（{counted}）多于合计。")


def sections(gdf: pd.DataFrame) -> list[tuple[str, pd.DataFrame, str, str | None]]:
    """The statistics page's sections: (heading, cross-table, its row field, a note for the total or None)."""
    county = by_county_status(gdf)
    return [("按县(市、区)与状态", county, "县(市、区)", county_note(county)),
            ("按类别与状态", by_category_status(gdf), "类别", None)]

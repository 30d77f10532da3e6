"""Cross-tabulations for the statistics page (pure pandas, Chinese labels)."""
from __future__ import annotations

import pandas as pd

from core.vocab import CATEGORIES, STATUSES
from mapview.filters import COUNTY_ORDER, parts

STATUS_ORDER = list(STATUSES)


def _crosstab(rows: pd.DataFrame, index: str, order: list[str]) -> pd.DataFrame:
    cols = [STATUSES[s][0] for s in STATUS_ORDER]
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
    rows = pd.DataFrame([{"县(市、区)": cty, "状态": STATUSES.get(s, (s,))[0]}
                         for v, s in zip(gdf["county"], gdf["status"]) for cty in (parts(v) or ["未定"])])
    if rows.empty:
        rows = pd.DataFrame(columns=["县(市、区)", "状态"])
    t = _crosstab(rows, "县(市、区)", COUNTY_ORDER)
    # The total row counts distinct projects, not county memberships.
    t.loc["合计"] = _crosstab(pd.DataFrame({"县(市、区)": ["x"] * len(gdf),
                                          "状态": [STATUSES.get(s, (s,))[0] for s in gdf["status"]]}),
                            "县(市、区)", ["x"]).loc["合计"].reindex(t.columns, fill_value=0)
    return t


def by_category_status(gdf: pd.DataFrame) -> pd.DataFrame:
    rows = pd.DataFrame({"类别": [CATEGORIES.get(c, c) for c in gdf["category"]],
                         "状态": [STATUSES.get(s, (s,))[0] for s in gdf["status"]]})
    return _crosstab(rows, "类别", list(CATEGORIES.values()))

"""Filtering of project features — one implementation for the app, the exports and every command-line output
(`python -m layers export|png|pdf|html|bundle`). The filter state in the URL (parsing, writing) is
layers.filter_url.

Pure functions over a GeoDataFrame / plain mappings: no Streamlit here, so everything is unit-testable.

URL form (``st.query_params``): ``?status=under_construction,preliminary&county=冠县&q=徒骇河``.
Status and category by code, county by name, lead agency by name, target year as a number or ``none``;
several values comma-separated. Unknown values are dropped and reported (never an exception).
"""
from __future__ import annotations

import operator
import re
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from itertools import compress
from typing import Mapping

import numpy as np

from core import fields as field_list
from core.fields import split_list
from core.vocab import CATEGORIES, CITY_WIDE, COUNTIES, STATUSES
from core.vocab import label as vocab_label
from layers.escape import is_missing

NO_YEAR = "none"  # URL token for "no target year in the plan"

# URL parameter names, in the order they are written.
PARAM_NAMES = ("status", "county", "category", "agency", "year", "q")
# URL parameter → its Chinese name: the fields' labels (core.fields, `filter=`), and the search.
FIELD_LABELS = {name: f.zh for name, f in field_list.filters().items()} | {"q": "搜索"}



def county_order() -> list[str]:
    """The current region's counties in its order (core.region), then CITY_WIDE."""
    return list(COUNTIES.values()) + [CITY_WIDE]


def __getattr__(name: str):  # COUNTY_ORDER follows the current region: read as filters.COUNTY_ORDER or county_order()
    if name == "COUNTY_ORDER":
        return county_order()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

Q_MAX_CHARS = 100   # a search longer than this is cut (a planner types a few words, not a page)
Q_MAX_TERMS = 8     # distinct words ANDed together; more would only ever narrow to nothing


# A table of projects: a pandas DataFrame (GeoDataFrame) or layers.records.Records (the map page, without pandas).
Table = "pd.DataFrame | Records"


@dataclass(frozen=True)
class Filters:
    """One filter state. Empty tuple = no restriction on that field."""
    status: tuple[str, ...] = ()
    county: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    agency: tuple[str, ...] = ()
    year: tuple[str, ...] = ()  # "2025", … or NO_YEAR
    q: str = ""

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def without(self, name: str) -> "Filters":
        return replace(self, **{name: "" if name == "q" else ()})


@dataclass
class Options:
    """The values a filter can take, derived from the vocabularies and the data."""
    status: list[str] = field(default_factory=lambda: list(STATUSES))
    county: list[str] = field(default_factory=county_order)
    category: list[str] = field(default_factory=lambda: list(CATEGORIES))
    agency: list[str] = field(default_factory=list)
    year: list[str] = field(default_factory=list)


def parts(value) -> list[str]:
    """A `;`-joined field of a feature → its parts, split as the registry splits (core.fields.split_list).
    A missing value (None/NaN) → []."""
    return split_list(value) if isinstance(value, str) else []


def year_token(value) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):  # None, NaN, pd.NA: no year in the plan
        return NO_YEAR


def options_from(gdf: Table) -> Options:
    """Vocabulary values plus whatever else the data holds (so nothing in the data is unfilterable)."""
    opts = Options()
    for col, name in (("status", "status"), ("category", "category")):
        for v in sorted({str(v) for v in _distinct(gdf[col]) if not is_missing(v)} if col in gdf else []):
            if v not in getattr(opts, name):
                getattr(opts, name).append(v)
    if "county" in gdf:
        seen = {c for v in _distinct(gdf["county"]) for c in parts(v)}
        opts.county += sorted(seen - set(opts.county))
    if "lead_agency" in gdf:
        opts.agency = sorted({a for v in _distinct(gdf["lead_agency"]) for a in parts(v)})
    if "target_year" in gdf:
        tokens = {year_token(v) for v in _distinct(gdf["target_year"])}
        opts.year = sorted(tokens - {NO_YEAR}) + ([NO_YEAR] if NO_YEAR in tokens else [])
    return opts


def clean_search(raw) -> tuple[str, str | None]:
    """Search text from the URL or the search box → (the words used, a notice when some were dropped).

    Whitespace is folded, repeated words (case-insensitively) are dropped, and at most ``Q_MAX_TERMS`` words and
    ``Q_MAX_CHARS`` characters are kept, so a 20 KB link costs no more to filter than a short search."""
    if isinstance(raw, (list, tuple)):
        raw = " ".join(str(x) for x in raw)
    text = str(raw or "")[:100_000]  # a URL is shorter than this anyway; the search box takes Q_MAX_CHARS
    words, seen = [], set()
    for w in text.split():
        if w.casefold() not in seen:
            seen.add(w.casefold())
            words.append(w)
    kept = []
    for w in words[:Q_MAX_TERMS]:
        if len(" ".join(kept + [w])) > Q_MAX_CHARS:
            break
        kept.append(w)
    q = " ".join(kept)
    cut = len(kept) < len(words) or len(str(raw or "")) > len(text)
    return q, (f"搜索内容过长，只使用了前 {len(kept)} 个词（最多 {Q_MAX_TERMS} 个词、{Q_MAX_CHARS} 个字符）。"
               if cut else None)


def _distinct(column):
    """The distinct values of a column (each tested or split once, not once per row: 200 000 rows share a few
    hundred values); the column itself when a value is unhashable."""
    try:
        return set(column)
    except TypeError:
        return column


def _per_row(column, test):
    """test(value) for every row, computed once per distinct value."""
    try:
        memo = {v: test(v) for v in set(column)}
    except TypeError:
        return map(test, column)
    return map(memo.__getitem__, column)


def _tests(f: Filters) -> list[tuple[str, object]]:
    """(column, test of one value) for each filter set in `f` but the search."""
    out = []
    if f.status:
        out.append(("status", set(f.status).__contains__))
    if f.category:
        out.append(("category", set(f.category).__contains__))
    if f.county:
        out.append(("county", lambda v, w=set(f.county): bool(w.intersection(parts(v)))))
    if f.agency:
        out.append(("lead_agency", lambda v, w=set(f.agency): bool(w.intersection(parts(v)))))
    if f.year:
        out.append(("target_year", lambda v, w=set(f.year): year_token(v) in w))
    return out


def _passing(gdf: Table, column: str, test):
    """Which rows' `column` passes `test`: a numpy array for Records (each distinct value tested once, then one
    numpy lookup per row), a list for a DataFrame."""
    coded = gdf.coded(column) if hasattr(gdf, "coded") else None
    if coded is not None:
        values, codes = coded
        return np.fromiter(map(bool, map(test, values)), bool, len(values))[codes] if values else \
            np.zeros(len(codes), bool)
    hits = _per_row(gdf[column], test)
    return np.fromiter(hits, bool, len(gdf)) if hasattr(gdf, "rows") else list(hits)


def _flags(gdf: Table, f: Filters):
    """Which rows pass every filter, as booleans: a numpy array for layers.records.Records (the map page, at
    province scale), a list for a pandas DataFrame — the very same tests for both."""
    records = hasattr(gdf, "rows")
    m = np.ones(len(gdf), bool) if records else [True] * len(gdf)
    for column, test in _tests(f):
        hit = _passing(gdf, column, test)
        m = m & hit if records else list(map(operator.and_, m, hit))
    if f.q:
        terms = list(dict.fromkeys(f.q.casefold().split()[:Q_MAX_TERMS]))
        text = ["\n".join("" if is_missing(x) else str(x) for x in row).casefold()
                for row in zip(gdf["name"], gdf["aliases"], gdf["id"])]
        found = [all(t in x for t in terms) for x in text]
        m = m & np.asarray(found, bool) if records else [k and x for k, x in zip(m, found)]
    return m


def mask(gdf: Table, f: Filters):
    """Which rows pass every filter: a boolean Series for a DataFrame, a boolean array for Records."""
    flags = _flags(gdf, f)
    index = getattr(gdf, "index", None)
    if index is None:
        return flags
    import pandas as pd
    return pd.Series(flags, index=index)


def apply(gdf: Table, f: Filters) -> Table:
    """The rows that pass the filters (same type as the input, original order; the input itself when there is
    no filter — treat the result as read-only)."""
    if f.is_empty():
        return gdf
    flags = _flags(gdf, f)
    return gdf.take(flags) if hasattr(gdf, "rows") else gdf[flags]


def as_of_view(gdf, statuses: Mapping[str, str], f: Filters):
    """The projects as they were on a date, filtered: each status replaced by the one it had then (`statuses`:
    id → status; a project without an entry keeps its own) *before* the filters apply, so a status filter selects
    by the status on that date."""
    then = gdf.assign(status=gdf["id"].map(statuses).fillna(gdf["status"]))
    return apply(then, f)


FACETS = ("status", "category", "county", "agency", "year")


def facets(gdf: Table, f: Filters) -> dict[str, dict[str, int]]:
    """Counts per value of every facet, each under every *other* filter (and the search) — what a legend-filter
    shows beside each entry. Each filter's own rows are found once and combined per facet."""
    own = {name: _flags(gdf, Filters(**{name: getattr(f, name)})) for name in FACETS if getattr(f, name)}
    if f.q:
        own["q"] = _flags(gdf, Filters(q=f.q))
    out = {}
    for name in FACETS:
        masks = [m for other, m in own.items() if other != name]
        column = _FACET_COLUMN[name]
        coded = gdf.coded(column) if hasattr(gdf, "coded") else None
        if coded is not None:  # Records: the rows per distinct value counted in numpy
            values, codes = coded
            if masks:
                codes = codes[np.logical_and.reduce(masks)]
            seen = ((values[i], int(n)) for i, n in enumerate(np.bincount(codes, minlength=len(values))) if n)
        else:
            rows = gdf[column]
            if masks:
                both = masks[0]
                for m in masks[1:]:
                    both = map(operator.and_, both, m)
                rows = compress(rows, both)
            rows = list(rows)
            try:  # each distinct value handled once, in order of first appearance
                seen = Counter(rows).items()
            except TypeError:
                seen = ((v, 1) for v in rows)
        out[name] = _tally(seen, name)
    return out


def facet_counts(gdf: Table, f: Filters, name: str) -> dict[str, int]:
    """The counts of one facet (see `facets`)."""
    if name not in FACETS:
        raise ValueError(f"no facet {name!r}")
    return facets(gdf, f)[name]


_FACET_COLUMN = {"status": "status", "category": "category", "county": "county", "agency": "lead_agency",
                 "year": "target_year"}


def _tally(seen, name: str) -> dict[str, int]:
    """(value, number of rows) pairs → counts per facet value: a project of several counties (agencies) counts once
    in each, years by their token, missing values left out."""
    out: dict[str, int] = {}
    for v, n in seen:
        if name in ("county", "agency"):
            for part in parts(v):
                out[part] = out.get(part, 0) + n
        elif name == "year":
            t = year_token(v)
            out[t] = out.get(t, 0) + n
        elif not is_missing(v):
            out[str(v)] = out.get(str(v), 0) + n
    return out


def label(name: str, value: str) -> str:
    """Chinese display label of one filter value."""
    if name in ("status", "category"):
        return vocab_label(name, value)
    if name == "year":
        return "未定" if value == NO_YEAR else f"{value}年"
    return value


def describe(f: Filters, quote=str) -> str:
    """Chinese one-line summary of the active filters ('' when none). `quote` is applied to every value shown
    (e.g. Markdown escaping, since the search text and data values are not ours)."""
    parts = []
    for name in PARAM_NAMES:
        v = getattr(f, name)
        if not v:
            continue
        text = quote(v) if isinstance(v, str) else "、".join(quote(label(name, x)) for x in v)
        parts.append(f"{FIELD_LABELS[name]}：{text}")
    return "；".join(parts)


_UNSAFE = re.compile(r"[^\w\-]+", re.UNICODE)


def filename_stem(f: Filters, date: str, prefix: str | None = None) -> str:
    """A file-name stem with the date and the filter, e.g. ``聊城项目_2025-03-01_status-under_construction_county-冠县``
    (the prefix: the current region's city, core.region)."""
    if prefix is None:
        from core import region
        prefix = f"{region.current().name_zh.removesuffix('市')}项目"
    parts = [prefix, date]
    for name in PARAM_NAMES:
        v = getattr(f, name)
        if v:
            val = v if isinstance(v, str) else "+".join(v)
            parts.append(f"{name}-{_UNSAFE.sub('-', val).strip('-')}")
    stem = "_".join(parts) if len(parts) > 2 else "_".join(parts + ["全部"])
    return stem[:150]

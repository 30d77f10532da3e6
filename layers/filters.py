"""Filtering of project features and the filter state that lives in the URL — one implementation for the app,
the exports and every command-line output (`python -m layers export|png|pdf|html|bundle`).

Pure functions over a GeoDataFrame / plain mappings: no Streamlit here, so everything is unit-testable.

URL form (``st.query_params``): ``?status=under_construction,preliminary&county=冠县&q=徒骇河``.
Status and category by code, county by name, lead agency by name, target year as a number or ``none``;
several values comma-separated. Unknown values are dropped and reported (never an exception).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from typing import Iterable, Mapping
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from core import fields as field_list
from core.fields import split_list
from core.vocab import CATEGORIES, CITY_WIDE, COUNTIES, STATUSES
from core.vocab import label as vocab_label

NO_YEAR = "none"  # URL token for "no target year in the plan"
YEAR_MIN, YEAR_MAX = 1990, 2100

# URL parameter names, in the order they are written.
PARAM_NAMES = ("status", "county", "category", "agency", "year", "q")
# URL parameter → its Chinese name: the fields' labels (core.fields, `filter=`), and the search.
FIELD_LABELS = {name: f.zh for name, f in field_list.filters().items()} | {"q": "搜索"}

COUNTY_ORDER = list(COUNTIES.values()) + [CITY_WIDE]

Q_MAX_CHARS = 100   # a search longer than this is cut (a planner types a few words, not a page)
Q_MAX_TERMS = 8     # distinct words ANDed together; more would only ever narrow to nothing
MAX_TOKENS = 1000   # values read from one URL parameter; the rest are ignored unread
UNKNOWN_SHOWN = 3   # unknown values a notice repeats


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
    county: list[str] = field(default_factory=lambda: list(COUNTY_ORDER))
    category: list[str] = field(default_factory=lambda: list(CATEGORIES))
    agency: list[str] = field(default_factory=list)
    year: list[str] = field(default_factory=list)


def parts(value) -> list[str]:
    """A `;`-joined field of a feature → its parts, split as the registry splits (core.fields.split_list).
    A missing value (None/NaN) → []."""
    return split_list(value) if isinstance(value, str) else []


def year_token(value) -> str:
    if value is None or pd.isna(value):
        return NO_YEAR
    return str(int(value))


def options_from(gdf: pd.DataFrame) -> Options:
    """Vocabulary values plus whatever else the data holds (so nothing in the data is unfilterable)."""
    opts = Options()
    for col, name in (("status", "status"), ("category", "category")):
        for v in sorted(set(gdf[col].dropna().astype(str)) if col in gdf else []):
            if v not in getattr(opts, name):
                getattr(opts, name).append(v)
    if "county" in gdf:
        seen = {c for v in gdf["county"] for c in parts(v)}
        opts.county += sorted(seen - set(opts.county))
    if "lead_agency" in gdf:
        opts.agency = sorted({a for v in gdf["lead_agency"] for a in parts(v)})
    if "target_year" in gdf:
        years = sorted({year_token(v) for v in gdf["target_year"]} - {NO_YEAR})
        has_none = gdf["target_year"].isna().any()
        opts.year = years + ([NO_YEAR] if has_none else [])
    return opts


def _tokens(raw) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        raw = ",".join(str(r) for r in raw[:MAX_TOKENS])
    return [t.strip() for t in re.split(r"[,，]", str(raw), maxsplit=MAX_TOKENS) if t.strip()][:MAX_TOKENS + 1]


SHOWN_MAX = 40  # characters of a URL value repeated in a notice


def shown(value, limit: int = SHOWN_MAX) -> str:
    """A value from the URL as a notice repeats it: whitespace runs → one space, at most `limit` characters + '…'."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _valid_year(tok: str) -> bool:
    """A year token from the URL: 'none' or four ASCII digits in range (not '²', '２０２５' or 5000 digits)."""
    return tok == NO_YEAR or (re.fullmatch(r"[0-9]{4}", tok) is not None and YEAR_MIN <= int(tok) <= YEAR_MAX)


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


def _unknown_notice(name: str, unknown: list[str], more: bool = False) -> str:
    """One notice for all unknown values of one URL parameter (never one per value). `more`: values past
    MAX_TOKENS were not read."""
    if len(unknown) == 1 and not more:
        return f"链接中的{FIELD_LABELS[name]}“{shown(unknown[0])}”无法识别，已忽略。"
    listed = "、".join(f"“{shown(u, 20)}”" for u in unknown[:UNKNOWN_SHOWN])
    etc = "等" if len(unknown) > UNKNOWN_SHOWN else ""
    unread = f"；只读取了前 {MAX_TOKENS} 个值" if more else ""
    return f"链接中的{FIELD_LABELS[name]}有 {len(unknown)} 个值无法识别（{listed}{etc}{unread}），已忽略。"


def parse_query(params: Mapping[str, object], options: Options | None = None) -> tuple[Filters, list[str]]:
    """URL parameters → (Filters, notices). Unknown values are dropped, with one Chinese notice per parameter.
    Work is bounded whatever the URL holds: ``MAX_TOKENS`` values per parameter, a capped search (clean_search)."""
    options = options or Options()
    notices: list[str] = []
    values: dict[str, object] = {}
    for name in ("status", "county", "category", "agency", "year"):
        allowed = getattr(options, name)
        good: list[str] = []
        unknown: list[str] = []
        tokens = _tokens(params.get(name))
        for t in dict.fromkeys(tokens[:MAX_TOKENS]):
            if _valid_year(t) if name == "year" else t in allowed:
                good.append(t)
            else:
                unknown.append(t)
        if unknown:
            notices.append(_unknown_notice(name, unknown, more=len(tokens) > MAX_TOKENS))
        if name == "year":
            good.sort(key=lambda y: (y == NO_YEAR, y))
        elif allowed:
            good.sort(key=lambda v: allowed.index(v) if v in allowed else len(allowed))
        values[name] = tuple(good)
    values["q"], cut = clean_search(params.get("q"))
    if cut:
        notices.append(cut)
    return Filters(**values), notices


def to_query(f: Filters) -> dict[str, str]:
    """Filters → URL parameters (only the non-empty ones)."""
    out: dict[str, str] = {}
    for name in PARAM_NAMES:
        v = getattr(f, name)
        if v:
            out[name] = v if isinstance(v, str) else ",".join(v)
    return out


def share_query(f: Filters) -> str:
    """The filters as a URL query string to copy ('?status=…&q=…'; '' when none): URL-encoded, so a search with
    `&`, `#`, `+` or spaces survives; commas between values stay readable."""
    q = to_query(f)
    return "?" + urlencode(q, safe=",") if q else ""


def _list_match(series: pd.Series, wanted: Iterable[str]) -> pd.Series:
    wanted = set(wanted)
    return series.map(lambda v: bool(wanted.intersection(parts(v))))


def mask(gdf: pd.DataFrame, f: Filters) -> pd.Series:
    """Boolean Series: which rows pass every filter."""
    m = pd.Series(True, index=gdf.index)
    if f.status:
        m &= gdf["status"].isin(f.status)
    if f.category:
        m &= gdf["category"].isin(f.category)
    if f.county:
        m &= _list_match(gdf["county"], f.county)
    if f.agency:
        m &= _list_match(gdf["lead_agency"], f.agency)
    if f.year:
        m &= gdf["target_year"].map(year_token).isin(f.year)
    if f.q:
        text = (gdf["name"].fillna("").astype(str) + "\n" + gdf["aliases"].fillna("").astype(str)
                + "\n" + gdf["id"].fillna("").astype(str)).str.casefold()
        for term in dict.fromkeys(f.q.casefold().split()[:Q_MAX_TERMS]):
            m &= text.str.contains(term, regex=False)
    return m


def apply(gdf: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The rows that pass the filters (same type as the input, original order; the input itself when there is
    no filter — treat the result as read-only)."""
    return gdf if f.is_empty() else gdf[mask(gdf, f)]


def as_of_view(gdf: pd.DataFrame, statuses: Mapping[str, str], f: Filters) -> pd.DataFrame:
    """The projects as they were on a date, filtered: each status replaced by the one it had then (`statuses`:
    id → status; a project without an entry keeps its own) *before* the filters apply, so a status filter selects
    by the status on that date."""
    then = gdf.assign(status=gdf["id"].map(statuses).fillna(gdf["status"]))
    return apply(then, f)


FACETS = ("status", "category", "county", "agency", "year")


def facets(gdf: pd.DataFrame, f: Filters) -> dict[str, dict[str, int]]:
    """Counts per value of every facet, each under every *other* filter (and the search) — what a legend-filter
    shows beside each entry. Each filter's own mask is computed once and combined per facet; only the facet's
    own column is subset."""
    own = {name: mask(gdf, Filters(**{name: getattr(f, name)})).to_numpy() for name in FACETS if getattr(f, name)}
    q = mask(gdf, Filters(q=f.q)).to_numpy() if f.q else None
    out = {}
    for name in FACETS:
        masks = [m for other, m in own.items() if other != name] + ([q] if q is not None else [])
        column = gdf[_FACET_COLUMN[name]]
        if masks:
            column = column[np.logical_and.reduce(masks)]
        out[name] = _counts(column, name)
    return out


def facet_counts(gdf: pd.DataFrame, f: Filters, name: str) -> dict[str, int]:
    """The counts of one facet (see `facets`)."""
    if name not in FACETS:
        raise ValueError(f"no facet {name!r}")
    return facets(gdf, f)[name]


_FACET_COLUMN = {"status": "status", "category": "category", "county": "county", "agency": "lead_agency",
                 "year": "target_year"}


def _counts(column: pd.Series, name: str) -> dict[str, int]:
    if name in ("county", "agency"):  # lists: each value counts once per project that has it
        out: dict[str, int] = {}
        for v in column:
            for part in parts(v):
                out[part] = out.get(part, 0) + 1
        return out
    if name == "year":
        column = column.map(year_token)
    return {str(k): int(v) for k, v in column.value_counts().items()}


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


def filename_stem(f: Filters, date: str, prefix: str = "聊城项目") -> str:
    """A file-name stem with the date and the filter, e.g. ``聊城项目_2025-03-01_status-under_construction_county-冠县``."""
    parts = [prefix, date]
    for name in PARAM_NAMES:
        v = getattr(f, name)
        if v:
            val = v if isinstance(v, str) else "+".join(v)
            parts.append(f"{name}-{_UNSAFE.sub('-', val).strip('-')}")
    stem = "_".join(parts) if len(parts) > 2 else "_".join(parts + ["全部"])
    return stem[:150]

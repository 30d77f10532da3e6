"""The filter state in the URL: ``?status=under_construction,preliminary&county=冠县&q=徒骇河`` ↔ layers.filters.Filters.

Status and category by code, county by name, lead agency by name, target year as a number or ``none``; several
values comma-separated. Unknown values are dropped and reported in Chinese (never an exception), and the work is
bounded whatever the URL holds.
"""
from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import urlencode

from layers.filters import FIELD_LABELS, NO_YEAR, PARAM_NAMES, Filters, Options, clean_search

YEAR_MIN, YEAR_MAX = 1990, 2100
MAX_TOKENS = 1000   # values read from one URL parameter; the rest are ignored unread
UNKNOWN_SHOWN = 3   # unknown values a notice repeats


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

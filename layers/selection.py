"""What a command-line output shows: exactly the app's filter (layers.filters), from a saved meeting view
(layers.views) and/or filter options, checked strictly — an unknown value is an error here, not a notice."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import geopandas as gpd

from core import region, vocab
from core.errors import UserError
from layers import filter_url, filters, views
from layers.stores import add_db_argument

FILTER_OPTIONS = ("status", "county", "category", "agency", "year")


class SelectionError(UserError):
    """An unknown filter value or view; nothing was written."""


@dataclass
class Selection:
    projects: gpd.GeoDataFrame     # the filtered projects
    counties: gpd.GeoDataFrame
    filters: filters.Filters
    view: views.View | None
    description: str               # the filters in Chinese ('' when none)
    title: str                     # the view's title, else a title from the filters


def add_arguments(p) -> None:
    """The filter options every output command takes (as the URL: codes for status/category, names for counties)."""
    p.add_argument("--view", help="a saved meeting view (python -m layers views list)")
    for name in FILTER_OPTIONS:
        p.add_argument(f"--{name}", nargs="+", default=[], metavar="V", help=f"filter by {name} (as in the URL)")
    p.add_argument("--q", default="", help="search in names and aliases")
    p.add_argument("--gpkg", help="GeoPackage to read (default $PROJECTMAP_GPKG or data/liaocheng.gpkg)")
    add_db_argument(p)


def select(gpkg=None, *, view: str | None = None, q: str = "", db: str | None = None, **options) -> Selection:
    """The filtered set of the PostGIS store ``db``, else of the GeoPackage ``gpkg``, else of the default store
    (layers.stores.open_store: $PROJECTMAP_DB, $PROJECTMAP_GPKG, data/liaocheng.gpkg)."""
    from pathlib import Path

    from layers.stores import open_store
    st = open_store(db) if db else open_store(Path(gpkg) if gpkg else None)
    st.require()
    projects, counties = st.projects(), st.counties()
    chosen = st.get_view(view) if view else None
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(chosen.query) if chosen else []:
        params.setdefault(key, []).append(value)
    for name in FILTER_OPTIONS:  # status and category by code or by Chinese label (在建, 河道治理)
        given = options.get(name) or []
        params.setdefault(name, []).extend(vocab.code_of(name, v) if name in ("status", "category") else v
                                           for v in given)
    if q:
        params.setdefault("q", []).append(q)
    f, notices = filter_url.parse_query(params, filters.options_from(projects))
    if notices:  # the URL's notices say "in the link … ignored"; here nothing is ignored: it is an error
        said = "；".join(n.removeprefix("链接中的").removesuffix("，已忽略。") for n in notices)
        raise SelectionError(f"筛选条件有误：{said}。", "Unknown filter values (status and category by code, "
                             "county by name, as in the app's URL).")
    description = filters.describe(f)
    title = (chosen.title if chosen and chosen.title else f"{region.current().name_zh}重点项目" + ("（筛选）" if description else ""))
    return Selection(filters.apply(projects, f), counties, f, chosen, description, title)

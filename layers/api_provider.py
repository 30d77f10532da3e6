"""pygeoapi feature providers for `python -m layers api` (layers.api): the projects, the counties and the status
history, read through the project's own store functions.

Why a provider of our own rather than pygeoapi's OGR or SQLiteGPKG provider:

- projects are split by geometry type into three GeoPackage layers (``projects_point/line/polygon``,
  layers.store.PROJECT_LAYERS); GIS staff want one ``projects`` collection with all of them, in the same order and
  with the same fields as ``python -m layers export``. pygeoapi's file providers serve one layer per collection.
- the filters must be the app's and the export's (``layers.export.filter_projects`` → ``layers.filters``): status
  and category by code or Chinese label, a project in several counties matched by any of them, unknown values
  refused with a message. pygeoapi's providers compare one column to one value in SQL.
- the features must be the export's: each page is written by ``layers.export.geojson_bytes`` (RFC 7946,
  7 decimals), so a page of the API and the export agree feature for feature.
- the same code serves the GeoPackage and the PostGIS store: the reading is in one function, :func:`read`, through
  ``layers.stores.open_store``; nothing of a request reaches SQL or a file path (the source is fixed when the
  server starts; filters are applied in pandas).
- it stays read-only: no create/update/delete methods (pygeoapi's BaseProvider refuses them) and the server has no
  route for them (layers.api).

The store is read through layers.api_source: a GeoPackage once per change of the file, PostGIS per request.
"""
from __future__ import annotations

import json
import math
import re

import geopandas as gpd
import pandas as pd
import shapely
from pygeoapi.provider.base import BaseProvider, ProviderInvalidQueryError, ProviderItemNotFoundError
from pygeoapi.util import crs_transform

from core import fields
from core.errors import UserError
from core.vocab import STATUSES, code_of
from layers import export
from layers.api_source import cached
from layers import filters as project_filters
from layers.store import PROJECT_LAYERS, layer_for

__all__ = ["ProjectsProvider", "ProjectPointsProvider", "ProjectLinesProvider", "ProjectPolygonsProvider",
           "CountiesProvider", "HistoryProvider", "MAX_VALUES", "VALUE_MAX_CHARS"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9:]+)?)?$")
MAX_VALUES = 100          # comma-separated values of one filter parameter
VALUE_MAX_CHARS = 1000    # characters of one filter parameter
HISTORY_FIELDS = ["project_id", "old_status", "new_status", "effective_date", "note", "source", "editor",
                  "recorded_at"]


# ------------------------------------------------------------------------------------------------- providers

def _bad(message: str) -> ProviderInvalidQueryError:
    return ProviderInvalidQueryError(user_msg=message)


def _values(name: str, raw) -> list[str]:
    """A filter parameter's comma-separated values (also the full-width ，), bounded."""
    text = str(raw)
    if len(text) > VALUE_MAX_CHARS:
        raise _bad(f"{name}: value longer than {VALUE_MAX_CHARS} characters")
    values = [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]
    if len(values) > MAX_VALUES:
        raise _bad(f"{name}: more than {MAX_VALUES} values")
    if not values:
        raise _bad(f"{name}: empty value")
    return values


def _json_type(kind: str) -> str:
    return {"year": "integer", "number": "number"}.get(kind, "string")


class _StoreProvider(BaseProvider):
    """Shared by the three collections: bbox, property filters, sorting, paging, the GeoJSON of a page.
    ``data`` in the provider definition is the store's source (fixed when the server starts)."""

    what = ""

    def __init__(self, provider_def):
        super().__init__(provider_def)
        self.id_field = "id"
        self._fields = self.get_fields()

    # -- to be given by each collection
    @classmethod
    def field_specs(cls) -> dict:
        """Field name → JSON Schema type and Chinese title (the queryables, the schema, what may be filtered)."""
        raise NotImplementedError

    def get_fields(self) -> dict:
        return self.field_specs()

    def frame(self) -> gpd.GeoDataFrame:
        """The collection's features in their order, with an ``id`` column."""
        raise NotImplementedError

    def select(self, frame: gpd.GeoDataFrame, properties: list[tuple[str, str]]) -> gpd.GeoDataFrame:
        """Exact matches on the named fields (numbers compared as numbers)."""
        for name, raw in properties:
            frame = frame[self._equals(frame, name, raw)]
        return frame

    # -- shared
    def _equals(self, frame, name: str, raw) -> pd.Series:
        if name not in frame.columns:
            raise _bad(f"unknown property {name!r}")
        text = str(raw)
        if len(text) > VALUE_MAX_CHARS:
            raise _bad(f"{name}: value longer than {VALUE_MAX_CHARS} characters")
        kind = self._fields.get(name, {}).get("type")
        if kind in ("integer", "number"):
            try:
                number = float(text)
            except ValueError:
                raise _bad(f"{name}: {text[:40]!r} is not a number") from None
            return pd.to_numeric(frame[name], errors="coerce") == number
        return frame[name].astype("string").fillna("") == text

    def _bbox(self, frame, bbox) -> gpd.GeoDataFrame:
        if not bbox:
            return frame
        if len(bbox) == 6:
            bbox = [bbox[0], bbox[1], bbox[3], bbox[4]]
        if not all(math.isfinite(v) for v in bbox):
            raise _bad("bbox: values must be finite numbers")
        if bbox[0] > bbox[2]:
            raise _bad("bbox: minx is greater than maxx (a bbox across the antimeridian is not supported)")
        box = shapely.box(*bbox)
        geoms = frame.geometry
        return frame[geoms.notna() & geoms.intersects(box)]

    def _sort(self, frame, sortby) -> gpd.GeoDataFrame:
        if not sortby:
            return frame
        names = [s["property"] for s in sortby]
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise _bad(f"sortby: unknown property {missing[0]!r}")
        return frame.sort_values(names, ascending=[s["order"] != "-" for s in sortby], kind="stable",
                                 na_position="last")

    def _features(self, page: gpd.GeoDataFrame, select_properties=(), skip_geometry=False) -> list[dict]:
        """GeoJSON features of a page, written as the export writes them (layers.export.geojson_bytes)."""
        if page.empty:
            return []
        columns = [c for c in page.columns if c != page.geometry.name]
        page = gpd.GeoDataFrame(page[columns + [page.geometry.name]], geometry=page.geometry.name,
                                crs=page.crs or "EPSG:4326")
        features = json.loads(export.geojson_bytes(page))["features"]
        keep = set(select_properties or ())
        for feat in features:
            if keep:
                feat["properties"] = {k: v for k, v in feat["properties"].items() if k in keep}
            if skip_geometry:
                feat["geometry"] = None
        return features

    def _matching(self, bbox=(), datetime_=None, properties=(), q=None) -> gpd.GeoDataFrame:
        frame = self.frame()
        frame = self.select(frame, list(properties or []))
        if q:
            frame = self.search(frame, q)
        if datetime_:
            frame = self.when(frame, datetime_)
        return self._bbox(frame, bbox)

    def search(self, frame, q: str):
        raise _bad("q: free-text search is not offered by this collection")

    def when(self, frame, datetime_: str):
        return frame  # no temporal information: the parameter does not restrict (OGC API Features, 7.15.4)

    def _read(self, what: str = ""):
        try:
            return cached(self.data, what or self.what)
        except UserError as err:  # a store that is gone or unreadable: say so, without a traceback
            raise ProviderInvalidQueryError(user_msg=err.en or err.zh) from None

    @crs_transform
    def query(self, offset=0, limit=10, resulttype="results", bbox=[], datetime_=None, properties=[],
              sortby=[], select_properties=[], skip_geometry=False, q=None, filterq=None, **kwargs):
        if filterq is not None:
            raise _bad("filter (CQL) is not supported; filter by property, e.g. status=under_construction&county=冠县")
        frame = self._sort(self._matching(bbox, datetime_, properties, q), sortby)
        out = {"type": "FeatureCollection", "numberMatched": int(len(frame)), "features": []}
        if resulttype != "hits":
            out["features"] = self._features(frame.iloc[int(offset):int(offset) + int(limit)], select_properties,
                                             skip_geometry)
        out["numberReturned"] = len(out["features"])
        return out

    @crs_transform
    def get(self, identifier, **kwargs):
        frame = self.frame()
        hit = frame[frame["id"].astype(str) == str(identifier)]
        if hit.empty:
            raise ProviderItemNotFoundError(user_msg=f"no item {str(identifier)[:80]!r} in {self.what}")
        return self._features(hit.iloc[:1])[0]

    def get_schema(self, schema_type=None):
        props = {name: dict(spec) for name, spec in self._fields.items()}
        return "application/geo+json", {"type": "object", "properties": props}

    def __repr__(self):
        return f"<{type(self).__name__}> {self.what}"


class ProjectsProvider(_StoreProvider):
    """The projects: every geometry type in one collection, the fields of core/fields.py, in the export's order.
    status, category and county filter as ``python -m layers export --status/--category/--county`` do (codes or
    Chinese labels; several values comma-separated; unknown values → 400)."""

    what = "projects"
    layer = ""  # a GeoPackage project layer (layers.store.PROJECT_LAYERS): only the projects of its geometry type
    _FILTERS = ("status", "county", "category")

    @classmethod
    def field_specs(cls) -> dict:
        by = fields.by_name()
        return {name: {"type": _json_type(by[name].kind), "title": by[name].zh} for name in fields.stored()}

    def frame(self):
        gdf = self._read()
        if self.layer:
            gdf = gdf[gdf.geometry.geom_type.map(layer_for) == self.layer]
        return gdf[[c for c in fields.stored() if c in gdf.columns] + [gdf.geometry.name]]

    def select(self, frame, properties):
        chosen = {name: [] for name in self._FILTERS}
        rest = []
        for name, raw in properties:
            if name in chosen:
                chosen[name] += _values(name, raw)
            else:
                rest.append((name, raw))
        try:
            frame = export.filter_projects(frame, **chosen)
        except UserError as err:
            raise _bad(f"{err.en} ({err.zh})") from None
        return super().select(frame, rest)

    def search(self, frame, q):
        """The app's search box: every word in the name, an alias or the id (layers.filters)."""
        words, _ = project_filters.clean_search(q)
        return project_filters.apply(frame, project_filters.Filters(q=words))


class ProjectPointsProvider(ProjectsProvider):
    """The projects drawn as points — a collection of one geometry type, as the GeoPackage's projects_point layer
    (QGIS 3.22's OGC API client gives a layer the type of its first feature and draws only that type)."""
    layer = PROJECT_LAYERS["Point"]


class ProjectLinesProvider(ProjectsProvider):
    """The projects drawn as lines (projects_line)."""
    layer = PROJECT_LAYERS["LineString"]


class ProjectPolygonsProvider(ProjectsProvider):
    """The projects drawn as areas (projects_polygon)."""
    layer = PROJECT_LAYERS["Polygon"]


class CountiesProvider(_StoreProvider):
    """The counties (县、市、区) of the region, id = adcode."""

    what = "counties"

    @classmethod
    def field_specs(cls) -> dict:
        return {"adcode": {"type": "string", "title": "行政区划代码"}, "name": {"type": "string", "title": "名称"}}

    def frame(self):
        gdf = self._read()
        return gdf.assign(id=gdf["adcode"].astype(str), adcode=gdf["adcode"].astype(str))[
            ["id", "adcode", "name", gdf.geometry.name]]


class HistoryProvider(_StoreProvider):
    """The status history (status_history rows, one feature each, id = the row's number), in the order of effective
    date then as recorded. The geometry is the project's current one (null when the project is no longer in the
    store). ``old_status``/``new_status`` filter by code or Chinese label (unknown → 400); ``datetime`` selects by
    effective date."""

    what = "history"

    @classmethod
    def field_specs(cls) -> dict:
        zh = {"project_id": "项目编号", "old_status": "原状态", "new_status": "新状态", "effective_date": "生效日期",
              "note": "说明", "source": "来源", "editor": "编辑人", "recorded_at": "记录时间(UTC)"}
        return {name: {"type": "string", "title": zh[name]} for name in HISTORY_FIELDS}

    def frame(self):
        rows = self._read()
        projects = self._read("projects")
        geoms = dict(zip(projects["id"], projects.geometry))
        frame = pd.DataFrame(rows).rename(columns={"fid": "id"})
        return gpd.GeoDataFrame(frame[["id"] + HISTORY_FIELDS],
                                geometry=gpd.GeoSeries([geoms.get(p) for p in frame["project_id"]],
                                                       index=frame.index, crs="EPSG:4326"))

    def select(self, frame, properties):
        rest = []
        for name, raw in properties:
            if name in ("old_status", "new_status"):
                codes = [code_of("status", v) for v in _values(name, raw)]
                unknown = [c for c in codes if c not in STATUSES]
                if unknown:
                    raise _bad(f"unknown {name} {', '.join(map(repr, unknown))}; valid: {', '.join(STATUSES)}")
                frame = frame[frame[name].isin(codes)]
            else:
                rest.append((name, raw))
        return super().select(frame, rest)

    def when(self, frame, datetime_):
        """``2024-01-01``, ``2024-01-01/2024-06-30``, ``../2024-06-30``, ``2024-01-01/..``: by effective date."""
        lo, slash, hi = str(datetime_).partition("/")
        hi = hi if slash else lo
        for end in (lo, hi):
            if end not in ("", "..") and not _DATE.match(end):
                raise _bad(f"datetime: {str(datetime_)[:60]!r} is not a date or interval "
                           f"(2024-01-01, 2024-01-01/2024-06-30, ../2024-06-30, 2024-01-01/..)")
        lo, hi = lo[:10], hi[:10]
        dates = frame["effective_date"].astype(str)
        keep = pd.Series(True, index=frame.index)
        if lo not in ("", ".."):
            keep &= dates >= lo
        if hi not in ("", ".."):
            keep &= dates <= hi
        return frame[keep]

"""Turn a registry row into a geometry with provenance.

Order: a geometry file of the project's own (data/geometries/<id>.geojson) ▸ the row's location hint resolved against
the gazetteer and the river data ▸ the administrative fallback (county polygon or representative point) ▸ optional
online providers, consulted only to improve a county fallback and only when configured (geo/online.py).

Every result carries geom_source, precision (exact | approximate | schematic | county) and precision_m (an honest
error radius in metres). Nothing placed from memory is exact.
"""
from __future__ import annotations

import math
import warnings
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry import LineString, Point
import shapely.ops
from shapely.ops import linemerge

from core.errors import UserError
from core import region
from core.vocab import CATEGORY_GEOMETRY
from geo import boundaries, rivers
from geo.crs import from_metric, to_metric
from geo.gazetteer import Place

GEOMETRIES_DIR = Path(__file__).resolve().parent.parent / "data" / "geometries"
AREA_CATEGORIES = {c for c, g in CATEGORY_GEOMETRY.items() if g == "area"}  # drawn as their county area
PRECISIONS = ("exact", "approximate", "schematic", "county")
CLIP_BUFFER_M = 1500  # border rivers run along the boundary: keep what lies within 1.5 km of the city
SCHEMATIC_MIN_M = 5000  # a line drawn through a few waypoints is not better than this
MAX_RADIUS_M = 200_000  # no error radius (and no ring) is larger than the region itself


class GeocodeError(UserError):
    """A project that cannot be placed: a bad geometry file, an unknown place or river, a geometry outside the
    region. The build lists every one and changes nothing."""


@dataclass(frozen=True)
class Located:
    geometry: object
    geom_source: str
    precision: str
    precision_m: float
    refs: tuple[str, ...] = ()  # evidence subjects it was drawn from: place:NAME, river:NAME, dataset:KEY

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise GeocodeError(f"未知精度 {self.precision!r}", f"precision {self.precision!r} not in {PRECISIONS}")
        if not (math.isfinite(self.precision_m) and 0 < self.precision_m <= MAX_RADIUS_M):
            raise GeocodeError(f"误差半径须为 0–{MAX_RADIUS_M:g} 米", f"precision_m must be a number of metres in (0, {MAX_RADIUS_M:g}], "
                               f"not {self.precision_m!r}")
        check_drawable(self.geometry)


def check_drawable(geom) -> None:
    """A geometry the map and the exports can use: not empty, every coordinate a finite number inside the region
    box of the current region (core.region). Raises GeocodeError saying what is wrong."""
    if geom is None or geom.is_empty:
        raise GeocodeError("几何为空", "the geometry is empty")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise GeocodeError("几何中有非数值坐标", "the geometry has a coordinate that is not a finite number (NaN or infinity)")
    x0, y0, x1, y1 = region.current().bbox
    (lon0, lat0), (lon1, lat1) = coords.min(axis=0), coords.max(axis=0)
    if lon0 < x0 or lat0 < y0 or lon1 > x1 or lat1 > y1:
        raise GeocodeError("几何超出区域范围", f"the geometry reaches outside the region (lon {lon0:.4f}–{lon1:.4f}, "
                           f"lat {lat0:.4f}–{lat1:.4f}; allowed lon {x0}–{x1}, lat {y0}–{y1})")


def farthest_m(point, area) -> float:
    """The largest distance in metres (the region's metric CRS) from a point to any part of an area or line."""
    p = to_metric(point)
    coords = shapely.get_coordinates(to_metric(area))
    return float(np.hypot(coords[:, 0] - p.x, coords[:, 1] - p.y).max())


def _fallback_point(area, project_id: str, step_m: float = 200.0):
    """A point inside the area for a project known only by its county: near the area's representative point, but
    not the same point for two projects (each lies on a spiral step chosen by its id), so no two markers claim one
    site. The radius is measured from this point, so it is as honest as any other point inside."""
    centre = to_metric(area.point_on_surface())
    k = zlib.crc32(project_id.encode("utf-8")) % 1000 + 1  # 1000 spots within ~6 km
    angle, r = k * 2.39996, step_m * math.sqrt(k)  # the golden angle: steps never line up
    candidate = from_metric(shapely.Point(centre.x + r * math.cos(angle), centre.y + r * math.sin(angle)))
    return candidate if area.contains(candidate) else from_metric(centre)


def _round_m(x: float) -> float:
    """Round an error radius up to two significant figures: honest, not falsely precise."""
    if x <= 0:
        return 1.0
    mag = 10 ** max(0, int(math.floor(math.log10(x))) - 1)
    return float(math.ceil(x / mag) * mag)


def _clip_area():
    return _clip_area_of(region.current().key)


@lru_cache(maxsize=4)
def _clip_area_of(key: str):  # key: the region the current city geometry and metric CRS are of
    return from_metric(to_metric(boundaries.city_geometry()).buffer(CLIP_BUFFER_M))


def clip_to_city(geom):
    clipped = geom.intersection(_clip_area())
    if clipped.is_empty:
        city = region.current().name_zh
        raise GeocodeError(f"几何完全在{city}之外", f"geometry lies entirely outside {city}")
    if clipped.geom_type == "GeometryCollection":  # a line touching the edge leaves stray points
        clipped = shapely.MultiLineString([g for g in clipped.geoms if g.geom_type == "LineString"])
    if clipped.geom_type == "MultiLineString":
        clipped = linemerge(clipped)
    return clipped


def river_course(name: str) -> Located:
    """A river's course within the city (the current region's): traced along real river data when it supports
    it, else schematic."""
    return _river_course(name, region.current().key)


@lru_cache(maxsize=None)
def _river_course(name: str, key: str) -> Located:  # key: the region it is clipped to
    try:
        schematic = rivers.schematic_line(name)
    except KeyError as e:
        raise GeocodeError(f"没有 {name} 的河道走向", str(e)) from None
    try:
        result = rivers.trace(schematic)
    except FileNotFoundError as err:  # Debian's gmt-gshhg-high not installed: say so, draw the schematic course
        warnings.warn(f"{err}; the {name} is drawn as a schematic course")
        result = None
    refs = (f"river:{name}",)
    if result is not None:
        datasets = tuple(f"dataset:{key}" for key, tag in (("gshhg", "GSHHG"), ("ngcc", "NGCC")) if tag in result.source)
        return Located(clip_to_city(result.line), result.source, "approximate", _round_m(result.precision_m),
                       refs + datasets)
    return Located(clip_to_city(schematic),
                   f"schematic course of the {name} through approximate waypoints (geo/rivers.py); "
                   "no river dataset available here follows it", "schematic", 5000.0, refs)


def _into_city(point, margin_m: float = 50.0):
    """A point on a border river as the city's bank of it: the nearest point inside the city when the river line
    runs just outside the boundary (the two datasets differ by a few hundred metres)."""
    city = boundaries.city_geometry()
    if city.contains(point):
        return point
    c_m, p_m = to_metric(city), to_metric(point)
    edge = shapely.ops.nearest_points(c_m.boundary, p_m)[0]
    inward = shapely.ops.nearest_points(c_m.buffer(-margin_m).boundary, edge)[0]
    return from_metric(inward)


def _midpoint(geom):
    if geom.geom_type == "MultiLineString":
        geom = max(geom.geoms, key=lambda g: g.length)
    return geom.interpolate(0.5, normalized=True)


class Geocoder:
    def __init__(self, gazetteer: dict[str, Place], geometries_dir: Path = GEOMETRIES_DIR, online=None):
        self.gazetteer = gazetteer
        self.geometries_dir = Path(geometries_dir)
        self.online = online  # an object with .locate(project, within) -> Located | None

    # -- the steps, in order ----------------------------------------------------------------------------------
    def locate(self, project) -> Located:
        for step in (self.own_file, self.hint):
            found = step(project)
            if found is not None:
                return found
        found = self.admin_fallback(project)
        if self.online is not None:
            better = self.online.locate(project, within=boundaries.county_geometry(project.county))
            if better is not None:
                return better
        return found

    def own_file(self, project) -> Located | None:
        path = self.geometries_dir / f"{project.id}.geojson"
        if not path.exists():
            return None
        try:
            gdf = gpd.read_file(path, engine="pyogrio")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as err:
            raise GeocodeError(f"{path}：无法读取 GeoJSON", f"{path}: cannot be read as GeoJSON ({err})") from None
        if gdf.empty:
            raise GeocodeError(f"{path}：没有要素", f"{path}: no features")
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs("EPSG:4326")
        props = gdf.iloc[0]
        missing = [k for k in ("precision", "precision_m", "source") if k not in gdf.columns or props[k] in (None, "")]
        if missing:
            raise GeocodeError(f"{path}：第一个要素须有 {'、'.join(missing)}", f"{path}: the first feature must carry {', '.join(missing)}")
        try:
            precision_m = float(props["precision_m"])
        except (TypeError, ValueError):
            raise GeocodeError(f"{path}：precision_m 不是米数", f"{path}: precision_m {props['precision_m']!r} is not a number of metres") from None
        try:
            check_drawable(shapely.GeometryCollection([g for g in gdf.geometry.values if g is not None]))
            geom = shapely.make_valid(shapely.union_all(gdf.geometry.values))
            return Located(geom, f"{props['source']} ({path.name})", str(props["precision"]), precision_m)
        except GeocodeError as err:
            raise GeocodeError(f"{path}：{err.zh}", f"{path}: {err.en}") from None

    def hint(self, project) -> Located | None:
        hint = project.locate
        if not hint:
            return None
        kind, _, arg = hint.partition(":")
        if kind == "point":
            name, _, radius = arg.partition("~")
            place = self._place(name, project)
            prec = max(place.precision_m, float(radius)) if radius else place.precision_m
            return Located(Point(place.lon, place.lat), f"gazetteer: {place.name} — {place.source}",
                           "approximate", _round_m(prec), (f"place:{place.name}",))
        if kind == "line":
            # line:A>B>C~N: through the places; N, when the evidence gives it, is the corridor radius (how far the
            # true course can be from the drawn one); else the largest waypoint error, at least SCHEMATIC_MIN_M
            waypoints, _, corridor = arg.partition("~")
            places = [self._place(n, project) for n in waypoints.split(">")]
            line = clip_to_city(LineString([(p.lon, p.lat) for p in places]))
            prec = float(corridor) if corridor else max([SCHEMATIC_MIN_M] + [p.precision_m for p in places])
            names = " › ".join(p.name for p in places)
            return Located(line, f"schematic line through gazetteer places {names}", "schematic", _round_m(prec),
                           tuple(f"place:{p.name}" for p in places))
        if kind == "river":  # river:NAME~N: the evidence says the project's course may be N m from the river's
            name, _, wider = arg.partition("~")
            course = river_course(name)
            if wider and float(wider) > course.precision_m:
                return replace(course, precision_m=float(wider),
                               geom_source=f"{course.geom_source}; corridor widened to {int(wider)} m by the evidence")
            return course
        if kind == "on":
            river_name, _, where = arg.partition("@")
            course = river_course(river_name)
            return self._on_river(course, river_name, where, project)
        if kind == "ring":
            name, _, radius = arg.rpartition(":")
            place = self._place(name, project)
            r = float(radius)
            ring = from_metric(LineString(to_metric(Point(place.lon, place.lat)).buffer(r, quad_segs=16).exterior.coords))
            return Located(ring, f"schematic ring of {r / 1000:g} km around {place.name} (gazetteer: {place.source})",
                           "schematic", _round_m(max(r / 2, place.precision_m)), (f"place:{place.name}",))
        raise GeocodeError(f"{project.id}：未知位置提示 {hint!r}", f"{project.id}: unknown location hint {hint!r}")

    def admin_fallback(self, project) -> Located:
        """The county (or counties) the plan names: their area for area categories, else a point inside them. The
        radius is the farthest any part of the area lies from that point: the project may be anywhere in it."""
        area = boundaries.county_geometry(project.county)
        point = _fallback_point(area, project.id)
        label = "、".join(project.county) or "全市"
        geom = area if project.category in AREA_CATEGORIES else point
        return Located(geom, f"administrative fallback: {label} ({boundaries.SOURCE})", "county",
                       _round_m(farthest_m(point, area)), ("dataset:cnmaps",))

    # -- helpers -------------------------------------------------------------------------------------------
    def _place(self, name: str, project) -> Place:
        try:
            return self.gazetteer[name.strip()]
        except KeyError:
            raise GeocodeError(f"{project.id}：地名 {name!r} 不在地名表中", f"{project.id}: place {name!r} is not in the gazetteer") from None

    def _on_river(self, course: Located, river_name: str, where: str, project) -> Located:
        river = course.geometry
        if not where:
            # Only the river is known: the middle of its course in the city, the radius covers the whole course.
            half = to_metric(river).length / 2
            return Located(_midpoint(river), f"on the {river_name}, site not known ({course.geom_source})",
                           "approximate", _round_m(max(half, course.precision_m)), course.refs)
        if where in self.gazetteer:
            place = self.gazetteer[where]
            p = Point(place.lon, place.lat)
            on = _into_city(river.interpolate(river.project(p)))
            dist = to_metric(on).distance(to_metric(p))
            prec = max(course.precision_m, place.precision_m, 3000.0)
            return Located(on, f"on the {river_name} nearest {place.name} ({dist / 1000:.1f} km away); "
                               f"river: {course.geom_source}; place: {place.source}", "approximate", _round_m(prec),
                           course.refs + (f"place:{place.name}",))
        part = river.intersection(boundaries.county_geometry([where]))
        if part.is_empty:
            raise GeocodeError(f"{project.id}：{river_name}不经过{where}", f"{project.id}: the {river_name} does not cross {where}")
        if part.geom_type == "MultiLineString":
            part = linemerge(part)
        half = to_metric(part).length / 2
        return Located(_midpoint(part), f"on the {river_name} within {where}, site not known "
                                        f"({course.geom_source})", "approximate",
                       _round_m(max(half, course.precision_m)), course.refs + ("dataset:cnmaps",))


def counties_touched(geom, tolerance_m: float = 500.0) -> list[str]:
    """Names of the counties a geometry lies in or crosses (with a small tolerance for border lines)."""
    g = from_metric(to_metric(geom).buffer(tolerance_m)) if geom.geom_type != "Point" else geom
    cs = boundaries.counties()
    return [n for n, cg in zip(cs["name"], cs.geometry) if cg.intersects(g)]


@lru_cache(maxsize=64)
def _county_area(units: tuple, names: tuple[str, ...], tolerance_m: float):
    """The named counties of the region `units` (as boundaries keys it), grown by tolerance_m metres and prepared:
    the same for every project of those counties (a report of 3 000 projects buffered it 3 000 times, 25 s)."""
    area = from_metric(to_metric(boundaries.county_geometry(list(names))).buffer(tolerance_m))
    shapely.prepare(area)
    return area


def check_in_counties(geom, counties: list[str], tolerance_m: float = 1000.0) -> list[str]:
    """Problems (empty if none): the geometry must lie within the listed counties, and a line must touch each."""
    if not counties or counties == ["全市"]:
        counties = list(boundaries.counties()["name"])
        require_each = False
    else:
        require_each = geom.geom_type in ("LineString", "MultiLineString", "Polygon", "MultiPolygon")
    area = _county_area(tuple(region.current().county_names().items()), tuple(counties), tolerance_m)
    problems = []
    if geom.geom_type in ("Point", "MultiPoint") and not area.contains(geom):
        problems.append(f"not inside {'、'.join(counties)}")
    touched = set(counties_touched(geom))
    if require_each:
        problems += [f"does not reach {c}" for c in counties if c not in touched]
    return problems

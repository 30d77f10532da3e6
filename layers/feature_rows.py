"""A project's feature row in the GeoPackage: finding it, and giving it a new geometry — in place, or moved to the
layer of the new geometry's type (a point project drawn as an area moves from ``projects_point`` to
``projects_polygon``). Plain SQL inside a :func:`layers.safe_write.write_transaction`: rows are updated, inserted or
deleted, a layer is never dropped and rewritten.

The build writes all three project layers, empty ones too (``layers.build.write_gpkg``). A file built before that
may lack one; :func:`ensure_project_layers` adds it with GDAL (empty, the columns of an existing project layer),
under the writer lock and outside any transaction.
"""
from __future__ import annotations

import difflib
import os
import sqlite3

import pyogrio
import shapely

from layers import safe_write as sw
from layers.gpkg_blob import encode_gpkg_geom
from layers.gpkg_tables import columns, geometry_column, pk_column, quote, table_exists
from layers.history_base import HistoryError
from layers.store import PROJECT_LAYERS

__all__ = ["project_layers", "all_ids", "locate", "current_statuses", "write_feature_geometry",
           "LAYER_GEOMETRY_TYPES", "write_project_layer", "ensure_project_layers", "unknown_id_error", "layer_of_type",
           "fit_to_layer"]

# how the builder writes them: points single-part, lines and polygons promoted to multi-part
LAYER_GEOMETRY_TYPES = {PROJECT_LAYERS["Point"]: "Point", PROJECT_LAYERS["LineString"]: "MultiLineString",
                        PROJECT_LAYERS["Polygon"]: "MultiPolygon"}
_GPKG_TYPE = {"Point": "POINT", "LineString": "LINESTRING", "Polygon": "POLYGON",
              "MultiPoint": "MULTIPOINT", "MultiLineString": "MULTILINESTRING", "MultiPolygon": "MULTIPOLYGON"}


# --------------------------------------------------------------------------------------------- finding rows

def project_layers(conn: sqlite3.Connection) -> list[str]:
    return [t for t in PROJECT_LAYERS.values() if table_exists(conn, t)]


def all_ids(conn: sqlite3.Connection) -> list[str]:
    ids: list[str] = []
    for t in project_layers(conn):
        ids += [r[0] for r in conn.execute(f'SELECT "id" FROM {quote(t)}')]
    return ids


def locate(conn: sqlite3.Connection, project_id: str) -> tuple[str, int]:
    """(layer, fid) of a project's feature, or HistoryError naming the id and up to five similar ones."""
    hits = []
    for t in project_layers(conn):
        pk = pk_column(conn, t)
        hits += [(t, r[0]) for r in conn.execute(f'SELECT {quote(pk)} FROM {quote(t)} WHERE "id"=?', (project_id,))]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise HistoryError(f"项目编号 {project_id!r} 在 GeoPackage 中出现 {len(hits)} 次，请先重建。",
                           f"Project id {project_id!r} occurs {len(hits)} times in the GeoPackage; rebuild it first.")
    raise unknown_id_error(project_id, all_ids(conn))


def unknown_id_error(project_id: str, ids: list[str]) -> HistoryError:
    """The error for an id no feature has, naming up to five similar ones (every engine: layers.stores)."""
    close = difflib.get_close_matches(str(project_id), ids, n=5, cutoff=0.6)
    hint = f"相近的编号 / similar ids: {', '.join(close)}" if close else "请检查编号 / check the id"
    return HistoryError(f"未知项目编号 {project_id!r}。", f"Unknown project id {project_id!r}. {hint}")


def current_statuses(conn: sqlite3.Connection) -> dict[str, str]:
    out = {}
    for t in project_layers(conn):
        out.update({r[0]: r[1] for r in conn.execute(f'SELECT "id", "status" FROM {quote(t)}')})
    return out


# ------------------------------------------------------------------------------------------ new geometries

def _fit_to_layer(geom, declared: str):
    """Make ``geom`` acceptable to a layer declared as ``declared`` (single- or multi-part)."""
    declared = declared.upper()
    gtype = geom.geom_type
    if declared in ("GEOMETRY", _GPKG_TYPE.get(gtype)):
        return geom
    if declared.startswith("MULTI") and not gtype.startswith("Multi"):
        multi = {"Point": shapely.MultiPoint, "LineString": shapely.MultiLineString,
                 "Polygon": shapely.MultiPolygon}[gtype]
        return multi([geom])
    if gtype.startswith("Multi") and len(geom.geoms) == 1:
        return geom.geoms[0]
    if gtype == "MultiLineString":
        merged = shapely.line_merge(geom)
        if merged.geom_type == "LineString":
            return merged
    # A multi-part geometry in a single-part layer: the column's declared type cannot change without rewriting
    # the layer, which we never do in place. Say so instead.
    raise HistoryError(
        f"该图层（{declared}）只接受单个几何，上传的是 {len(geom.geoms)} 个互不相连的部分；请合并为一个，或分开记录。",
        f"This layer ({declared}) holds single-part geometries; the new geometry has {len(geom.geoms)} "
        f"disconnected parts. Merge them into one.")


def layer_of_type(geom_type: str) -> str:
    """The project layer a geometry type goes to, or HistoryError (a GeometryCollection …)."""
    base = geom_type.removeprefix("Multi")
    if base not in PROJECT_LAYERS:
        raise HistoryError(f"不支持的几何类型 {geom_type}。", f"Unsupported geometry type {geom_type}.")
    return PROJECT_LAYERS[base]


def fit_to_layer(geom):
    """``geom`` as its project layer holds it (points single-part, lines and polygons multi-part): the form every
    engine stores (layers.stores)."""
    return _fit_to_layer(geom, LAYER_GEOMETRY_TYPES[layer_of_type(geom.geom_type)])


def _target_layer(conn, geom_type: str) -> str:
    target = layer_of_type(geom_type)
    if not table_exists(conn, target):
        raise HistoryError(f"GeoPackage 中没有图层 {target}，请先重建（python -m layers build）。",
                           f"The GeoPackage has no layer {target}; rebuild it first (python -m layers build).")
    return target


def write_feature_geometry(conn, project_id: str, geom, attrs: dict) -> tuple[str, str]:
    """Put ``geom`` (EPSG:4326) and ``attrs`` on the project's feature, moving it to another layer if its type
    changes. Returns (previous layer, new layer). Must run inside a write transaction."""
    layer, fid = locate(conn, project_id)
    target = _target_layer(conn, geom.geom_type)
    gcol, declared = geometry_column(conn, target)
    srs_id = conn.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name=?", (target,)).fetchone()[0]
    blob = encode_gpkg_geom(_fit_to_layer(geom, declared), srs_id)
    src_pk = pk_column(conn, layer)
    if target == layer:
        cols = [c for c in attrs if c in columns(conn, layer)]
        sets = ", ".join([f"{quote(gcol)}=?"] + [f"{quote(c)}=?" for c in cols])
        conn.execute(f"UPDATE {quote(layer)} SET {sets} WHERE {quote(src_pk)}=?",
                     (blob, *[attrs[c] for c in cols], fid))
        conn.touch(layer)
        return layer, target
    _move_row(conn, layer, fid, target, blob, attrs)
    return layer, target


def _move_row(conn, layer: str, fid: int, target: str, blob: bytes, attrs: dict) -> None:
    """Insert the row into ``target`` with the new geometry blob and ``attrs``, copying the other columns both
    layers have, then delete it from ``layer``."""
    gcol, src_gcol = geometry_column(conn, target)[0], geometry_column(conn, layer)[0]
    src_pk, tgt_pk = pk_column(conn, layer), pk_column(conn, target)
    src_cols = set(columns(conn, layer))
    copy = [c for c in columns(conn, target) if c in src_cols and c not in (tgt_pk, gcol, src_pk, src_gcol)
            and c not in attrs]
    set_cols = [c for c in attrs if c in columns(conn, target)]
    names = ", ".join(quote(c) for c in [gcol, *copy, *set_cols])
    marks = ", ".join(["?"] + [quote(c) for c in copy] + ["?"] * len(set_cols))
    conn.execute(f"INSERT INTO {quote(target)} ({names}) SELECT {marks} FROM {quote(layer)} "
                 f"WHERE {quote(src_pk)}=?", (blob, *[attrs[c] for c in set_cols], fid))
    conn.execute(f"DELETE FROM {quote(layer)} WHERE {quote(src_pk)}=?", (fid,))
    conn.touch(layer)
    conn.touch(target)


# --------------------------------------------------------------------------------------------- the layers

def write_project_layer(path: str | os.PathLike, layer: str, frame) -> None:
    """Write one project layer with GDAL (through pyogrio), replacing it: as the builder writes it, also empty."""
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", append=False,
                            geometry_type=LAYER_GEOMETRY_TYPES[layer],
                            promote_to_multi=LAYER_GEOMETRY_TYPES[layer].startswith("Multi"))


def ensure_project_layers(gpkg: str | os.PathLike, timeout: float = sw.LOCK_TIMEOUT) -> list[str]:
    """Add the project layers a file built before all three were written lacks (empty, with the columns of an
    existing project layer). Takes the writer lock; call outside a transaction. Returns the layers added."""
    with sw.locked(gpkg, timeout):
        sw.recover(gpkg, timeout)
        present = {name for name, _ in pyogrio.list_layers(gpkg)}
        template = next((t for t in PROJECT_LAYERS.values() if t in present), None)
        missing = [t for t in PROJECT_LAYERS.values() if t not in present]
        if template is None or not missing:
            return []
        empty = pyogrio.read_dataframe(gpkg, layer=template, where="1=0")
        for layer in missing:
            write_project_layer(gpkg, layer, empty)
        return missing

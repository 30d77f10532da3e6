"""GeoPackage geometry blobs (GeoPackage 1.2, clause 2.1.3: ``GP`` header + envelope + ISO WKB) and the SQL
functions GDAL's R-tree triggers call on them (``ST_MinX`` … ``ST_IsEmpty``: GDAL provides them in its own
connections, plain ``sqlite3`` does not)."""
from __future__ import annotations

import math
import sqlite3
import struct

__all__ = ["encode_gpkg_geom", "decode_gpkg_geom", "blob_bounds", "register_gpkg_functions"]

_ENVELOPE_LEN = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def encode_gpkg_geom(geom, srs_id: int = 4326) -> bytes:
    """A 2-D shapely geometry → GeoPackage binary (little-endian header, xy envelope except for points)."""
    import shapely  # loaded when a geometry is handled: readers of attributes never need it
    if geom is None:
        raise ValueError("no geometry")
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    empty = geom.is_empty
    if empty or geom.geom_type == "Point":
        envelope_code, envelope = 0, b""
    else:
        minx, miny, maxx, maxy = geom.bounds
        envelope_code, envelope = 1, struct.pack("<4d", minx, maxx, miny, maxy)
    flags = 0x01 | (envelope_code << 1) | (0x10 if empty else 0)
    header = b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
    return header + envelope + shapely.to_wkb(geom, byte_order=1, flavor="iso")


def _split_blob(blob: bytes) -> tuple[int, bool, tuple | None, bytes]:
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    endian = "<" if flags & 0x01 else ">"
    env_code = (flags >> 1) & 0x07
    if env_code not in _ENVELOPE_LEN:
        raise ValueError(f"bad envelope code {env_code}")
    empty = bool(flags & 0x10)
    (srs_id,) = struct.unpack(endian + "i", blob[4:8])
    n = _ENVELOPE_LEN[env_code]
    env = struct.unpack(endian + f"{n // 8}d", blob[8:8 + n]) if n else None
    return srs_id, empty, env, bytes(blob[8 + n:])


def decode_gpkg_geom(blob: bytes):
    """GeoPackage binary → shapely geometry."""
    import shapely  # loaded when a geometry is handled: readers of attributes never need it
    return shapely.from_wkb(_split_blob(blob)[3])


def blob_bounds(blob):
    """(minx, maxx, miny, maxy) of a blob — the R-tree's order — or None for NULL/empty."""
    import shapely  # loaded when a geometry is handled: readers of attributes never need it
    if blob is None:
        return None
    _, empty, env, wkb = _split_blob(blob)
    if empty:
        return None
    if env is not None:
        return env[0], env[1], env[2], env[3]
    g = shapely.from_wkb(wkb)
    if g.is_empty:
        return None
    minx, miny, maxx, maxy = g.bounds
    if any(math.isnan(v) for v in (minx, miny, maxx, maxy)):
        return None
    return minx, maxx, miny, maxy


def _st(index):
    def f(blob):
        b = blob_bounds(blob)
        return None if b is None else b[index]
    return f


def _st_isempty(blob):
    if blob is None:
        return None
    return 1 if blob_bounds(blob) is None else 0


def register_gpkg_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions GDAL's R-tree triggers call (GDAL provides them itself; plain sqlite3 does not)."""
    conn.create_function("ST_MinX", 1, _st(0), deterministic=True)
    conn.create_function("ST_MaxX", 1, _st(1), deterministic=True)
    conn.create_function("ST_MinY", 1, _st(2), deterministic=True)
    conn.create_function("ST_MaxY", 1, _st(3), deterministic=True)
    conn.create_function("ST_IsEmpty", 1, _st_isempty, deterministic=True)

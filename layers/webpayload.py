"""The map page's light read path: the project attributes and the prebuilt map payloads, straight from the
GeoPackage with sqlite3 — no GDAL, geopandas, shapely or pyproj on the way, so the map opens fast in a lean
server process.

`layers build` stores the map's payloads (layers.webmap: the projects and the counties, as drawn over no basemap
or over WGS84 tiles) in the table `web_payloads`, each with the digest of the feature rows it was made from.
`payload()` hands one out only while that digest still matches the rows: after an edit (or any outside change)
it returns None and the app makes a fresh one the slow way (mapview.data).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from functools import lru_cache
from pathlib import Path

from core import fields
from layers.safe_write import recover

__all__ = ["TABLE", "attributes", "bounds", "code_digest", "county_names", "digest", "make", "payload", "prebuild", "store"]

TABLE = "web_payloads"
PROJECT_TABLES = ("projects_point", "projects_line", "projects_polygon")  # = layers.store.PROJECT_LAYERS
COUNTIES_TABLE = "counties"
KINDS = {"projects": PROJECT_TABLES, "bulk": PROJECT_TABLES, "counties": (COUNTIES_TABLE,)}  # bulk: layers.bulkpayload

_DDL = f"""CREATE TABLE IF NOT EXISTS "{TABLE}" (
    kind TEXT NOT NULL, variant TEXT NOT NULL, digest TEXT NOT NULL, ids TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (kind, variant))"""


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    recover(path)  # a killed writer's journal is rolled back first (as for every reader)
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)


def _tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _columns(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def attributes(path: str | os.PathLike) -> tuple[list[str], list[tuple]]:
    """(field names, rows) of every project (all geometry types) in core.fields' stored order, sorted by id —
    the same rows as layers.store.read_projects without the geometry."""
    names = fields.stored()
    rows: list[tuple] = []
    with closing(_connect(path)) as conn:
        present = _tables(conn)
        for table in PROJECT_TABLES:
            if table not in present:
                continue
            have = set(_columns(conn, table))
            cols = ", ".join(f'"{n}"' if n in have else "NULL" for n in names)
            rows += conn.execute(f'SELECT {cols} FROM "{table}"').fetchall()
    i = names.index("id")
    rows.sort(key=lambda r: (r[i] is None, r[i] or ""))
    return names, rows


def county_names(path: str | os.PathLike) -> list[str]:
    with closing(_connect(path)) as conn:
        return [r[0] for r in conn.execute(f'SELECT name FROM "{COUNTIES_TABLE}" ORDER BY rowid')]


# The code that shapes a payload: a change in any of these files (a new symbol, a popup field…) makes the stored
# payloads stale just as a change in the rows does.
_CODE = ("layers/webmap.py", "layers/styles.py", "layers/symbols.py", "layers/popup.py", "layers/escape.py",
         "layers/evidence.py", "core/vocab.py", "core/fields.py")
ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """The digest of the code that shapes a payload (_CODE)."""
    h = hashlib.sha256()
    for rel in _CODE:
        h.update((ROOT / rel).read_bytes())
    return h.digest()


def _digest(conn, kind: str) -> str:
    h = hashlib.sha256(code_digest())
    present = _tables(conn)
    for table in KINDS[kind]:
        if table not in present:
            continue
        h.update(table.encode())
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
            h.update(repr(row).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def digest(path: str | os.PathLike, kind: str) -> str:
    """The digest of the rows a payload of `kind` ("projects" or "counties") is made from."""
    with closing(_connect(path)) as conn:
        return _digest(conn, kind)


def payload(path: str | os.PathLike, kind: str, variant: str = "wgs84") -> tuple[bytes, list[str]] | None:
    """(serialised payload, feature ids in its order) as built for the current rows, or None (not prebuilt, or
    the rows have changed since)."""
    with closing(_connect(path)) as conn:
        if TABLE not in _tables(conn):
            return None
        row = conn.execute(f'SELECT digest, ids, body FROM "{TABLE}" WHERE kind=? AND variant=?',
                           (kind, variant)).fetchone()
        if row is None or row[0] != _digest(conn, kind):
            return None
        return bytes(row[2]), json.loads(row[1])


def make(counties, projects) -> dict[str, tuple[bytes, list[str]]]:
    """The payloads ({kind: (serialised payload, feature ids in its order)}) of GeoDataFrames in EPSG:4326."""
    from layers import bulkpayload, webmap
    from layers.escape import safe_json

    p = webmap.project_data(projects)
    order = p.pop("rows")
    ids = [str(projects["id"].iloc[i]) for i in order]
    return {"projects": (safe_json(p).encode("utf-8"), ids), "bulk": (bulkpayload.encode(p), ids),
            "counties": (safe_json(webmap.county_data(counties)).encode("utf-8"), [])}


def store(path: str | os.PathLike, items: dict[str, tuple[bytes, list[str]]]) -> None:
    """Keep payloads made from the file's current rows (the caller holds the writer lock or builds the file)."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(_DDL)
        for kind, (body, ids) in items.items():
            conn.execute(f'INSERT OR REPLACE INTO "{TABLE}" VALUES (?, ?, ?, ?, ?)',
                         (kind, "wgs84", _digest(conn, kind), json.dumps(ids), body))


def prebuild(path: str | os.PathLike) -> None:
    """Store the map payloads of the GeoPackage at `path` (a file being built: no other writer)."""
    from layers import store as gpkg
    store(path, make(gpkg.read_counties(path), gpkg.read_projects(path)))


def bounds(body: bytes) -> list | None:
    """The [[s, w], [n, e]] bounds recorded in a counties payload."""
    return json.loads(body).get("bounds")

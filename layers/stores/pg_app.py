"""The app's light read path on a PostGIS store — what layers.webpayload is for a GeoPackage: the store's change
counter, the project attributes, the county names, the meeting views and the prebuilt map payloads, with psycopg
only (no pandas, no GIS library), so the map page opens as fast on PostGIS as on a file.

Several app servers share one database. Each reads the change counter (``store_version``, bumped by the
database at the commit of every write: migration 0003) once per rerun and keys its caches by it, so an edit saved
on one server is seen on the others at their next rerun. The map payloads live in the table ``web_payloads``,
each with the digest of the rows and of the code it was made from (as in the GeoPackage): any server that makes
fresh ones after an edit keeps them there for the others.
"""
from __future__ import annotations

import hashlib
import json
import logging

import psycopg

from core import fields
from layers import views as views_mod
from layers.stores import pg_conn, pg_region
from layers.webpayload import code_digest

__all__ = ["state", "attributes", "county_names", "list_views", "digest", "payload", "keep", "store_in"]

log = logging.getLogger("projectmap")
_TABLE_OF = {"projects": "projects", "bulk": "projects", "counties": "counties"}


def state(url: str) -> tuple[int, bool]:
    """(the store's change counter, whether it holds built data) — one small query on the shared connection. A
    region's schema dropped since the connection was made (the search path would then read public's tables, the
    default region's) is RegionNotBuilt."""
    (version, built, schema), = pg_conn.shared(url, "SELECT version, EXISTS (SELECT 1 FROM counties), "
                                                    "current_schema() FROM store_version")
    want = pg_region.split(url)[1]
    if want != pg_region.DEFAULT_SCHEMA and schema != want:
        raise pg_region.not_built(url, pg_conn.safe_label(url))
    return int(version), bool(built)


def changed_at(url: str):
    """When the data last changed (a timezone-aware datetime)."""
    return pg_conn.shared(url, "SELECT changed_at FROM store_version")[0][0]


def attributes(url: str) -> tuple[list[str], list[tuple]]:
    """(field names, rows) of every project in core.fields' stored order, sorted by id as the GeoPackage's are
    (Python's order, whatever the database's collation)."""
    names = fields.stored()
    cols = ", ".join(f'"{n}"' for n in names)
    with pg_conn.snapshot(url) as conn:
        rows = conn.execute(f"SELECT {cols} FROM projects").fetchall()
    i = names.index("id")
    rows.sort(key=lambda r: (r[i] is None, r[i] or ""))
    return names, rows


def county_names(url: str) -> list[str]:
    return [r[0] for r in pg_conn.shared(url, "SELECT name FROM counties ORDER BY fid")]


def list_views(url: str) -> list:
    """The meeting views (layers.views.View) in meeting order."""
    cols = ", ".join(f'"{c}"' for c in views_mod.COLUMNS)
    return [views_mod._row_to_view(r) for r in pg_conn.shared(url, f"SELECT {cols} FROM views ORDER BY position, fid")]


def digest(conn, kind: str) -> str:
    """The digest of the rows a payload of ``kind`` is made from (each row's text, in fid order) and of the code
    that shapes it (layers.webpayload.code_digest)."""
    table = _TABLE_OF[kind]
    rows = conn.execute(f"SELECT md5(string_agg(md5(t::text), '' ORDER BY t.fid)) FROM {table} t").fetchone()[0]
    return hashlib.sha256(code_digest() + (rows or "").encode()).hexdigest()


def payload(url: str, kind: str, variant: str = "wgs84") -> tuple[bytes, list[str]] | None:
    """(serialised payload, feature ids in its order) as made for the current rows, or None."""
    with pg_conn.snapshot(url) as conn:
        row = conn.execute("SELECT digest, ids, body FROM web_payloads WHERE kind = %s AND variant = %s",
                           (kind, variant)).fetchone()
        if row is None or row[0] != digest(conn, kind):
            return None
        return bytes(row[2]), json.loads(row[1])


def store_in(conn, items: dict[str, tuple[bytes, list[str]]]) -> None:
    """Keep payloads made from the rows ``conn`` sees (a build's or a copy's own transaction)."""
    for kind, (body, ids) in items.items():
        conn.execute("INSERT INTO web_payloads(kind, variant, digest, ids, body) VALUES (%s, 'wgs84', %s, %s, %s) "
                     "ON CONFLICT (kind, variant) DO UPDATE SET digest = EXCLUDED.digest, ids = EXCLUDED.ids, "
                     "body = EXCLUDED.body", (kind, digest(conn, kind), json.dumps(ids), body))


def keep(url: str, items: dict[str, tuple[bytes, list[str]]], version: int) -> bool:
    """Keep payloads made from the store as it was at change counter ``version`` — only if it still is (the
    digests are then those of the rows they were made from). Another server keeping the same payloads at the same
    moment, or any database error, only skips: they are a head start, not data. Whether they were kept."""
    try:
        with pg_conn.connect(url) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction():
                if conn.execute("SELECT version FROM store_version").fetchone()[0] != version:
                    return False
                store_in(conn, items)
        return True
    except psycopg.Error as err:
        log.info("map payloads not kept in the database: %s", err)
        return False

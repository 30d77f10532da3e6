"""The PostGIS schema, created and migrated by the project: numbered SQL steps in ``layers/stores/migrations``
(``0001_initial.sql``, ``0002_layer_views.sql`` …), each applied once, in order, in one transaction with its row in
``schema_migrations`` (version, name, applied_at). A transaction-level advisory lock makes two app servers
starting at once apply each step once. After the steps, any stored field of core.fields that ``projects`` lacks is
added (a new field is one line in core/fields.py for both engines).

Each region of a shared database has its own schema (layers.stores.pg_region): ``migrate(conn, "heze")`` makes it
when missing and applies the same steps there (its own ``schema_migrations``), after bringing public — the default
region's tables and the deployment's editor accounts — up to date.

Add a step: a new file ``NNNN_what.sql`` with the next number; never edit a step that was released.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from core import fields

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 0x706D6170  # 'pmap': one migrating process at a time
_STEP = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_SQL_TYPE = {"year": "integer", "number": "double precision"}
LAYER_VIEWS = {"projects_point": ("POINT", "MULTIPOINT"), "projects_line": ("LINESTRING", "MULTILINESTRING"),
               "projects_polygon": ("POLYGON", "MULTIPOLYGON")}


def steps() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every step, in order."""
    out = []
    for p in sorted(MIGRATIONS.glob("*.sql")):
        m = _STEP.match(p.name)
        if not m:
            raise ValueError(f"migration file {p.name}: name it NNNN_what.sql")
        out.append((int(m.group(1)), m.group(2), p.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in out]
    if len(set(versions)) != len(versions):
        raise ValueError("two migration steps share a number")
    return out


def sql_type(field) -> str:
    return _SQL_TYPE.get(field.kind, "text")


def migrate(conn, schema: str = "public") -> list[int]:
    """Apply the missing steps (psycopg connection; commits) to the tables of ``schema`` (a region's, made when
    missing; the connection is left in it: layers.stores.pg_region.enter). Returns the versions applied now."""
    from psycopg import sql

    from layers.stores.pg_region import DEFAULT_SCHEMA, search_path
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        if schema == DEFAULT_SCHEMA:
            return _apply(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")  # not into the region's schema
        conn.execute("SET LOCAL search_path TO public")
        _apply(conn)
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(search_path(schema))  # the session's, kept after the commit
        if conn.execute("SELECT current_schema()").fetchone()[0] != schema:
            raise RuntimeError(f"schema {schema!r} not first in the search path")
        conn.execute("SELECT set_config('projectmap.region', %s, true)", (schema,))  # read by step 0004
        return _apply(conn)


def _apply(conn) -> list[int]:
    """The missing steps in the current schema, then the missing fields."""
    applied = []
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                 "applied_at timestamptz NOT NULL DEFAULT now())")
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    for version, name, step in steps():
        if version in done:
            continue
        conn.execute(step)
        conn.execute("INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (version, name))
        applied.append(version)
    _add_new_fields(conn)
    return applied


def _add_new_fields(conn) -> None:
    have = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                       "WHERE table_schema = current_schema() AND table_name = 'projects'")}
    missing = [f for f in fields.FIELDS if f.stored and f.name not in have]
    for f in missing:
        conn.execute(f'ALTER TABLE projects ADD COLUMN "{f.name}" {sql_type(f)}')
    if missing:  # a view's column list is fixed when it is made: remake the layer views with the new columns
        for view, types in LAYER_VIEWS.items():
            conn.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM projects WHERE GeometryType(geom) IN "
                         f"({', '.join(repr(t) for t in types)})")


def main(argv=None) -> int:
    """``python -m layers.stores.migrate [URL] [--region KEY]``: bring a PostGIS store's schema up to date now (the
    app and the CLI also do it on first use) and list the steps. URL defaults to $PROJECTMAP_DB; --region: that
    region's schema (made when missing) instead of the default region's."""
    import argparse
    import os

    import psycopg

    from core.errors import UserError
    from layers.stores import pg_region
    p = argparse.ArgumentParser(prog="python -m layers.stores.migrate", description=main.__doc__)
    p.add_argument("url", nargs="?", default=os.environ.get("PROJECTMAP_DB"), help="postgresql://… ($PROJECTMAP_DB)")
    p.add_argument("--region", default=None, help="a region of config/regions/ (default: the default region)")
    args = p.parse_args(argv)
    if not args.url:
        p.error("no database: give a postgresql:// URL or set PROJECTMAP_DB")
    try:
        dsn, schema = pg_region.split(pg_region.region_url(args.url, args.region) if args.region else args.url)
    except UserError as err:
        print(f"错误 error: {err.zh}", file=sys.stderr)
        return 2
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            applied = migrate(conn, schema)
            rows = conn.execute("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").fetchall()
    except psycopg.Error as err:
        print(f"数据库结构未能升级 / migration failed: {str(err).strip()[:300]}", file=sys.stderr)
        return 2
    for version, name, at in rows:
        print(f"{version:04d} {name} {at:%Y-%m-%d %H:%M}" + ("  (applied now)" if version in applied else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

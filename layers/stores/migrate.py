"""The PostGIS schema, created and migrated by the project: numbered SQL steps in ``layers/stores/migrations``
(``0001_initial.sql``, ``0002_layer_views.sql`` …), each applied once, in order, in one transaction with its row in
``schema_migrations`` (version, name, applied_at). A transaction-level advisory lock makes two app servers
starting at once apply each step once. After the steps, any stored field of core.fields that ``projects`` lacks is
added (a new field is one line in core/fields.py for both engines).

Add a step: a new file ``NNNN_what.sql`` with the next number; never edit a step that was released.
"""
from __future__ import annotations

import re
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


def migrate(conn) -> list[int]:
    """Apply the missing steps (psycopg connection; commits). Returns the versions applied now."""
    applied = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in steps():
            if version in done:
                continue
            conn.execute(sql)
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

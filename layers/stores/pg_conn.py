"""Connections to a PostGIS store: opening one (the schema migrated once per process), a write transaction, a
read-only snapshot, and one shared connection per process for the app's tiny reads (the store's change counter,
the views). A URL may name a region (``?region=heze``: layers.stores.pg_region): its connections work in that
region's schema, and reading a region the database does not hold yet is a RegionNotBuilt error. Light to import:
psycopg and the migrations only — no pandas, no GIS library — so the map page can use it (layers.stores.pg_app).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict

from core.errors import UserError
from layers.stores import pg_region
from layers.stores.migrate import migrate

__all__ = ["DatabaseError", "safe_label", "connect", "transaction", "snapshot", "shared"]

CONNECT_TIMEOUT = 10   # seconds
LOCK_TIMEOUT_MS = 30000  # a writer waits this long for another writer's row lock (the GeoPackage's LOCK_TIMEOUT)
_MIGRATED: set[str] = set()
_MIGRATE_LOCK = threading.Lock()


class DatabaseError(UserError):
    """The database cannot be reached or used; nothing was changed."""


def safe_label(url: str) -> str:
    """The URL without its password, for messages (with its region when it names one)."""
    try:
        dsn, schema = pg_region.split(url)
        d = conninfo_to_dict(dsn)
    except (psycopg.ProgrammingError, UserError):
        return "postgresql://?"
    host = d.get("host", "")
    port = f":{d['port']}" if d.get("port") else ""
    user = f"{d['user']}@" if d.get("user") else ""
    where = "" if schema == pg_region.DEFAULT_SCHEMA else f"?{pg_region.PARAM}={schema}"
    return f"postgresql://{user}{host}{port}/{d.get('dbname', '')}{where}"


def _unreachable(url: str, err) -> DatabaseError:
    label = safe_label(url)
    return DatabaseError(f"无法连接数据库 {label}（{str(err).strip()[:200]}）。", f"Cannot connect to {label}: {err}")


def connect(url: str, *, create: bool = False, **kwargs) -> psycopg.Connection:
    """A new connection (schema migrated once per process) in the schema of the URL's region; the caller closes it.
    A region whose schema does not exist yet is made (and migrated) with ``create`` (a build, a copy), else it is
    RegionNotBuilt."""
    dsn, schema = pg_region.split(url)
    try:
        conn = psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT, **kwargs)
    except psycopg.OperationalError as err:
        raise _unreachable(url, err) from None
    try:
        if schema != pg_region.DEFAULT_SCHEMA and not pg_region.enter(conn, schema):
            if not create:
                raise pg_region.not_built(url, safe_label(url))
            _MIGRATED.discard(url)  # dropped since it was migrated here: made again
        if url not in _MIGRATED:
            with _MIGRATE_LOCK:
                migrate(conn, schema)  # its own transaction, committed
                _MIGRATED.add(url)
    except psycopg.Error as err:
        conn.close()
        label = safe_label(url)
        raise DatabaseError(f"无法建立或升级 {label} 的数据库结构（{str(err).strip()[:200]}）；需要 PostGIS 扩展"
                            f"（CREATE EXTENSION postgis）和建表权限。",
                            f"Cannot create or migrate the schema of {label}: {err}. The database needs the "
                            f"PostGIS extension and the right to create tables.") from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def transaction(url: str, *, create: bool = False):
    """One write transaction: a connection, committed at the end or rolled back on any error. The store's change
    counter (``store_version``) is bumped at commit by the database itself (migration 0003). ``create``: a region
    the database does not hold yet is made (connect)."""
    conn = connect(url, create=create)
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            yield conn
    except psycopg.errors.LockNotAvailable:
        raise DatabaseError("另一位编辑正在保存，未能在时限内取得锁，请稍后重试，本次未做任何更改。",
                            "Another editor is saving; the lock was not free in time. Nothing was changed.") from None
    finally:
        conn.close()


@contextmanager
def snapshot(url: str):
    """A read-only transaction with one snapshot (REPEATABLE READ): several queries see one state."""
    conn = connect(url)
    try:
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            yield conn
    finally:
        conn.close()


_SHARED: dict[str, psycopg.Connection] = {}  # URL → connection, most recently used last
_SHARED_LOCK = threading.Lock()
SHARED_MAX = 4  # databases a process keeps a connection to (an app server has one; tests open many)


def shared(url: str, sql: str, args=()) -> list[tuple]:
    """The rows of one small read-only query on this process's shared connection (autocommit: each query sees
    the latest committed state). Made once and reused — a rerun's change-counter check costs one round trip,
    not a connection; reopened once if the server closed it."""
    with _SHARED_LOCK:
        for attempt in (1, 2):
            conn = _SHARED.pop(url, None)
            if conn is None or conn.closed:
                conn = connect(url, autocommit=True)
            _SHARED[url] = conn
            while len(_SHARED) > SHARED_MAX:
                _SHARED.pop(next(iter(_SHARED))).close()
            try:
                return conn.execute(sql, args).fetchall()
            except psycopg.OperationalError as err:  # the server restarted or dropped us: once more, anew
                conn.close()
                _SHARED.pop(url, None)
                if attempt == 2:
                    raise _unreachable(url, err) from None
    raise AssertionError("unreachable")

"""Several regions in one PostGIS database. Each region of config/regions/ has its own set of the store's tables:
the default region (聊城) in the database's ``public`` schema — as before, so an existing database keeps working
unchanged —, every other region in a schema named by its key (``heze.projects``, ``heze.status_history`` …), made
and migrated by the same numbered steps as public, with its own ``schema_migrations``, change counter and map
payloads (layers.stores.migrate). Editor accounts are the deployment's (one login for every region): they stay in
``public.editor_accounts``, which a region's store reaches through its search path (migration 0004).

A region's store is addressed by the database URL with the region in its query::

    postgresql://planner@db/projectmap              # the default region (public)
    postgresql://planner@db/projectmap?region=heze  # 菏泽 (schema heze)

``region_url(url, key)`` makes that address; ``python -m layers … --db URL --region heze`` and the app
(mapview.data.source) use it. It is the store's whole identity: the app keys its caches by it, pg_conn its kept
connections and migration marks, so two regions never share any of them. The ``region`` parameter is ours: it is
taken off before libpq sees the URL (``split``), accepted only when it names a file of config/regions/, and becomes
the connection's search path through psycopg.sql.Identifier — never SQL text.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from psycopg import sql

from layers.store import StoreError

__all__ = ["PARAM", "RegionNotBuilt", "region_of", "region_url", "schema_of", "split", "enter", "search_path",
           "not_built"]

PARAM = "region"
DEFAULT_SCHEMA = "public"
# names a region's schema may not take: PostgreSQL's and PostGIS's own
RESERVED = {"public", "information_schema", "topology", "tiger", "tiger_data"}


class RegionNotBuilt(StoreError):
    """The database holds nothing of this region yet (python -m layers build/copy … --region KEY)."""


def _refused(key) -> StoreError:
    from core.regions import available
    shown = str(key)[:40]
    return StoreError(f"地区 {shown!r} 不是 config/regions/ 中的地区；可选：{'、'.join(available())}。",
                      f"Region {shown!r} is not a file of config/regions/.")


def schema_of(key: str) -> str:
    """The schema of region ``key``: public for the default region, else the key itself — only a key of
    config/regions/*.toml (StoreError otherwise)."""
    from core import region, regions
    if key == region.DEFAULT:
        return DEFAULT_SCHEMA
    if not isinstance(key, str) or key not in regions.available() or key in RESERVED or key.startswith("pg_"):
        raise _refused(key)
    return key


def _parts(url: str) -> tuple:
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    named = [v for k, v in pairs if k == PARAM]
    if len(named) > 1:
        raise StoreError("数据库地址中的地区（region）只能写一次。", "The URL names its region more than once.")
    return parts, [(k, v) for k, v in pairs if k != PARAM], (named[0] if named else None)


def _with_query(parts, pairs) -> str:
    return urlunsplit(parts._replace(query=urlencode(pairs, quote_via=quote)))


def region_of(url: str) -> str:
    """The region key the address names (the default region when it names none)."""
    from core import region
    key = _parts(url)[2]
    if key is None:
        return region.DEFAULT
    schema_of(key)
    return key


def region_url(url: str, key: str) -> str:
    """The address of region ``key``'s store in the database ``url``; an address that already names another region
    is refused (StoreError) rather than silently retargeted."""
    from core import region
    schema_of(key)
    parts, rest, named = _parts(url)
    if named is not None and named != key:
        raise StoreError(f"数据库地址指定的地区 {named[:40]!r} 与所选地区 {key} 不一致；请只用 --region 指定地区。",
                         f"The URL names region {named[:40]!r}, not {key}; give the region with --region only.")
    if key == region.DEFAULT:
        return url if named is None else _with_query(parts, rest)
    return url if named == key else _with_query(parts, [*rest, (PARAM, key)])


def split(url: str) -> tuple[str, str]:
    """(the URL libpq is given — without our parameter —, the region's schema)."""
    parts, rest, named = _parts(url)
    if named is None:
        return url, DEFAULT_SCHEMA
    return _with_query(parts, rest), schema_of(named)


def enter(conn, schema: str) -> bool:
    """Point ``conn`` (a new psycopg connection) at ``schema``: its tables first, then public's (PostGIS's functions
    and types, the deployment's editor accounts). False — and the search path left alone — when the schema does not
    exist: a search path naming a missing schema would silently read public's tables, the default region's."""
    found = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", (schema,)).fetchone()[0]
    if found:
        conn.execute(search_path(schema))
    if not conn.autocommit:
        conn.commit()  # the setting is the session's; and no transaction is left open for the caller's own
    return found


def search_path(schema: str) -> sql.Composed:
    return sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema))


def not_built(url: str, label: str) -> RegionNotBuilt:
    """The message for a region (or a database) that holds no data yet, with the commands that fill it."""
    from core import region
    key = region_of(url)
    r = region.get(key)
    opt = "" if key == region.DEFAULT else f" --region {key}"
    gpkg = "data/liaocheng.gpkg" if key == region.DEFAULT else _relative(r.gpkg)
    return RegionNotBuilt(f"数据库 {label} 中还没有{r.name_zh}的数据，请先运行 `python -m layers build --db URL{opt}` "
                          f"或 `python -m layers copy {gpkg} URL{opt}`。",
                          f"{label} holds no data of {r.name_pinyin} yet; run `python -m layers build --db URL{opt}` "
                          "first.")


def _relative(path) -> str:
    from layers.store import ROOT
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)

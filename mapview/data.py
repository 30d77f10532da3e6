"""Loading the store for the app — the GeoPackage, or PostGIS when $PROJECTMAP_DB names one — cached by a key
that changes whenever the data does, never geocoding.

The key (`key_of`): a GeoPackage's file identity (path + mtime + size: edits and rebuilds change it); a PostGIS
store's address — the URL with the region, `…?region=heze` (layers.stores.pg_region), so no two regions share a
cached entry — and its change counter (`store_version`, bumped by the database at the commit of every write, read
once per rerun — one tiny SELECT on a kept connection: layers.stores.pg_app). Several app servers on one database
therefore see each other's edits at their next rerun.

Three depths: `attributes` (every project's fields, no geometry, as layers.records.Records — sqlite3 via
layers.webpayload, or psycopg via layers.stores.pg_app — enough for the filters, the sidebar and the map), `frame`
(the same as a pandas DataFrame, for tables and statistics) and `geo` (GeoDataFrames, for exports, editing and
history). The map itself gets the payload files the build prepared (`map_file`), so opening the map imports neither
pandas nor geopandas, pyproj or GDAL. Writes go through `store(key)` (a layers.stores Store).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import streamlit as st

from core import region
from layers import bulkpayload, safe_write, store as gpkg_store, webpayload
from layers.filters import Filters, Options, options_from
from layers.records import Records, share_values
from layers.stores import env_db, is_db_url
from layers.webmap import Payload, bitset
from mapview import assets


log = logging.getLogger("projectmap")


def source() -> str:
    """The store of this run's region: with $PROJECTMAP_DB (a postgresql:// URL) its tables in that database, for
    every region — never a local file then —, else its GeoPackage path."""
    db = env_db()
    if is_db_url(db):
        return db
    return str(gpkg_store.gpkg_path(region=region.current()))


def is_db(key_or_source) -> bool:
    return is_db_url(key_or_source[0] if isinstance(key_or_source, tuple) else key_or_source)


def file_key(path: Path) -> tuple[str, int, int]:
    """Identity of the GeoPackage on disk: edits and rebuilds change it, so caches follow the file."""
    s = os.stat(path)
    return (str(path), s.st_mtime_ns, s.st_size)


def key_of(src: str) -> tuple[str, int, int]:
    """The cache key of the store `src` now: (path, mtime, size) or (URL, change counter, 0). A PostGIS store
    that holds no data yet is a layers.store.StoreError; an unreachable one a DatabaseError (both UserErrors)."""
    if not is_db_url(src):
        return file_key(Path(src))
    from layers.stores import pg_app
    version, built = pg_app.state(src)  # a region the database does not hold: RegionNotBuilt
    if not built:
        from layers.stores.pg_conn import safe_label
        from layers.stores.pg_region import not_built
        raise not_built(src, safe_label(src))
    return (src, version, 0)


def store(key):
    """The layers.stores Store of `key` (its writes and full reads; opening is cheap)."""
    from layers.stores import open_store
    return open_store(key[0] if is_db(key) else Path(key[0]))


def list_views(src: str) -> list:
    """The meeting views of the store `src` (a source() or key[0]) in meeting order — light on both engines."""
    if is_db_url(src):
        from layers.stores import pg_app
        return pg_app.list_views(src)
    from layers import views
    return views.list_views(Path(src))


def describe(key) -> tuple[str, str]:
    """(what the data is — the file's name or the database without its password, when it last changed)."""
    if is_db(key):
        from layers.stores import pg_app
        from layers.stores.pg_conn import safe_label
        return safe_label(key[0]), pg_app.changed_at(key[0]).astimezone().strftime("%Y-%m-%d %H:%M")
    return Path(key[0]).name, dt.datetime.fromtimestamp(key[1] / 1e9).strftime("%Y-%m-%d %H:%M")


def _light(key):
    """The module of the light read path: layers.webpayload (a GeoPackage) or layers.stores.pg_app (PostGIS)."""
    if is_db(key):
        from layers.stores import pg_app
        return pg_app
    return webpayload


@st.cache_resource(show_spinner="读取数据…", max_entries=4)
def attributes(key: tuple[str, int, int]) -> tuple[list[str], Records]:
    """(county names, every project's stored fields) without geometries and without pandas. Shared by every
    session, not copied on each run: read-only."""
    light = _light(key)
    names, rows = light.attributes(key[0])
    return light.county_names(key[0]), Records(names, share_values(rows))


@st.cache_resource(max_entries=4)
def frame(key: tuple[str, int, int]):
    """The attributes as a pandas DataFrame (plain Python strings: for our sizes faster to filter than Arrow
    strings), for tables, statistics and exports. Shared and read-only, like `attributes`."""
    return attributes(key)[1].to_frame()


@st.cache_resource(max_entries=4)
def options(key: tuple[str, int, int]) -> Options:
    """The values each filter can take in this file (layers.filters.options_from)."""
    return options_from(attributes(key)[1])


@st.cache_data(show_spinner="读取数据…", max_entries=2)
def geo(key: tuple[str, int, int]):
    """(counties, projects) as GeoDataFrames in EPSG:4326 — for the pages that need geometries."""
    import pandas as pd
    s = store(key)
    counties, projects = s.counties(), s.projects()
    for col in gpkg_store.PROJECT_FIELDS:
        if col not in projects.columns:
            projects[col] = None
    projects["target_year"] = pd.array(projects["target_year"], dtype="Int64")
    projects["precision_m"] = pd.to_numeric(projects["precision_m"], errors="coerce")
    return counties, projects


def geo_of(key: tuple[str, int, int], frame: pd.DataFrame):
    """`frame` (rows of this file's attribute table, perhaps with other statuses) with the rows' geometries."""
    import geopandas as gpd
    _, projects = geo(key)
    geometry = projects.set_index("id").geometry.reindex(frame["id"]).values
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry, crs=projects.crs)


CACHE_DIR = assets.STATIC_DIR / "cache"  # git-ignored; served at /app/static/cache/
KEEP_FILES = 24


def _write_cached(kind: str, body: bytes) -> str:
    """The file of `body` under static/cache/, named by its content hash; written if missing, else marked as just
    used (its access time: its modification time stays that of its content, so that browsers, which guess how long
    a file without a Cache-Control header stays fresh from its age, keep it): the folder keeps the KEEP_FILES most
    recently used files of each kind."""
    name = f"{kind}-{hashlib.sha256(body).hexdigest()[:24]}.json"
    target = CACHE_DIR / name
    if target.exists():
        try:
            os.utime(target, (time.time(), target.stat().st_mtime))
        except OSError:  # pruned meanwhile (map_file's caller writes it again) or not ours to touch
            pass
        return name
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    os.replace(tmp, target)
    _prune(kind)
    return name


def _prune(kind: str) -> None:
    """Remove all but the KEEP_FILES most recently used (written or read) files of `kind` — other servers of the
    same folder may be pruning at the same moment: a file already gone is skipped."""
    dated = []
    for p in CACHE_DIR.glob(f"{kind}-*.json"):
        try:
            s = p.stat()
            dated.append((max(s.st_atime, s.st_mtime), p))
        except FileNotFoundError:
            continue
    for _, p in sorted(dated)[:-KEEP_FILES]:
        p.unlink(missing_ok=True)


def _made_here(key: tuple[str, int, int], kind: str, gcj02: bool) -> tuple[bytes, list[str], list | None]:
    """A payload made in this process: the GCJ-02 variant, or the data changed since the build (an edit) — then
    the new payloads are kept in the file, so that the next start of the app has them ready."""
    from layers import webmap
    from layers.escape import safe_json
    counties, projects = geo(key)
    if gcj02:
        if kind == "counties":
            d = webmap.county_data(counties, gcj02=True)
            return safe_json(d).encode("utf-8"), [], d["bounds"]
        d = webmap.project_data(projects, gcj02=True)
        rows = d.pop("rows")
        body = bulkpayload.encode(d) if kind == "bulk" else safe_json(d).encode("utf-8")
        return body, [str(projects["id"].iloc[i]) for i in rows], None
    items = webpayload.make(counties, projects)
    _keep(key, items)
    body, ids = items[kind]
    return body, ids, webpayload.bounds(body) if kind == "counties" else None


def _keep(key: tuple[str, int, int], items: dict) -> None:
    """Store fresh payloads in the store if it is still the version they were made from (else, or when it is
    read-only or busy, skip: they are only a head start)."""
    if is_db(key):
        from layers.stores import pg_app
        pg_app.keep(key[0], items, key[1])
        return
    path = Path(key[0])
    try:
        with safe_write.locked(path, timeout=0.5):
            if file_key(path) == key:
                webpayload.store(path, items)
    except Exception as err:  # noqa: BLE001 — a cache that cannot be written is no error for the reader
        log.info("map payloads not kept in %s: %s", path, err)


@st.cache_resource(show_spinner="准备地图数据…", max_entries=16)
def map_file(key: tuple[str, int, int], kind: str, gcj02: bool) -> tuple[str, list[str], list | None]:
    """One map layer ("projects" or "counties") as a pre-escaped JSON file under static/cache/ (named by its
    content hash), written once per version of the store: the browser fetches it (and revalidates it from its
    cache) instead of receiving it through the page on every rerun. Returns (file name, feature ids in the
    file's order, [[s, w], [n, e]] bounds for the counties)."""
    stored = None if gcj02 else _light(key).payload(key[0], kind)
    if stored is None:
        body, ids, bounds = _made_here(key, kind, gcj02)
    else:
        body, ids = stored
        bounds = webpayload.bounds(body) if kind == "counties" else None
    return _write_cached(kind, body), ids, bounds


def _file(key, kind: str, gcj02: bool) -> tuple[str, list[str], list | None]:
    name, ids, bounds = map_file(key, kind, gcj02)
    if not (CACHE_DIR / name).exists():  # removed behind our back: write it again
        map_file.clear()
        name, ids, bounds = map_file(key, kind, gcj02)
    return name, ids, bounds


@st.cache_resource(max_entries=16)
def _positions(key: tuple[str, int, int], kind: str, gcj02: bool) -> np.ndarray:
    """Each attribute row's position in the map file (the file's length for a project without geometry)."""
    ids = _file(key, kind, gcj02)[1]
    where = {pid: i for i, pid in enumerate(ids)}
    rows = attributes(key)[1]
    return np.fromiter((where.get(pid, len(ids)) for pid in rows["id"]), np.int64, len(rows))


def county_payload(key: tuple[str, int, int], gcj02: bool) -> Payload:
    name, _, bounds = _file(key, "counties", gcj02)
    return Payload(None, 0, bounds, url=assets.static_url(f"cache/{name}"))


def project_payload(key: tuple[str, int, int], shown: Records, filters: Filters, gcj02: bool) -> Payload:
    """The map's project layer: URL of the full (cached) file + a bitset of the features that pass the filter
    (`shown`: the rows that pass it). Above layers.bulkpayload.bulk_min() projects, the binary file drawn on one
    canvas (static/pm/bulk.js)."""
    kind = "bulk" if len(attributes(key)[1]) > bulkpayload.bulk_min() else "projects"
    name, ids, _ = _file(key, kind, gcj02)
    url = assets.static_url(f"cache/{name}")
    bulk = {"bytes": bulkpayload.file_geometry_end(CACHE_DIR / name)} if kind == "bulk" else None
    more = {"bulk": bulk, "ids": ids} if bulk else {}
    positions = _positions(key, kind, gcj02)  # made at the first open, not at the first filter change
    if filters.is_empty():
        return Payload(None, len(ids), None, url=url, **more)
    flags = np.zeros(len(ids) + 1, bool)  # 1 at each shown project's position in the file; one more for the
    flags[positions[shown.row_numbers()]] = True  # projects without a geometry, not in the file
    flags = flags[:-1]
    return Payload(None, int(flags.sum()), None, url=url, visible=bitset(flags), **more)


def warm() -> None:
    """What a first open of the map reads, read into the caches for the default region (mapview.serve, as the
    server starts): the first visitor after a start then waits for none of it. A store that cannot be read is left
    to the page, which explains it."""
    try:
        key = key_of(source())
        rows = attributes(key)[1]
        options(key)
        county_payload(key, False)
        project_payload(key, rows, Filters(), False)
        rows.counts("status"), rows.counts("category")  # the legend's counts: the columns coded
    except Exception as err:  # noqa: BLE001
        log.info("map data not read ahead: %s", err)

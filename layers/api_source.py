"""What the OGC API (layers.api, layers.api_provider) serves: the store read in one place, and a GeoPackage's
frames kept until the file changes (its identity, size and modification time, or a journal beside it) — paging
through 200k features does not re-read the file for every page. PostGIS is read per request."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd

__all__ = ["read", "cached"]


def read(source: str, what: str) -> gpd.GeoDataFrame | pd.DataFrame:
    """The one place the API reads the store (layers.stores: the GeoPackage or PostGIS). ``what``: projects |
    counties | history. ``source``: a GeoPackage path or a postgresql:// URL, fixed when the server starts."""
    from layers.stores import open_store
    st = open_store(source).require()
    if what == "projects":
        return st.projects()
    if what == "counties":
        return st.counties()
    if what == "history":
        return st.status_history()
    raise ValueError(f"nothing to read called {what!r}")


def _stamp(source: str):
    """What changes when the store changes. A GeoPackage: a rebuild replaces the file (a new inode), an edit
    rewrites it in place (size, time) or leaves a journal beside it. PostGIS: None — read on every request (the
    database is shared by several app servers; it keeps no change counter the API could ask cheaply)."""
    from layers.stores import is_db_url
    if is_db_url(source):
        return None
    out = []
    for p in (Path(source), Path(f"{source}-journal"), Path(f"{source}-wal")):
        try:
            st = os.stat(p)
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


_cache: dict[tuple[str, str], tuple[tuple, object]] = {}
_cache_lock = threading.Lock()


def cached(source: str, what: str):
    """read(source, what), read again only when the store changed. Callers must not modify the frame."""
    key = (str(source), what)
    stamp = _stamp(source)
    if stamp is None:
        return read(source, what)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        frame = read(source, what)
        _cache[key] = (stamp, frame)
        return frame

"""Loading the GeoPackage for the app, cached by file identity (path + mtime + size), never geocoding."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

import geopandas as gpd
import streamlit as st

from layers import store
from mapview import assets, draw
from layers.filters import Filters, mask


def file_key(path: Path) -> tuple[str, int, int]:
    """Identity of the GeoPackage on disk: edits and rebuilds change it, so caches follow the file."""
    s = os.stat(path)
    return (str(path), s.st_mtime_ns, s.st_size)


@st.cache_data(show_spinner="读取数据…", max_entries=4)
def load(key: tuple[str, int, int]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    path = key[0]
    counties = store.read_counties(path)
    projects = store.read_projects(path)
    for col in store.PROJECT_FIELDS:
        if col not in projects.columns:
            projects[col] = None
    projects["target_year"] = projects["target_year"].astype("Int64")
    return counties, projects


@st.cache_data(show_spinner=False, max_entries=16)
def county_payload(key: tuple[str, int, int], gcj02: bool) -> draw.Payload:
    counties, _ = load(key)
    d = draw.county_data(counties, gcj02=gcj02)
    return draw.Payload(draw.safe_json(d), len(d["data"]["features"]), d["bounds"])


CACHE_DIR = assets.STATIC_DIR / "cache"  # git-ignored; served at /app/static/cache/
KEEP_FILES = 24


@st.cache_data(show_spinner="准备地图数据…", max_entries=8)
def project_file(key: tuple[str, int, int], gcj02: bool) -> tuple[str, list[int]]:
    """All projects of the GeoPackage as one pre-escaped JSON file under static/cache/ (named by its content hash),
    written once per GeoPackage version: the browser fetches it (and revalidates from its cache) instead of
    receiving megabytes through the component's script on every rerun. Returns (file name, feature → row)."""
    _, projects = load(key)
    d = draw.project_data(projects, gcj02=gcj02)
    rows = d.pop("rows")
    body = draw.safe_json(d).encode("utf-8")
    name = f"projects-{hashlib.sha256(body).hexdigest()[:24]}.json"
    target = CACHE_DIR / name
    if not target.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.replace(tmp, target)
        old = sorted(CACHE_DIR.glob("projects-*.json"), key=lambda p: p.stat().st_mtime)[:-KEEP_FILES]
        for p in old:
            p.unlink(missing_ok=True)
    return name, rows


def project_payload(key: tuple[str, int, int], filters: Filters, gcj02: bool) -> draw.Payload:
    """The map's project layer: URL of the full (cached) file + a bitset of the features that pass the filter."""
    name, rows = project_file(key, gcj02)
    if not (CACHE_DIR / name).exists():  # removed behind our back: write it again
        project_file.clear()
        name, rows = project_file(key, gcj02)
    _, projects = load(key)
    url = assets.static_url(f"cache/{name}")
    if filters.is_empty():
        return draw.Payload(None, len(rows), None, url=url)
    flags = mask(projects, filters).to_numpy()[np.asarray(rows, dtype=int)]
    return draw.Payload(None, int(flags.sum()), None, url=url, visible=draw.bitset(flags))

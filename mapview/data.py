"""Loading the GeoPackage for the app, cached by file identity (path + mtime + size), never geocoding."""
from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import streamlit as st

from layers import store
from mapview import draw
from mapview.filters import Filters, apply


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


@st.cache_data(show_spinner="准备地图数据…", max_entries=32)
def project_payload(key: tuple[str, int, int], filters: Filters, gcj02: bool) -> draw.Payload:
    """The pre-escaped GeoJSON of the filtered projects, serialised once (cached: the map object is not)."""
    _, projects = load(key)
    d = draw.project_data(apply(projects, filters), gcj02=gcj02)
    return draw.Payload(draw.safe_json(d), len(d["data"]["features"]), None)

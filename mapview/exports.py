"""Glue between the app and `layers.export`: exactly the filtered projects, with file names that carry the date
and the filter. Exports are always WGS84 (never the GCJ-02 display shift)."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import streamlit as st

from layers import export
from layers.store import PROJECT_FIELDS
from mapview import data
from layers.filters import Filters, apply, filename_stem

LABELS = {"geojson": "GeoJSON (RFC 7946)", "gpkg": "GeoPackage", "csv": "CSV (Excel 可直接打开)"}
# key → (button label, extension, MIME); extensions and MIME types are layers.export's
FORMATS = {fmt: (LABELS[fmt], ext, mime) for fmt, (mime, ext) in export.FORMATS.items()}


def export_frame(filtered: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Only the contract fields + geometry, in EPSG:4326."""
    cols = [c for c in PROJECT_FIELDS if c in filtered.columns] + [filtered.geometry.name]
    return filtered[cols]


@st.cache_data(show_spinner="生成导出文件…", max_entries=24)
def export_bytes(key: tuple, filters: Filters, fmt: str) -> bytes:
    _, projects = data.load(key)
    return export.to_bytes(export_frame(apply(projects, filters)), fmt)


def file_name(filters: Filters, fmt: str, today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return filename_stem(filters, today.isoformat()) + FORMATS[fmt][1]

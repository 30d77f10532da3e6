"""Legend samples as small SVGs, for the on-map legend (`legend_html`) and the sidebar's legend-filter
(`status_swatch`, `category_swatch`). Styles come from layers.styles; every text is escaped."""
from __future__ import annotations

from core.vocab import CATEGORIES, PRECISIONS, STATUSES
from layers import styles
from mapview.escape import esc

__all__ = ["category_swatch", "legend_html", "line_sample", "status_swatch"]


def _aria(label: str | None) -> str:
    return f' role="img" aria-label="{esc(label)}"' if label is not None else ""


def line_sample(style: dict, width: int = 34, height: int = 12, label: str | None = None, inset: int = 2) -> str:
    """A line drawn in a feature style (colour, weight up to 5, opacity and dashes when the style has them)."""
    dash = f' stroke-dasharray="{esc(style["dashArray"])}"' if style.get("dashArray") else ""
    opacity = f' stroke-opacity="{style["opacity"]}"' if "opacity" in style else ""
    y = height // 2
    return (f'<svg width="{width}" height="{height}"{_aria(label)}><line x1="{inset}" y1="{y}" '
            f'x2="{width - inset}" y2="{y}" stroke="{esc(style["color"])}" '
            f'stroke-width="{min(style["weight"], 5)}"{opacity}{dash}/></svg>')


def dot_sample(color: str, fill: bool = True) -> str:
    return (f'<svg width="14" height="14"><circle cx="7" cy="7" r="5" stroke="{esc(color)}" stroke-width="2" '
            f'fill="{esc(color)}" fill-opacity="{0.8 if fill else 0.1}"/></svg>')


def status_swatch(code: str, label: str) -> str:
    """The sidebar's sample of a status: its line style in dark grey."""
    s = styles.feature_style("", code, "exact")
    return line_sample({"color": "#333", "weight": s["weight"], "dashArray": s.get("dashArray")}, 30, 22, label, inset=1)


def category_swatch(code: str, label: str) -> str:
    """The sidebar's sample of a category: a box in its colour."""
    return (f'<svg width="30" height="22"{_aria(label)}>'
            f'<rect x="4" y="4" width="22" height="14" rx="3" fill="{esc(styles.color(code))}"/></svg>')


def _status_rows(status_counts: dict[str, int]) -> list[str]:
    rows = []
    for code, (lab, _) in STATUSES.items():
        n = status_counts.get(code, 0)
        if n:
            s = dict(styles.feature_style("", code, "exact"), color="#333333")
            rows.append(f'<div class="pm-row">{line_sample(s)}<span>{esc(lab)}</span><b>{n}</b></div>')
    return rows


def _category_rows(category_counts: dict[str, int]) -> list[str]:
    return [f'<div class="pm-row">{dot_sample(styles.color(code))}<span>{esc(CATEGORIES.get(code, code))}</span>'
            f'<b>{n}</b></div>' for code, n in sorted(category_counts.items(), key=lambda kv: -kv[1]) if n]


def _precision_rows() -> list[str]:
    rows = []
    for code, (lab, _) in PRECISIONS.items():
        s = dict(styles.feature_style("river", "under_construction", code), color="#333333")
        rows.append(f'<div class="pm-row">{line_sample(s)}<span>{esc(lab)}</span></div>')
    rows.append('<div class="pm-row"><svg width="34" height="12"><rect x="2" y="1" width="30" height="10" rx="5" '
                'fill="#1f4e79" fill-opacity=".15"/></svg><span>误差范围（悬停或点击时显示）</span></div>')
    return rows


def legend_html(status_counts: dict[str, int], category_counts: dict[str, int], title: str = "") -> str:
    """The on-map legend: statuses (line style), categories (colour), precision; counts beside each."""
    parts = [f'<div class="pm-legend-title">{esc(title)}</div>'] if title else []
    parts += ['<div class="pm-legend-h">状态</div>', *_status_rows(status_counts)]
    parts += ['<div class="pm-legend-h">类别</div>', *_category_rows(category_counts)]
    parts += ['<div class="pm-legend-h">位置精度</div>', *_precision_rows()]
    return "".join(parts)

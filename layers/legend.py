"""Legend samples as small SVGs, for the on-map legend (`legend_html`) and the sidebar's legend-filter
(`status_swatch`, `category_swatch`). Styles come from layers.styles; every text is escaped."""
from __future__ import annotations

from core.vocab import CATEGORIES, PRECISIONS, STATUSES
from layers import styles, symbols
from layers.escape import esc

__all__ = ["category_swatch", "legend_html", "status_swatch"]


def _aria(label: str | None) -> str:
    return f' role="img" aria-label="{esc(label)}"' if label is not None else ""


def status_swatch(code: str, label: str) -> str:
    """The sidebar's sample of a status: a line in its pattern (with the casing of 建成) and its marker fill."""
    return _status_sample(code, 30, 22, label)


def category_swatch(code: str, label: str) -> str:
    """The sidebar's sample of a category: its marker (family colour, shape)."""
    return _marker(code, "under_construction", "exact", 20, label)


def _marker(category: str, status: str, precision: str, size: int, label: str | None = None) -> str:
    svg = symbols.marker_svg(category, status, precision, size)  # our own markup, no user text
    return svg.replace("<svg ", f"<svg{_aria(label)} ", 1) if label is not None else svg


def _status_sample(code: str, width: int = 34, height: int = 14, label: str | None = None) -> str:
    s = styles.feature_style("railway_spur", code, "exact")
    grey = s["color"] if code == "suspended" else "#444444"
    y = height // 2
    casing = (f'<line x1="3" y1="{y}" x2="{width - 3}" y2="{y}" stroke="{s["casing"]}" stroke-width="6" '
              f'stroke-linecap="round"/>') if s.get("casing") else ""
    dash = f' stroke-dasharray="{esc(s["dashArray"])}"' if s.get("dashArray") else ""
    return (f'<svg width="{width}" height="{height}"{_aria(label)}>{casing}<line x1="3" y1="{y}" x2="{width - 3}" '
            f'y2="{y}" stroke="{grey}" stroke-width="3" stroke-linecap="round"{dash}/></svg>')


def _status_rows(status_counts: dict[str, int]) -> list[str]:
    rows = []
    for code, (lab, _) in STATUSES.items():
        n = status_counts.get(code, 0)
        if n:
            rows.append(f'<div class="pm-row" data-status="{esc(code)}">{_status_sample(code)}'
                        f'{_marker("railway_spur", code, "exact", 16)}<span>{esc(lab)}</span><b>{n}</b></div>')
    return rows


def _category_rows(category_counts: dict[str, int]) -> list[str]:
    rows = []
    shown = {c for c, n in category_counts.items() if n}
    for family, cats in symbols.families_of(shown).items():
        rows.append(f'<div class="pm-legend-f">{esc(symbols.FAMILIES[family][0])}</div>')
        rows += [f'<div class="pm-row" data-category="{esc(c)}">{_marker(c, "under_construction", "exact", 16)}'
                 f'<span>{esc(CATEGORIES.get(c, c))}</span><b>{category_counts[c]}</b></div>' for c in cats]
    rows += [f'<div class="pm-row" data-category="{esc(c)}"><span>{esc(c)}</span><b>{n}</b></div>'  # not in the vocabulary
             for c, n in category_counts.items() if n and c not in symbols.CATEGORY_SYMBOLS]
    return rows


def _precision_rows() -> list[str]:
    rows = []
    for code, (lab, _) in PRECISIONS.items():
        op = symbols.PRECISION_OPACITY[code]
        rows.append(f'<div class="pm-row"><svg width="34" height="14"><line x1="3" y1="7" x2="31" y2="7" '
                    f'stroke="#444" stroke-width="4" stroke-opacity="{op}" stroke-linecap="round"/></svg>'
                    f'<span>{esc(lab)}</span></div>')
    rows.append('<div class="pm-row"><svg width="34" height="14"><rect x="2" y="2" width="30" height="10" rx="5" '
                'fill="#1f4e79" fill-opacity=".15"/></svg><span>误差范围（悬停或点击时显示）</span></div>')
    return rows


def legend_html(status_counts: dict[str, int], category_counts: dict[str, int], title: str = "") -> str:
    """The on-map legend: statuses (line pattern, marker fill), categories by family (colour, shape), precision
    (opacity); counts beside each."""
    parts = [f'<div class="pm-legend-title">{esc(title)}</div>'] if title else []
    parts += ['<div class="pm-legend-h">状态</div>', *_status_rows(status_counts)]
    parts += ['<div class="pm-legend-h">类别</div>', *_category_rows(category_counts)]
    parts += ['<div class="pm-legend-h">位置精度（越淡越不确定）</div>', *_precision_rows()]
    return "".join(parts)

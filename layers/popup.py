"""What a project's popup and tooltip say: the fields shown, their Chinese labels and display texts, all escaped.

`popup_parts` gives the escaped texts (the name, then one per POPUP_FIELDS entry); the map payload keeps them in a
shared string table and static/pm/map.js assembles the popup from them exactly as `popup_from_parts` does here.
"""
from __future__ import annotations

import math

import pandas as pd

from core import fields
from core.vocab import EVIDENCE_KINDS, label
from layers import evidence
from layers.escape import esc

__all__ = ["POPUP_FIELDS", "EXCERPT_INDEX", "TOOLTIP_INDEX", "evidence_html", "popup_from_parts", "popup_html",
           "popup_parts", "precision_text", "status_label"]

# (property, Chinese label), in popup order: from the field list (core.fields, `popup=`)
POPUP_FIELDS = [(f.name, f.zh) for f in fields.popup()]
EXCERPT_INDEX = [p for p, _ in POPUP_FIELDS].index("plan_excerpt")
TOOLTIP_INDEX = [1 + [p for p, _ in POPUP_FIELDS].index(k) for k in ("category", "status", "county")]


def status_label(code) -> str:
    return label("status", code)


def precision_text(precision, precision_m) -> str:
    """'近似(误差约 2.5 公里)': the precision class and the error radius in metres or kilometres."""
    lab = label("precision", precision)
    try:
        m = float(precision_m)
        if not math.isnan(m):
            return f"{lab}(误差约 {m:,.0f} 米)" if m < 1000 else f"{lab}(误差约 {m / 1000:,.1f} 公里)"
    except (TypeError, ValueError):
        pass
    return lab


def evidence_html(value) -> str:
    """The evidence (layers.evidence JSON) as escaped HTML: one line per source — kind, title with a link,
    publisher, date, the quote that places it and what follows from it."""
    lines = []
    for s in evidence.from_json(value):
        kind = EVIDENCE_KINDS.get(s.kind, (s.kind,))[0]
        title = esc(s.title)
        if s.url.startswith(("https://", "http://")):
            title = f'<a href="{esc(s.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        meta = "，".join(esc(x) for x in (s.publisher, s.date) if x)
        quote = f"「{esc(s.quote)}」" if s.quote else ""
        finding = f"→ {esc(s.finding)}" if s.finding else ""
        lines.append(f"<div class=\"pm-ev\">[{esc(kind)}] {title}{'（' + meta + '）' if meta else ''}"
                     f"{quote}{finding}</div>")
    return "".join(lines) or esc(EVIDENCE_KINDS["none"][0])


def _year(v) -> str:
    return "未定" if v is None or pd.isna(v) else f"{int(v)}年"


def _verification(v) -> str:
    return label("verification", v if isinstance(v, str) else "unverified")  # written by every build since 2025


_SHOWN = {  # property → (value, row) → plain text, where the popup says more than core.fields.display
    "precision": lambda v, row: precision_text(v, row.get("precision_m")),
    "target_year": lambda v, row: _year(v),
    "verification": lambda v, row: _verification(v),
}


def display(prop: str, row) -> str:
    """The escaped display text of one popup field."""
    v = row.get(prop)
    if prop == "evidence":
        return evidence_html(v)
    show = _SHOWN.get(prop)
    return esc(show(v, row) if show else fields.display(prop, v))


def popup_parts(row) -> list[str]:
    """Escaped display texts: the name, then one per POPUP_FIELDS entry ('' when empty)."""
    return [esc(row.get("name"))] + [display(prop, row) for prop, _ in POPUP_FIELDS]


def popup_from_parts(parts: list[str]) -> str:
    """The popup markup. static/pm/map.js builds exactly the same string from the same parts."""
    rows = []
    for j, (_, lab) in enumerate(POPUP_FIELDS):
        text = parts[j + 1]
        if not text:
            continue
        cls = ' class="pm-excerpt"' if j == EXCERPT_INDEX else ""
        rows.append(f"<tr><th>{lab}</th><td{cls}>{text}</td></tr>")
    return f'<div class="pm-popup"><h4>{parts[0]}</h4><table>{"".join(rows)}</table></div>'


def popup_html(row) -> str:
    """Popup HTML for one project (a mapping of its fields). Every value escaped."""
    return popup_from_parts(popup_parts(row))

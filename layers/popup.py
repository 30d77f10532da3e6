"""What a project's popup and tooltip say: the fields shown, their Chinese labels and display texts, all escaped.

`popup_parts` gives the escaped texts (the name, then one per POPUP_FIELDS entry); the map payload keeps them in a
shared string table and static/pm/map.js assembles the popup from them exactly as `popup_from_parts` does here.
"""
from __future__ import annotations

import re

import math

from core import fields
from core.vocab import EVIDENCE_KINDS, label
from layers import evidence
from layers.escape import esc, is_missing

__all__ = ["POPUP_FIELDS", "EXCERPT_INDEX", "TOOLTIP_INDEX", "evidence_html", "popup_from_parts", "popup_html", "source_zh",
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
    """The evidence (layers.evidence JSON) as escaped HTML: one line per source — kind, title (a link when the page
    is on a known site: evidence.linked), publisher, date, the quote that places it and what follows from it."""
    lines = []
    for s in evidence.from_json(value):
        kind = EVIDENCE_KINDS.get(s.kind, (s.kind,))[0]
        title = esc(s.title)
        if evidence.linked(s.url):
            title = f'<a href="{esc(s.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        elif s.url:
            title += "（第三方转载网页，未设链接）"
        meta = "，".join(esc(x) for x in (s.publisher, s.date) if x)
        quote = f"「{esc(s.quote)}」" if s.quote else ""
        finding = f"→ {esc(s.finding)}" if s.finding else ""
        lines.append(f"<div class=\"pm-ev\">[{esc(kind)}] {title}{'（' + meta + '）' if meta else ''}"
                     f"{quote}{finding}</div>")
    return "".join(lines) or esc(EVIDENCE_KINDS["none"][0])


def _year(v) -> str:
    return "未定" if is_missing(v) else f"{int(v)}年"


def _verification(v) -> str:
    return label("verification", v if isinstance(v, str) else "unverified")  # written by every build since 2025


# How a geometry was drawn, in Chinese for the popup (the machine text of geom_source stays in the exports).
_SOURCES_ZH = [
    (re.compile(r"^gazetteer: ([^—]+?) — "), lambda m: f"地名表中的“{m[1].strip()}”（来源见位置依据）"),
    (re.compile(r"^schematic line through gazetteer places (.+)$"), lambda m: f"经 {m[1]} 连成的示意线"),
    (re.compile(r"^schematic ring of ([\d.]+) km around (\S+)"), lambda m: f"{m[2]}周围 {m[1]} 公里的示意环线"),
    (re.compile(r"^administrative fallback: ([^ (]+)"), lambda m: f"仅知所在县（市、区）：{m[1]}，以县域表示"),
    (re.compile(r"^on the (\S+?) nearest (\S+?) \("), lambda m: f"{m[1]}上距{m[2]}最近处"),
    (re.compile(r"^on the (\S+?) within (\S+?), site not known"), lambda m: f"{m[1]}{m[2]}段，具体位置不详"),
    (re.compile(r"^on the (\S+?), site not known"), lambda m: f"{m[1]}上，具体位置不详（误差覆盖整个河段）"),
    (re.compile(r"^schematic course of the (\S+)"), lambda m: f"{m[1]}示意走向（无河流数据）"),
    (re.compile(r"GSHHG"), lambda m: "沿 GSHHG 河流数据追踪的河道走向"),
]


def source_zh(geom_source) -> str:
    """How the geometry was drawn, in Chinese; an editor's own source text is shown as typed."""
    text = str(geom_source or "")
    for pattern, say in _SOURCES_ZH:
        m = pattern.search(text)
        if m:
            return say(m) + ("；按依据放宽误差" if "widened" in text else "")
    return text


_SHOWN = {  # property → (value, row) → plain text, where the popup says more than core.fields.display
    "geom_source": lambda v, row: source_zh(v),
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

"""The sidebar's legend-filter as one light component (static/pm/legend/): each status and category with its map
symbol, its count under the other filters and a checkbox — one element per run instead of three widgets per entry
(the sidebar was most of the script's time). A Streamlit v2 component: drawn in the page itself (its own shadow
root), not in a frame of its own, which made opening the map page about a second slower on our machine. A change
comes back as the trigger "pick" = {name, on: [codes]}."""
from __future__ import annotations

import json

import streamlit as st

from layers import legend
from layers.escape import esc
from layers.filters import label
from mapview import assets, urlstate

__all__ = ["legend_filter"]

_HERE = assets.STATIC_DIR / "pm" / "legend"
_component = st.components.v2.component(
    "pm_legend", html='<div class="pm-legend-filter" data-testid="pm-legend-filter"></div>',
    css=(_HERE / "legend.css").read_text(encoding="utf-8"), js=(_HERE / "legend.js").read_text(encoding="utf-8"))
KEY = "pm_legend"
SWATCH = {"status": legend.status_swatch, "category": legend.category_swatch}


def _changed() -> None:
    codes_of = st.session_state.get("pm_legend_codes", {})  # what the legend offered on the last run
    value = (st.session_state.get(KEY) or {}).get("pick") or {}
    name, on = value.get("name"), value.get("on")
    if name not in codes_of or not isinstance(on, list):
        return
    codes = codes_of[name]
    checked = tuple(c for c in codes if c in on)  # only known codes, in the legend's order
    if len(checked) == len(codes) or not checked:
        checked = ()  # all shown (unchecking the last one resets rather than leaving an empty map)
    urlstate.set_filters(**{name: checked})


def legend_filter(groups: list[tuple[str, str, str, list[str], dict[str, int]]], f) -> None:
    """groups: (filter name, title, hint, codes, counts) — status and category."""
    payload, codes_of = [], {}
    for name, title, hint, codes, counts in groups:
        selected = getattr(f, name)
        codes_of[name] = codes
        payload.append({"name": name, "title": esc(title), "hint": esc(hint), "rows": [
            {"code": esc(c), "label": esc(label(name, c)), "n": int(counts.get(c, 0)),
             "swatch": SWATCH[name](c, label(name, c)), "on": (not selected) or c in selected} for c in codes]})
    st.session_state.pm_legend_codes = codes_of
    # bytes: Streamlit inspects a dict or list for DataFrames, which imports pandas
    _component(data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), key=KEY, on_pick_change=_changed)

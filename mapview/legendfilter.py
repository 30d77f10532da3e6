"""The sidebar's legend-filter as one light component (static/pm/legend/): each status and category with its map
symbol, its count under the other filters and a checkbox — one element per run instead of three widgets per entry
(the sidebar was most of the script's time). A change comes back as {name, on: [codes], n}."""
from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from layers import legend
from layers.escape import esc
from layers.filters import label
from mapview import assets, urlstate

__all__ = ["legend_filter"]

_component = components.declare_component("pm_legend", path=str(assets.STATIC_DIR / "pm" / "legend"))
KEY = "pm_legend"
SWATCH = {"status": legend.status_swatch, "category": legend.category_swatch}


def _changed() -> None:
    codes_of = st.session_state.get("pm_legend_codes", {})  # what the legend offered on the last run
    value = st.session_state.get(KEY) or {}
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
    # one JSON string: Streamlit checks every dict or list argument for a DataFrame, which imports pandas
    _component(groups=json.dumps(payload, ensure_ascii=False), key=KEY, on_change=_changed, default=None)

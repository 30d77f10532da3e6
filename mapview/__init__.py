"""The app's building blocks (Streamlit and folium); pages/*.py only lay out widgets and call these. Imports flow
one way: core ← geo ← layers ← mapview ← pages/app. What the app shares with the CLI (filters, escaping, popups,
legend, map payloads) lives in layers (filters, escape, popup, legend, webmap).

- `ui`: set-up of every run (data, filter state, sidebar), `ctx()` for pages, notices and the summary line.
- `urlstate`, `sidebar`: the filter state in the session and the URL; the legend-filter sidebar.
- `data`: the GeoPackage loaded and cached by file identity; the project file the browser fetches.
- `draw`: the folium map; its JavaScript and CSS are static/pm/map.js and map.css (cached by the browser).
- `maps`: the maps pages show (main, snapshot, edit); `basemaps`: xyzservices tile providers.
- `tables`, `stats`, `changes`, `exports`, `meeting`: what the table, statistics, changes, export pages and
  meetings show.
- `login`, `editing`: the edit page's login and tabs; `assets`, `webfont`: Leaflet and a Chinese font served locally.
- `serve`: starts the app (`python -m mapview.serve`, what ./run.sh runs).
"""
__all__ = ["assets", "basemaps", "changes", "data", "draw", "editing", "exports", "login", "maps", "meeting",
           "sidebar", "stats", "tables", "ui", "urlstate", "webfont"]

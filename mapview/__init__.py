"""The app's map and pages' building blocks (Streamlit and folium); pages/*.py only lay out widgets and call these.
Imports flow one way: core ← geo ← layers ← mapview ← pages/app.

- `ui`: set-up of every run (data, filter state, sidebar), `ctx()` for pages, notices and the summary line.
- `urlstate`, `sidebar`: the filter state in the session and the URL; the legend-filter sidebar.
- `filters`: pure filtering, URL parsing and facet counts (no Streamlit).
- `data`: the GeoPackage loaded and cached by file identity; the project file the browser fetches.
- `draw`: map payloads and the folium map; its JavaScript and CSS are static/pm/map.js and map.css.
- `escape`, `popup`, `legend`: escaping (HTML, Markdown, JSON), popup texts from core.fields, legend samples.
- `maps`: the maps pages show (main, snapshot, edit); `basemaps`: xyzservices tile providers.
- `tables`, `stats`, `changes`, `exports`: what the table, statistics, changes and export pages show.
- `login`, `editing`: the edit page's login and tabs; `assets`: Leaflet served locally.
"""
__all__ = ["assets", "basemaps", "changes", "data", "draw", "editing", "escape", "exports", "filters", "legend",
           "login", "maps", "popup", "sidebar", "stats", "tables", "ui", "urlstate"]

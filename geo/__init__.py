"""Geography: turning a registry row into a geometry with provenance, and reading geometries people upload.

Public entry points: `geo.geocode` (Geocoder, Located, check_in_counties), `geo.gazetteer` (load, Place),
`geo.boundaries` (counties, county_geometry), `geo.crs` (GCJ-02 and metric conversions), `geo.rivers` (river
courses), `geo.online` (optional online geocoders), `geo.upload` (read_upload, check_geometry, UploadError).
geo imports core and libraries only — never layers, mapview or streamlit (tests/test_architecture.py)."""

__all__ = ["boundaries", "crs", "gazetteer", "geocode", "online", "rivers", "upload"]

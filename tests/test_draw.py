"""mapview.draw: map payloads (styles from layers.styles, draw order, string table), the map with local assets."""
import json
import re

import pytest
from shapely.geometry import box

from benchmarks.synthetic import county_frame, project_frame
from layers import styles
from layers import popup
from mapview import assets, draw
from layers.escape import safe_json


@pytest.fixture(scope="module")
def gdf():
    return project_frame(30)


def test_payload_keeps_popup_texts_in_a_shared_string_table(gdf):
    payload = draw.project_data(gdf)
    strings = payload["strings"]
    by_id = {f["properties"]["i"]: f["properties"]["v"] for f in payload["data"]["features"]}
    for _, row in gdf.iterrows():
        parts = [strings[k] for k in by_id[row["id"]]]
        assert popup.popup_from_parts(parts) == popup.popup_html(row.to_dict())
    assert len(strings) == len(set(strings)) and strings[0] == ""
    assert payload["labels"][payload["excerpt"]] == "规划原文"


def test_payload_json_cannot_close_a_script_block(gdf):
    text = safe_json(draw.project_data(gdf))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["data"]["features"]


def test_styles_come_from_layers_styles(gdf):
    payload = draw.project_data(gdf)
    by_id = {f["properties"]["i"]: f for f in payload["data"]["features"]}
    for _, row in gdf.iterrows():
        feat = by_id[row["id"]]
        got = dict(payload["styles"][feat["properties"]["k"]])
        assert (got.pop("c"), got.pop("s")) == (row["category"], row["status"])  # what the map hides by
        want = styles.feature_style(row["category"], row["status"], row["precision"])
        if row.geometry.geom_type == "Polygon" and row["precision"] == "county":
            assert got["fillOpacity"] == 0 and got["color"] == want["color"]
        else:
            assert got == want


def test_exact_and_approximate_geometries_look_different():
    exact = styles.feature_style("river", "under_construction", "exact")
    approx = styles.feature_style("river", "under_construction", "approximate")
    schematic = styles.feature_style("river", "under_construction", "schematic")
    assert schematic["opacity"] < approx["opacity"] < exact["opacity"]
    # precision never borrows the status's dashes: an uncertain line under construction is still solid
    assert "dashArray" not in schematic and "dashArray" not in exact


def test_under_construction_never_looks_like_another_status():
    built = styles.feature_style("expressway", "under_construction", "schematic")
    for other in ("proposed", "preliminary", "completed", "suspended"):
        o = styles.feature_style("expressway", other, "schematic")
        assert (o.get("dashArray"), o.get("casing"), o["color"], o["marker"]) != \
            (built.get("dashArray"), built.get("casing"), built["color"], built["marker"])


def test_areas_are_drawn_below_lines_below_points(gdf):
    feats = draw.project_data(gdf)["data"]["features"]
    kinds = [f["geometry"]["type"] for f in feats]
    rank = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1, "Point": 2}
    assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds)
    assert len(feats) == len(gdf)


def test_gcj02_shift_is_for_display_and_about_half_a_kilometre(gdf):
    a = draw.project_data(gdf.iloc[[5]])["data"]["features"][0]["geometry"]["coordinates"]
    b = draw.project_data(gdf.iloc[[5]], gcj02=True)["data"]["features"][0]["geometry"]["coordinates"]
    assert 0.002 < abs(b[0] - a[0]) + abs(b[1] - a[1]) < 0.02
    assert round(gdf.iloc[5].geometry.x, 6) == a[0]  # the frame itself is untouched (WGS84)


def test_county_labels_are_escaped_and_inside_their_county():
    counties = county_frame()
    counties.loc[0, "name"] = "<b>县</b>"
    d = draw.county_data(counties)
    assert d["labels"][0]["n"] == "&lt;b&gt;县&lt;/b&gt;"
    for lab, geom in zip(d["labels"], counties.geometry):
        assert geom.contains(box(lab["lon"] - 1e-9, lab["lat"] - 1e-9, lab["lon"] + 1e-9, lab["lat"] + 1e-9))


def test_map_references_only_local_assets(gdf):
    cp = draw.county_data(county_frame())
    counties = draw.Payload(safe_json(cp), 8, cp["bounds"])
    pd_ = draw.project_data(gdf)
    projects = draw.Payload(safe_json(pd_), len(gdf), None)
    m = draw.build_map(counties, projects, "", draw.MapOptions())
    html = m.get_root().render()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith(("/app/static/vendor/", "/app/static/pm/")) for u in urls), urls
    assert all((assets.STATIC_DIR / u.removeprefix("/app/static/").split("?")[0]).is_file() for u in urls), \
        "run python -m mapview.assets"
    assert "cdn" not in html.lower()


def test_the_maps_own_code_is_static_files_versioned_by_content(gdf):
    cp = draw.county_data(county_frame())
    html = draw.build_map(draw.Payload(safe_json(cp), 8, cp["bounds"]), draw.Payload("{}", 0, None), "",
                          draw.MapOptions()).get_root().render()
    import hashlib
    for rel in ("pm/map.js", "pm/map.css"):
        digest = hashlib.sha256((assets.STATIC_DIR / rel).read_bytes()).hexdigest()[:12]
        assert f'"/app/static/{rel}?v={digest}"' in html  # a changed file gets a new URL; an unchanged one is cached
    assert "function pmDrawMap" in (assets.STATIC_DIR / "pm/map.js").read_text()
    assert "L.geoJSON" not in html  # no drawing code left in the page: it all lives in map.js


def test_every_map_option_changes_the_map():
    from dataclasses import fields
    cp = draw.county_data(county_frame())
    counties = draw.Payload(safe_json(cp), 8, cp["bounds"])

    def render(**kw):  # element ids are random: blank them
        m = draw.build_map(counties, draw.Payload("{}", 3, None), "", draw.MapOptions(**kw))
        return re.sub(r"[0-9a-f]{32}", "", m.get_root().render())
    other = {"present": True, "locate": "P00001", "bbox": (115.3, 36.3, 115.7, 36.7)}
    assert {f.name for f in fields(draw.MapOptions)} == set(other)  # no option that nothing reads
    for name, value in other.items():
        assert render(**{name: value}) != render(), name


def test_large_sets_switch_to_canvas(gdf):
    cp = draw.county_data(county_frame())
    counties = draw.Payload(safe_json(cp), 8, cp["bounds"])
    big = draw.build_map(counties, draw.Payload("{}", draw.CANVAS_THRESHOLD + 1, None), "", draw.MapOptions())
    small = draw.build_map(counties, draw.Payload("{}", 10, None), "", draw.MapOptions())
    assert "preferCanvas\": true" in big.get_root().render().replace("preferCanvas\":true", "preferCanvas\": true")
    assert "preferCanvas\": false" in small.get_root().render().replace("preferCanvas\":false", "preferCanvas\": false")


def test_bitset_marks_exactly_the_visible_features():
    import base64
    flags = [i % 3 == 0 for i in range(21)]
    raw = base64.b64decode(draw.bitset(flags))
    assert [bool((raw[i >> 3] >> (i & 7)) & 1) for i in range(21)] == flags


def test_map_with_a_data_file_embeds_no_project_data(gdf):
    cp = draw.county_data(county_frame())
    counties = draw.Payload(safe_json(cp), 8, cp["bounds"])
    projects = draw.Payload(None, 3, None, url="/app/static/cache/projects-x.json", visible=draw.bitset([1, 0, 1, 1]))
    html = draw.build_map(counties, projects, "", draw.MapOptions()).get_root().render()
    assert "/app/static/cache/projects-x.json" in html and "P00000" not in html


def test_drawn_outlines_are_simplified_only_within_their_own_error(shipped):
    """A county-level area is drawn with far fewer vertices; no drawn line moves more than 1/20 of its radius."""
    import numpy as np
    import shapely

    from layers import store, webmap
    projects = store.read_projects(shipped[0])
    drawn = webmap._display_geometries(projects, False, precision_m=projects["precision_m"])
    before = shapely.get_num_coordinates(projects.geometry.values)
    after = shapely.get_num_coordinates(drawn)
    county = (projects["precision"] == "county").to_numpy() & (before > 500)
    assert county.any() and (after[county] < 0.7 * before[county]).all()
    moved_m = shapely.hausdorff_distance(projects.geometry.values, drawn) * webmap.METRES_PER_DEGREE
    limit = np.minimum(projects["precision_m"].to_numpy() / 20, webmap.SIMPLIFY_MAX_M) + 0.5
    assert (moved_m <= limit).all()

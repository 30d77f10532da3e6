"""Province-scale data in the browser: above $PROJECTMAP_BULK_MIN projects the map draws every project on one canvas
from the binary payload (static/pm/bulk.js, layers/bulkpayload.py). Here the threshold is lowered so that 1 500
synthetic projects (the first ones with hostile names) take that path: the real app, the real chromium, offline."""
import re

import pytest

from benchmarks.synthetic import HOSTILE_NAMES, write_gpkg
from layers import bulkpayload, store, webpayload
from tests.e2e.browser import MAP, legend_checkbox, map_frame, streamlit_server, wait_map_drawn

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

N = 1500


@pytest.fixture(scope="module")
def bulk_gpkg(tmp_path_factory):
    return write_gpkg(tmp_path_factory.mktemp("bulk") / "projects.gpkg", n=N)


@pytest.fixture(scope="module")
def bulk_server(bulk_gpkg):
    with streamlit_server(bulk_gpkg, env={bulkpayload.BULK_ENV: "1000"}) as (base, _proc):
        yield base


@pytest.fixture(scope="module")
def order(bulk_gpkg):
    """(ids in the file's order, the payload) as the build stored them."""
    body, ids = webpayload.payload(bulk_gpkg, "bulk")
    return ids, body


def _painted(frame, i, zoom=16):
    """Centre the map on feature i at `zoom`; whether the canvas has paint at its pixel."""
    return frame.locator(MAP).evaluate("""(el, a) => new Promise(done => {
        const b = window.pmBulkView; b.map.setView(b.latlng(a.i), a.zoom, {animate: false});
        requestAnimationFrame(() => requestAnimationFrame(() => {
          const c = el.querySelector(".leaflet-overlay-pane canvas"), p = b.point(a.i);
          const r = c.getBoundingClientRect(), m = el.getBoundingClientRect(), s = c.width / r.width;
          const x = Math.round((p.x + m.left - r.left) * s), y = Math.round((p.y + m.top - r.top) * s);
          done(c.getContext("2d").getImageData(x, y, 1, 1).data[3] > 0);
        }));
      })""", {"i": i, "zoom": zoom})


def test_large_data_is_drawn_on_one_canvas_from_the_geometry_part_only(bulk_server, page, browser_context, order):
    ids, body = order
    page.goto(bulk_server + "/")
    projects, counties, renderer = wait_map_drawn(page)
    assert (projects, counties, renderer) == (N, 8, "bulk")
    frame = map_frame(page)
    expect(frame.locator(".pm-feature")).to_have_count(0)  # no Leaflet layer per project
    expect(frame.locator(".leaflet-overlay-pane canvas")).to_have_count(1)
    point = next(i for i in range(len(ids)) if bulkpayload.decode(body)["kind"][i] == 0)
    assert _painted(frame, point)
    fetched = frame.locator("body").evaluate("""() => performance.getEntriesByType("resource")
        .filter(e => e.name.includes("/cache/bulk-")).map(e => e.encodedBodySize)""")
    assert fetched and fetched[0] <= bulkpayload.geometry_end(body) < len(body)  # popups are fetched on click
    scripts = frame.locator("body").evaluate("""() => performance.getEntriesByType("resource")
        .map(e => e.name).filter(u => u.includes("/pm/bulk.js"))""")
    assert len(scripts) == 1 and re.search(r"bulk\.js\?v=[0-9a-f]{12}$", scripts[0])  # by content version
    assert browser_context.guard.blocked == []


def test_the_filter_bitset_hides_projects_on_the_canvas(bulk_server, page, bulk_gpkg, order):
    ids, body = order
    projects = store.read_projects(bulk_gpkg).set_index("id")
    completed = [i for i, pid in enumerate(ids) if projects.loc[pid, "status"] == "completed"]
    page.goto(bulk_server + "/?status=completed")
    assert wait_map_drawn(page)[0] == len(completed)
    kinds = bulkpayload.decode(body)["kind"]
    frame = map_frame(page)
    shown = next(i for i in completed if kinds[i] == 0)
    hidden = next(i for i in range(len(ids)) if kinds[i] == 0 and i not in set(completed)
                  and ids[i] not in ("P00010", "P00011"))  # not one of the two at one place
    assert _painted(frame, shown) and not _painted(frame, hidden, zoom=18)
    # the sidebar's legend-filter on the map already drawn: hidden at once, then the rerun's bitset
    under_construction = sum(projects.loc[pid, "status"] == "under_construction" for pid in ids)
    legend_checkbox(page, re.compile("^在建")).check()
    expect(frame.locator(MAP)).to_have_attribute("data-pm-projects", str(len(completed) + under_construction),
                                                   timeout=20000)
    expect(page).to_have_url(re.compile(r"status=under_construction(%2C|,)completed"))
    assert page.dialogs == []


def test_clicking_a_point_opens_its_popup_with_the_name_as_text(bulk_server, page, order):
    ids, _ = order
    page.goto(bulk_server + "/")
    wait_map_drawn(page)
    frame = map_frame(page)
    for idx in (0, 3):  # <script>… and <img onerror>…
        i = ids.index(f"P{idx:05d}")
        _painted(frame, i, zoom=17)
        p = frame.locator("body").evaluate("(el, i) => { const p = window.pmBulkView.point(i); return [p.x, p.y]; }", i)
        frame.locator(MAP).click(position={"x": p[0], "y": p[1]})
        popup = frame.locator(".leaflet-popup-content")
        expect(popup.locator("h4")).to_have_text(HOSTILE_NAMES[idx])
        assert popup.locator("script, img").count() == 0
        assert "牵头单位" in popup.locator("th").all_inner_texts()
        frame.locator("body").evaluate("() => window.pmBulkView.map.closePopup()")
        expect(popup).to_have_count(0)  # gone once its fade-out ends
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_a_located_project_opens_on_the_canvas_path(bulk_server, page):
    page.goto(bulk_server + "/?locate=P00001")
    wait_map_drawn(page)
    popup = map_frame(page).locator(".leaflet-popup-content h4")
    expect(popup).to_have_text(HOSTILE_NAMES[1])
    assert page.dialogs == []


def test_hovering_a_point_shows_its_tooltip_and_error_radius_as_text(bulk_server, page, order):
    ids, body = order
    radius = bulkpayload.decode(body)["radius"]
    page.goto(bulk_server + "/")
    wait_map_drawn(page)
    frame = map_frame(page)
    i = ids.index("P00003")  # <img onerror>…
    assert radius[i] > 0
    _painted(frame, i, zoom=17)
    p = frame.locator("body").evaluate("(el, i) => { const p = window.pmBulkView.point(i); return [p.x, p.y]; }", i)
    box = frame.locator(MAP).bounding_box()
    page.mouse.move(box["x"] + p[0] + 40, box["y"] + p[1] + 40)
    page.wait_for_timeout(200)
    page.mouse.move(box["x"] + p[0], box["y"] + p[1])
    tip = frame.locator(".pm-tooltip")
    expect(tip.locator("b")).to_have_text(HOSTILE_NAMES[3])
    assert tip.locator("img, script").count() == 0
    expect(frame.locator(MAP)).to_have_attribute("data-pm-error-radius", str(radius[i]))  # drawn on the canvas
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] - 5)  # off the project: both gone
    expect(tip).to_have_count(0)
    expect(frame.locator("[data-pm-error-radius]")).to_have_count(0)
    assert page.dialogs == []


@pytest.mark.parametrize("kind", [1, 2], ids=["line", "area"])
def test_hovering_a_line_or_area_shows_its_error_corridor(bulk_server, page, order, kind):
    ids, body = order
    decoded = bulkpayload.decode(body)
    i = next(j for j in range(len(ids)) if decoded["kind"][j] == kind and decoded["radius"][j] > 0)
    page.goto(bulk_server + "/")
    wait_map_drawn(page)
    frame = map_frame(page)
    # the middle of the feature's first edge, at zoom 15, in the map's own pixels
    p = frame.locator(MAP).evaluate("""(el, i) => {
        const v = window.pmBulkView, B = v.B, j = B.coords[B.parts[i]];
        const ll = L.latLng((B.xy[2 * j + 1] + B.xy[2 * j + 3]) / 2e6, (B.xy[2 * j] + B.xy[2 * j + 2]) / 2e6);
        v.map.setView(ll, 15, {animate: false});
        const p = v.map.latLngToContainerPoint(ll); return [p.x, p.y]; }""", i)
    box = frame.locator(MAP).bounding_box()
    page.mouse.move(box["x"] + p[0] + 60, box["y"] + p[1] + 60)
    page.wait_for_timeout(200)
    page.mouse.move(box["x"] + p[0], box["y"] + p[1])
    expect(frame.locator(MAP)).to_have_attribute("data-pm-error-radius", str(decoded["radius"][i]))
    # the corridor on the map (on its canvas, as every layer at this scale): the feature's shape, 2 × radius wide
    halo = frame.locator(MAP).evaluate("""el => { const m = window.pmBulkView.map, out = [];
        m.eachLayer(l => { if (l.options.className === "pm-error" && l.toGeoJSON) {
          out.push({type: l.toGeoJSON().geometry.type, weight: l.options.weight}); } });
        return {layers: out, mpp: 40075016.686 * Math.cos(m.getCenter().lat * Math.PI / 180) /
                                 Math.pow(2, m.getZoom() + 8)}; }""")
    assert [h["type"] for h in halo["layers"]] == ["MultiLineString" if kind == 1 else "Polygon"]
    assert halo["layers"][0]["weight"] == pytest.approx(max(2 * decoded["radius"][i] / halo["mpp"], 3), rel=0.05)
    page.mouse.move(box["x"] + 5, box["y"] + box["height"] - 5)  # off the project: gone
    expect(frame.locator("[data-pm-error-radius]")).to_have_count(0)

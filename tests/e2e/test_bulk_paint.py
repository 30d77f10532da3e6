"""How the province-scale canvas paints (static/pm/bulk.js): a point is its style's circle (a sprite per style), an
area keeps its hole (unpainted, and a click there finds nothing), a line smaller than a pixel is still a dot. Pixels
are read from the real canvas in the real chromium; each feature is shown alone through the filter's bitset (pmBulk,
as a rerun sends it), so no neighbour paints the pixels looked at."""
import pyogrio
import pytest
from shapely.geometry import Polygon

from benchmarks.synthetic import STACKED, write_gpkg
from layers import bulkpayload, store, styles, webpayload
from tests.e2e.browser import MAP, map_frame, streamlit_server, wait_map_drawn

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

N = 1500

PIXELS = """(el, a) => new Promise(done => {
  const b = window.pmBulkView, map = b.map, bits = new Uint8Array(Math.ceil(b.B.n / 8));
  bits[a.only >> 3] = 1 << (a.only & 7);
  pmBulk(map, Object.assign({}, map._pm.O, {visible: btoa(String.fromCharCode.apply(null, bits))}), b.B);
  map.setView([a.at[1], a.at[0]], a.zoom, {animate: false});
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const c = el.querySelector(".leaflet-overlay-pane canvas"), r = c.getBoundingClientRect();
    const m = el.getBoundingClientRect(), s = c.width / r.width;
    done(a.points.map(([lng, lat, dx, dy]) => {
      const p = map.latLngToContainerPoint([lat, lng]);
      const x = Math.round((p.x + dx + m.left - r.left) * s), y = Math.round((p.y + dy + m.top - r.top) * s);
      return Array.from(c.getContext("2d").getImageData(x, y, 1, 1).data);
    }));
  }));
})"""


def _donut(box: Polygon) -> Polygon:
    """The box with its middle half cut out (a park around a lake), the hole wound the same way as the outline (as
    some data has it): a non-zero fill would paint it."""
    x0, y0, x1, y1 = box.bounds
    dx, dy = (x1 - x0) / 4, (y1 - y0) / 4
    return Polygon(box.exterior.coords, [[(x0 + dx, y0 + dy), (x1 - dx, y0 + dy), (x1 - dx, y1 - dy),
                                          (x0 + dx, y1 - dy)]])


def _signed_area(d, part):
    v = range(d["coords"][part], d["coords"][part + 1])
    xy = [(d["xy"][2 * j], d["xy"][2 * j + 1]) for j in v]
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(xy, xy[1:] + xy[:1]))


@pytest.fixture(scope="module")
def paint_gpkg(tmp_path_factory):
    """N synthetic projects; the first area with a visible fill has a hole. Returns (path, its id)."""
    path = write_gpkg(tmp_path_factory.mktemp("bulkpaint") / "projects.gpkg", n=N, payloads=False)
    layer = store.PROJECT_LAYERS["Polygon"]
    areas = pyogrio.read_dataframe(path, layer=layer)
    k = next(k for k, r in areas.iterrows()
             if styles.feature_style(r["category"], r["status"], r["precision"])["fillOpacity"] >= 0.1)
    areas.loc[k, "geometry"] = _donut(areas.geometry[k])
    pyogrio.write_dataframe(areas, path, layer=layer)
    webpayload.prebuild(path)
    return path, areas.loc[k, "id"]


@pytest.fixture(scope="module")
def paint_server(paint_gpkg):
    with streamlit_server(paint_gpkg[0], env={bulkpayload.BULK_ENV: "1000"}) as (base, _proc):
        yield base


@pytest.fixture(scope="module")
def payload(paint_gpkg):
    """(ids in the file's order, the decoded geometry)."""
    body, ids = webpayload.payload(paint_gpkg[0], "bulk")
    return ids, bulkpayload.decode(body)


def _lnglat(d, i, vertex=0):
    v = d["coords"][d["parts"][i]] + vertex
    return d["xy"][2 * v] / 1e6, d["xy"][2 * v + 1] / 1e6


def _rgb(color):
    return [int(color[k:k + 2], 16) for k in (1, 3, 5)]


def _pixels(page, only, at, zoom, points):
    """RGBA of the canvas at each (lng, lat, dx, dy) (dx, dy: CSS pixels) with feature `only` shown alone."""
    return map_frame(page).locator(MAP).evaluate(PIXELS, {"only": only, "at": at, "zoom": zoom, "points": points})


def _open(page, server):
    page.goto(server + "/")
    assert wait_map_drawn(page)[2] == "bulk"


@pytest.fixture(params=[1, 2], ids=["screen", "retina"])
def any_page(request, browser_context, page):
    """(A tab, its device pixels per CSS pixel): 1, or 2 (the canvas and its sprites are twice as large)."""
    if request.param == 1:
        yield page, 1
        return
    ctx = browser_context.browser.new_context(viewport={"width": 1600, "height": 1000}, device_scale_factor=2)
    try:
        yield ctx.new_page(), 2
    finally:
        ctx.close()


def test_a_point_is_drawn_as_its_styles_circle(paint_server, any_page, payload):
    ids, d = payload
    i = next(i for i in range(len(ids)) if d["kind"][i] == 0 and i not in STACKED)
    s = d["header"]["styles"][d["style"][i]]
    page, ratio = any_page
    _open(page, paint_server)
    assert page.evaluate("window.devicePixelRatio") == ratio
    x, y = _lnglat(d, i)
    r, out = 7, 7 + s["weight"] / 2 + 2  # full size from zoom 11 (pointRadius 7)
    ring, beyond, below = _pixels(page, i, (x, y), 16, [(x, y, r, 0), (x, y, out, 0), (x, y, 0, out)])
    assert all(abs(a - b) <= 12 for a, b in zip(ring[:3], _rgb(s["color"]))), ring
    assert ring[3] >= 0.6 * s["opacity"] * 255
    assert beyond[3] == 0 and below[3] == 0
    (small,) = _pixels(page, i, (x, y), 8, [(x, y, 0, 0)])  # zoomed out: a smaller circle, still there
    assert small[3] > 0 and all(abs(a - b) <= 12 for a, b in zip(small[:3], _rgb(s["color"])))


def test_an_areas_hole_is_left_unpainted_and_a_click_there_opens_nothing(paint_server, page, payload, paint_gpkg):
    ids, d = payload
    i = ids.index(paint_gpkg[1])
    s = d["header"]["styles"][d["style"][i]]
    outline, lake = d["parts"][i], d["parts"][i] + 1
    assert d["parts"][i + 1] - outline == 2 and _signed_area(d, outline) * _signed_area(d, lake) > 0
    lng = [d["xy"][2 * v] / 1e6 for v in range(d["coords"][d["parts"][i]], d["coords"][d["parts"][i] + 1])]
    lat = [d["xy"][2 * v + 1] / 1e6 for v in range(d["coords"][d["parts"][i]], d["coords"][d["parts"][i] + 1])]
    mid = ((min(lng) + max(lng)) / 2, (min(lat) + max(lat)) / 2)
    ring_at = (min(lng) + (max(lng) - min(lng)) / 8, mid[1])  # between the outline and the hole
    _open(page, paint_server)
    hole, ring = _pixels(page, i, mid, 14, [(*mid, 0, 0), (*ring_at, 0, 0)])
    assert hole[3] == 0
    assert abs(ring[3] - s["fillOpacity"] * 255) <= 4 and all(abs(a - b) <= 12 for a, b in
                                                                zip(ring[:3], _rgb(s["fillColor"]))), ring
    frame = map_frame(page)
    for at in (mid, ring_at):
        p = frame.locator(MAP).evaluate("(el, a) => { const p = window.pmBulkView.map.latLngToContainerPoint("
                                        "[a[1], a[0]]); return [p.x, p.y]; }", list(at))
        frame.locator(MAP).click(position={"x": p[0], "y": p[1]})
        if at is mid:
            page.wait_for_timeout(800)
            expect(frame.locator(".leaflet-popup")).to_have_count(0)
    expect(frame.locator(MAP)).to_have_attribute("data-pm-popup", str(i))  # the same area, clicked where it is


def test_a_line_smaller_than_a_pixel_is_still_drawn_as_a_dot(paint_server, page, payload):
    ids, d = payload
    i = next(i for i in range(len(ids)) if d["kind"][i] == 1)
    x, y = _lnglat(d, i)
    _open(page, paint_server)
    (dot, away) = _pixels(page, i, (x, y), 3, [(x, y, 0, 0), (x, y, 8, 0)])  # zoom 3: the line spans half a pixel
    assert dot[3] > 0 and away[3] == 0

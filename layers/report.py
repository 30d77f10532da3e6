"""Geocoding report: projects per precision class and per geometry source, county fallbacks, county checks."""
from __future__ import annotations

from collections import Counter

from geo.geocode import check_in_counties
from core.fields import split_list
from core.vocab import EVIDENCE_KINDS, VERIFICATION_STATES

_KINDS = (("gazetteer", "gazetteer point"), ("schematic line", "schematic line (gazetteer)"),
          ("schematic ring", "schematic ring"), ("administrative fallback", "county fallback"),
          ("on the", "point on a river"), ("schematic course", "schematic river course"),
          ("GSHHG", "GSHHG river data"), ("NGCC", "NGCC 1:4M river data"))


def source_kind(geom_source: str) -> str:
    for prefix, kind in _KINDS:
        if geom_source.startswith(prefix):
            return kind
    return "own geometry / edit"


def summarize(gdf) -> dict:
    outside = []
    for row in gdf.itertuples():
        outside += [f"{row.id}: {p}" for p in check_in_counties(row.geometry, split_list(row.county))]
    return {
        "projects": len(gdf),
        "by_precision": Counter(gdf["precision"]),
        "by_source": Counter(source_kind(s) for s in gdf["geom_source"]),
        "county_fallbacks": sorted(gdf.loc[gdf["precision"] == "county", "id"]),
        "by_evidence": Counter(gdf["evidence_kind"]) if "evidence_kind" in gdf else Counter(),
        "by_verification": Counter(gdf["verification"].fillna("unverified")) if "verification" in gdf else Counter(),
        "outside_county": outside,
    }


def text(summary: dict, path=None) -> str:
    lines = [f"{path + ': ' if path else ''}{summary['projects']} projects",
             "by precision: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["by_precision"].items())),
             "by geometry source:"]
    lines += [f"  {v:3d}  {k}" for k, v in summary["by_source"].most_common()]
    lines.append("by evidence (strongest source): " + ", ".join(
        f"{k} {summary['by_evidence'].get(k, 0)}" for k in EVIDENCE_KINDS))
    lines.append("by verification: " + ", ".join(
        f"{k} {summary['by_verification'].get(k, 0)}" for k in VERIFICATION_STATES))
    if summary["county_fallbacks"]:
        lines.append(f"county fallbacks ({len(summary['county_fallbacks'])}): " + ", ".join(summary["county_fallbacks"]))
    edits = summary.get("edits")
    if edits:
        lines.append(f"recorded edits re-applied: {edits.get('status_applied', 0)} status, "
                     f"{edits.get('geometry_applied', 0)} geometry")
        if edits.get("missing"):
            lines.append("HISTORY KEPT FOR IDS NO LONGER IN THE REGISTRY (not shown on the map): "
                         + ", ".join(edits["missing"]))
    if summary["outside_county"]:
        lines.append("NOT INSIDE THEIR COUNTIES:")
        lines += [f"  {p}" for p in summary["outside_county"]]
    return "\n".join(lines)

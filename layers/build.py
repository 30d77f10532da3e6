"""registry → geocoded GeoPackage (counties + project layers + QGIS styles), written atomically.

The new file is written beside the target under a temporary name, history (status changes, geometry corrections)
is carried over from the old file and applied on top, and only then does it replace the target (os.replace is
atomic on one filesystem). A build killed at any point leaves the old GeoPackage untouched.

A build is of one region (core.region; ``region="heze"``, ``python -m layers build --region heze``): its registry,
evidence, gazetteer, counties, box and metric CRS, into its GeoPackage — all named by its file in config/regions/.
Without a region, the current one (聊城市 unless a caller chose another).
"""
from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio

from core import fields
from core.region import current, use
from core.errors import UserError
from geo import boundaries
from geo import gazetteer as gaz
from geo.geocode import GeocodeError, Geocoder
from layers import (evidence, feature_rows, history, qgis_styles, registry, report, safe_write, verification,
                    webpayload)
from layers.store import COUNTIES_LAYER, PROJECT_LAYERS, gpkg_path, layer_for


class BuildError(UserError):
    """The build cannot go on (a project that cannot be placed, a target that is not a GeoPackage); the live
    GeoPackage was not changed."""


def geocode_registry(projects, geocoder: Geocoder, sources: dict | None = None) -> gpd.GeoDataFrame:
    """Each project located, with the evidence (layers.evidence) for the project and what it was drawn from: one
    row per project with every stored field of core.fields."""
    rows, errors = [], []
    sources = {} if sources is None else sources
    for p in projects:
        try:
            loc = geocoder.locate(p)
        except GeocodeError as err:
            errors.append(f"line {p.line}: {p.id}: {err}")
            continue
        built = {"geom_source": loc.geom_source, "precision": loc.precision, "precision_m": loc.precision_m,
                 **_evidence_fields(evidence.for_project(p.id, loc.refs, sources)),
                 "verification": verification.DEFAULT_STATE}
        rows.append({**{f.name: _cell(f, getattr(p, f.name)) for f in fields.registry_fields() if f.stored},
                     **built, "geometry": loc.geometry})
    if errors:
        raise BuildError("有项目无法定位，未作任何更改：\n" + "\n".join(f"  {e}" for e in errors),
                         "cannot place these projects")
    columns = fields.stored()
    gdf = gpd.GeoDataFrame(rows, columns=columns + ["geometry"], geometry="geometry", crs="EPSG:4326")
    for f in fields.FIELDS:
        if f.stored and f.kind == "year":
            gdf[f.name] = gdf[f.name].astype("Int64")
    return gdf


def _cell(f, value):
    """A registry value as stored in the GeoPackage: lists as 'a;b'."""
    return ";".join(value) if f.kind in ("list", "codes") else value


def _evidence_fields(found: list) -> dict:
    return {"evidence": evidence.to_json(found), "evidence_kind": evidence.strongest(found)}


def write_gpkg(path: Path, counties: gpd.GeoDataFrame, projects: gpd.GeoDataFrame) -> None:
    """Write a complete GeoPackage at `path` (which must not be the live file): counties and all three project
    layers, empty ones too, so that a correction can move a project to any of them."""
    pyogrio.write_dataframe(counties, path, layer=COUNTIES_LAYER, driver="GPKG", promote_to_multi=True)
    layer_of = projects.geometry.geom_type.map(layer_for)
    styles = {COUNTIES_LAYER: qgis_styles.counties_qml()}
    for layer in sorted(PROJECT_LAYERS.values()):
        feature_rows.write_project_layer(path, layer, projects[layer_of == layer])
        styles[layer] = qgis_styles.project_qml(layer.removeprefix("projects_"))
    with sqlite3.connect(path) as conn:
        qgis_styles.write_layer_styles(conn, styles)


def build(registry_path: str | os.PathLike | None = None, out: str | os.PathLike | None = None,
          gazetteer_path: str | os.PathLike | None = None, online=None,
          evidence_path: str | os.PathLike | None = None, db: str | None = None, region: str | None = None) -> dict:
    """Build the GeoPackage (or, with ``db``, a postgresql:// URL, the PostGIS store) of ``region`` (a key of
    config/regions/, else the current region); returns the geocoding summary (layers.report.summarize) with the
    edits re-applied. Paths not given are the region file's; the default region's GeoPackage may be moved by
    $PROJECTMAP_GPKG (layers.store.gpkg_path), another region's is the one its file names."""
    with use(region or current()) as r:
        registry_path, gazetteer_path, evidence_path = (registry_path or r.registry, gazetteer_path or r.gazetteer,
                                                        evidence_path or r.evidence)
        if db:
            from layers.stores import open_store
            dest = open_store(db)
            gdf = geocode_registry(registry.load(registry_path), Geocoder(gaz.load(gazetteer_path), online=online),
                                   evidence.load(evidence_path))
            summary = report.summarize(gdf)
            summary["edits"] = dest.write_build(boundaries.counties(), gdf)
            return summary
        target = safe_write.resolve_target(gpkg_path(out, r))  # through a symlink: replace the file, keep the link
        safe_write.recover(target)  # a killed editor's journal: roll it back now (or say why not) before geocoding
        projects = registry.load(registry_path)  # raises RegistryError listing every bad row
        gdf = geocode_registry(projects, Geocoder(gaz.load(gazetteer_path), online=online),
                               evidence.load(evidence_path))
        kept = replace_gpkg(target, boundaries.counties(), gdf)
        summary = report.summarize(gdf)
        summary["edits"], summary["target"] = kept, str(target)
        return summary


def replace_gpkg(target: str | os.PathLike, counties: gpd.GeoDataFrame, projects: gpd.GeoDataFrame, *,
                 tables: dict | None = None) -> dict:
    """Write counties and projects into a new file beside ``target`` and replace it atomically. The history of the
    old file is carried over and re-applied (layers.carry_over) — or, with ``tables`` (a copy: layers.stores), those
    history rows are written as they are and nothing is re-applied. Returns the carry-over report."""
    target = safe_write.resolve_target(target)
    safe_write.recover(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.building-{os.getpid()}.gpkg")
    _remove_leftovers(target)
    try:
        write_gpkg(tmp, counties, projects)
        _pause_for_tests("written")
        with safe_write.locked(target):  # the editors' lock: a rebuild never races a status update
            safe_write.recover(target)  # no journal may outlive the replace: it would be rolled into the new file
            try:
                kept = (history.carry_over(target if target.exists() else None, tmp) if tables is None
                        else history.write_tables(tmp, tables))
            except sqlite3.DatabaseError as err:
                if safe_write.hot_journal(target):
                    raise BuildError(f"{target}：上次中断的写入无法回滚，请勿删除该文件或其日志；未作任何更改。",
                                     f"{target}: an interrupted write's journal could not be rolled back ({err}); "
                                     f"do not delete the file or its journal; nothing was changed") from None
                raise BuildError(f"{target} 不是 GeoPackage；未作任何更改。",
                                 f"{target} exists but is not a GeoPackage ({err}); nothing was changed") from None
            webpayload.prebuild(tmp)  # the map's payloads, so the app's first open needs no geometry work
            _pause_for_tests("replacing")
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return kept


def _pause_for_tests(stage: str) -> None:
    """Lets the atomicity test stop a build at a known stage ($PROJECTMAP_BUILD_PAUSE=written|replacing): the build
    says ``paused:STAGE`` on stderr and waits for a line on stdin — the test kills it there, or writes a line (or
    closes stdin) to let it go on. No timer: the test decides."""
    if os.environ.get("PROJECTMAP_BUILD_PAUSE") == stage:
        print(f"paused:{stage}", file=sys.stderr, flush=True)
        sys.stdin.readline()


def _remove_leftovers(target: Path) -> None:
    """Delete temporary files of earlier builds that were killed (their process is gone)."""
    for stale in target.parent.glob(f".{target.stem}.building-*.gpkg*"):
        pid = stale.name.split(".building-")[1].split(".")[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not Path(f"/proc/{pid}").exists()):
            stale.unlink(missing_ok=True)

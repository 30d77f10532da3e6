"""python -m layers build | export | report | status | verify | import-geometries | views | png | pdf | sheets |
bundle | api | copy — see `python -m layers --help`. The commands work on the GeoPackage (``--gpkg``, the default)
or on a PostGIS store (``--db postgresql://…`` or $PROJECTMAP_DB), through layers.stores. ``--region KEY`` works on
that region: its counties, its GeoPackage, and in a database its own tables (layers.stores.pg_region) — for
``--db``, $PROJECTMAP_DB and each database of ``copy``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import UserError
from core.vocab import CATEGORIES, STATUSES
from layers import outputs_cli
from layers.stores import add_db_argument


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if getattr(args, "region", None):  # this process works on that region: its counties, its GeoPackage
            from core import region
            region.serve_only(args.region)
            _in_region(args, args.region)
        return COMMANDS[args.command](args)
    except UserError as err:  # bad input: the message, never a traceback; anything else is a bug and shows one
        print(f"错误 error: {err.zh}" + (f"\n{err.en}" if err.en else ""), file=sys.stderr)
        return 2


def _in_region(args, key: str) -> None:
    """The databases the command names (``--db``, copy's SRC and DST) as region ``key``'s tables in them."""
    from layers.stores import is_db_url, region_url
    for attr in ("db", "src", "dst"):
        target = getattr(args, attr, None)
        if is_db_url(target):
            setattr(args, attr, region_url(target, key))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m layers", description="聊城规划项目图层: build, export, report")
    sub = p.add_subparsers(dest="command", required=True)
    _build_arguments(sub.add_parser("build", help="registry → geocoded GeoPackage (atomic; keeps recorded edits)"))
    _export_arguments(sub.add_parser("export", help="export (filtered) projects as GeoJSON (RFC 7946), GeoPackage "
                                                    "or CSV"))
    r = sub.add_parser("report", help="geocoding report of a GeoPackage: precision classes, sources, fallbacks")
    r.add_argument("--gpkg")
    add_db_argument(r)
    from layers.history import add_status_arguments
    add_status_arguments(sub.add_parser("status", help="record a status change (kept in the GeoPackage's "
                                                       "status_history)"))
    _verify_arguments(sub.add_parser("verify", help="record that a project's position was checked "
                                                    "(verification_history)"))
    _import_arguments(sub.add_parser("import-geometries", help="replace the geometries of the projects named by "
                                     "'id' in a file (GeoJSON, GeoPackage, zipped Shapefile, KML): all or nothing"))
    outputs_cli.add_parsers(sub)
    _copy_arguments(sub.add_parser("copy", help="copy a whole store (projects, counties, history, views, "
                                                "verification, editor accounts) GeoPackage ↔ PostGIS"))
    from layers import api
    api.add_arguments(sub.add_parser("api", help="serve the store read-only as OGC API – Features (QGIS, GDAL)"))
    for command in sub.choices.values():  # every command can work on another region (build and api say more)
        try:
            command.add_argument("--region", default=None, help="a region of config/regions/ (default liaocheng): "
                                                                  "its counties and, without --gpkg/--db, its GeoPackage")
        except argparse.ArgumentError:
            pass  # the command declares its own
    return p


def _copy_arguments(c) -> None:
    c.add_argument("src", help="GeoPackage path or postgresql:// URL to copy from")
    c.add_argument("dst", help="GeoPackage path or postgresql:// URL to copy into")
    c.add_argument("--replace", action="store_true", help="replace what the destination already holds")


def _build_arguments(b) -> None:
    b.add_argument("--region", default=None, help="region to build, a file of config/regions/ (default liaocheng): "
                                                   "its registry, evidence, gazetteer, counties and GeoPackage")
    b.add_argument("--registry", help="registry CSV (default data/projects.csv)")
    b.add_argument("--gazetteer", help="gazetteer CSV (default data/gazetteer.csv)")
    b.add_argument("--evidence", help="evidence CSV (default data/evidence.csv)")
    b.add_argument("--out", help="GeoPackage to write (default $PROJECTMAP_DB if set and no --region, else the "
                                  "region's: $PROJECTMAP_GPKG or data/liaocheng.gpkg, the region file's for another)")
    b.add_argument("--online", action="store_true",
                   help="also ask the online geocoders configured in the environment (TIANDITU_TOKEN, AMAP_KEY, "
                        "PROJECTMAP_NOMINATIM=1) to improve county fallbacks")
    add_db_argument(b)


def _export_arguments(e) -> None:
    from layers.export import FORMATS
    e.add_argument("--format", required=True, choices=list(FORMATS))
    e.add_argument("--status", nargs="+", default=[], metavar="S", help=f"one or more of: {', '.join(STATUSES)}")
    e.add_argument("--county", nargs="+", default=[], metavar="C", help="county names, e.g. 冠县")
    e.add_argument("--category", nargs="+", default=[], metavar="K", help=f"one or more of: {', '.join(CATEGORIES)}")
    e.add_argument("--gpkg", help="GeoPackage to read (default $PROJECTMAP_GPKG or data/liaocheng.gpkg)")
    add_db_argument(e)
    e.add_argument("--out", required=True, help="output file")


def _verify_arguments(v) -> None:
    v.add_argument("id", help="项目编号 / project id")
    v.add_argument("state", help="核实状态 / state: unverified (未核实), documented (文献核实), surveyed (实地或测绘核实)")
    v.add_argument("--source", required=True, help="核实依据 / what it was checked against (survey, drawing, notice)")
    v.add_argument("--editor", required=True, help="核实人 / who checked it")
    v.add_argument("--date", default=None, help="核实日期 / YYYY-MM-DD (default today)")
    v.add_argument("--note", default="", help="说明 / note")
    v.add_argument("--gpkg")
    add_db_argument(v)


def _import_arguments(i) -> None:
    i.add_argument("file")
    i.add_argument("--editor", required=True, help="编辑人 / editor name")
    i.add_argument("--source", required=True, help="几何来源 / where the geometries come from (e.g. 2024 测绘成果)")
    i.add_argument("--precision", default="exact", help="precision class of the new geometries (default exact)")
    i.add_argument("--precision-m", required=True, type=float, help="误差半径（米）/ error radius in metres")
    i.add_argument("--state", default="documented", help="核实状态 recorded with them (default documented)")
    i.add_argument("--epsg", default=None, help="EPSG code of the coordinates when the file declares none")
    i.add_argument("--amap", action="store_true", help="coordinates are Amap GCJ-02 (converted to WGS84)")
    i.add_argument("--date", default=None, help="核实日期 / YYYY-MM-DD (default today)")
    i.add_argument("--note", default="", help="说明 / note")
    i.add_argument("--gpkg")
    add_db_argument(i)


def _build(args) -> int:
    from layers import report
    from layers.build import build
    from layers.store import gpkg_path
    given = {"registry_path": args.registry, "gazetteer_path": args.gazetteer, "evidence_path": args.evidence}
    kwargs = {k: v for k, v in given.items() if v}
    kwargs["region"] = args.region
    if args.online:
        from geo.online import from_env
        kwargs["online"] = from_env()
        if kwargs["online"] is None:
            print("--online: no online geocoder configured (TIANDITU_TOKEN, AMAP_KEY, "
                  "PROJECTMAP_NOMINATIM=1); building offline", file=sys.stderr)
    # like every command, $PROJECTMAP_DB is the store — but `build --region KEY` (run.sh, scripts/setup.sh: a region's
    # data changed) writes that region's GeoPackage unless --db names the database
    if not args.db and not args.out and not args.region:
        from layers.stores import env_db, is_db_url
        db = env_db()
        args.db = db if is_db_url(db) else None
    if args.db:
        from layers.stores import store_from_args
        dest = store_from_args(args)  # a bad URL is refused before geocoding
        summary = build(db=args.db, **kwargs)
        print(report.text(summary, dest.label))
        return 0
    summary = build(out=args.out, **kwargs)
    print(report.text(summary, summary.get("target") or str(gpkg_path(args.out))))
    return 0


def _export(args) -> int:
    from layers.export import export_file
    n = export_file(args.format, args.out, gpkg=args.gpkg, status=args.status, county=args.county,
                    category=args.category, db=args.db)
    print(f"{n} projects → {args.out}")
    return 0


def _report(args) -> int:
    from layers import report
    from layers.stores import store_from_args
    st = store_from_args(args).require()
    print(report.text(report.summarize(st.projects()), st.label))
    return 0


def _status(args) -> int:
    from layers.history import run_status
    return run_status(args)


def _verify(args) -> int:
    from layers import verification
    from layers.stores import store_from_args
    st = store_from_args(args)
    st.record_verification(args.id, args.state, args.date or _today(), source=args.source, editor=args.editor,
                           note=args.note)
    print(f"{args.id}: {verification.check_state(args.state)} → {st.label}")
    return 0


def _import_geometries(args) -> int:
    from layers.imports import import_geometries
    from layers.stores import store_from_args
    st = store_from_args(args)
    done = import_geometries(st, args.file, editor=args.editor, source=args.source, precision=args.precision,
                             precision_m=args.precision_m, state=args.state, verified_on=args.date or _today(),
                             epsg=args.epsg, amap=args.amap, note=args.note)
    for d in done:
        print(f"{d.project_id}: {d.geom_type} → {d.layer}" + "".join(f"\n    {n}" for n in d.notes))
    print(f"{len(done)} geometries imported → {st.label}")
    return 0


def _today() -> str:
    import datetime as dt
    return dt.date.today().isoformat()


def _copy(args) -> int:
    from layers.store import StoreError
    from layers.stores import copy_store, is_db_url, open_store
    src, dst = (open_store(t if is_db_url(t) else Path(t)) for t in (args.src, args.dst))
    same = src.label == dst.label or (src.kind == dst.kind == "gpkg" and
                                      Path(src.label).resolve() == Path(dst.label).resolve())
    if same:
        raise StoreError("源和目标是同一个数据库或文件。", "The source and the destination are the same store.")
    src.require()
    if dst.exists() and not args.replace:
        raise StoreError(f"{dst.label} 已有数据；确认要替换时加 --replace。",
                         f"{dst.label} already holds data; add --replace to replace it.")
    counts = copy_store(src, dst)
    print(f"{src.label} → {dst.label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _api(args) -> int:
    from layers.api import run_command
    return run_command(args)


COMMANDS = {"build": _build, "export": _export, "report": _report, "status": _status, "verify": _verify,
            "import-geometries": _import_geometries, "copy": _copy, **outputs_cli.COMMANDS,
            "api": _api}


if __name__ == "__main__":
    sys.exit(main())

"""python -m layers build | export | report | status — see `python -m layers --help`."""
from __future__ import annotations

import argparse
import sys

from layers.vocab import CATEGORIES, STATUSES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layers", description="聊城规划项目图层: build, export, report")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="registry → geocoded GeoPackage (atomic; keeps recorded edits)")
    b.add_argument("--registry", help="registry CSV (default data/projects.csv)")
    b.add_argument("--out", help="GeoPackage to write (default $PROJECTMAP_GPKG or data/liaocheng.gpkg)")
    b.add_argument("--online", action="store_true",
                   help="also ask the online geocoders configured in the environment (TIANDITU_TOKEN, AMAP_KEY, "
                        "PROJECTMAP_NOMINATIM=1) to improve county fallbacks")

    e = sub.add_parser("export", help="export (filtered) projects as GeoJSON (RFC 7946), GeoPackage or CSV")
    e.add_argument("--format", required=True, choices=["geojson", "gpkg", "csv"])
    e.add_argument("--status", nargs="+", default=[], metavar="S", help=f"one or more of: {', '.join(STATUSES)}")
    e.add_argument("--county", nargs="+", default=[], metavar="C", help="county names, e.g. 冠县")
    e.add_argument("--category", nargs="+", default=[], metavar="K", help=f"one or more of: {', '.join(CATEGORIES)}")
    e.add_argument("--gpkg", help="GeoPackage to read (default $PROJECTMAP_GPKG or data/liaocheng.gpkg)")
    e.add_argument("--out", required=True, help="output file")

    r = sub.add_parser("report", help="geocoding report of a GeoPackage: precision classes, sources, fallbacks")
    r.add_argument("--gpkg")

    from layers.history import add_status_arguments
    s = sub.add_parser("status", help="record a status change (kept in the GeoPackage's status_history)")
    add_status_arguments(s)

    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except _user_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _build(args) -> int:
    from layers import report
    from layers.build import build
    from layers.store import gpkg_path
    kwargs = {"registry_path": args.registry} if args.registry else {}
    if args.online:
        from geo.online import from_env
        kwargs["online"] = from_env()
        if kwargs["online"] is None:
            print("--online: no online geocoder configured (TIANDITU_TOKEN, AMAP_KEY, "
                  "PROJECTMAP_NOMINATIM=1); building offline", file=sys.stderr)
    summary = build(out=args.out, **kwargs)
    print(report.text(summary, str(gpkg_path(args.out))))
    return 0


def _export(args) -> int:
    from layers.export import export_file
    n = export_file(args.format, args.out, gpkg=args.gpkg, status=args.status, county=args.county,
                    category=args.category)
    print(f"{n} projects → {args.out}")
    return 0


def _report(args) -> int:
    from layers import report
    from layers.store import gpkg_path, read_projects
    path = gpkg_path(args.gpkg)
    if not path.is_file():
        raise FileNotFoundError(f"GeoPackage {path} not found; run `python -m layers build` first")
    print(report.text(report.summarize(read_projects(path)), str(path)))
    return 0


def _status(args) -> int:
    from layers.history import run_status
    return run_status(args)


COMMANDS = {"build": _build, "export": _export, "report": _report, "status": _status}


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors that are the user's input, not our bug: a message and exit code 2, never a traceback."""
    import sqlite3

    from pyogrio.errors import DataSourceError

    from layers.build import BuildError
    from layers.export import FilterError
    from layers.registry import RegistryError
    from layers.safe_write import WriteError
    return (RegistryError, BuildError, FilterError, WriteError, OSError, DataSourceError, sqlite3.DatabaseError)


if __name__ == "__main__":
    sys.exit(main())

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

    from layers.history import add_status_arguments, run_status
    s = sub.add_parser("status", help="record a status change (kept in the GeoPackage's status_history)")
    add_status_arguments(s)

    args = parser.parse_args(argv)
    if args.command == "build":
        from layers.build import BuildError, build
        from layers.registry import RegistryError
        kwargs = {"registry_path": args.registry} if args.registry else {}
        from layers import report
        from layers.store import gpkg_path
        try:
            if args.online:
                from geo.online import from_env
                kwargs["online"] = from_env()
                if kwargs["online"] is None:
                    print("--online: no online geocoder configured (TIANDITU_TOKEN, AMAP_KEY, "
                          "PROJECTMAP_NOMINATIM=1); building offline", file=sys.stderr)
            summary = build(out=args.out, **kwargs)
        except (RegistryError, BuildError) as err:
            print(err, file=sys.stderr)
            return 2
        print(report.text(summary, str(gpkg_path(args.out))))
        return 0
    if args.command == "export":
        from layers.export import FilterError, export_file
        try:
            n = export_file(args.format, args.out, gpkg=args.gpkg, status=args.status, county=args.county,
                            category=args.category)
        except FilterError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"{n} projects → {args.out}")
        return 0
    if args.command == "status":
        return run_status(args)
    if args.command == "report":
        from layers import report
        from layers.store import gpkg_path, read_projects
        path = gpkg_path(args.gpkg)
        print(report.text(report.summarize(read_projects(path)), str(path)))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())

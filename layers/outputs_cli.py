"""The commands that take the map out of the app: meeting views, print and slide maps, county sheets, the
offline HTML map and the GIS bundle. Each works on exactly the filtered set (layers.selection: a saved view and/or
the URL's filters) and writes its file whole or not at all."""
from __future__ import annotations

import datetime as dt

from layers import selection
from layers.stores import add_db_argument

SIZE_HELP = "1920x1080 (slide) or A4 (landscape); default A4 for pdf, 1920x1080 for png"


def add_parsers(sub) -> None:
    v = sub.add_parser("views", help="meeting views saved in the GeoPackage: list | add | rm | mv | rename")
    vs = v.add_subparsers(dest="views_command", required=True)
    views_list = vs.add_parser("list", help="list the views in meeting order")
    views_list.add_argument("--gpkg")
    a = vs.add_parser("add", help="save (or replace) a view")
    a.add_argument("name")
    a.add_argument("--query", default="", help='the filters as in the URL, e.g. "status=under_construction&county=冠县"')
    a.add_argument("--title", default="")
    a.add_argument("--note", default="")
    a.add_argument("--bbox", default=None, help="map extent W,S,E,N in degrees")
    a.add_argument("--basemap", default="none")
    a.add_argument("--editor", default="命令行")
    a.add_argument("--gpkg")
    r = vs.add_parser("rm", help="remove a view")
    r.add_argument("name")
    r.add_argument("--gpkg")
    m = vs.add_parser("mv", help="move a view to a place in the meeting order (1 = first)")
    m.add_argument("name")
    m.add_argument("position", type=int)
    m.add_argument("--gpkg")
    n = vs.add_parser("rename", help="rename a view")
    n.add_argument("name")
    n.add_argument("new_name")
    n.add_argument("--editor", default="命令行")
    n.add_argument("--gpkg")
    for fmt in ("png", "pdf"):
        p = sub.add_parser(fmt, help=f"a {fmt.upper()} map of the filtered projects: title, legend, scale bar, "
                                     "north arrow, source and date")
        selection.add_arguments(p)
        p.add_argument("--size", default=None, help=SIZE_HELP)
        p.add_argument("--title", default=None)
        p.add_argument("--out", required=True)
    h = sub.add_parser("html", help="a single-file offline map (opens by double-click, no server, no network)")
    selection.add_arguments(h)
    h.add_argument("--title", default=None)
    h.add_argument("--out", required=True)
    s = sub.add_parser("sheets", help="county sheets: one A4 page per county (map + projects by status) and the city")
    s.add_argument("--gpkg")
    s.add_argument("--out", required=True)
    for sp in (views_list, a, r, m, n, s):
        add_db_argument(sp)
    b = sub.add_parser("bundle", help="the GIS bundle (zip): RFC 7946 GeoJSON, CGCS2000 GeoPackage with QGIS styles, "
                                      "data dictionary, README")
    selection.add_arguments(b)
    b.add_argument("--out", required=True)


def run_views(args) -> int:
    from layers.stores import store_from_args
    st = store_from_args(args).require()
    cmd = args.views_command
    if cmd == "add":
        v = st.save_view(args.name, args.query, editor=args.editor, title=args.title, note=args.note,
                         bbox=args.bbox, basemap=args.basemap)
        print(f"已保存视图 saved: {v.name}  {v.url}")
    elif cmd == "rm":
        st.remove_view(args.name)
        print(f"已删除视图 removed: {args.name}")
    elif cmd == "mv":
        st.move_view(args.name, args.position)
    elif cmd == "rename":
        st.rename_view(args.name, args.new_name, editor=args.editor)
    if cmd in ("list", "mv", "rename"):
        for i, v in enumerate(st.list_views(), 1):
            print(f"{i:2d}  {v.name}\t{v.title}\t?{v.query}")
    return 0


def run_map(args) -> int:
    from layers import printmap
    fmt = args.command
    sel = _select(args)
    fig = printmap.render(sel.projects, sel.counties, title=args.title or sel.title, note=sel.description,
                          size=args.size or ("A4" if fmt == "pdf" else "1920x1080"), data_date=_today())
    out = printmap.save(fig, args.out, fmt)
    print(f"{len(sel.projects)} projects → {out}")
    return 0


def run_html(args) -> int:
    from layers import atomic, offline_html
    sel = _select(args)
    data = offline_html.to_bytes(sel.projects, sel.counties, title=args.title or sel.title, note=sel.description)
    print(f"{len(sel.projects)} projects → {atomic.write_bytes(args.out, data)} ({len(data) // 1024} KB)")
    return 0


def run_sheets(args) -> int:
    from layers import printmap
    from layers.stores import store_from_args
    st = store_from_args(args).require()
    pages = printmap.county_sheets(st.projects(), st.counties(), data_date=_today())
    print(f"{len(pages)} pages → {printmap.save(pages, args.out, 'pdf')}")
    return 0


def run_bundle(args) -> int:
    from layers import bundle
    sel = _select(args)
    print(f"{bundle.write_selection(sel, args.out)} projects → {args.out}")
    return 0


def _select(args) -> selection.Selection:
    return selection.select(args.gpkg, view=args.view, q=args.q, db=args.db,
                            **{name: getattr(args, name) for name in selection.FILTER_OPTIONS})


def _today() -> str:
    return dt.date.today().isoformat()


COMMANDS = {"views": run_views, "png": run_map, "pdf": run_map, "html": run_html, "sheets": run_sheets,
            "bundle": run_bundle}

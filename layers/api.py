"""`python -m layers api`: a live, read-only OGC API – Features layer of the store for GIS staff (QGIS, ArcGIS Pro,
GDAL), served by pygeoapi with the providers of layers.api_provider, over either store engine (layers.stores: the
GeoPackage, or PostGIS with ``--db``).

Collections: ``projects`` (every geometry type in one collection, the fields of core/fields.py, the features and
filters of ``python -m layers export``), the same split by geometry type as the GeoPackage's layers
(``projects_point``, ``projects_line``, ``projects_polygon``: QGIS 3.22 draws one type per layer), ``counties`` and
``history`` (status changes). Queries: ``bbox``,
``status``/``county``/``category`` (codes or Chinese labels, several comma-separated), ``limit``/``offset``,
``sortby``, ``properties``, ``skipGeometry``, ``crs`` (CRS84, EPSG:4326, CGCS2000 EPSG:4490), ``f=json|html``.

Read-only by construction: the Flask app here routes GET (and HEAD) only — no POST/PUT/DELETE route exists — and
the conformance declaration does not claim Part 4 (create/replace/delete). The store's source is fixed at start; a
request's values are checked by the providers and never reach SQL or a file path. Pages are bounded
(``MAX_ITEMS``). It binds to 127.0.0.1 unless told otherwise.

pygeoapi's own HTML templates load Bootstrap and Leaflet from CDNs; the templates in ``layers/api_templates``
replace the ones that would (the base page, the collection, items and item pages, the OpenAPI viewers), and draw
the map with the Leaflet copy the app serves (static/vendor/leaflet): the HTML pages load nothing from elsewhere.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import sys
from pathlib import Path

from core import region
from core.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "api_templates"
LEAFLET = ROOT / "static" / "vendor" / "leaflet"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5050
DEFAULT_ITEMS = 100
MAX_ITEMS = 10_000          # features per page at most (a larger limit is cut to this)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS_LIST = [CRS84, "http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/4490"]
PART4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"
UNSERVED_RELS = {"http://www.opengis.net/def/rel/ogc/1.0/processes", "http://www.opengis.net/def/rel/ogc/1.0/job-list",
                 "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"}
# the query parameters of OGC API – Features parts 1–3 that pygeoapi reads (besides each collection's fields)
ITEMS_PARAMS = {"f", "lang", "bbox", "bbox-crs", "crs", "limit", "offset", "resulttype", "datetime", "sortby",
                "properties", "skipGeometry", "q", "filter", "filter-lang", "filter-crs"}
ITEM_PARAMS = {"f", "lang", "crs"}
COLLECTIONS = {  # id → (provider class, title ({city}: the region's name), description, keywords)
    "projects": ("ProjectsProvider", "{city}规划项目 projects",
                 "规划实施项目（点、线、面），字段见数据字典；status/county/category 可按代码或中文筛选",
                 ["规划", "项目", "planning", "projects"]),
    # one geometry type each, as the GeoPackage's layers: for clients that give a layer one type (QGIS 3.22)
    "projects_point": ("ProjectPointsProvider", "{city}规划项目（点） projects: points",
                       "以点表示的规划项目（projects 的一部分）", ["规划", "项目", "point"]),
    "projects_line": ("ProjectLinesProvider", "{city}规划项目（线） projects: lines",
                      "以线表示的规划项目（projects 的一部分）", ["规划", "项目", "line"]),
    "projects_polygon": ("ProjectPolygonsProvider", "{city}规划项目（面） projects: areas",
                         "以面表示的规划项目（projects 的一部分）", ["规划", "项目", "polygon"]),
    "counties": ("CountiesProvider", "县(市、区) counties", "行政区划边界（县级）", ["行政区划", "boundaries"]),
    "history": ("HistoryProvider", "状态变更记录 status history",
                "每次状态变更一条记录；几何为项目当前位置（项目已不在库中时为空）", ["历史", "history"]),
}


class ApiError(UserError):
    """The server cannot start (a bad port, an address that is not this machine's)."""


# --------------------------------------------------------------------------------------------- configuration

def open_source(args) -> tuple[str, str]:
    """(source, label) of the store to serve: ``--db URL`` (PostGIS), else ``--gpkg PATH``, else $PROJECTMAP_DB,
    else the default GeoPackage (layers.stores.store_from_args). The store is read once here, so a missing or
    unreadable one is a message before anything listens. The label has no password."""
    from layers.api_source import cached
    from layers.stores import store_from_args
    st = store_from_args(args).require()
    source = st.url if st.kind == "postgis" else str(Path(st.path).resolve())
    for what in ("counties", "projects", "history"):
        cached(source, what)
    return source, st.label


def _bbox(frames) -> list[float]:
    bounds = [f.total_bounds for f in frames if len(f) and f.geometry.notna().any()]
    if not bounds:
        return [-180.0, -90.0, 180.0, 90.0]
    return [round(float(min(b[0] for b in bounds)), 6), round(float(min(b[1] for b in bounds)), 6),
            round(float(max(b[2] for b in bounds)), 6), round(float(max(b[3] for b in bounds)), 6)]


def config(source: str, url: str) -> dict:
    """pygeoapi's configuration for ``source``, served at ``url`` (the base URL clients see)."""
    from layers.api_source import cached
    city = region.current().name_zh  # the region served (--region; 聊城市 by default)
    extent = _bbox([cached(source, "counties"), cached(source, "projects")])
    resources = {}
    for cid, (provider, title, description, keywords) in COLLECTIONS.items():
        resources[cid] = {
            "type": "collection", "title": title.format(city=city), "description": description, "keywords": keywords,
            "links": [],
            "extents": {"spatial": {"bbox": extent, "crs": CRS84}},
            "providers": [{"type": "feature", "name": f"layers.api_provider.{provider}", "data": source,
                           "id_field": "id", "title_field": "name" if cid != "history" else "project_id",
                           "crs": CRS_LIST, "storage_crs": CRS84}],
        }
    return {
        "server": {"bind": {"host": "127.0.0.1", "port": 0}, "url": url.rstrip("/"),
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "languages": ["en-US"],
                   "pretty_print": False, "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS,
                                                     "on_exceed": "throttle"},
                   "map": {"url": "", "attribution": ""},
                   "templates": {"path": str(TEMPLATES), "static": str(LEAFLET)}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": f"{city}规划项目图 · OGC API – Features",
                               "description": "规划项目、县域和状态变更记录（只读）",
                               "keywords": ["规划", "OGC API Features"], "keywords_type": "theme",
                               "terms_of_service": "", "url": url.rstrip("/")},
            "license": {"name": "内部使用 internal use", "url": url.rstrip("/")},
            "provider": {"name": f"{city}规划项目图", "url": url.rstrip("/")},
            "contact": {"name": "", "position": "", "address": "", "city": city, "stateorprovince": "",
                        "postalcode": "", "country": "CN", "phone": "", "fax": "", "email": "", "url": "",
                        "hours": "", "instructions": "", "role": "pointOfContact"},
        },
        "resources": resources,
    }


# ----------------------------------------------------------------------------------------------- the web app

def make_app(source: str, url: str):
    """The WSGI app: pygeoapi's API behind GET-only routes (no route that writes exists)."""
    from http import HTTPStatus

    from flask import Flask, abort, make_response, request, send_from_directory
    from pygeoapi import api as core_api
    from pygeoapi.api import API, F_HTML, APIRequest, apply_gzip
    from pygeoapi.api import itemtypes as itemtypes_api
    from pygeoapi.openapi import get_oas
    from pygeoapi.util import render_j2_template, to_json

    from layers import api_provider

    cfg = config(source, url)
    oas = get_oas(cfg, fail_on_invalid_collection=True)
    oas["paths"] = {path: ops for path, ops in oas["paths"].items() if not path.startswith("/jobs")}  # not served
    api = API(cfg, oas)
    logging.getLogger("pygeoapi").setLevel(logging.CRITICAL)  # it logs every 400 with a traceback
    app = Flask(__name__, static_folder=None)
    app.url_map.strict_slashes = False

    def run(function, *args, check=True):
        req = APIRequest.from_flask(request, api.locales)
        if check and not req.is_valid():
            headers, status, content = api.get_format_exception(req)
        else:
            headers, status, content = function(api, req, *args)
            content = apply_gzip(headers, content)
        resp = make_response(content, status)
        for key, value in (headers or {}).items():
            resp.headers[key] = value
        return resp

    def landing():
        resp = run(core_api.landing_page)
        return _edit_json(resp, lambda d: d.update(links=[k for k in d["links"] if k["rel"] not in UNSERVED_RELS]))

    # pygeoapi's conformance() extends its module's list on every call (memory and time growing with each request):
    # the classes are fixed here once — OGC API Common and Features, without Part 4 (nothing is writable).
    conforms = {"conformsTo": sorted((set(core_api.CONFORMANCE_CLASSES)
                                      | set(itemtypes_api.CONFORMANCE_CLASSES_FEATURES)) - {PART4})}

    def conformance_document(api_, req):
        headers = req.get_response_headers(**api_.api_headers)
        if req.format == F_HTML:
            return headers, HTTPStatus.OK, render_j2_template(api_.tpl_config, api_.config["server"]["templates"],
                                                              "conformance.html", conforms, req.locale)
        return headers, HTTPStatus.OK, to_json(conforms, api_.pretty_print)

    def conformance():
        return run(conformance_document)

    def refuse(message):
        req = APIRequest.from_flask(request, api.locales)
        headers, status, content = api.get_exception(HTTPStatus.BAD_REQUEST, req.get_response_headers(
            **api.api_headers), req.format, "InvalidParameterValue", message)
        return run(lambda *_: (headers, status, content), check=False)

    def items(collection_id, item_id=None):
        """Items or one item — after refusing what pygeoapi would ignore: a parameter that is neither OGC's nor a
        field (a misspelt ``stauts=`` would otherwise return everything) and CSV (not protected against formulas;
        ``python -m layers export --format csv`` is)."""
        if collection_id in COLLECTIONS:
            provider = getattr(api_provider, COLLECTIONS[collection_id][0])
            allowed = ITEM_PARAMS if item_id is not None else ITEMS_PARAMS | set(provider.field_specs())
            unknown = [k for k in request.args if k not in allowed]
            if unknown:
                return refuse(f"unknown query parameter {unknown[0][:40]!r}; valid: {', '.join(sorted(allowed))}")
            if request.args.get("f") == "csv":
                return refuse("f=csv is not offered; use f=json (GeoJSON) or python -m layers export --format csv")
        if item_id is None:
            return run(itemtypes_api.get_collection_items, collection_id, check=False)
        return run(itemtypes_api.get_collection_item, collection_id, item_id)

    routes = {
        "/": landing,
        "/openapi": lambda: run(core_api.openapi_),
        "/conformance": conformance,
        "/collections": lambda: run(core_api.describe_collections, None),
        "/collections/<collection_id>": lambda collection_id: run(core_api.describe_collections, collection_id),
        "/collections/<collection_id>/queryables":
            lambda collection_id: run(itemtypes_api.get_collection_queryables, collection_id),
        "/collections/<collection_id>/schema":
            lambda collection_id: run(core_api.get_collection_schema, collection_id),
        "/collections/<collection_id>/items": items,
        "/collections/<collection_id>/items/<item_id>": items,
    }
    for i, (rule, view) in enumerate(routes.items()):
        app.add_url_rule(rule, f"r{i}", view, methods=["GET"])

    @app.get("/static/<path:name>")
    def static(name):
        if name.startswith("leaflet/"):
            return send_from_directory(LEAFLET, name.removeprefix("leaflet/"))  # refuses paths leaving the folder
        abort(404)

    @app.after_request
    def headers(resp):
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        if resp.mimetype == "text/html":  # the pages load nothing from elsewhere; say so to the browser too
            resp.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                       "style-src 'self' 'unsafe-inline'; "
                                                       "script-src 'self' 'unsafe-inline'")
        return resp

    return app


def _edit_json(resp, change):
    """Apply ``change`` to a JSON response's document (HTML and other responses pass unchanged)."""
    if resp.mimetype not in ("application/json", "application/geo+json") or resp.status_code != 200:
        return resp
    doc = json.loads(resp.get_data())
    change(doc)
    resp.set_data(json.dumps(doc, ensure_ascii=False))
    return resp


# ------------------------------------------------------------------------------------------------------ serve

def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(source: str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, url: str | None = None,
          label: str | None = None) -> None:
    """Serve until interrupted. Port 0: any free port. Prints the address once it accepts connections."""
    from werkzeug.serving import make_server

    app_box = {}
    try:
        server = make_server(host, port, lambda env, start: app_box["app"](env, start), threaded=True)
    except (OSError, SystemExit) as err:  # the address is not this machine's; werkzeug exits when the port is taken
        why = getattr(err, "strerror", None) or "端口已被占用 / port in use"
        raise ApiError(f"无法在 {host}:{port} 上监听（{why}）；请换一个端口 --port",
                       f"cannot listen on {host}:{port} ({why}); try another --port") from None
    shown_host = f"[{host}]" if ":" in host else host
    base = url or f"http://{shown_host}:{server.server_port}"
    app_box["app"] = make_app(source, base)
    logging.getLogger("werkzeug").setLevel(logging.INFO)  # one line per request
    if not _loopback(host):
        print(f"注意：监听 {host}，网络上的其他计算机也能读取（只读）。 / listening on {host}: reachable from the "
              f"network (read-only)", file=sys.stderr)
    print(f"OGC API – Features: {base}/  ({label or source}; Ctrl+C 停止 / stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def add_arguments(p) -> None:
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this "
                                                         f"computer only)")
    p.add_argument("--url", default=None, help="the base URL clients use, when behind a reverse proxy "
                                               "(default http://HOST:PORT)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--db", default=None, metavar="URL", help="PostGIS store postgresql://… (default $PROJECTMAP_DB "
                                                               "if set, else the GeoPackage)")
    src.add_argument("--gpkg", default=None, help="GeoPackage (default $PROJECTMAP_GPKG or data/liaocheng.gpkg)")
    p.add_argument("--region", default=None, help="the region served, a file of config/regions/ (default liaocheng): "
                                                   "its name in the titles and, without --db/--gpkg, its GeoPackage")


def run_command(args) -> int:
    if not 0 <= args.port <= 65535:
        raise ApiError(f"端口 {args.port} 无效", f"port {args.port} is not in 0–65535")
    if args.region:
        here = region.serve_only(args.region)  # this process serves one region, from werkzeug's threads too
        if not args.db and not args.gpkg:
            from layers.store import gpkg_path
            args.gpkg = str(gpkg_path(region=here))
    source, label = open_source(args)
    serve(source, host=args.host, port=args.port, url=args.url, label=label)
    return 0

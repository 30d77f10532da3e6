"""The region being mapped: 聊城市 unless a caller chooses another region file (core.regions, issue 11 item 5).

The region is a context, not a global: ``current()`` is the region of this thread's context (a ``ContextVar``), so
two sessions of the app, each in its own script thread, can show two cities at once, and a test that builds 菏泽
inside ``use("heze")`` leaves 聊城 as every other test's region.

    with region.use("heze"):        # a build, a test: 菏泽 inside the block only
        region.current().bbox
    region.activate("heze")         # the app, at the start of each script run (mapview.urlstate.choose_region)
    region.resolve_with(fn)         # the app: a thread that set none (a widget's callback) asks fn (the session)
    region.serve_only("heze")       # a process serving one region (the OGC API server and its request threads)

What follows the current region: the county vocabulary (core.vocab.COUNTIES), the registry's county check, the
gazetteer's and the geocoder's box checks, the county boundaries, the metric CRS, the build's paths, the app's
title and the API's name. ``DEFAULT`` is the region of every command and page that is not told otherwise.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from core import regions
from core.regions import Region

__all__ = ["DEFAULT", "REGION_BOX", "activate", "current", "get", "resolve_with", "serve_only", "use"]

DEFAULT = "liaocheng"


@lru_cache(maxsize=16)
def get(key: str) -> Region:
    """The region file ``key`` read and checked once per process (RegionError for an unknown or bad one)."""
    return regions.load(key)


_current: ContextVar[Region | None] = ContextVar("projectmap_region", default=None)
_process = [DEFAULT]  # the region of contexts that set none: DEFAULT, or the one a single-region process serves
_asked: list = []  # [function → a region key or None]: where a context that set none asks (resolve_with)


def current() -> Region:
    """The region of this context: the one set by ``use``/``activate``, else the one ``resolve_with``'s function
    names (the app: the session's), else the process's (``serve_only``)."""
    r = _current.get()
    if r is not None:
        return r
    key = _asked[0]() if _asked else None
    return get(key if key and key in regions.available() else _process[0])


def resolve_with(function) -> None:
    """Where a context that set no region asks for it: ``function()`` returns a region key or None. The app
    registers its session's region (mapview.urlstate), so that code run before the page — a widget's callback, in
    a thread of its own — sees the region of the session that clicked."""
    _asked[:] = [function]


def serve_only(region: Region | str) -> Region:
    """Make ``region`` the region of every context in this process that sets none — for a process that serves one
    region from threads it does not start itself (``python -m layers api --region heze``: werkzeug's request
    threads). The app never calls this: its sessions differ."""
    r = get(region) if isinstance(region, str) else region
    _process[0] = r.key
    return r


def activate(region: Region | str) -> Region:
    """Make ``region`` (a Region or a key) the current one for the rest of this context (an app's script run)."""
    r = get(region) if isinstance(region, str) else region
    _current.set(r)
    return r


@contextmanager
def use(region: Region | str):
    """``with use("heze"):`` — the region is current inside the block and the previous one after it."""
    r = get(region) if isinstance(region, str) else region
    token = _current.set(r)
    try:
        yield r
    finally:
        _current.reset(token)


REGION_BOX = get(DEFAULT).bbox  # the default region's box (lon min, lat min, lon max, lat max): the river readers'
# default extent (geo.rivers, geo.gshhg, geo.ngcc_rivers: Liaocheng's river courses); the rest asks current().bbox

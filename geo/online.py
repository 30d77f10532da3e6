"""Optional online geocoders: Tianditu (天地图), Amap (高德) and Nominatim (OpenStreetMap, via geopy).

They are consulted by geo.geocode.Geocoder only to improve a county fallback, and only when configured:

- ``TIANDITU_TOKEN``  a Tianditu server key (``tk``); results are CGCS2000, used as WGS84 (they differ by < 1 m).
- ``AMAP_KEY``        an Amap Web-service key; results are GCJ-02 and are converted with geo.crs.gcj02_to_wgs84.
- ``PROJECTMAP_NOMINATIM=1``  use the public Nominatim server (never by default). Its usage policy asks for an
  application user agent (``PROJECTMAP_NOMINATIM_UA`` overrides ours), at most one request per second and caching;
  this client waits ≥ 1 s between requests and never repeats a query within a run.

A hit is accepted only if
- it lies inside the project's counties (a geocoder answering with the city centre or another province loses),
- its match level is finer than a district: POI / house number → ``approximate`` with a few hundred metres to 1 km,
  road / village → ~2 km, township / development zone → ~5 km; province, city, county and unknown levels are
  rejected (no better than the county fallback). Precision is never ``exact``.
Only point-like projects are placed this way: a geocoded point cannot stand for a river, a road or an irrigation
district, so line and area categories keep their fallback.

A provider that cannot be reached (timeout, network or HTTP error, or a non-success status such as a bad key) yields
nothing: a warning is logged once and the provider is not asked again during this run. Keys never appear in log
messages (they are masked). The HTTP transport is injectable: ``transport(url, *, headers, timeout) -> parsed JSON``.
"""
from __future__ import annotations

import logging
import os

from shapely.geometry import Point

from geo.online_providers import (MAX_M, NOT_POINT_CATEGORIES, USER_AGENT, Amap, Hit, Nominatim,  # noqa: F401
                                  ProviderError, Tianditu, _round_m, mask)

log = logging.getLogger(__name__)


class OnlineGeocoder:
    """Asks each provider in turn, with the project's name and then its aliases; the first accepted hit wins."""

    def __init__(self, providers, transport=None):
        self.providers = list(providers)
        if transport is not None:
            for p in self.providers:
                p.transport = transport
        self.cache = {}      # (provider, query) → hits: a query is never sent twice in a run
        self.disabled = {}   # provider name → masked reason

    def __repr__(self) -> str:
        return f"OnlineGeocoder({self.providers!r})"

    def terms(self, project) -> list[str]:
        seen, out = set(), []
        for t in [project.name, *project.aliases]:
            t = (t or "").strip()
            if t and t not in seen:
                seen.add(t)
                out.append(t)
        return out

    def _search(self, provider, query: str, within) -> list[Hit]:
        key = (provider.name, query)
        if key not in self.cache:
            if isinstance(provider, Nominatim):
                self.cache[key] = provider.search(query, bounds=within.bounds)
            else:
                self.cache[key] = provider.search(query)
        return self.cache[key]

    def locate(self, project, within):
        """A better point for a project than its county fallback, or None."""
        from geo.geocode import Located

        if getattr(project, "category", None) in NOT_POINT_CATEGORIES:
            return None
        for provider in self.providers:
            for term in self.terms(project):
                if provider.name in self.disabled:
                    break
                query = provider.query_text(term)
                try:
                    hits = self._search(provider, query, within)
                except ProviderError as err:
                    reason = mask(str(err), [p.secret for p in self.providers])
                    self.disabled[provider.name] = reason
                    log.warning("%s not used for the rest of this build: %s", provider.label, reason)
                    break
                for hit in hits:
                    if hit.precision_m is None or hit.precision_m > MAX_M:
                        log.debug("%s %r: level %s rejected", provider.name, query, hit.level)
                        continue
                    point = Point(hit.lon, hit.lat)
                    if not within.covers(point):
                        log.debug("%s %r: (%.5f, %.5f) outside the project's counties", provider.name, query,
                                  hit.lon, hit.lat)
                        continue
                    return Located(point, f"{provider.label}: '{query}', level {hit.level}", "approximate",
                                   _round_m(hit.precision_m), (f"dataset:{provider.name}",))
        return None


def from_env(environ=None, transport=None) -> OnlineGeocoder | None:
    """The configured providers (see the module docstring), or None when none is configured."""
    env = os.environ if environ is None else environ
    kw = {"transport": transport} if transport is not None else {}
    providers = []
    if env.get("TIANDITU_TOKEN", "").strip():
        providers.append(Tianditu(env["TIANDITU_TOKEN"].strip(), **kw))
    if env.get("AMAP_KEY", "").strip():
        providers.append(Amap(env["AMAP_KEY"].strip(), **kw))
    if env.get("PROJECTMAP_NOMINATIM", "").strip() == "1":
        providers.append(Nominatim(env.get("PROJECTMAP_NOMINATIM_UA", "").strip() or USER_AGENT, **kw))
    if not providers:
        return None
    log.info("online geocoders: %s", ", ".join(p.name for p in providers))
    return OnlineGeocoder(providers)

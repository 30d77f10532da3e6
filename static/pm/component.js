/* The Streamlit side of the project map (index.html): Streamlit's component protocol (API version 1) by hand.
 * Loaded before Leaflet and map.js: it says "ready" at once and starts fetching the data files as soon as their
 * URLs arrive, while the scripts still load; the map is drawn when both are there.
 * The first render draws the map (map.js' pmDrawMap); later renders with the same data only update it
 * (pmUpdate: filter bitset, legend, project to locate, extent), so a filter change never reloads the frame.
 * Clicking a county's name sends {county, n} back to Python (the page then filters to that county). */
"use strict";

window.pmPrefetched = {};  // URL → promise of its JSON (map.js' pmFetch takes it from here)

(function () {
  var map = null, base = null, clicks = 0, scripts = false, pending = null;

  function prefetch(url, bulk) {  // bulk: the binary payload's geometry part (static/pm/bulk.js)
    if (url && !window.pmPrefetched[url]) {
      var init = bulk ? {headers: {Range: "bytes=0-" + (bulk.bytes - 1)}} : undefined;
      window.pmPrefetched[url] = fetch(url, init).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return bulk ? r.arrayBuffer() : r.json();
      });
      window.pmPrefetched[url].catch(function () { /* reported when the map asks for it */ });
    }
  }

  function send(type, extra) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, extra || {}), "*");
  }

  function tile(t) {
    return L.tileLayer(t.url, {attribution: t.attribution, subdomains: t.subdomains || "abc",
      maxZoom: t.maxZoom || 18, pane: t.overlay ? "overlayPane" : "tilePane"});
  }

  function create(a) {
    if (map) { map.remove(); }
    var div = document.getElementById("map");
    map = L.map(div, {zoomSnap: 0.25, zoomDelta: 0.5, preferCanvas: !!a.options.canvas});
    (a.tiles || []).forEach(function (t) { tile(t).addTo(map); });
    map.on("pmcounty", function (e) {
      clicks += 1;
      send("streamlit:setComponentValue", {value: {county: e.name, n: clicks}, dataType: "json"});
    });
    pmDrawMap(map, null, a.options, null);
  }

  /* The frame's height: a.height, or with a.fill (presentation mode) down to the bottom of the window. */
  function height(a) {
    var h = a.height;
    try {
      if (a.fill && window.frameElement) {
        var top = window.frameElement.getBoundingClientRect().top + window.parent.scrollY;
        h = Math.max(a.minHeight || 400, Math.floor(window.parent.innerHeight - top - 16));
      }
    } catch (e) { /* another origin: keep a.height */ }
    return h;
  }

  function resize(a) {
    var h = height(a);
    document.getElementById("map").style.height = h + "px";
    send("streamlit:setFrameHeight", {height: h});
    if (map) { map.invalidateSize(); }
  }

  var last = null;
  window.addEventListener("resize", function () { if (last) { resize(last); } });

  function render(a) {
    if (!scripts) { pending = a; return; }  // Leaflet and map.js still loading
    pmMark("pm-render");
    last = a;
    resize(a);
    // a new data file, basemap or presentation mode: a new map; anything else: the same map, updated
    var key = JSON.stringify([a.options.countiesUrl, a.options.projectsUrl, a.tiles, a.options.present]);
    if (key !== base) { base = key; create(a); } else { map.invalidateSize(); pmUpdate(map, a.options); }
  }

  // the sidebar's legend-filter (in the page, same origin) hides and shows at once, before the rerun answers
  window.pmLocal = function (name, codes) { if (map) { pmLocalFilter(map, name, codes); } };

  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.type !== "streamlit:render") { return; }
    var a = JSON.parse(e.data.args.args);
    prefetch(a.options.countiesUrl); prefetch(a.options.projectsUrl, a.options.bulk);
    last = a; resize(a);  // the frame's height at once, the map when the scripts are there
    render(a);
  });
  document.addEventListener("DOMContentLoaded", function () {
    scripts = true;
    if (pending) { render(pending); pending = null; }
  });
  send("streamlit:componentReady", {apiVersion: 1});
})();

/* The project map as a Streamlit v2 component (mapview/mapcomponent.py): drawn in the page itself, no frame of its
 * own. Streamlit calls the default export with each run's data (UTF-8 JSON bytes): the data files' URLs, the filter
 * bitset, the legend and the options. The first call loads Leaflet and map.js (local files, once per page) while it
 * fetches the data, then draws the map (map.js' pmDrawMap); later calls with the same data only update it
 * (pmUpdate: filter bitset, legend, project to locate, extent). Clicking a county's name sends the trigger
 * "county" = {county, n} back to Python (the page then filters to that county); its 演示模式 button the trigger
 * "present" (the page enters presentation mode). With data.tellDrawn (a session's
 * first open, whose sidebar waits for the map) the trigger "drawn" follows the first draw once it is painted —
 * or the failure to load, or TELL_AFTER_MS — so the sidebar never waits for good. */
const DECODER = new TextDecoder();
const TELL_AFTER_MS = 10000;

window.pmPrefetched = window.pmPrefetched || {};  // URL → promise of its content (map.js' pmFetch takes it from here)

function prefetch(url, bulk) {  // bulk: the binary payload's geometry part (static/pm/bulk.js)
  if (url && !window.pmPrefetched[url]) {
    const init = bulk ? {headers: {Range: "bytes=0-" + (bulk.bytes - 1)}} : undefined;
    window.pmPrefetched[url] = fetch(url, init).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return bulk ? r.arrayBuffer() : r.json();
    });
    window.pmPrefetched[url].catch(function () { /* reported when the map asks for it */ });
  }
}

const loading = {};  // URL → the promise of that script loaded into the page

/* Leaflet, map.js and — for province-scale data — bulk.js: fetched in parallel, run in this order (async=false),
 * each once per page. */
function loadScripts(urls, bulk) {
  const wanted = [window.L ? null : urls.leaflet, window.pmDrawMap ? null : urls.map,
    !bulk || window.pmBulk ? null : urls.bulk].filter(Boolean);
  return Promise.all(wanted.map(function (src) {
    if (!loading[src]) {
      loading[src] = new Promise(function (resolve, reject) {
        const s = document.createElement("script");
        s.src = src; s.async = false;
        s.onload = resolve; s.onerror = function () { delete loading[src]; reject(new Error("cannot load " + src)); };
        document.head.appendChild(s);
      });
    }
    return loading[src];
  }));
}

/* The map's height: a.height, or with a.fill (presentation mode) down to the bottom of the window. */
function height(el, a) {
  if (!a.fill) { return a.height; }
  const top = el.getBoundingClientRect().top;
  return Math.max(a.minHeight || 400, Math.floor(window.innerHeight - top - 16));
}

function create(el, a) {
  const st = el.pmState;
  if (st.map) { st.map.remove(); }
  const map = L.map(el, {zoomSnap: 0.25, zoomDelta: 0.5, preferCanvas: !!a.options.canvas});
  (a.tiles || []).forEach(function (t) {
    L.tileLayer(t.url, {attribution: t.attribution, subdomains: t.subdomains || "abc", maxZoom: t.maxZoom || 18,
      pane: t.overlay ? "overlayPane" : "tilePane"}).addTo(map);
  });
  map.on("pmcounty", function (e) {
    st.clicks += 1;
    st.send("county", {county: e.name, n: st.clicks});
  });
  if (a.presentButton) { presentButton(map, st); }
  st.map = map;
  pmDrawMap(map, null, a.options, null);
}

/* 演示模式 on the map (not a Streamlit button beside the title: one element less before the map's first draw). */
function presentButton(map, st) {
  const box = L.control({position: "topleft"});  // under the zoom buttons, as a full-screen button is
  box.onAdd = function () {
    const b = L.DomUtil.create("button", "pm-present-button");
    b.type = "button"; b.textContent = "演示模式"; b.title = "全屏地图、大字号图例，适合投影";
    L.DomEvent.disableClickPropagation(b);
    b.addEventListener("click", function () { st.clicks += 1; st.send("present", st.clicks); });
    return b;
  };
  box.addTo(map);
}

function render(el, a) {
  const st = el.pmState;
  pmMark("pm-render");
  el.style.height = height(el, a) + "px";
  // a new data file, basemap or presentation mode: a new map; anything else: the same map, updated
  const key = JSON.stringify([a.options.countiesUrl, a.options.projectsUrl, a.tiles, a.options.present]);
  const options = JSON.stringify(a.options);  // a run that changed nothing on the map leaves it (and its popup) be
  if (key !== st.key) { st.key = key; create(el, a); }
  else { st.map.invalidateSize(); if (options !== st.options) { pmUpdate(st.map, a.options); } }
  st.options = options;
}

export default function (component) {
  const el = component.parentElement.querySelector(".pm-map");
  const a = JSON.parse(DECODER.decode(component.data));
  if (!el.pmState) {
    performance.mark("pm-mount");  // the benchmark's breakdown: the map's element is in the page
    el.pmState = {map: null, key: null, clicks: 0, last: null};
    window.addEventListener("resize", function () {
      const st = el.pmState;
      if (st.last) { el.style.height = height(el, st.last) + "px"; }
      if (st.map) { st.map.invalidateSize(); }
    });
    // the sidebar's legend-filter hides and shows at once, before the rerun answers
    window.pmLocal = function (name, codes) { if (el.pmState.map) { pmLocalFilter(el.pmState.map, name, codes); } };
  }
  const st = el.pmState;
  st.send = component.setTriggerValue;  // the latest run's sender
  st.last = a;
  prefetch(a.options.countiesUrl); prefetch(a.options.projectsUrl, a.options.bulk);
  el.style.height = height(el, a) + "px";  // the map's place at once, the map when the scripts are there
  if (a.tellDrawn && !st.told) { tellDrawn(el); }
  loadScripts(a.scripts, a.options.bulk).then(function () { if (st.last === a) { render(el, a); } })
    .catch(function (e) { el.textContent = "地图脚本未能加载：" + e.message; if (st.tell) { st.tell(); } });
}

/* The trigger "drawn", once per map: after the projects (or a failure notice) are painted, at the latest after
 * TELL_AFTER_MS. */
function tellDrawn(el) {
  const st = el.pmState;
  st.told = true;
  let done = false;
  const tell = function () {
    if (done) { return; }
    done = true; observer.disconnect(); clearTimeout(timer);
    requestAnimationFrame(function () { setTimeout(function () { st.send("drawn", true); }, 0); });
  };
  const observer = new MutationObserver(tell);  // the map's element: projects drawn, or its data failed to load
  observer.observe(el, {attributes: true, attributeFilter: ["data-pm-projects", "data-pm-error"]});
  const timer = setTimeout(tell, TELL_AFTER_MS);
  st.tell = tell;
}

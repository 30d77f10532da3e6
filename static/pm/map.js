/* The project map's drawing code (mapview/draw.py puts one call to pmDrawMap after folium's map set-up).
 *
 * Every string in C (counties) and P (projects) is already HTML-escaped in Python (mapview/escape.py): this code
 * only concatenates them. P.strings is a table of distinct escaped texts; a feature's v lists indices into it
 * (the name, then one per popup field, in the order of P.labels). Served from static/ and cached by the browser.
 */
/* exported pmDrawMap */
"use strict";

function pmDrawMap(map, C, O, P) {
  var el = map.getContainer();
  el.classList.toggle("pm-present", !!O.present);
  el.classList.toggle("pm-tiles", !!O.tiles);
  map._pm = {O: O, P: null, layers: null, fit: null, local: pmLegendFilter(O)};
  L.control.scale({imperial: false, maxWidth: 160}).addTo(map);
  if (map.attributionControl) { map.attributionControl.setPrefix("Leaflet"); }  // the credit, without a flag
  if (O.legend) { pmLegend(map, O.legend); }
  var withCounties = function (C) {
    map._pm.counties = pmCounties(map, C, O);
    pmFit(map, O);
    el.setAttribute("data-pm-counties", String(C.data.features.length));
  };
  var draw = function (P) { map._pm.P = P; pmProjects(map, O, P); };
  el.setAttribute("data-pm-renderer", O.canvas ? "canvas" : "svg");
  if (C && P) { withCounties(C); draw(P); return; }  // everything inline (the offline HTML file): synchronous
  Promise.all([C ? Promise.resolve(C) : pmFetch(O.countiesUrl),
    P ? Promise.resolve(P) : O.bulk ? pmBulkFetch(O) : pmFetch(O.projectsUrl)])  // bulk: static/pm/bulk.js
    .then(function (both) { pmMark("pm-data"); withCounties(both[0]); draw(both[1]); })
    .catch(function (e) { pmLoadFailed(map, e); });
}

/* A later run of the page with the same data: new filter (bitset), legend, project to locate, extent. */
function pmUpdate(map, O) {
  var st = map._pm;
  st.O = O;
  st.local = pmLegendFilter(O); st.hidden = null;  // the page's filter now holds what the browser had hidden at once
  if (O.legend && st.legend) { st.legend.set(O.legend); }
  if (!st.P) { return; }  // still loading: the first draw reads st.O
  pmProjects(map, O, st.P);
  pmFit(map, O);
}

function pmMark(name) {  // the benchmark reads these from the browser's performance timeline
  if (window.performance && performance.mark) { performance.mark(name); }
}

function pmFetch(url) {
  var early = window.pmPrefetched && window.pmPrefetched[url];  // component.js may have started it
  if (early) { return early; }
  return fetch(url).then(function (r) {
    if (!r.ok) { throw new Error("HTTP " + r.status); }
    return r.json();
  });
}

/* The extent: the chosen counties (O.fitCounties), else O.bounds (a meeting view's or the city's); only when it
 * differs from the last one fitted, so a filter change elsewhere keeps the planner's pan and zoom. */
function pmFit(map, O) {
  var st = map._pm, key = JSON.stringify([O.fitCounties || [], O.bounds]);
  if (!st.counties || key === st.fit) { return; }
  st.fit = key;
  var b = null;
  if (O.fitCounties && O.fitCounties.length) {
    st.counties.eachLayer(function (l) {
      if (O.fitCounties.indexOf(l.feature.properties.n) >= 0) { b = b ? b.extend(l.getBounds()) : l.getBounds(); }
    });
  }
  if (b) { map.fitBounds(b, {padding: [16, 16]}); } else if (O.bounds) { map.fitBounds(O.bounds, {padding: [8, 8]}); }
}

function pmCounties(map, C, O) {
  var cpane = map.createPane("pmCounties"); cpane.style.zIndex = 350;
  var lpane = map.createPane("pmLabels"); lpane.style.zIndex = 450; lpane.style.pointerEvents = "none";
  var counties = L.geoJSON(C.data, {
    pane: "pmCounties", interactive: false,
    style: function () { return O.countyStyle; }
  }).addTo(map);
  C.labels.forEach(function (l) {
    var m = L.marker([l.lat, l.lon], {pane: "pmLabels", interactive: !!O.countyClick, keyboard: false,
      title: O.countyClick ? "点击筛选" : "",
      icon: L.divIcon({className: "pm-county-label" + (O.countyClick ? " pm-clickable" : ""),
        html: "<span>" + l.n + "</span>", iconSize: null})
    }).addTo(map);
    if (O.countyClick) { m.on("click", function () { map.fire("pmcounty", {name: l.n}); }); }
  });
  return counties;
}

function pmBox(map, position, fill) {
  var box = L.control({position: position});
  box.onAdd = function () {
    var d = L.DomUtil.create("div", "pm-legend");
    fill(d);
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    return d;
  };
  return box.addTo(map);
}

/* The legend: a heading that folds it away (folded at first on a small map), its body scrolling inside the map. */
function pmLegend(map, html) {
  var body, button;
  var box = pmBox(map, "bottomright", function (d) {
    button = L.DomUtil.create("button", "pm-legend-toggle", d);
    button.type = "button";
    body = L.DomUtil.create("div", "pm-legend-body", d);
    body.innerHTML = html;  // escaped in Python
  });
  var el = box.getContainer();
  function setOpen(open) {
    el.classList.toggle("pm-folded", !open);
    button.textContent = open ? "图例 ▾" : "图例 ▸";
    button.setAttribute("aria-expanded", String(open));
    pmPopupPadding(map);
  }
  button.addEventListener("click", function () { setOpen(el.classList.contains("pm-folded")); });
  var fit = function () { el.style.maxHeight = (map.getSize().y - 50) + "px"; };
  fit(); map.on("resize", fit);
  map._pm.legend = {el: el, set: function (h) { body.innerHTML = h; pmPopupPadding(map); }};
  setOpen(map.getSize().x >= 640);
  pmLegendToggles(map);
}

/* Popups open clear of the legend (which would cover their close button) and of the map's edges. */
function pmPopupPadding(map) {
  var st = map._pm, legend = st.legend && st.legend.el;
  st.pad = st.pad || [10, 10];
  st.pad[0] = legend ? legend.offsetWidth + 20 : 10;
}

function pmLoadFailed(map, e) {
  map.getContainer().setAttribute("data-pm-error", String(e));
  pmBox(map, "topright", function (d) { d.textContent = "项目数据加载失败，请刷新页面。(" + e + ")"; });
}

function pmPopup(P, v) {  // same markup as mapview.popup.popup_from_parts
  var S = P.strings, h = "<div class=\"pm-popup\"><h4>" + S[v[0]] + "</h4><table>";
  for (var j = 0; j < P.labels.length; j++) {
    var t = S[v[j + 1]];
    if (t) {
      h += "<tr><th>" + P.labels[j] + "</th><td" + (j === P.excerpt ? " class=\"pm-excerpt\"" : "") + ">" + t +
        "</td></tr>";
    }
  }
  return h + "</table></div>";
}

function pmTooltip(P, v) {
  var S = P.strings, k = P.tooltip;
  return "<b>" + S[v[0]] + "</b><br>" + S[v[k[0]]] + " · " + S[v[k[1]]] + " · " + S[v[k[2]]];
}

/* The error radius (points) or corridor (lines, areas) of the feature under the mouse or with an open popup. */
function pmErrorHalo(map) {
  var halo = null;
  function metresPerPixel(lat) {
    return 40075016.686 * Math.cos(lat * Math.PI / 180) / Math.pow(2, map.getZoom() + 8);
  }
  function hide() {
    if (halo) { map.removeLayer(halo); halo = null; map.getContainer().removeAttribute("data-pm-error-radius"); }
  }
  function show(layer, r) {
    hide();
    if (!r) { return; }
    if (layer.getLatLng) {
      halo = L.circle(layer._pmTrue || layer.getLatLng(), {radius: r, className: "pm-error", interactive: false});
    } else {
      var px = 2 * r / metresPerPixel(layer.getBounds().getCenter().lat);  // a stroke as wide as the corridor
      halo = L.geoJSON(layer.toGeoJSON(), {interactive: false, style: function () {
        return {className: "pm-error", weight: Math.max(px, 3), lineCap: "round", lineJoin: "round"}; }});
    }
    halo.addTo(map); map.getContainer().setAttribute("data-pm-error-radius", String(r));
  }
  return {show: show, hide: hide};
}

/* Projects at one place: the markers are spread on a small circle so each can be clicked; the data stays true. */
function pmSpread(map, stacks, radius) {
  var stacked = Object.keys(stacks).filter(function (k) { return stacks[k].length > 1; });
  function spread() {
    stacked.forEach(function (k) {
      var list = stacks[k], n = list.length, R = radius * 1.6 + 2 * n;
      list.forEach(function (m, j) {
        var p = map.latLngToLayerPoint(m._pmTrue), a = 2 * Math.PI * j / n - Math.PI / 2;
        m.setLatLng(map.layerPointToLatLng(p.add([Math.cos(a) * R, Math.sin(a) * R])));
      });
    });
  }
  spread(); map.on("zoomend", spread);
  return {count: stacked.reduce(function (n, k) { return n + stacks[k].length; }, 0)};
}

/* A point in the symbol system: its shape, fill and ring as an SVG marker (our own markup, made in Python);
 * on a canvas (thousands of features) a circle in the same colour and fill. */
function pmMarker(s, ll, O) {
  if (O.canvas || !s.marker) {
    return L.circleMarker(ll, Object.assign({}, s, {radius: O.pointRadius, className: "pm-feature pm-point"}));
  }
  var px = Math.round(O.pointRadius * 2.6);
  return L.marker(ll, {icon: L.divIcon({html: s.marker.replace(/width="\d+" height="\d+"/,
    "width=\"" + px + "\" height=\"" + px + "\""), className: "pm-feature pm-point pm-marker",
    iconSize: [px, px], iconAnchor: [px / 2, px / 2]}), riseOnHover: true, keyboard: false});
}

/* 建成: a dark casing under the line or outline, drawn first so the project's own line lies on top. */
/* 建成: a dark casing under the line or outline, drawn first so the project's own line lies on top. */
function pmCasing(P, f) {
  var s = P.styles[f.properties.k];
  if (f.geometry.type === "Point" || !s.casing) { return null; }
  return L.geoJSON(f, {interactive: false, style: function () {
    return {color: s.casing, weight: s.weight + 3, opacity: s.opacity, fill: false, lineCap: "round"};
  }}).getLayers()[0];
}

/* Every feature's layer, made once per data file (hidden ones are kept, not redrawn, when the filter changes). */
function pmBuild(map, O, P) {
  var st = map._pm, stacks = {}, halo = st.halo || (st.halo = pmErrorHalo(map)), i = 0;
  pmPopupPadding(map);
  var popupOptions = {maxWidth: Math.min(O.popupWidth, map.getSize().x - 60), className: "pm-popup-wrap",
    autoPanPaddingTopLeft: [10, 10], autoPanPaddingBottomRight: st.pad};
  var layers = [], casings = [];
  L.geoJSON(P.data, {
    style: function (f) {
      var s = Object.assign({}, P.styles[f.properties.k]);
      s.className = f.geometry.type === "Point" ? "pm-feature pm-point" : "pm-feature";
      return s;
    },
    pointToLayer: function (f, ll) {
      var m = pmMarker(P.styles[f.properties.k], ll, O), key = ll.lat.toFixed(5) + "," + ll.lng.toFixed(5);
      m._pmTrue = ll; (stacks[key] = stacks[key] || []).push(m);
      return m;
    },
    onEachFeature: function (f, layer) {
      var v = f.properties.v, r = f.properties.r;
      layer.bindPopup(function () { return pmPopup(P, v); }, popupOptions);
      layer.bindTooltip(function () { return pmTooltip(P, v); }, {sticky: true, className: "pm-tooltip"});
      layer.on("mouseover", function () { halo.show(layer, r); });
      layer.on("mouseout", function () { if (!layer.isPopupOpen()) { halo.hide(); } });
      layer.on("popupopen", function () { halo.show(layer, r); });
      layer.on("popupclose", halo.hide);
      layers[i] = layer; casings[i] = pmCasing(P, f); i += 1;
    }
  });
  var spread = pmSpread(map, stacks, O.pointRadius);
  map.getContainer().setAttribute("data-pm-stacked", String(spread.count));
  st.built = P;
  st.all = {layers: layers, casings: casings, on: layers.map(function () { return false; })};
  st.layers = {casings: L.featureGroup().addTo(map), projects: L.featureGroup().addTo(map)};
  window.pmLayers = {counties: st.counties, projects: st.layers.projects, casings: st.layers.casings};
}

/* The statuses and categories chosen in the page's legend-filter (O.legendFilter; none: all), applied here, not in
 * the bitset O.visible: so the browser can show them again at once too. */
function pmLegendFilter(O) {
  var f = O.legendFilter || {}, out = {};
  ["status", "category"].forEach(function (name) {
    out[name] = f[name] && f[name].length ? f[name].reduce(function (o, c) { o[c] = true; return o; }, {}) : null;
  });
  return out;
}

/* Statuses or categories hidden in the browser at once, before (or without) a rerun of the page: a click in the
 * sidebar's legend-filter (legend.js calls pmLocalFilter; the rerun's bitset then agrees and replaces it) or in
 * the map's own legend (hides only what is drawn: no rerun, nothing else changes). */
function pmLocalFilter(map, name, codes) {
  var st = map._pm;
  st.local = st.local || {};
  st.local[name] = codes === null ? null : codes.reduce(function (o, c) { o[c] = true; return o; }, {});
  if (st.P) { pmProjects(map, st.O, st.P); }
}

function pmLegendToggles(map) {
  var st = map._pm;
  st.legend.el.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest(".pm-row[data-status], .pm-row[data-category]");
    if (!row) { return; }
    row.classList.toggle("pm-off");
    row.title = "点击隐藏/显示";
    st.hidden = st.hidden || {status: {}, category: {}};
    var name = row.hasAttribute("data-status") ? "status" : "category";
    st.hidden[name][row.getAttribute("data-" + name)] = row.classList.contains("pm-off");
    if (st.P) { pmProjects(map, st.O, st.P); }
  });
}

/* Only the projects whose name contains `query` (the offline file's search box; "" = all). */
function pmSearch(map, query) {
  var st = map._pm, P = st.P, d = document.createElement("div");
  st.names = st.names || P.data.features.map(function (f) {  // the names as the reader sees them (decoded)
    d.innerHTML = P.strings[f.properties.v[0]]; return d.textContent.toLowerCase();
  });
  st.query = query.trim().toLowerCase();
  pmProjects(map, st.O, P);
}

function pmPasses(st, P, i) {
  var style = P.styles[P.data.features[i].properties.k];
  var local = st.local || {}, hidden = st.hidden || {status: {}, category: {}};
  return !(local.status && !local.status[style.s]) && !(local.category && !local.category[style.c]) &&
    !hidden.status[style.s] && !hidden.category[style.c] && !(st.query && st.names[i].indexOf(st.query) < 0);
}

/* The features that pass the filter (O.visible) on the map, the others off it; the project to locate opened. */
function pmProjects(map, O, P) {
  if (O.bulk) { return pmBulk(map, O, P); }  // province-scale data: one canvas (static/pm/bulk.js)
  var st = map._pm;
  if (st.built !== P) { pmBuild(map, O, P); }
  var a = st.all, g = st.layers, bits = O.visible === null ? null : atob(O.visible), drawn = 0, target = null;
  map.closePopup(); st.halo.hide();
  for (var i = 0; i < a.layers.length; i++) {
    var on = (bits === null || ((bits.charCodeAt(i >> 3) >> (i & 7)) & 1) === 1) &&
      pmPasses(st, P, i);
    if (on !== a.on[i]) {
      if (on) { g.projects.addLayer(a.layers[i]); if (a.casings[i]) { g.casings.addLayer(a.casings[i]); } }
      else { g.projects.removeLayer(a.layers[i]); if (a.casings[i]) { g.casings.removeLayer(a.casings[i]); } }
      a.on[i] = on;
    }
    if (on) {
      drawn += 1;
      if (O.locate !== null && P.data.features[i].properties.i === O.locate) { target = a.layers[i]; }
    }
  }
  g.casings.bringToBack();
  if (target && O.locate !== st.located) {
    if (target.getBounds) { map.fitBounds(target.getBounds(), {maxZoom: 12, padding: [40, 40]}); }
    else { map.setView(target.getLatLng(), 12); }
    target.openPopup();
  }
  st.located = O.locate;
  map.getContainer().setAttribute("data-pm-projects", String(drawn));
  map.getContainer().setAttribute("data-pm-shown", String(drawn));
  pmMark("pm-drawn");
}

/* Province-scale data (tens of thousands of projects and more): every project drawn on ONE canvas from the binary
 * payload of layers/bulkpayload.py, instead of one Leaflet layer per feature (map.js' pmBuild).
 *
 * map.js hands over when O.bulk is set (Python decides: layers.bulkpayload.bulk_min): pmBulkFetch loads the geometry
 * part of the file (an HTTP Range request), pmBulk applies the filter — the same bitset and legend toggles as the
 * small-data path — and redraws. A click finds the feature under the mouse (the topmost, as drawn) and fetches the
 * popup texts of its block of features; the texts are escaped in Python and only concatenated here (pmPopup).
 */
/* exported pmBulkFetch, pmBulk */
"use strict";

var PM_MAX_LAT = 85.0511287798;

function pmBulkFetch(O) {
  var url = O.projectsUrl, early = window.pmPrefetched && window.pmPrefetched[url];  // component.js' head start
  var got = early || fetch(url, {headers: {Range: "bytes=0-" + (O.bulk.bytes - 1)}}).then(function (r) {
    if (!r.ok) { throw new Error("HTTP " + r.status); }
    return r.arrayBuffer();
  });
  return got.then(function (buf) { return pmBulkParse(buf, url); });
}

/* The header and typed-array views of the sections; coordinates projected once to Web Mercator units (0…1). */
function pmBulkParse(buf, url) {
  var dv = new DataView(buf);
  if (dv.getUint32(0, false) !== 0x504d4231) { throw new Error("not a bulk map payload"); }  // "PMB1"
  var hlen = dv.getUint32(4, true), base = 8 + hlen;
  var H = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, hlen)));
  function view(T, name) { var s = H.sections[name]; return new T(buf, base + s[0], s[1]); }
  var B = {H: H, url: url, buf: buf, base: base, n: H.n, kind: view(Uint8Array, "kind"),
    style: view(Uint16Array, "style"), radius: view(Uint32Array, "radius"), parts: view(Uint32Array, "parts"),
    coords: view(Uint32Array, "coords"), xy: view(Int32Array, "xy"), on: new Uint8Array(H.n), blocks: {}};
  var xy = B.xy, u = B.u = new Float64Array(xy.length), box = B.box = new Float64Array(4 * B.n);
  for (var v = 0; v < xy.length; v += 2) {
    var lat = Math.max(-PM_MAX_LAT, Math.min(PM_MAX_LAT, xy[v + 1] / 1e6)) * Math.PI / 180;
    u[v] = xy[v] / 1e6 / 360 + 0.5;
    u[v + 1] = 0.5 - Math.log(Math.tan(Math.PI / 4 + lat / 2)) / (2 * Math.PI);
  }
  for (var i = 0; i < B.n; i++) {
    var a = B.coords[B.parts[i]], e = B.coords[B.parts[i + 1]], b = 4 * i;
    box[b] = box[b + 1] = Infinity; box[b + 2] = box[b + 3] = -Infinity;
    for (var j = a; j < e; j++) {
      box[b] = Math.min(box[b], u[2 * j]); box[b + 1] = Math.min(box[b + 1], u[2 * j + 1]);
      box[b + 2] = Math.max(box[b + 2], u[2 * j]); box[b + 3] = Math.max(box[b + 3], u[2 * j + 1]);
    }
  }
  B.groups = pmBulkGroups(B);
  return B;
}

/* Features by (kind, style), areas first, then lines, then points — the small-data path's draw order — each group
 * with its pen. */
function pmBulkGroups(B) {
  var byKey = {}, groups = [];
  for (var i = 0; i < B.n; i++) {
    var key = B.kind[i] * 65536 + B.style[i];
    if (!byKey[key]) { byKey[key] = {kind: B.kind[i], k: B.style[i], list: []}; groups.push(byKey[key]); }
    byKey[key].list.push(i);
  }
  groups.sort(function (a, b) { return b.kind - a.kind; });  // stable: first appearance within a kind
  groups.forEach(function (g) {
    g.list = Uint32Array.from(g.list);
    g.pen = pmBulkPen(B.H.styles[g.k], g.kind);
  });
  return groups;
}

/* Points shrink when zoomed out (a province at zoom 7: ~2 px), full size from zoom 11. */
function pmBulkRadius(R, zoom) {
  return Math.max(1.5, Math.min(R, R * Math.pow(2, (zoom - 11) / 2)));
}

function pmBulkDash(s) {
  return s.dashArray ? String(s.dashArray).split(/[ ,]+/).map(Number) : [];
}

/* A part's vertex closer than half a pixel to the last one drawn is left out (not its last: a line still ends where
 * it ends, and a feature smaller than a pixel is still drawn, as a dot). */
function pmBulkPath(ctx, B, i, sc, ox, oy) {
  var u = B.u, kind = B.kind[i], lx = 0, ly = 0;
  for (var p = B.parts[i]; p < B.parts[i + 1]; p++) {
    var a = B.coords[p], e = B.coords[p + 1];
    for (var j = a; j < e; j++) {
      var x = u[2 * j] * sc - ox, y = u[2 * j + 1] * sc - oy;
      if (j === a) { ctx.moveTo(x, y); }
      else if (j === e - 1 || Math.abs(x - lx) + Math.abs(y - ly) >= 0.5) { ctx.lineTo(x, y); }
      else { continue; }
      lx = x; ly = y;
    }
    if (kind === 2) { ctx.closePath(); }
  }
}

/* How a style paints a kind, worked out once: the fill (points and areas) and the strokes, the casing under the line. */
function pmBulkPen(s, kind) {
  var strokes = [], w = s.weight === undefined ? 3 : s.weight, a = s.opacity === undefined ? 1 : s.opacity;
  if (s.weight !== 0) {
    if (s.casing && kind !== 0) { strokes.push({alpha: a, width: w + 3, color: s.casing}); }
    strokes.push({alpha: a, width: w, color: s.color});
  }
  return {strokes: strokes, dash: pmBulkDash(s), cap: s.lineCap || "round", rule: kind === 2 ? "evenodd" : "nonzero",
    fill: kind === 1 || s.fill === false ? null : {alpha: s.fillOpacity === undefined ? 0.2 : s.fillOpacity,
      color: s.fillColor || s.color}};
}

/* The context set for a pen; then pmBulkInk paints each path (areas: one by one, for their holes) with it. */
function pmBulkPenUp(ctx, pen) {
  ctx.setLineDash(pen.dash); ctx.lineCap = pen.cap; ctx.lineJoin = "round";
  if (pen.fill) { ctx.fillStyle = pen.fill.color; }
  if (pen.strokes.length === 1) { ctx.lineWidth = pen.strokes[0].width; ctx.strokeStyle = pen.strokes[0].color; }
}

function pmBulkInk(ctx, pen) {
  if (pen.fill) { ctx.globalAlpha = pen.fill.alpha; ctx.fill(pen.rule); }
  for (var k = 0; k < pen.strokes.length; k++) {
    var t = pen.strokes[k];
    if (pen.strokes.length > 1) { ctx.lineWidth = t.width; ctx.strokeStyle = t.color; }
    ctx.globalAlpha = t.alpha;
    ctx.stroke();
  }
}

/* A point's look — the fill and stroke of a circle of radius R — drawn once per style into a small bitmap that the
 * canvas copies to every point (on whole device pixels): an arc per point in one path per style took about twice as
 * long to paint. */
function pmBulkSprite(pen, R, ratio) {
  var h = Math.ceil(R + (pen.strokes.length ? pen.strokes[0].width / 2 : 0) + 1), n = 2 * h * ratio;
  var c = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(n, n) : document.createElement("canvas");
  c.width = c.height = n;
  var o = c.getContext("2d");
  o.scale(ratio, ratio);
  o.beginPath(); o.arc(h, h, R, 0, 2 * Math.PI);
  pmBulkPenUp(o, pen); pmBulkInk(o, pen);
  return {img: c.transferToImageBitmap ? c.transferToImageBitmap() : c, h: h};
}

/* The points of group G inside the view v, each a copy of the sprite on whole device pixels. */
function pmBulkPoints(ctx, B, G, v, sprite) {
  var u = B.u, r = v.ratio, h = sprite.h * r, ox = v.ox * r, oy = v.oy * r, sc = v.sc * r;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);  // device pixels, (ox, oy) the canvas' origin
  ctx.globalAlpha = 1;
  for (var n = 0; n < G.list.length; n++) {
    var i = G.list[n];
    if (!pmBulkIn(B, i, v)) { continue; }
    for (var j = B.coords[B.parts[i]]; j < B.coords[B.parts[i + 1]]; j++) {
      ctx.drawImage(sprite.img, Math.round(u[2 * j] * sc - ox) - h, Math.round(u[2 * j + 1] * sc - oy) - h);
    }
  }
  ctx.restore();
}

/* The lines (one path) or the areas (one by one: holes) of group G inside the view v. */
function pmBulkShapes(ctx, B, G, v) {
  var any = false;
  pmBulkPenUp(ctx, G.pen);
  ctx.beginPath();
  for (var n = 0; n < G.list.length; n++) {
    var i = G.list[n];
    if (!pmBulkIn(B, i, v)) { continue; }
    pmBulkPath(ctx, B, i, v.sc, v.px, v.py);
    any = true;
    if (G.kind === 2) { pmBulkInk(ctx, G.pen); ctx.beginPath(); any = false; }
  }
  if (any) { pmBulkInk(ctx, G.pen); }
}

function pmBulkIn(B, i, v) {
  var q = 4 * i;
  return B.on[i] && B.box[q] <= v.x1 && B.box[q + 2] >= v.x0 && B.box[q + 1] <= v.y1 && B.box[q + 3] >= v.y0;
}

/* One canvas for every project: Leaflet's canvas renderer (size, panning, zoom animation) with our own drawing. */
var PmBulkCanvas = L.Canvas.extend({
  _draw: function () {
    var B = this._pmB, map = this._map, b = this._bounds;
    if (!B || !map || !b) { return; }
    var sc = 256 * Math.pow(2, map.getZoom()), org = map.getPixelOrigin(), m = 20 / sc;
    var v = {sc: sc, px: org.x, py: org.y, ox: org.x + b.min.x, oy: org.y + b.min.y, ratio: L.Browser.retina ? 2 : 1,
      x0: (b.min.x + org.x) / sc - m, y0: (b.min.y + org.y) / sc - m, x1: (b.max.x + org.x) / sc + m,
      y1: (b.max.y + org.y) / sc + m};
    var R = pmBulkRadius(this._pmR, map.getZoom()), sprites = this._pmSprites;
    if (!sprites || sprites.R !== R || sprites.ratio !== v.ratio) { sprites = this._pmSprites = {R: R, ratio: v.ratio}; }
    this._ctx.save();
    for (var g = 0; g < B.groups.length; g++) {
      var G = B.groups[g];
      if (G.kind !== 0) { pmBulkShapes(this._ctx, B, G, v); continue; }
      sprites[G.k] = sprites[G.k] || pmBulkSprite(G.pen, R, v.ratio);
      pmBulkPoints(this._ctx, B, G, v, sprites[G.k]);
    }
    this._ctx.restore();
  }
});

/* Distance from p to the segment a–b (all in pixels). */
function pmBulkSeg(px, py, ax, ay, bx, by) {
  var dx = bx - ax, dy = by - ay, l = dx * dx + dy * dy;
  var t = l ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function pmBulkHits(B, i, px, py, sc, R, tol) {
  var u = B.u, kind = B.kind[i], inside = false, s = B.H.styles[B.style[i]];
  for (var p = B.parts[i]; p < B.parts[i + 1]; p++) {
    var a = B.coords[p], e = B.coords[p + 1];
    for (var j = a; j < e; j++) {
      var x = u[2 * j] * sc, y = u[2 * j + 1] * sc;
      if (kind === 0) { if (Math.hypot(px - x, py - y) <= R + tol) { return true; } continue; }
      var k = j + 1 < e ? j + 1 : (kind === 2 ? a : -1);
      if (k < 0) { continue; }
      var xk = u[2 * k] * sc, yk = u[2 * k + 1] * sc;
      if (pmBulkSeg(px, py, x, y, xk, yk) <= (s.weight || 3) / 2 + tol) { return true; }
      if (kind === 2 && ((y > py) !== (yk > py)) && px < (xk - x) * (py - y) / (yk - y) + x) { inside = !inside; }
    }
  }
  return inside && s.fill !== false;
}

/* The topmost drawn feature at a container point, or -1. */
function pmBulkFind(map, B, cp, R) {
  var sc = 256 * Math.pow(2, map.getZoom()), org = map.getPixelOrigin();
  var lp = map.containerPointToLayerPoint(cp), px = lp.x + org.x, py = lp.y + org.y, tol = 3, m = (R + 8) / sc;
  var ux = px / sc, uy = py / sc;
  for (var g = B.groups.length - 1; g >= 0; g--) {
    var list = B.groups[g].list;
    for (var n = list.length - 1; n >= 0; n--) {
      var i = list[n], q = 4 * i;
      if (!B.on[i] || B.box[q] - m > ux || B.box[q + 2] + m < ux || B.box[q + 1] - m > uy || B.box[q + 3] + m < uy) {
        continue;
      }
      if (pmBulkHits(B, i, px, py, sc, R, tol)) { return i; }
    }
  }
  return -1;
}

/* The popup texts of feature i: its block of features, fetched once (a Range request) and inflated. */
function pmBulkBlock(B, i) {
  var k = Math.floor(i / B.H.chunk);
  if (!B.blocks[k]) {
    var a = B.base + B.H.chunks[k], e = B.base + B.H.chunks[k + 1];
    var bytes = B.buf.byteLength >= e ? Promise.resolve(B.buf.slice(a, e)) :
      fetch(B.url, {headers: {Range: "bytes=" + a + "-" + (e - 1)}}).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.arrayBuffer().then(function (buf) { return r.status === 206 ? buf : buf.slice(a, e); });
      });
    B.blocks[k] = bytes.then(function (buf) {
      var stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream("deflate"));
      return new Response(stream).json();
    });
    B.blocks[k].catch(function () { delete B.blocks[k]; });
  }
  return B.blocks[k].then(function (blk) { return blk.v[i % B.H.chunk].map(function (j) { return blk.s[j]; }); });
}

function pmBulkLatLng(B, i) {
  var v = B.coords[B.parts[i]];
  return L.latLng(B.xy[2 * v + 1] / 1e6, B.xy[2 * v] / 1e6);
}

function pmBulkBounds(B, i) {
  var b = L.latLngBounds([]);
  for (var j = B.coords[B.parts[i]]; j < B.coords[B.parts[i + 1]]; j++) {
    b.extend([B.xy[2 * j + 1] / 1e6, B.xy[2 * j] / 1e6]);
  }
  return b;
}

/* Feature i as pmErrorHalo takes a Leaflet layer: a point's place; a line's parts or an area's rings as GeoJSON
 * (the rings as one polygon: the halo's even-odd fill keeps holes holes and separate outlines filled). */
function pmBulkHaloOf(B, i) {
  if (B.kind[i] === 0) {
    var ll = pmBulkLatLng(B, i);
    return {getLatLng: function () { return ll; }};
  }
  var parts = [];
  for (var p = B.parts[i]; p < B.parts[i + 1]; p++) {
    var part = [];
    for (var j = B.coords[p]; j < B.coords[p + 1]; j++) { part.push([B.xy[2 * j] / 1e6, B.xy[2 * j + 1] / 1e6]); }
    parts.push(part);
  }
  var geometry = {type: B.kind[i] === 1 ? "MultiLineString" : "Polygon", coordinates: parts};
  return {getBounds: function () { return pmBulkBounds(B, i); },
    toGeoJSON: function () { return {type: "Feature", properties: {}, geometry: geometry}; }};
}

function pmBulkOpen(map, B, i, at) {
  var st = map._pm, O = st.O, ll = B.kind[i] === 0 ? pmBulkLatLng(B, i) : at;
  pmPopupPadding(map);
  st.bulkOpen = i;  // the last one asked for: an earlier click whose texts arrive later opens nothing
  return pmBulkBlock(B, i).then(function (texts) {
    if (st.bulkOpen !== i) { return; }
    map.closePopup();
    var v = texts.map(function (_, j) { return j; });
    var html = pmPopup({strings: texts, labels: B.H.labels, excerpt: B.H.excerpt}, v);
    var popup = L.popup({maxWidth: Math.min(O.popupWidth, map.getSize().x - 60), className: "pm-popup-wrap",
      autoPanPaddingTopLeft: [10, 10], autoPanPaddingBottomRight: st.pad}).setLatLng(ll).setContent(html);
    popup.openOn(map);
    st.halo.show(pmBulkHaloOf(B, i), B.radius[i]);
    st.bulkPopup = true;
    popup.on("remove", function () { st.bulkPopup = false; st.halo.hide(); });
    map.getContainer().setAttribute("data-pm-popup", String(i));
  }).catch(function (e) { pmLoadFailed(map, e); });
}

/* The project under the pointer, as a Leaflet layer shows it: the pointer cursor, the tooltip (name, category,
 * status, county: its popup block's texts, fetched once per block when the pointer rests on a project) and its
 * error radius (a point) or corridor (a line, an area) while no popup is open. Returns hover(i, latlng); i < 0: nothing under the pointer. */
function pmBulkHover(map, B) {
  var st = map._pm, el = map.getContainer(), tip = null, hovered = -1;
  return function (i, at) {
    el.style.cursor = i >= 0 ? "pointer" : "";
    if (i === hovered) { if (tip) { tip.setLatLng(at); } return; }
    hovered = i;
    if (tip) { map.closeTooltip(tip); tip = null; }
    if (!st.bulkPopup) { st.halo.hide(); }
    if (i < 0) { return; }
    if (!st.bulkPopup) { st.halo.show(pmBulkHaloOf(B, i), B.radius[i]); }
    setTimeout(function () {  // a pointer crossing many projects fetches no block on its way
      if (hovered === i) { pmBulkBlock(B, i).then(show).catch(function () { /* the popup reports it */ }); }
    }, 120);
    function show(texts) {
      if (hovered !== i) { return; }
      tip = L.tooltip({className: "pm-tooltip", direction: "top", offset: [0, -6]}).setLatLng(at)
        .setContent(pmTooltip({strings: texts, tooltip: B.H.tooltip}, texts.map(function (_, j) { return j; })));
      map.openTooltip(tip);
    }
  };
}

function pmBulkBuild(map, O, B) {
  var st = map._pm;
  if (st.bulkLayer) { map.removeLayer(st.bulkLayer); }
  var layer = st.bulkLayer = new PmBulkCanvas({pane: "overlayPane", padding: 0.3});
  layer._pmB = B; layer._pmR = O.pointRadius;
  layer.addTo(map);
  st.halo = st.halo || pmErrorHalo(map);
  st.built = B;
  var el = map.getContainer(), R = function () { return pmBulkRadius(O.pointRadius, map.getZoom()); };
  el.setAttribute("data-pm-renderer", "bulk");
  map.on("click", function (e) {
    var i = pmBulkFind(map, B, e.containerPoint, R());
    if (i >= 0) { pmBulkOpen(map, B, i, e.latlng); }
  });
  var pending = false, hover = pmBulkHover(map, B);
  map.on("mousemove", function (e) {  // the pointer over a project, as over a Leaflet layer
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      hover(pmBulkFind(map, B, e.containerPoint, R()), e.latlng);
    });
  });
  map.on("mouseout", function () { hover(-1); });
  window.pmBulkView = {map: map, B: B, point: function (i) { return map.latLngToContainerPoint(pmBulkLatLng(B, i)); },
    latlng: function (i) { return pmBulkLatLng(B, i); }};
}

/* The features that pass the filter (O.visible, the legend's local toggles) drawn; the project to locate opened. */
function pmBulk(map, O, B) {
  var st = map._pm;
  if (st.built !== B) { pmBulkBuild(map, O, B); }
  var bits = O.visible === null || O.visible === undefined ? null : atob(O.visible), drawn = 0, off = [];
  var local = st.local || {}, hidden = st.hidden || {status: {}, category: {}};
  B.H.styles.forEach(function (s, k) {
    off[k] = !!((local.status && !local.status[s.s]) || (local.category && !local.category[s.c]) ||
      hidden.status[s.s] || hidden.category[s.c]);
  });
  for (var i = 0; i < B.n; i++) {
    var on = (bits === null || ((bits.charCodeAt(i >> 3) >> (i & 7)) & 1) === 1) && !off[B.style[i]];
    B.on[i] = on ? 1 : 0;
    drawn += on ? 1 : 0;
  }
  map.closePopup(); st.halo.hide();
  st.bulkLayer._redraw();
  var target = O.bulk.locate;
  if (target >= 0 && O.locate !== st.located && B.on[target]) {
    var bounds = pmBulkBounds(B, target);
    if (B.kind[target] === 0) { map.setView(bounds.getCenter(), 12); }
    else { map.fitBounds(bounds, {maxZoom: 12, padding: [40, 40]}); }
    pmBulkOpen(map, B, target, bounds.getCenter());
  }
  st.located = O.locate;
  map.getContainer().setAttribute("data-pm-projects", String(drawn));
  map.getContainer().setAttribute("data-pm-shown", String(drawn));
  pmMark("pm-drawn");
}

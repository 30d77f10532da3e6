/* The single-file offline map (python -m layers html): after pmDrawMap (map.js) has drawn the projects, the legend
 * becomes the filter (click a status or a category to hide or show it) and a search box filters by name.
 * Texts in P are HTML-escaped in Python; matching uses the text the browser decodes from them. */
/* exported pmOffline */
"use strict";

function pmOffline(map, P) {
  var layers = window.pmLayers, S = P.strings, k = P.tooltip, hidden = {}, query = "";
  var text = function (html) { var d = document.createElement("div"); d.innerHTML = html; return d.textContent; };
  var items = [];
  layers.projects.eachLayer(function (l) {
    var v = l.feature.properties.v;
    items.push({layer: l, id: l.feature.properties.i, name: text(S[v[0]]).toLowerCase(),
                category: text(S[v[k[0]]]), status: text(S[v[k[1]]])});
  });
  var casings = {};
  layers.casings.eachLayer(function (l) { casings[l.feature.properties.i] = l; });
  var el = map.getContainer();
  function apply() {
    var shown = 0;
    items.forEach(function (it) {
      var on = !hidden[it.category] && !hidden[it.status] && (!query || it.name.indexOf(query) >= 0);
      var c = casings[it.id];
      if (on) { layers.projects.addLayer(it.layer); if (c) { layers.casings.addLayer(c); } shown += 1; }
      else { layers.projects.removeLayer(it.layer); if (c) { layers.casings.removeLayer(c); } }
    });
    el.setAttribute("data-pm-shown", String(shown));
  }
  document.querySelectorAll(".pm-legend .pm-row").forEach(function (row) {
    var label = row.querySelector("span");
    if (!label || !row.querySelector("b")) { return; }  // precision rows are explanations, not filters
    row.classList.add("pm-toggle");
    row.title = "点击隐藏/显示";
    row.addEventListener("click", function () {
      var key = label.textContent;
      hidden[key] = !hidden[key];
      row.classList.toggle("pm-off", hidden[key]);
      apply();
    });
  });
  var box = document.getElementById("pm-search");
  if (box) { box.addEventListener("input", function () { query = box.value.trim().toLowerCase(); apply(); }); }
  apply();
}

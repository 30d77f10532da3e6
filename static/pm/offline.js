/* The single-file offline map (python -m layers html): after pmDrawMap (map.js) has drawn the projects, a search box
 * filters them by name. (The legend's rows hide and show a status or a category: map.js does that itself.) */
/* exported pmOffline */
"use strict";

function pmOffline(map) {
  var box = document.getElementById("pm-search");
  if (box) { box.addEventListener("input", function () { pmSearch(map, box.value); }); }
}

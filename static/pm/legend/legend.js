/* The sidebar's legend-filter: each status and category with its map symbol and count, a checkbox to show or hide
 * it. Streamlit's component protocol (API version 1) by hand, as in ../component.js. Labels and symbols come
 * escaped (our own SVG markup) from Python; a change sends {name, on: [codes], n} back. */
"use strict";

(function () {
  var box = document.getElementById("legend"), changes = 0;

  function send(type, extra) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, extra || {}), "*");
  }

  function render(groups) {
    var h = "";
    groups.forEach(function (g) {
      h += "<h3>" + g.title + (g.hint ? " <small>" + g.hint + "</small>" : "") + "</h3>";
      g.rows.forEach(function (r) {
        h += "<label class=\"" + (r.on ? "" : "off") + "\"><input type=\"checkbox\" data-group=\"" + g.name +
          "\" value=\"" + r.code + "\"" + (r.on ? " checked" : "") + "><span class=\"sw\">" + r.swatch +
          "</span><span class=\"txt\">" + r.label + "<span class=\"n\">（" + r.n + "）</span></span></label>";
      });
    });
    box.innerHTML = h;
    send("streamlit:setFrameHeight", {height: document.documentElement.scrollHeight});
  }

  /* The map (a sibling frame of the same page) hides and shows at once; the rerun's answer then agrees. */
  function showAtOnce(name, on, all) {
    try {
      var f = window.parent.document.querySelector("iframe[title=\"mapview.mapcomponent.pm_map\"]");
      if (f && f.contentWindow.pmLocal) { f.contentWindow.pmLocal(name, on.length && on.length < all ? on : null); }
    } catch (e) { /* no map on this page */ }
  }

  box.addEventListener("change", function (e) {
    var name = e.target.getAttribute("data-group");
    e.target.parentNode.classList.toggle("off", !e.target.checked);
    var on = Array.prototype.map.call(box.querySelectorAll("input[data-group=\"" + name + "\"]:checked"),
      function (i) { return i.value; });
    changes += 1;
    send("streamlit:setComponentValue", {value: {name: name, on: on, n: changes}, dataType: "json"});
    showAtOnce(name, on, box.querySelectorAll("input[data-group=\"" + name + "\"]").length);
  });

  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.type !== "streamlit:render") { return; }
    render(JSON.parse(e.data.args.groups));
  });
  window.addEventListener("resize", function () {
    send("streamlit:setFrameHeight", {height: document.documentElement.scrollHeight});
  });
  send("streamlit:componentReady", {apiVersion: 1});
})();

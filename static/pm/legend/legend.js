/* The sidebar's legend-filter: each status and category with its map symbol and count, a checkbox to show or hide
 * it. A Streamlit v2 component (in the page, no frame): Streamlit calls the default export with each run's data —
 * the groups as UTF-8 JSON bytes, labels and symbols already escaped (our own SVG markup) in Python. A change sends
 * the trigger "pick" = {name, on: [codes]} back, and tells the map frame what to hide at once. */
const DECODER = new TextDecoder();

function render(box, groups) {
  let h = "";
  groups.forEach(function (g) {
    h += "<h3>" + g.title + (g.hint ? " <small>" + g.hint + "</small>" : "") + "</h3>";
    g.rows.forEach(function (r) {
      h += "<label class=\"" + (r.on ? "" : "off") + "\"><input type=\"checkbox\" data-group=\"" + g.name +
        "\" value=\"" + r.code + "\"" + (r.on ? " checked" : "") + "><span class=\"sw\">" + r.swatch +
        "</span><span class=\"txt\">" + r.label + "<span class=\"n\">（" + r.n + "）</span></span></label>";
    });
  });
  box.innerHTML = h;
}

/* The map (in this page) hides and shows at once; the rerun's answer then agrees. */
function showAtOnce(name, on, all) {
  if (window.pmLocal && document.querySelector(".pm-map")) { window.pmLocal(name, on.length && on.length < all ? on : null); }
}

export default function (component) {
  const box = component.parentElement.querySelector(".pm-legend-filter");
  box.pmSend = component.setTriggerValue;  // the latest run's sender
  if (!box.pmListening) {
    box.pmListening = true;
    box.addEventListener("change", function (e) {
      const name = e.target.getAttribute("data-group");
      e.target.parentNode.classList.toggle("off", !e.target.checked);
      const boxes = box.querySelectorAll("input[data-group=\"" + name + "\"]");
      const on = Array.prototype.filter.call(boxes, function (i) { return i.checked; }).map(function (i) { return i.value; });
      box.pmSend("pick", {name: name, on: on});
      showAtOnce(name, on, boxes.length);
    });
  }
  const data = component.data;
  render(box, JSON.parse(typeof data === "string" ? data : DECODER.decode(data)));
}

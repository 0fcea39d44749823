/* Alerts overlay of the Veerkracht map: the places of the user's open alerts,
   drawn with their own geometry from /api/alerts/layer (no tiles, no other
   requests), listed beside the map for keyboard and screen-reader users. */
(function () {
  "use strict";
  var map = window.veerkrachtMap;
  var box = document.getElementById("alert-layer");
  var script = document.currentScript;
  if (!map || !box || !window.L || !script) { return; }
  var url = script.dataset.url;
  var panel = document.getElementById("alert-panel");
  var list = document.getElementById("alert-list");
  var statusEl = document.getElementById("alert-status");
  var pane = map.createPane("alerts");
  pane.style.zIndex = 450;
  var renderer = L.svg({pane: "alerts"});
  var layer = null;

  function clear() {
    if (layer) { map.removeLayer(layer); layer = null; }
    list.innerHTML = "";
  }

  function item(f) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = f.properties.url;
    a.textContent = f.properties.kind_label + ": " + f.properties.place_name +
      " (" + f.properties.window + ", " + f.properties.status_label + ")";
    li.appendChild(a);
    return li;
  }

  function load() {
    clear();
    if (!box.checked) { panel.hidden = true; return; }
    panel.hidden = false;
    statusEl.textContent = "Laden…";
    fetch(url + "?zoom=" + map.getZoom(),
          {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
      .then(function (r) {
        return r.json().then(function (body) { return {ok: r.ok, body: body}; });
      })
      .then(function (res) {
        if (!res.ok) { statusEl.textContent = res.body.detail || "Laden mislukt"; return; }
        layer = L.geoJSON(res.body, {
          pane: "alerts",
          style: function () {
            return {color: "#b10026", weight: 4, fillColor: "#b10026",
                    fillOpacity: 0.15, dashArray: "6 4", renderer: renderer};
          },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {radius: 10, pane: "alerts", renderer: renderer});
          },
          onEachFeature: function (f, l) {
            l.on("click", function () { window.location.href = f.properties.url; });
          }
        }).addTo(map);
        res.body.features.forEach(function (f) { list.appendChild(item(f)); });
        statusEl.textContent = res.body.features.length + " vroegsignalen";
      })
      .catch(function () { statusEl.textContent = "Laden mislukt; probeer het opnieuw."; });
  }

  box.addEventListener("change", load);
  if (box.checked) { load(); }
})();

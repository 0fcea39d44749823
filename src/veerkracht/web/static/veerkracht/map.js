/* Veerkracht map: the workspace's own geometry on a canvas, no tiles, no internet.
   Layers come from /api/maps/layers/LEVEL?bbox=...&zoom=... (or ?parent=...),
   already limited to the user's areas and passed through disclosure control. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var labels = JSON.parse(document.getElementById("level-labels").textContent);
  var levels = el.dataset.levels.split(",");
  var drill = {gemeente: "wijk", wijk: "buurt", buurt: "street", street: "block",
               block: "entrance", building: "entrance"};
  var statusEl = document.getElementById("map-status");
  var details = document.getElementById("details");
  var list = document.getElementById("place-list");
  var select = document.getElementById("level-select");
  var crumbs = document.getElementById("crumbs");
  var renderer = L.canvas({padding: 0.2});
  var map = L.map(el, {preferCanvas: true, renderer: renderer, zoomSnap: 1,
                       attributionControl: false, minZoom: 6, maxZoom: 19});
  map.setView([52.2, 5.3], 8);
  window.veerkrachtMap = map;  // for overlays (alerts-map.js)
  var state = {level: el.dataset.startLevel, parent: null, trail: [], request: 0};
  var layer = null;
  var selected = null;

  function say(text) { statusEl.textContent = text || ""; }

  function nextLevel(level) {
    var next = drill[level];
    while (next && levels.indexOf(next) < 0) { next = drill[next]; }
    return next || null;
  }

  // band-only places (small places, assigned professionals only): a neutral
  // hatched fill, never the colour of a class
  var hatch = (function () {
    var c = document.createElement("canvas");
    c.width = 8; c.height = 8;
    var g = c.getContext("2d");
    if (!g) { return null; }
    g.fillStyle = "#f0f0f0"; g.fillRect(0, 0, 8, 8);
    g.strokeStyle = "#8c8c8c"; g.lineWidth = 1.5;
    g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.moveTo(-2, 2); g.lineTo(2, -2);
    g.moveTo(6, 10); g.lineTo(10, 6); g.stroke();
    return g.createPattern(c, "repeat");
  })();

  function styleFor(feature) {
    var p = feature.properties;
    var hatched = p.pattern === "hatched";
    return {color: "#333", weight: feature.geometry.type.indexOf("Line") >= 0 ? 6 : 1,
            fillColor: hatched && hatch ? hatch : (p.colour || "#bdbdbd"),
            fillOpacity: hatched ? 1 : 0.8, opacity: 0.9,
            dashArray: hatched ? "4 3" : null, renderer: renderer};
  }

  function lineColour(layerObj, feature) {
    if (feature.geometry.type.indexOf("Line") >= 0) {
      layerObj.setStyle({color: feature.properties.colour || "#bdbdbd"});
    }
  }

  function fmt(value) {
    if (value === undefined || value === null) { return null; }
    if (typeof value === "number") { return value.toLocaleString("nl-NL", {maximumFractionDigits: 2}); }
    return String(value);
  }

  function row(term, value) {
    if (value === null || value === undefined) { return ""; }
    var dt = document.createElement("dt"); dt.textContent = term;
    var dd = document.createElement("dd"); dd.textContent = value;
    return dt.outerHTML + dd.outerHTML;
  }

  function showDetails(feature) {
    var p = feature.properties;
    var html = "<h3>" + escapeHtml(p.name || p.id) + "</h3><dl>";
    html += row("Niveau", labels[p.level] || p.level);
    if (p.balance_class) {
      html += row("Balans", p.balance_class);
      if (p.class_lo && p.class_hi && p.class_lo !== p.class_hi) {
        html += row("Interval (klasse)", p.class_lo + " – " + p.class_hi);
      }
      if (p.balance !== undefined) {
        html += row("Balans (getal)", fmt(p.balance) + (p.balance_lo !== undefined ?
          " (" + fmt(p.balance_lo) + " tot " + fmt(p.balance_hi) + ")" : ""));
      }
    }
    if (p.n_dwellings !== undefined) { html += row("Woningen (afgerond)", fmt(p.n_dwellings)); }
    if (p.visibility === "band_only") { html += row("Band (kleine plaats)", p.band || ""); }
    else if (!p.balance_class && p.band) { html += row("Weergave", p.band); }
    html += "</dl>";
    var url = el.dataset.profileUrl.replace("LEVEL", encodeURIComponent(p.level))
                                     .replace("ID", encodeURIComponent(p.id));
    html += '<p><a class="button" href="' + url + '">Plaatsprofiel</a></p>';
    var next = nextLevel(p.level);
    if (next) {
      html += '<p><button type="button" id="drill">Inzoomen: ' + escapeHtml(labels[next]) + "</button></p>";
    }
    details.innerHTML = html;
    var btn = document.getElementById("drill");
    if (btn) { btn.addEventListener("click", function () { drillInto(feature); }); }
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function select_(feature, lyr) {
    if (selected) { layer.resetStyle(selected); }
    selected = lyr;
    if (lyr.setStyle) { lyr.setStyle({weight: 4, color: "#000"}); }
    showDetails(feature);
  }

  function drillInto(feature) {
    var next = nextLevel(feature.properties.level);
    if (!next) { return; }
    state.trail.push({level: feature.properties.level, id: feature.properties.id,
                      name: feature.properties.name || feature.properties.id});
    state.parent = {level: feature.properties.level, id: feature.properties.id};
    state.level = next;
    select.value = next;
    load(true);
  }

  function renderCrumbs() {
    crumbs.innerHTML = "";
    if (!state.trail.length) { return; }
    var all = document.createElement("button");
    all.type = "button"; all.textContent = "Alles in beeld";
    all.addEventListener("click", function () {
      state.trail = []; state.parent = null; load(false);
    });
    crumbs.appendChild(all);
    state.trail.forEach(function (c) {
      var span = document.createElement("span");
      span.textContent = " › " + (labels[c.level] || c.level) + " " + c.name;
      crumbs.appendChild(span);
    });
  }

  function renderLegend(legend) {
    var body = document.getElementById("legend-body");
    if (!legend) { return; }
    var html = "<p><strong>" + escapeHtml(legend.title) + "</strong></p><ul class='legend'>";
    legend.items.forEach(function (it) {
      html += "<li><span class='swatch" + (it.pattern === "hatched" ? " hatched" : "") +
              "' style='background-color:" + it.colour + "'></span>" +
              escapeHtml(it.label) + "</li>";
    });
    html += "<li><span class='swatch' style='background:#bdbdbd'></span>geen gegevens</li></ul>";
    if (legend.note) { html += "<p class='note'>" + escapeHtml(legend.note) + "</p>"; }
    body.innerHTML = html;
  }

  function renderList(features) {
    list.innerHTML = "";
    features.slice(0, 200).forEach(function (f) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = (f.properties.name || f.properties.id) + " — " +
        (f.properties.visibility === "band_only" ? "band: " + (f.properties.band || "") :
         (f.properties.balance_class || f.properties.band || ""));
      b.addEventListener("click", function () {
        layer.eachLayer(function (l) { if (l.feature === f) { select_(f, l); } });
      });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function load(fit) {
    var req = ++state.request;
    var url = el.dataset.layersUrl + encodeURIComponent(state.level) + "?zoom=" + map.getZoom();
    if (state.parent) {
      url += "&parent=" + encodeURIComponent(state.parent.id) +
             "&parent_level=" + encodeURIComponent(state.parent.level);
    } else {
      var b = map.getBounds();
      url += "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return Math.max(-180, Math.min(180, v)).toFixed(6); }).join(",");
    }
    say("Laden…");
    renderCrumbs();
    fetch(url, {credentials: "same-origin", headers: {
      Accept: "application/geo+json",
      // API errors in the language of the page, not of the browser
      "Accept-Language": document.documentElement.lang || "nl"}})
      .then(function (r) {
        return r.json().then(function (body) { return {ok: r.ok, body: body}; });
      })
      .then(function (res) {
        if (req !== state.request) { return; }
        if (!res.ok) { say(res.body.detail || res.body.title || "Laden mislukt"); return; }
        var data = res.body;
        if (layer) { map.removeLayer(layer); }
        selected = null;
        layer = L.geoJSON(data, {
          style: styleFor,
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {radius: 7, renderer: renderer});
          },
          onEachFeature: function (f, l) {
            lineColour(l, f);
            l.on("click", function () { select_(f, l); });
          }
        }).addTo(map);
        renderLegend(data.meta.legend);
        renderList(data.features);
        el.dataset.loaded = String(data.features.length);
        if (data.meta.zoom_in) {
          say("Zoom verder in om " + (labels[state.level] || state.level) + " te zien.");
        } else {
          say(data.features.length + " plaatsen (" + (labels[state.level] || state.level) + ")");
        }
        if (fit && data.features.length) {
          map.fitBounds(layer.getBounds(), {padding: [20, 20], maxZoom: 18});
        }
      })
      .catch(function () { say("Laden mislukt; probeer het opnieuw."); });
  }

  select.addEventListener("change", function () {
    state.level = select.value; state.parent = null; state.trail = []; load(false);
  });
  map.on("moveend", function () { if (!state.parent) { load(false); } });

  fetch(el.dataset.extentUrl, {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (ext) {
      if (ext.bounds) {
        map.fitBounds([[ext.bounds[1], ext.bounds[0]], [ext.bounds[3], ext.bounds[2]]]);
      } else {
        say("Er zijn (nog) geen plaatsen in uw gebieden.");
      }
      load(false);
    })
    .catch(function () { say("Laden mislukt."); });
})();

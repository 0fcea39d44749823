/* Veerkracht map: the workspace's own geometry on a canvas, no tiles, no internet.
   Layers come from /api/maps/layers/LEVEL?bbox=...&zoom=... (or ?parent=...),
   already limited to the user's areas and passed through disclosure control.
   Under them a light grey base from /api/maps/context (buildings, streets,
   buurt and wijk outlines, names): public geometry, no figures. */
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
  var minZoom = JSON.parse(document.getElementById("level-min-zoom").textContent);
  // the page's words in its language (maps/views.py), Dutch when absent
  var textEl = document.getElementById("map-text");
  var T = textEl ? JSON.parse(textEl.textContent) : {};
  function t(key, dutch) { return T[key] || dutch; }
  var periodSelect = document.getElementById("period-select");
  var lang = document.documentElement.lang === "en" ? "en-GB" : "nl-NL";
  var renderer = L.canvas({padding: 0.2});
  var map = L.map(el, {preferCanvas: true, renderer: renderer, zoomSnap: 1,
                       attributionControl: false, minZoom: 6, maxZoom: 19});
  map.setView([52.2, 5.3], 8);
  window.veerkrachtMap = map;  // for overlays (alerts-map.js)
  var state = {level: el.dataset.startLevel, parent: null, trail: [], request: 0,
               pending: null, jumping: false, mode: "balance"};
  // the headroom layer ("Ruimte voor plaatsing"), for the roles that plan
  var layerSelect = document.getElementById("layer-select");
  var headroomTools = document.getElementById("headroom-tools");
  var categorySelect = document.getElementById("category-select");
  var urgentCheck = document.getElementById("urgent-check");
  var headroomLevels = el.dataset.headroomLevels ? el.dataset.headroomLevels.split(",") : [];
  var layer = null;
  var selected = null;

  // -- the grey base: below the places, never clickable, names on top ---------
  map.createPane("context").style.zIndex = 250;
  var labelPane = map.createPane("labels");
  labelPane.style.zIndex = 450;
  labelPane.style.pointerEvents = "none";
  labelPane.setAttribute("aria-hidden", "true");  // the list names the places
  var contextRenderer = L.canvas({pane: "context", padding: 0.2});
  var CONTEXT_STYLE = {
    building: {color: "#bdbdbd", weight: 0.6, fillColor: "#dcdcdc", fillOpacity: 1},
    street: {color: "#ffffff", weight: 5, opacity: 1},
    buurt: {color: "#8a8a8a", weight: 1.2, dashArray: "5 4", fill: false},
    wijk: {color: "#6b6b6b", weight: 2.2, fill: false},
    gemeente: {color: "#4d4d4d", weight: 3, fill: false}
  };
  var context = {url: null, layer: null, casing: null, labels: null, request: 0};

  function contextBox() {
    // the view padded by half and snapped to a grid of 512 px, so small moves
    // ask for the same URL (cached by the browser until the data changes)
    var z = map.getZoom();
    var cell = 360 / Math.pow(2, z) * 2;
    var b = map.getBounds().pad(0.5);
    function down(v) { return Math.floor(v / cell) * cell; }
    function up(v) { return Math.ceil(v / cell) * cell; }
    var w = Math.max(-180, down(b.getWest())), e = Math.min(180, up(b.getEast()));
    var s = Math.max(-85, down(b.getSouth())), n = Math.min(85, up(b.getNorth()));
    return [w, s, e, n].map(function (v) { return v.toFixed(5); }).join(",");
  }

  function declutter() {
    // names that would overlap an earlier (coarser or longer) one are left out
    var kept = [];
    Array.prototype.forEach.call(labelPane.querySelectorAll(".maplabel span"), function (sp) {
      var r = sp.getBoundingClientRect();
      var clash = kept.some(function (k) {
        return r.left < k.right + 4 && r.right > k.left - 4 &&
               r.top < k.bottom + 2 && r.bottom > k.top - 2;
      });
      sp.style.visibility = clash ? "hidden" : "";
      if (!clash) { kept.push(r); }
    });
  }

  function loadContext() {
    var url = el.dataset.contextUrl + "?bbox=" + contextBox() + "&zoom=" + map.getZoom() +
              "&v=" + encodeURIComponent(el.dataset.contextVersion || "");
    if (url === context.url) { return; }
    context.url = url;
    var mine = ++context.request;
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || mine !== context.request) { return; }
        ["casing", "layer", "labels"].forEach(function (k) {
          if (context[k]) { map.removeLayer(context[k]); context[k] = null; }
        });
        var streets = data.features.filter(function (f) { return f.properties.kind === "street"; });
        // streets: a grey casing under a white line
        context.casing = L.geoJSON({type: "FeatureCollection", features: streets}, {
          pane: "context", interactive: false,
          style: function () { return {color: "#c4c4c4", weight: 7, opacity: 1,
                                       renderer: contextRenderer}; }
        }).addTo(map);
        context.layer = L.geoJSON(data, {
          pane: "context", interactive: false,
          style: function (f) {
            var st = CONTEXT_STYLE[f.properties.kind] || {};
            var out = {renderer: contextRenderer};
            Object.keys(st).forEach(function (k) { out[k] = st[k]; });
            return out;
          }
        }).addTo(map);
        context.labels = L.layerGroup((data.labels || []).map(function (lb) {
          var span = '<span style="transform:translate(-50%,-50%) rotate(' +
                     (-lb.angle) + 'deg)">' + escapeHtml(lb.name) + "</span>";
          return L.marker([lb.at[1], lb.at[0]], {
            pane: "labels", interactive: false, keyboard: false,
            icon: L.divIcon({className: "maplabel maplabel-" + lb.kind, html: span,
                             iconSize: null})
          });
        })).addTo(map);
        declutter();
        el.dataset.context = String(data.features.length);
        el.dataset.contextLabels = String((data.labels || []).length);
      })
      .catch(function () { context.url = null; });
  }

  function say(text) { statusEl.textContent = text || ""; }

  function allowed() { return state.mode === "headroom" ? headroomLevels : levels; }

  function nextLevel(level) {
    var next = drill[level];
    while (next && allowed().indexOf(next) < 0) { next = drill[next]; }
    return next || null;
  }

  function setMode(mode) {
    state.mode = mode === "headroom" && headroomLevels.length ? "headroom" : "balance";
    if (headroomTools) { headroomTools.hidden = state.mode !== "headroom"; }
    Array.prototype.forEach.call(select.options, function (o) {
      o.disabled = allowed().indexOf(o.value) < 0;
    });
    if (allowed().indexOf(state.level) < 0) {
      state.level = allowed()[0];  // the coarsest level with a headroom
      select.value = state.level;
      state.parent = null; state.trail = [];
    }
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

  // areas and streets let the grey base show through; buildings, blocks and
  // entrances are the base's own shapes and are filled fully
  var SEE_THROUGH = {gemeente: 0.55, wijk: 0.55, buurt: 0.55, street: 0.65};

  function styleFor(feature) {
    var p = feature.properties;
    var hatched = p.pattern === "hatched";
    return {color: "#333", weight: feature.geometry.type.indexOf("Line") >= 0 ? 6 : 1,
            fillColor: hatched && hatch ? hatch : (p.colour || "#bdbdbd"),
            fillOpacity: hatched ? 1 : (SEE_THROUGH[p.level] || 0.85), opacity: 0.9,
            dashArray: hatched ? "4 3" : null, renderer: renderer};
  }

  function lineColour(layerObj, feature) {
    if (feature.geometry.type.indexOf("Line") >= 0) {
      layerObj.setStyle({color: feature.properties.colour || "#bdbdbd"});
    }
  }

  function fmt(value) {
    if (value === undefined || value === null) { return null; }
    if (typeof value === "number") { return value.toLocaleString(lang, {maximumFractionDigits: 2}); }
    return String(value);
  }

  function row(term, value) {
    if (value === null || value === undefined) { return ""; }
    var dt = document.createElement("dt"); dt.textContent = term;
    var dd = document.createElement("dd"); dd.textContent = value;
    return dt.outerHTML + dd.outerHTML;
  }

  var meanings = {};  // class or band label -> what it means (from the legend)

  function showDetails(feature) {
    var p = feature.properties;
    var html = "<h3>" + escapeHtml(p.name || p.id) + "</h3><dl>";
    html += row(t("level", "Niveau"), labels[p.level] || p.level);
    if (state.mode === "headroom") {
      html += row(t("headroom", "Ruimte voor plaatsing"), p.band);
      if (p.step) { html += row(t("meaning", "Betekenis"), p.step); }
      if (p.limited) { html += row("*", t("headroom_limited", "begrensd door het aantal huishoudens, niet door het model")); }
      if (p.balance_class) { html += row(t("headroom_class", "Klasse nu"), p.balance_class); }
    }
    else if (p.balance_class) {
      html += row(t("balance", "Balans"), p.balance_class);
      if (meanings[p.balance_class]) { html += row(t("meaning", "Betekenis"), meanings[p.balance_class]); }
      if (p.class_lo && p.class_hi && p.class_lo !== p.class_hi) {
        html += row(t("class_interval", "Interval (klasse)"), p.class_lo + " – " + p.class_hi);
      }
      if (p.balance !== undefined) {
        html += row(t("balance_value", "Balans (getal)"), fmt(p.balance) + (p.balance_lo !== undefined ?
          " (" + fmt(p.balance_lo) + " " + t("to", "tot") + " " + fmt(p.balance_hi) + ")" : ""));
      }
    }
    if (p.n_dwellings !== undefined) { html += row(t("dwellings", "Woningen (afgerond)"), fmt(p.n_dwellings)); }
    if (p.visibility === "band_only") {
      html += row(t("band", "Band (kleine plaats)"), p.band || "");
      if (meanings.band) { html += row(t("meaning", "Betekenis"), meanings.band); }
    }
    else if (!p.balance_class && p.band) { html += row(t("shown_as", "Weergave"), p.band); }
    html += "</dl>";
    var url = el.dataset.profileUrl.replace("LEVEL", encodeURIComponent(p.level))
                                     .replace("ID", encodeURIComponent(p.id));
    if (periodSelect && periodSelect.value &&
        periodSelect.selectedIndex !== periodSelect.options.length - 1) {
      url += "?periode=" + encodeURIComponent(periodSelect.value);  // not the latest
    }
    html += '<p><a class="button" href="' + url + '">' + escapeHtml(t("profile", "Plaatsprofiel")) + "</a></p>";
    var next = nextLevel(p.level);
    if (next) {
      html += '<p><button type="button" id="drill">' + escapeHtml(t("drill", "Inzoomen:")) + " " + escapeHtml(labels[next]) + "</button></p>";
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
    all.type = "button"; all.textContent = t("all", "Alles in beeld");
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
      var hatched = it.pattern === "hatched";
      html += "<li><span class='swatch" + (hatched ? " hatched" : "") +
              "' style='background-color:" + it.colour + "'></span>" +
              "<span class='legend-text'><strong>" + escapeHtml(it.label) + "</strong>" +
              (it.meaning ? ": " + escapeHtml(it.meaning) : "") + "</span></li>";
      if (it.meaning) { meanings[hatched ? "band" : it.label] = it.meaning; }
    });
    html += "<li><span class='swatch' style='background:#bdbdbd'></span>" +
            "<span class='legend-text'>" + escapeHtml(t("no_data", "geen gegevens")) + "</span></li></ul>";
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
        (state.mode === "headroom" ? t("headroom", "Ruimte voor plaatsing") + ": " + (f.properties.band || "") :
         f.properties.visibility === "band_only" ? t("band_short", "band") + ": " + (f.properties.band || "") :
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
    var headroom = state.mode === "headroom";
    var url = (headroom ? el.dataset.headroomUrl : el.dataset.layersUrl) +
              encodeURIComponent(state.level) + "?zoom=" + map.getZoom();
    if (headroom) {
      url += "&category=" + encodeURIComponent(categorySelect.value) +
             "&urgent=" + (urgentCheck && urgentCheck.checked ? "true" : "false");
    }
    if (periodSelect && periodSelect.value) {
      url += "&period=" + encodeURIComponent(periodSelect.value);
    }
    if (state.parent) {
      url += "&parent=" + encodeURIComponent(state.parent.id) +
             "&parent_level=" + encodeURIComponent(state.parent.level);
    } else {
      var b = map.getBounds();
      url += "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return Math.max(-180, Math.min(180, v)).toFixed(6); }).join(",");
    }
    say(t("loading", "Laden…"));
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
        if (!res.ok) { say(res.body.detail || res.body.title || t("failed", "Laden mislukt.")); return; }
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
          say(t("zoom_in", "Zoom verder in om {level} te zien.").replace("{level}", labels[state.level] || state.level));
        } else {
          say(t("n_places", "{n} plaatsen ({level})").replace("{n}", data.features.length).replace("{level}", labels[state.level] || state.level));
        }
        if (fit && data.features.length) {
          map.fitBounds(layer.getBounds(), {padding: [20, 20], maxZoom: 18});
        }
        if (state.pending) { selectPending(data); }
      })
      .catch(function () { say(t("failed_retry", "Laden mislukt; probeer het opnieuw.")); });
  }

  // -- a place found by the search box: go there, highlight it, show it ------
  function selectPending(data) {
    var want = state.pending;
    state.pending = null;
    var found = null;
    layer.eachLayer(function (l) {
      if (l.feature && l.feature.properties.id === want.id) { found = l; }
    });
    if (!found) {
      say(el.dataset.textNotDrawn);
      return;
    }
    select_(found.feature, found);
    if (found.bringToFront) { found.bringToFront(); }
    say((el.dataset.textFound || "") + " " + (found.feature.properties.name || want.id));
    details.focus();
  }

  function jump(hit) {
    if (levels.indexOf(hit.level) < 0) { return; }
    if (allowed().indexOf(hit.level) < 0) { layerSelect.value = "balance"; setMode("balance"); }
    state.parent = null; state.trail = [];
    state.level = hit.level; select.value = hit.level;
    state.pending = {level: hit.level, id: hit.id};
    var b = hit.bounds;
    state.jumping = true;
    if (b) {
      var least = Math.max(minZoom[hit.level] || 0, hit.level === "entrance" ? 18 : 0);
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {padding: [40, 40], maxZoom: 18,
                                                   animate: false});
      if (map.getZoom() < least) { map.setZoom(least, {animate: false}); }
    }
    state.jumping = false;
    loadContext();
    load(false);
  }

  var searchForm = document.querySelector("form.place-search");
  if (searchForm) {
    searchForm.addEventListener("vk:placechosen", function (e) { jump(e.detail); });
  }

  function openFromAddress() {
    // /kaart/?niveau=LEVEL&plaats=ID (the links of the search page)
    var level = el.dataset.openLevel, id = el.dataset.openPlace;
    if (!level || !id) { return false; }
    fetch(el.dataset.searchUrl + "?q=" + encodeURIComponent(id) + "&limit=25",
          {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (body) {
        var hit = (body.results || []).filter(function (h) {
          return h.level === level && h.id === id;
        })[0];
        if (hit) { jump(hit); } else { load(false); }
      })
      .catch(function () { load(false); });
    return true;
  }

  select.addEventListener("change", function () {
    state.level = select.value; state.parent = null; state.trail = []; load(false);
  });
  if (periodSelect) {
    periodSelect.addEventListener("change", function () { load(false); });
  }
  if (layerSelect) {
    setMode(layerSelect.value);
    layerSelect.addEventListener("change", function () { setMode(layerSelect.value); load(false); });
    categorySelect.addEventListener("change", function () { load(false); });
    if (urgentCheck) { urgentCheck.addEventListener("change", function () { load(false); }); }
  }
  map.on("moveend", function () {
    loadContext();
    if (!state.parent && !state.jumping) { load(false); }
  });

  fetch(el.dataset.extentUrl, {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (ext) {
      state.jumping = true;
      if (ext.bounds) {
        map.fitBounds([[ext.bounds[1], ext.bounds[0]], [ext.bounds[3], ext.bounds[2]]]);
      } else {
        say(t("no_places", "Er zijn (nog) geen plaatsen in uw gebieden."));
      }
      state.jumping = false;
      loadContext();
      if (!openFromAddress()) { load(false); }
    })
    .catch(function () { say(t("failed", "Laden mislukt.")); });
})();

/* Place search: an ARIA 1.2 combobox (list autocomplete) on every
   form.place-search. Without JavaScript the form is a plain GET to /zoeken/.

   Keyboard: type to search; Down/Up move through the places (Down opens the
   list), Home/End jump, Enter chooses the highlighted place (or the first),
   Escape closes the list (a second Escape clears the field), Tab leaves.
   Choosing a place fires "vk:placechosen" on the form with the place
   ({level, id, name, level_label, context, bounds}); the page decides what
   to do with it (the map jumps, a form fills in the place). */
(function () {
  "use strict";
  var DELAY = 250;
  var forms = document.querySelectorAll("form.place-search");

  Array.prototype.forEach.call(forms, function (form) {
    // the page's words (translated): data-text-one, data-text-many, ...
    function t(key, fallback) {
      return form.dataset["text" + key.charAt(0).toUpperCase() + key.slice(1)] || fallback;
    }
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".combo-list");
    var status = form.querySelector("[role=status]");
    if (!input || !list || !window.fetch) { return; }
    var url = form.dataset.searchUrl;
    var hits = [];
    var active = -1;
    var timer = null;
    var asked = 0;
    var lastQuery = null;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", t("results", "Gevonden plaatsen"));

    function say(text) { if (status) { status.textContent = text; } }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (i + options.length) % options.length;
      Array.prototype.forEach.call(options, function (o, j) {
        o.setAttribute("aria-selected", j === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({block: "nearest"});
    }

    function render() {
      list.innerHTML = "";
      hits.forEach(function (h, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "combo-name";
        name.textContent = h.name;
        var meta = document.createElement("span");
        meta.className = "combo-meta";
        meta.textContent = h.level_label + (h.context ? ", " + h.context : "");
        li.appendChild(name);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(meta);
        // mousedown, not click: the input keeps the focus
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      if (hits.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        say(hits.length === 1 ? t("one", "1 plaats gevonden") :
            hits.length + " " + t("many", "plaatsen gevonden"));
      } else {
        close();
      }
    }

    function ask(query, then) {
      var mine = ++asked;
      lastQuery = query;
      fetch(url + "?q=" + encodeURIComponent(query), {credentials: "same-origin",
                                                      headers: {Accept: "application/json"}})
        .then(function (r) {
          return r.json().then(function (body) { return {ok: r.ok, body: body}; });
        })
        .then(function (res) {
          if (mine !== asked) { return; }
          if (!res.ok) {
            hits = []; render();
            say(res.body.detail || res.body.title || t("failed", "Zoeken mislukt"));
            return;
          }
          hits = res.body.results || [];
          render();
          if (!hits.length) { say(t("none", "Geen plaatsen gevonden die u mag zien.")); }
          if (then) { then(); }
        })
        .catch(function () { if (mine === asked) { say(t("failed", "Zoeken mislukt")); } });
    }

    function choose(i) {
      var hit = hits[i];
      if (!hit) { return; }
      input.value = hit.name;
      close();
      say(t("chosen", "Gekozen:") + " " + hit.name + " (" + hit.level_label + ")");
      form.dispatchEvent(new CustomEvent("vk:placechosen", {detail: hit, bubbles: true}));
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.replace(/\s/g, "").length < 2) { hits = []; close(); say(""); return; }
      timer = setTimeout(function () { ask(query); }, DELAY);
    });

    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!open && hits.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (hits.length) { highlight(e.altKey ? Math.max(active, 0) : active + 1); }
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (open && hits.length) { highlight(active - 1); }
      } else if ((e.key === "Home" || e.key === "End") && open && active >= 0) {
        e.preventDefault();
        highlight(e.key === "Home" ? 0 : hits.length - 1);
      } else if (e.key === "Escape") {
        if (open) { e.preventDefault(); close(); }
        else if (input.value) { e.preventDefault(); input.value = ""; hits = []; say(""); }
      } else if (e.key === "Enter") {
        e.preventDefault();
        var query = input.value.trim();
        if (open && active >= 0) { choose(active); return; }
        if (hits.length && query === lastQuery) { choose(0); return; }
        if (query.replace(/\s/g, "").length < 2) { return; }
        clearTimeout(timer);
        ask(query, function () { if (hits.length) { choose(0); } });
      }
    });

    input.addEventListener("blur", function () { setTimeout(close, 150); });

    // with JavaScript the button searches here instead of leaving the page
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var query = input.value.trim();
      if (query.replace(/\s/g, "").length < 2) { input.focus(); return; }
      clearTimeout(timer);
      ask(query, function () {
        if (hits.length === 1) { choose(0); return; }
        if (hits.length) { input.focus(); highlight(0); }
      });
    });
  });
})();

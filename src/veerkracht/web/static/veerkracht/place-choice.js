/* The story and intervention forms: the place found with the search box
   (place-search.js) goes into the form's hidden level and place fields. */
(function () {
  "use strict";
  var search = document.querySelector("form.place-search");
  var level = document.getElementById("id_level");
  var place = document.getElementById("id_place_id");
  var shown = document.getElementById("chosen-place");
  if (!search || !level || !place || !shown) { return; }
  var prefix = shown.dataset.chosenText || "";
  search.addEventListener("vk:placechosen", function (e) {
    var hit = e.detail;
    level.value = hit.level;
    place.value = hit.id;
    shown.textContent = "";
    shown.appendChild(document.createTextNode(prefix + " "));
    var strong = document.createElement("strong");
    strong.textContent = hit.name;
    shown.appendChild(strong);
    shown.appendChild(document.createTextNode(
      " (" + hit.level_label + (hit.context ? ", " + hit.context : "") + ")"));
    Array.prototype.forEach.call(document.querySelectorAll("#place-error"),
                                 function (n) { n.remove(); });
  });
})();

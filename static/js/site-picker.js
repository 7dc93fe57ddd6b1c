// The injection-site picker (templates/doses/_site_picker.html). The radio list is the real
// input and works without this script; the script shows the body map, makes a tap on a region
// choose that site's radio, highlights the chosen and the suggested region, and shows only the
// sites of the chosen route (choosing that route's suggested site when the route changes).
// The server checks the site against the route again.
(function () {
  "use strict";
  var picker = document.querySelector("[data-site-picker]");
  if (!picker) { return; }
  var form = picker.closest("form");
  var route = form ? form.querySelector("[name=route]") : null;
  var map = picker.querySelector("[data-site-map]");
  var choice = picker.querySelector("[data-site-map-choice]");
  var summary = form ? form.querySelector("[data-site-summary]") : null;
  var items = Array.prototype.slice.call(picker.querySelectorAll(".site-option"));
  var regions = map ? Array.prototype.slice.call(map.querySelectorAll(".site-region[data-site]")) : [];

  var words = function (value) { return (value || "").split(" ").filter(Boolean); };
  var fits = function (element, code) { return words(element.getAttribute("data-routes")).indexOf(code) !== -1; };
  var suggested = function (element, code) {
    return words(element.getAttribute("data-suggested-for")).indexOf(code) !== -1;
  };
  var radioOf = function (item) { return item.querySelector("input[type=radio]"); };
  var itemFor = function (code) {
    return items.filter(function (item) { return radioOf(item).value === code; })[0] || null;
  };
  var currentRoute = function () { return route ? route.value : ""; };

  var highlight = function () {
    var chosen = null;
    items.forEach(function (item) {
      var radio = radioOf(item);
      if (radio.checked && !item.hidden) { chosen = item; }
    });
    regions.forEach(function (region) {
      var on = chosen !== null && radioOf(chosen).value === region.getAttribute("data-site");
      region.classList.toggle("is-selected", on);
    });
    var name = chosen === null ? "" : chosen.querySelector(".site-name").textContent;
    if (choice) {
      choice.textContent = chosen === null ? "" :
        name + " · " + chosen.querySelector(".site-last-used").textContent;
    }
    if (summary) { summary.textContent = name; }
  };

  // On the first pass a chosen site that does not fit the route stays listed (the page came
  // back with an error about it); a route changed by hand moves to that route's suggestion.
  var showRoute = function (firstPass) {
    var code = currentRoute();
    var next = null;
    items.forEach(function (item) {
      var radio = radioOf(item);
      var fit = fits(item, code);
      item.hidden = !fit && !(firstPass && radio.checked);
      item.classList.toggle("is-suggested", fit && suggested(item, code));
      if (fit && suggested(item, code)) { next = radio; }
      if (!firstPass && !fit && radio.checked) { radio.checked = false; }
    });
    regions.forEach(function (region) {
      region.classList.toggle("is-off", !fits(region, code));
      region.classList.toggle("is-suggested", fits(region, code) && suggested(region, code));
    });
    var anyChecked = items.some(function (item) { return !item.hidden && radioOf(item).checked; });
    if (!firstPass && !anyChecked && next) { next.checked = true; }
    highlight();
  };

  regions.forEach(function (region) {
    region.addEventListener("click", function () {
      var item = itemFor(region.getAttribute("data-site"));
      if (!item || item.hidden) { return; }
      var radio = radioOf(item);
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  picker.addEventListener("change", highlight);
  if (route) { route.addEventListener("change", function () { showRoute(false); }); }

  picker.classList.add("is-enhanced");
  if (map) { map.hidden = false; }
  showRoute(true);
})();

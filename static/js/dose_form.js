// Log / correct injection form: keep the volume to draw in step with the dose, and show
// only the injection sites that fit the chosen route. The server checks both again.
(function () {
  "use strict";
  var dose = document.getElementById("id_dose_mcg");
  var hint = document.getElementById("volume-hint");
  var out = document.getElementById("volume-ml");
  if (dose && hint && out) {
    var strength = document.getElementById("id_concentration_mcg_per_ml");
    var update = function () {
      var mcg = parseFloat(dose.value);
      var concentration = parseFloat(strength && strength.value ? strength.value : hint.dataset.concentration);
      out.textContent = mcg > 0 && concentration > 0 ? (mcg / concentration).toFixed(2) + " mL" : "–";
    };
    dose.addEventListener("input", update);
    if (strength) { strength.addEventListener("input", update); }
    update();
  }
  var route = document.getElementById("id_route");
  var site = document.getElementById("id_site");
  if (route && site) {
    var filter = function () {
      Array.prototype.forEach.call(site.options, function (option) {
        if (!option.value) { return; }
        var fits = (option.dataset.routes || "").split(" ").indexOf(route.value) !== -1;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { site.value = ""; }
      });
    };
    route.addEventListener("change", filter);
    filter();
  }
})();

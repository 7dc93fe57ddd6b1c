// Lab result form: offer only the units the chosen test is reported in. The server checks too.
(function () {
  "use strict";
  var analyte = document.getElementById("id_analyte");
  var unit = document.getElementById("id_unit");
  if (!analyte || !unit) { return; }
  var filter = function () {
    var first = null;
    Array.prototype.forEach.call(unit.options, function (option) {
      var fits = (option.dataset.analytes || "").split(" ").indexOf(analyte.value) !== -1;
      option.hidden = !fits;
      option.disabled = !fits;
      if (fits && first === null) { first = option.value; }
      if (!fits && option.selected) { unit.value = first || ""; }
    });
    if (unit.selectedOptions.length && unit.selectedOptions[0].disabled) { unit.value = first || ""; }
  };
  analyte.addEventListener("change", filter);
  filter();
})();

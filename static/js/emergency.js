// Check-in and injection forms: the moment a sign of a severe allergic reaction is ticked,
// before anything is submitted, show the emergency banner naming the ticked signs. The texts
// are in the page (templates/doses/_emergency_banner.html), translated; this only shows them.
(function () {
  "use strict";
  var box = document.getElementById("emergency-message");
  var signs = document.querySelectorAll("input[name=allergy_signs]");
  var update = function () {
    var any = false;
    signs.forEach(function (input) {
      var item = document.querySelector("[data-sign='" + input.value + "']");
      if (item) { item.hidden = !input.checked; }
      any = any || input.checked;
    });
    if (box) { box.hidden = !any; }
  };
  signs.forEach(function (input) { input.addEventListener("change", update); });
  update();
})();

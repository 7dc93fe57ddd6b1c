// Check-in form: show each slider's value, and the emergency message the moment a sign of a
// severe allergic reaction is ticked (before anything is submitted).
(function () {
  "use strict";
  document.querySelectorAll("input[type=range]").forEach(function (slider) {
    var out = document.getElementById(slider.id + "-value");
    if (!out) { return; }
    var show = function () { out.textContent = slider.value; };
    slider.addEventListener("input", show);
    show();
  });
  var box = document.getElementById("emergency-message");
  var signs = document.querySelectorAll("input[name=allergy_signs]");
  var check = function () {
    var any = Array.prototype.some.call(signs, function (input) { return input.checked; });
    if (box) { box.hidden = !any; }
  };
  signs.forEach(function (input) { input.addEventListener("change", check); });
  check();
})();

// Check-in form: show each slider's value as it moves.
(function () {
  "use strict";
  document.querySelectorAll("input[type=range]").forEach(function (slider) {
    var out = document.getElementById(slider.id + "-value");
    if (!out) { return; }
    var show = function () { out.textContent = slider.value; };
    slider.addEventListener("input", show);
    show();
  });
})();

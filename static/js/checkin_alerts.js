// Check-in form: as the person scores and ticks, bring up what needs acting on before they
// save. A numbness or balance score higher than at their last check-in shows the same-day
// advice, naming which rose (emergency.js handles the allergy signs). The texts are in the
// page, translated; this only shows and hides them.
(function () {
  "use strict";
  var sameDay = document.getElementById("same-day-message");
  var sameDayNote = document.getElementById("same-day-note");
  var rises = document.querySelectorAll("[data-rise-for]");
  var updateRises = function () {
    var any = false;
    rises.forEach(function (line) {
      var slider = document.querySelector("input[name='" + line.dataset.riseFor + "']");
      var rose = Boolean(slider) && Number(slider.value) > Number(line.dataset.riseFrom);
      line.hidden = !rose;
      any = any || rose;
    });
    if (sameDay) { sameDay.hidden = !any; }
    if (sameDayNote) { sameDayNote.hidden = any; }
  };
  rises.forEach(function (line) {
    var slider = document.querySelector("input[name='" + line.dataset.riseFor + "']");
    if (slider) {
      slider.addEventListener("input", updateRises);
      slider.addEventListener("change", updateRises);
    }
  });
  updateRises();

})();

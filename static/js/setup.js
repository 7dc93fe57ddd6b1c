// "Set up my injections": show only the fields that apply. Each phase shows "every N" or the
// weekdays, as its schedule needs, and a count unless it is open-ended; the questions about
// earlier injections show once the patient says they have started. Without JavaScript every
// field shows, and the server ignores the ones that do not apply.
(function () {
  "use strict";
  function wrapper(field) {
    return field ? field.closest(".mb-3") || field.parentElement : null;
  }
  function toggle(element, show) {
    if (element) { element.hidden = !show; }
  }
  document.querySelectorAll("[data-setup-phase]").forEach(function (box) {
    var unit = box.querySelector("select[name$='-schedule_unit']");
    var end = box.querySelector("select[name$='-end_rule']");
    var every = wrapper(box.querySelector("input[name$='-schedule_every']"));
    var weekdays = box.querySelector(".setup-weekdays");
    var count = wrapper(box.querySelector("input[name$='-end_value']"));
    function update() {
      var onWeekdays = unit && unit.value === "weekdays";
      toggle(every, !onWeekdays);
      toggle(weekdays, onWeekdays);
      toggle(count, !(end && end.value === "open"));
    }
    [unit, end].forEach(function (select) {
      if (select) { select.addEventListener("change", update); }
    });
    update();
  });
  var earlier = document.querySelector("[data-setup-started]");
  var answers = document.querySelectorAll("input[name='already_started']");
  function showEarlier() {
    var yes = Array.prototype.some.call(answers, function (input) {
      return input.checked && input.value === "yes";
    });
    toggle(earlier, yes);
  }
  answers.forEach(function (input) { input.addEventListener("change", showEarlier); });
  if (earlier) { showEarlier(); }
})();

// "Set up my injections", step "Have you already started?": of the twelve rows for earlier
// injections, show the ones filled in (or with an error) and one empty row; "Add another
// earlier injection" shows the next. Without JavaScript every row shows and the button stays
// hidden; empty rows are ignored by the server either way.
(function () {
  "use strict";
  var box = document.querySelector("[data-setup-earlier]");
  var add = document.querySelector("[data-setup-earlier-add]");
  if (!box || !add) { return; }
  var rows = Array.prototype.slice.call(box.querySelectorAll("[data-setup-earlier-row]"));
  var used = function (row) {
    if (row.querySelector(".is-invalid")) { return true; }
    return Array.prototype.some.call(row.querySelectorAll("input, select"), function (field) {
      return field.value !== "";
    });
  };
  var last = -1;
  rows.forEach(function (row, index) { if (used(row)) { last = index; } });
  var shown = Math.min(last + 1, rows.length - 1);  // the rows up to one empty row
  rows.forEach(function (row, index) { row.hidden = index > shown; });
  var update = function () { add.hidden = rows.every(function (row) { return !row.hidden; }); };
  add.addEventListener("click", function () {
    var next = rows.find(function (row) { return row.hidden; });
    if (next) {
      next.hidden = false;
      var first = next.querySelector("input, select");
      if (first) { first.focus(); }
    }
    update();
  });
  update();
})();

// On a phone, a table marked .table-stack shows each row as a card (static/css/app.css): each
// cell shows its column's heading before it. The headings are read here from the table's own
// header row, so a template writes them once; a cell that names its label already keeps it.
(function () {
  "use strict";
  document.querySelectorAll("table.table-stack").forEach(function (table) {
    var headings = Array.prototype.map.call(
      table.querySelectorAll("thead th"),
      function (th) { return th.textContent.trim(); }
    );
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (!cell.hasAttribute("data-label") && headings[index] !== undefined) {
          cell.setAttribute("data-label", headings[index]);
        }
      });
    });
  });
})();

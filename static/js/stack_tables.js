// On a phone, a table marked .table-stack shows each row as a card (static/css/app.css): each
// cell shows its column's heading before it, from its data-label. The templates write each
// cell's data-label, so the cards work without script; this only fills in a label a template
// left out, from the table's own header row. A cell that names its label already keeps it.
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

// A chart's link (templates/timeline/_chart.html) opens the chart full screen in the page's
// dialog (templates/timeline/_chart_dialog.html) instead of leaving the page; without script,
// or in a browser without <dialog>, the link opens the chart's SVG itself. A click with a
// modifier key (a new tab, say) is left to the browser.
(function () {
  "use strict";
  var dialog = document.querySelector("dialog.chart-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var image = dialog.querySelector(".chart-dialog-image");
  var heading = dialog.querySelector("#chart-dialog-title");
  var opener = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-chart-full]") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey ||
        event.altKey) {
      return;
    }
    event.preventDefault();
    var shown = link.querySelector("img");
    image.src = link.getAttribute("href");
    image.alt = shown ? shown.alt : "";
    var figure = link.closest("figure");
    var caption = figure ? figure.querySelector("figcaption") : null;
    heading.textContent = link.getAttribute("data-chart-title") ||
      (caption ? caption.textContent.trim() : "");
    opener = link;
    dialog.showModal();
  });
  // A tap on the backdrop (the dialog itself, outside its contents) closes it too.
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) {
      dialog.close();
    }
  });
  dialog.addEventListener("close", function () {
    image.removeAttribute("src");
    if (opener) {
      opener.focus();
    }
  });
})();

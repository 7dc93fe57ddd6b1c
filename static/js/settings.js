// Settings page: a "Copy address" button for the calendar feed. Without script (or without
// clipboard access) the button stays hidden and the read-only field can be copied by hand.
// Its messages come translated in the button's data attributes.
(function () {
  "use strict";
  var button = document.getElementById("copy-feed-url");
  var status = document.getElementById("copy-feed-status");
  if (!button || !navigator.clipboard) { return; }
  var field = document.getElementById(button.getAttribute("data-copy-target"));
  if (!field) { return; }
  button.hidden = false;
  field.addEventListener("focus", function () { field.select(); });
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(
      function () { if (status) { status.textContent = button.getAttribute("data-copied"); } },
      function () {
        field.select();
        if (status) { status.textContent = button.getAttribute("data-failed"); }
      }
    );
  });
})();

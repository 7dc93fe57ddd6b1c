// Time-zone fields (accounts/forms.py TimeZoneField): an empty field is filled in with the
// browser's own zone, when it is one of the names the field offers in its <datalist>. A field
// that already has a value (a saved zone, or what the person typed) is left alone. Without
// script the person types the name, or picks it from the list.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) { return; }
  var fields = document.querySelectorAll("input[data-browser-time-zone]");
  Array.prototype.forEach.call(fields, function (field) {
    if (field.value) { return; }
    var list = field.list;
    var known = !list || Array.prototype.some.call(list.options, function (option) {
      return option.value === zone;
    });
    if (known) { field.value = zone; }
  });
})();

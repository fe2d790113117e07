// CLIMSO page: picking a day in the date browser shows it at once.
(function () {
  "use strict";
  var input = document.getElementById("date-input");
  var form = document.getElementById("date-form");
  if (!input || !form) return;
  input.addEventListener("change", function () {
    if (/^\d{4}-\d{2}-\d{2}$/.test(input.value)) form.submit();
  });
})();

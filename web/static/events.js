// Events page: a click anywhere on a row opens the event (the id cell is a real link too).
(function () {
  "use strict";
  document.querySelectorAll("tr.event-row[data-href]").forEach(function (row) {
    row.addEventListener("click", function (ev) {
      if (ev.target.closest("a") || window.getSelection().toString()) return;
      if (ev.ctrlKey || ev.metaKey || ev.button === 1) {
        window.open(row.getAttribute("data-href"), "_blank");
      } else {
        window.location.href = row.getAttribute("data-href");
      }
    });
  });
})();

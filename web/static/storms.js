// Shared page helpers: the UTC clock and small formatting functions.
(function () {
  "use strict";
  function tick() {
    var el = document.getElementById("utc-clock");
    if (el) el.textContent = new Date().toISOString().slice(0, 19).replace("T", " ") + " UTC";
  }
  tick();
  setInterval(tick, 1000);
  window.storms = {
    // plotly layout defaults shared by every plot
    layout: function (extra) {
      var base = {
        paper_bgcolor: "#10151c", plot_bgcolor: "#10151c",
        font: {color: "#d7dde5", size: 12},
        margin: {l: 60, r: 20, t: 30, b: 40},
        xaxis: {gridcolor: "#26303b"}, yaxis: {gridcolor: "#26303b"}
      };
      return Object.assign(base, extra || {});
    },
    fmtAge: function (seconds) {
      if (seconds === null || seconds === undefined) return "never";
      if (seconds < 120) return Math.round(seconds) + " s";
      if (seconds < 7200) return Math.round(seconds / 60) + " min";
      if (seconds < 172800) return Math.round(seconds / 3600) + " h";
      return Math.round(seconds / 86400) + " d";
    }
  };
})();

// Planets page: one plotly panel per body, predicted (orange) and measured (blue) speed.
(function () {
  "use strict";
  var holder = document.getElementById("planets-panels");
  fetch("/planets/data.json").then(function (r) { return r.json(); }).then(function (body) {
    if (!body.panels.length) {
      document.getElementById("planets-empty").hidden = false;
      holder.dataset.ready = "1";
      return;
    }
    var plots = body.panels.map(function (p) {
      var box = document.createElement("div");
      box.className = "panel planet";
      box.dataset.target = p.target;
      var title = document.createElement("h2");
      var angle = p.angle_now_deg === null ? "" :
        " · target–Sun–L1 " + Math.round(p.angle_now_deg) + "°";
      title.textContent = p.target + angle;
      var plot = document.createElement("div");
      plot.style.height = "260px";
      plot.style.width = "100%";
      box.appendChild(title);
      box.appendChild(plot);
      holder.appendChild(box);
      return plot;
    });
    body.panels.forEach(function (p, i) {  // after the grid has all its columns
      var plot = plots[i];
      var traces = [{x: p.predicted.t, y: p.predicted.v, mode: "lines", name: "predicted",
                     line: {color: "#f2994a", width: 1.5}}];
      if (p.measured) {
        traces.push({x: p.measured.t, y: p.measured.v, mode: "lines",
                     name: "measured at L1", line: {color: "#4fb3ff", width: 1}});
      }
      Plotly.newPlot(plot, traces, storms.layout({
        yaxis: {title: "km/s", gridcolor: "#26303b"}, xaxis: {gridcolor: "#26303b"},
        legend: {orientation: "h", y: 1.15}, margin: {l: 50, r: 10, t: 10, b: 30},
        width: plot.clientWidth, autosize: true
      }), {responsive: true, displaylogo: false});
    });
    holder.dataset.ready = "1";
  });
})();

// Transform page: post the chosen file to /api/v1/transform, plot input and output.
(function () {
  "use strict";
  var form = document.getElementById("transform-form");
  var errorBox = document.getElementById("transform-error");
  var result = document.getElementById("transform-result");
  var COLORS = ["#4fb3ff", "#f2994a", "#6fcf97"];
  var PLOT_POINTS = 4000;  // per component: the minimum and maximum of each time bucket

  function query(format) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "file" && key !== "trajectory" && value) params.set(key, value);
    });
    var file = document.getElementById("transform-file").files[0];
    if (file) params.set("name", file.name);
    params.set("format", format);
    if (format === "json") params.set("max_points", PLOT_POINTS);
    return "/api/v1/transform?" + params.toString();
  }

  function send(format) {
    var body = new FormData();
    body.append("file", document.getElementById("transform-file").files[0]);
    var track = document.getElementById("transform-trajectory").files[0];
    if (track) body.append("trajectory", track);
    return fetch(query(format), {method: "POST", body: body})
      .then(function (r) {
        if (r.ok) return r;
        return r.json().then(function (p) { throw new Error(p.detail || p.title); });
      });
  }

  function plot(el, series, time) {
    var traces = series.columns.map(function (name, i) {
      return {x: time, y: series.values[i], mode: "lines", name: name,
              line: {color: COLORS[i], width: 1.2}};
    });
    var unit = series.unit ? " (" + series.unit + ")" : "";
    Plotly.newPlot(el, traces, storms.layout({
      yaxis: {title: {text: (series.frame || "") + unit}, gridcolor: "#26303b"},
      xaxis: {gridcolor: "#26303b"}, legend: {orientation: "h", y: 1.15},
      margin: {l: 60, r: 10, t: 10, b: 30}, width: el.clientWidth
    }), {responsive: true, displaylogo: false});
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errorBox.hidden = true;
    form.dataset.state = "busy";
    send("json").then(function (r) { return r.json(); }).then(function (body) {
      result.hidden = false;
      document.getElementById("transform-summary").textContent =
        body.rows + " rows, " + body.kind + ", " + body.from + " → " + body.to +
        (body.plotted_rows < body.rows ? " · " + body.plotted_rows + " plotted (extremes " +
         "of each time bucket kept)" : "") +
        (body.notes.length ? " · " + body.notes.join("; ") : "");
      document.getElementById("transform-in-title").textContent = "Input, " + body.from;
      document.getElementById("transform-out-title").textContent = "Output, " + body.to;
      plot(document.getElementById("transform-in-plot"), body.input, body.time);
      plot(document.getElementById("transform-out-plot"), body.output, body.time);
      form.dataset.state = "done";
    }).catch(function (err) {
      result.hidden = true;
      errorBox.textContent = err.message;
      errorBox.hidden = false;
      form.dataset.state = "error";
    });
  });

  document.querySelectorAll("a.export").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      send(a.dataset.format).then(function (r) {
        var name = (r.headers.get("Content-Disposition") || "").split("filename=")[1] || "";
        return r.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = name.replace(/"/g, "") || "series." + a.dataset.format;
          link.click();
        });
      }).catch(function (err) {
        errorBox.textContent = err.message;
        errorBox.hidden = false;
      });
    });
  });
})();

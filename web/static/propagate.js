// Propagate page: keeps the state in the URL, fetches the result, draws the HEE map with
// the CME front on a slider, and fills the timeline table.
(function () {
  "use strict";
  var form = document.getElementById("propagate-form");
  var field = document.getElementById("targets-field");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.target"));
  var geometry = null, timer = null;

  function syncTargets() {
    field.value = boxes.filter(function (b) { return b.checked; })
      .map(function (b) { return b.value; }).join(",");
  }
  boxes.forEach(function (b) { b.addEventListener("change", syncTargets); });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    syncTargets();
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") params.set(key, value);
    });
    history.replaceState(null, "", "?" + params.toString());
    load();
  });

  function showError(text) {
    var box = document.getElementById("propagate-error");
    box.textContent = text;
    box.hidden = !text;
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "–" : text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function fmtTime(t) { return t ? t.replace("T", " ").slice(0, 16) : null; }

  function fillTable(results) {
    var body = document.querySelector("#timeline tbody");
    body.innerHTML = "";
    results.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.target = r.target;
      cell(tr, r.target);
      cell(tr, r.hit ? "yes" : "no", r.hit ? "ok" : "muted");
      cell(tr, r.hit_probability !== undefined ? Math.round(r.hit_probability * 100) + " %" : null);
      cell(tr, fmtTime(r.arrival_time));
      cell(tr, fmtTime(r.arrival_p05));
      cell(tr, fmtTime(r.arrival_p50));
      cell(tr, fmtTime(r.arrival_p95));
      cell(tr, r.transit_hours ? r.transit_hours.toFixed(1) : null, "num");
      cell(tr, r.arrival_speed_km_s ? Math.round(r.arrival_speed_km_s) : null, "num");
      body.appendChild(tr);
    });
  }

  function drawMap(map) {
    var traces = [];
    Object.keys(map.spirals).forEach(function (name) {
      var s = map.spirals[name];
      traces.push({x: s.x, y: s.y, mode: "lines", name: name + " spiral", hoverinfo: "skip",
                   line: {width: 1, dash: "dot", color: "#3a4a5c"}, showlegend: false});
    });
    var names = Object.keys(map.bodies);
    traces.push({x: [0], y: [0], mode: "markers", name: "Sun", marker: {size: 14, color: "#f2c14e"}});
    traces.push({x: names.map(function (n) { return map.bodies[n][0]; }),
                 y: names.map(function (n) { return map.bodies[n][1]; }),
                 text: names, mode: "markers+text", textposition: "top center",
                 name: "bodies", marker: {size: 9, color: "#4fb3ff"}});
    if (map.front) {
      traces.push({x: map.front.x[0], y: map.front.y[0], mode: "lines", name: "CME front",
                   line: {width: 3, color: "#ff5c5c"}});
    }
    var far = Math.max.apply(null, names.map(function (n) {
      return Math.hypot(map.bodies[n][0], map.bodies[n][1]);
    }).filter(function (r) { return r < 2.0; }).concat([1.2])) * 1.15;
    var layout = storms.layout({
      title: {text: "Ecliptic (HEE) at " + fmtTime(map.time) + " UTC", font: {size: 13}},
      xaxis: {range: [-far, far], title: "x (AU, to Earth)", gridcolor: "#26303b", zeroline: false},
      yaxis: {range: [-far, far], scaleanchor: "x", title: "y (AU)", gridcolor: "#26303b", zeroline: false},
      showlegend: false, margin: {l: 50, r: 10, t: 40, b: 40}
    });
    Plotly.newPlot("propagate-map", traces, layout, {responsive: true, displaylogo: false});
    var slider = document.getElementById("front-slider");
    slider.max = map.front ? map.front.hours.length - 1 : 0;
    slider.value = 0;
    slider.disabled = !map.front;
    document.getElementById("front-play").disabled = !map.front;
    moveFront(0);
  }

  function moveFront(i) {
    if (!geometry || !geometry.front) {
      document.getElementById("front-time").textContent = "";
      return;
    }
    var f = geometry.front, div = document.getElementById("propagate-map");
    var idx = div.data.length - 1;
    Plotly.restyle(div, {x: [f.x[i]], y: [f.y[i]]}, [idx]);
    document.getElementById("front-time").textContent = "+" + f.hours[i].toFixed(1) + " h";
  }

  document.getElementById("front-slider").addEventListener("input", function (ev) {
    moveFront(Number(ev.target.value));
  });
  document.getElementById("front-play").addEventListener("click", function () {
    var slider = document.getElementById("front-slider");
    if (timer) { clearInterval(timer); timer = null; return; }
    timer = setInterval(function () {
      var next = Number(slider.value) + 1;
      if (next > Number(slider.max)) { clearInterval(timer); timer = null; return; }
      slider.value = next;
      moveFront(next);
    }, 120);
  });

  function load() {
    var query = location.search;
    if (!/[?&]time=/.test(query)) return;
    showError("");
    document.querySelectorAll("a.export").forEach(function (a) {
      a.href = "/api/v1/propagate" + query + "&format=" + a.dataset.format;
    });
    fetch("/propagate/result.json" + query).then(function (resp) {
      return resp.json().then(function (body) { return {ok: resp.ok, body: body}; });
    }).then(function (r) {
      if (!r.ok) { showError(r.body.detail || "propagation failed"); return; }
      document.getElementById("propagate-result").hidden = false;
      geometry = r.body.map;
      fillTable(r.body.results);
      drawMap(r.body.map);
      document.getElementById("propagate-result").dataset.ready = "1";
    }).catch(function () { showError("the service did not answer"); });
  }
  load();
})();

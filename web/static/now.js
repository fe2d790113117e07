// Now page: stacked L1 panels on one shared time axis, Kp bars, and the tables under them,
// refreshed from /now/data.json every 60 s without reloading the page.
(function () {
  "use strict";
  var source = document.getElementById("now-data");
  if (!source || !window.Plotly) return;
  var dataUrl = source.getAttribute("data-url");
  var state = JSON.parse(source.textContent);
  var l1 = document.getElementById("now-l1");
  var kp = document.getElementById("now-kp");
  var refreshEl = document.getElementById("now-refresh");
  var config = {responsive: true, displaylogo: false, scrollZoom: false,
                modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]};
  var lastSuccess = Date.now();
  var pending = null;

  function themed(layout) {
    // the shared dark theme, then the page's own layout (axes keep their own colours)
    return Object.assign(window.storms.layout(), layout, {
      margin: layout.margin || {l: 60, r: 20, t: 10, b: 40}
    });
  }

  function setHtml(id, html) {
    var el = document.getElementById(id);
    if (el && typeof html === "string") el.innerHTML = html;
  }

  function draw(data) {
    window.Plotly.react(l1, data.figure.data, themed(data.figure.layout), config);
    var note = document.getElementById("now-kp-note");
    if (data.kp && data.kp.figure) {
      window.Plotly.react(kp, data.kp.figure.data, themed(data.kp.figure.layout), config);
    } else if (kp.data) {
      window.Plotly.purge(kp);
    }
    if (note) note.textContent = (data.kp && data.kp.note) || "";
    var kpSource = document.getElementById("now-kp-source");
    if (kpSource) {
      kpSource.textContent = data.kp_source
        ? "· " + data.kp_source.label + " (" + data.kp_source.id + ")" : "";
    }
    if (data.html) {
      setHtml("now-tiles", data.html.tiles);
      setHtml("now-alerts", data.html.alerts);
      setHtml("now-ages", data.html.ages);
    }
    var buttons = document.querySelectorAll(".window-button");
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-window") === data.window;
      buttons[i].classList.toggle("active", on);
      if (on) buttons[i].setAttribute("aria-current", "true");
      else buttons[i].removeAttribute("aria-current");
    }
    l1.setAttribute("data-window", data.window);
    l1.setAttribute("data-end-ms", String(data.end_ms));
    state = data;
  }

  function showRefresh(ok) {
    if (!refreshEl) return;
    var now = new Date();
    if (ok) {
      lastSuccess = now.getTime();
      refreshEl.textContent = "updated " + now.toISOString().slice(11, 19) + " UTC";
      refreshEl.className = "now-refresh muted";
    } else {
      var since = (now.getTime() - lastSuccess) / 1000;
      refreshEl.textContent = "refresh failed, last update " + window.storms.fmtAge(since) +
        " ago; retrying";
      refreshEl.className = "now-refresh " + (since > 300 ? "bad" : "warn");
    }
  }

  function load(windowKey) {
    if (pending) pending.abort();
    var controller = new AbortController();
    pending = controller;
    return fetch(dataUrl + "?window=" + encodeURIComponent(windowKey),
                 {headers: {"Accept": "application/json"}, signal: controller.signal,
                  cache: "no-store"})
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (data) {
        if (pending === controller) pending = null;
        var error = document.getElementById("now-error");
        if (error) error.parentNode.removeChild(error);
        draw(data);
        showRefresh(true);
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (pending === controller) pending = null;
        showRefresh(false);
      });
  }

  document.querySelectorAll(".window-button").forEach(function (button) {
    button.addEventListener("click", function (ev) {
      ev.preventDefault();
      var key = button.getAttribute("data-window");
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", button.getAttribute("href"));
      }
      load(key);
    });
  });

  // zooming or panning the L1 panels moves the Kp panel to the same time range
  var syncing = false;
  function followL1(ev) {
    if (syncing || !kp.data || !ev) return;
    var touched = Object.keys(ev).some(function (k) { return /^xaxis\d*\./.test(k); });
    var range = l1.layout && l1.layout.xaxis && l1.layout.xaxis.range;
    if (!touched || !range) return;
    syncing = true;
    window.Plotly.relayout(kp, {"xaxis.range": range.slice(), "xaxis.autorange": false})
      .then(function () { syncing = false; }, function () { syncing = false; });
  }

  draw(state);
  if (l1.on) l1.on("plotly_relayout", followL1);
  setInterval(function () { load(state.window); }, (state.refresh_s || 60) * 1000);
})();

"""The Now page in Chromium on the real data: plots drawn, window buttons, self-refresh."""

import re

from web.pages.now import WINDOWS

HOUR_MS = 3_600_000

L1_RANGE_MS = """() => {
  const r = document.getElementById('now-l1')._fullLayout.xaxis.range;
  return r.map(v => typeof v === 'number' ? v : Date.parse(v.replace(' ', 'T') + 'Z'));
}"""


def _wait_drawn(page):
    page.wait_for_function("() => ['now-l1', 'now-kp'].every(id => {"
                           " const el = document.getElementById(id);"
                           " return el && el.classList.contains('js-plotly-plot')"
                           " && el.data && el.data.length > 0; })")


def test_now_page(page):
    response = page.goto("/")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    _wait_drawn(page)
    points = page.evaluate("() => document.getElementById('now-l1').data"
                           ".map(t => [t.name, t.x.length])")
    assert [name for name, _n in points] == ["|B|", "Bz", "Speed", "Density", "Pressure",
                                             "Temperature"]
    assert all(n > 1000 for _name, n in points), points  # 24 h of 1-min SWPC data
    assert page.locator("#now-l1 .scatterlayer .trace").count() == 6
    assert page.locator("#now-l1 .scatterlayer path.js-line").count() >= 6  # (split at gaps)
    assert page.evaluate("() => document.getElementById('now-kp').data[0].y.length") > 0
    assert page.locator("#now-kp .barlayer .point").count() > 0
    assert page.locator(".tile").count() == 7
    assert page.locator('.tile[data-quantity="pressure"] .tile-value').inner_text() != "—"
    # the window ends at the latest SWPC record (the files end 2026-04-18), not now
    assert "data end 2026-04-18" in page.locator("#now-data-age").inner_text()
    assert page.locator("tr.age-row.bad").count() >= 2  # months-old data flagged stale
    start, end = page.evaluate(L1_RANGE_MS)
    assert abs((end - start) - 24 * HOUR_MS) < 60_000


def test_now_window_buttons_change_the_x_range(page):
    page.goto("/")
    page.wait_for_load_state("networkidle")
    _wait_drawn(page)
    page.evaluate("() => { window.__sameDocument = true; }")
    end0 = page.evaluate(L1_RANGE_MS)[1]
    for key in ("6h", "7d", "24h"):
        page.click(f'.window-button[data-window="{key}"]')
        page.wait_for_function(f"() => document.getElementById('now-l1')"
                               f".getAttribute('data-window') === '{key}'")
        start, end = page.evaluate(L1_RANGE_MS)
        assert abs((end - start) - WINDOWS[key] // 1000) < 60_000, (key, start, end)
        assert abs(end - end0) < 60_000
        assert page.locator(f'.window-button.active[data-window="{key}"]').count() == 1
        assert re.search(rf"[?&]window={key}$", page.url)
    page.click('.window-button[data-window="7d"]')
    page.wait_for_function("() => document.getElementById('now-l1')"
                           ".getAttribute('data-window') === '7d'")
    longest = page.evaluate("() => Math.max(...document.getElementById('now-l1').data"
                            ".map(t => t.x.length))")
    # the 9,692 plasma minutes of the real 7 days, min/max-reduced on the server to ~5,000
    assert 4000 < longest <= 5100
    assert page.evaluate("() => window.__sameDocument === true")  # no page reload


def test_now_page_refreshes_itself(page):
    page.clock.install()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    _wait_drawn(page)
    page.evaluate("() => { window.__sameDocument = true; }")
    with page.expect_response(lambda r: "/now/data.json?window=24h" in r.url) as got:
        page.clock.fast_forward(61_000)
    assert got.value.status == 200
    page.wait_for_function("() => /updated \\d\\d:\\d\\d:\\d\\d UTC/.test("
                           "document.getElementById('now-refresh').textContent)")
    assert page.evaluate("() => window.__sameDocument === true")
    _wait_drawn(page)


def test_now_axis_is_utc_in_any_browser_time_zone(browser, live_server):
    """A wall screen set to another zone still reads UTC: plotly gets zone-less UTC strings
    (epoch milliseconds would be shifted into the browser's zone)."""
    context = browser.new_context(base_url=live_server, timezone_id="America/New_York")
    try:
        pg = context.new_page()
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.goto("/?window=6h")
        pg.wait_for_load_state("networkidle")
        _wait_drawn(pg)
        assert pg.evaluate("() => new Date().getTimezoneOffset()") != 0
        end_iso = pg.evaluate("() => JSON.parse(document.getElementById('now-data')"
                              ".textContent).end")  # e.g. 2026-04-18T14:30:00Z
        shown = pg.evaluate("() => document.getElementById('now-l1')._fullLayout.xaxis.range")
        assert shown[1].replace(" ", "T").startswith(end_iso.rstrip("Z")[:16]), (shown, end_iso)
        assert not errors, errors
    finally:
        context.close()


def test_kp_panel_follows_zoom_on_the_l1_panels(page):
    page.goto("/?window=7d")
    page.wait_for_load_state("networkidle")
    _wait_drawn(page)
    page.wait_for_function("() => document.getElementById('now-kp').data")
    start, end = page.evaluate(L1_RANGE_MS)
    a = start + (end - start) * 0.25
    b = start + (end - start) * 0.5
    page.evaluate(f"""() => {{
        const iso = v => new Date(v).toISOString().replace('T', ' ').replace('Z', '');
        return Plotly.relayout('now-l1', {{'xaxis.range': [iso({a}), iso({b})]}}); }}""")
    page.wait_for_function(f"""() => {{
        const r = document.getElementById('now-kp')._fullLayout.xaxis.range
          .map(v => typeof v === 'number' ? v : Date.parse(v.replace(' ', 'T') + 'Z'));
        return Math.abs(r[0] - {a}) < 1000 && Math.abs(r[1] - {b}) < 1000; }}""",
                           timeout=10000)

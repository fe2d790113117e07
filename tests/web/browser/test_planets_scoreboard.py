"""Planets and Scoreboard pages in Chromium on the real data (predictions derived from the
SWPC week and the DONKI CMEs of May 2024 as the jobs would)."""


def test_planets_page(page):
    page.goto("/planets")
    page.wait_for_selector("#planets-panels[data-ready='1']", timeout=30000)
    panels = page.locator(".panel.planet")
    assert panels.count() >= 4
    earth = page.locator(".panel.planet[data-target=Earth]")
    assert earth.locator(".js-plotly-plot").count() == 1
    names = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.panel.planet[data-target=Earth] .js-plotly-plot'))[0].data.map(t => t.name)""")
    assert names == ["predicted", "measured at L1"]
    assert "target–Sun–L1" in page.locator(".panel.planet[data-target=Mars] h2").inner_text()


def test_scoreboard_page(page):
    page.goto("/scoreboard")
    rows = page.locator("#scoreboard tbody tr")
    assert rows.count() >= 1
    earth = page.locator("#scoreboard tbody tr", has_text="Earth").first
    cells = earth.locator("td")
    assert int(cells.nth(2).inner_text()) > 10  # May 2024 CMEs propagated to Earth
    assert int(cells.nth(4).inner_text()) >= 1  # at least one hit against DONKI IPS

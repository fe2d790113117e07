"""Propagate page in Chromium: a propagation submitted from the form draws the map and
fills the table; the slider moves the CME front; the URL holds the state."""


def _front(page):
    return page.evaluate("""() => {
        const d = document.getElementById('propagate-map').data;
        const f = d[d.length - 1];
        return {name: f.name, x: Array.from(f.x), y: Array.from(f.y)};
    }""")


def test_propagate_form_map_table_and_slider(page):
    page.goto("/propagate")
    page.fill("input[name=time]", "2024-05-10T18:00:00Z")
    page.fill("input[name=speed]", "1200")
    page.fill("input[name=ensemble]", "300")
    page.fill("input[name=sigma_speed]", "100")
    page.check("input.target[value=Venus]")
    page.click("button[type=submit]")
    page.wait_for_selector("#propagate-result[data-ready='1']", timeout=30000)
    rows = page.locator("#timeline tbody tr")
    assert rows.count() == 3  # Venus, Earth, Mars
    earth = page.locator("#timeline tbody tr[data-target=Earth] td")
    assert earth.nth(1).inner_text() == "yes" and earth.nth(3).inner_text().startswith("2024-05-1")
    assert "time=2024-05-10T18" in page.url and "targets=" in page.url
    before = _front(page)
    assert before["name"] == "CME front"
    page.locator("#front-slider").fill("30")
    after = _front(page)
    r_before = max(x * x + y * y for x, y in zip(before["x"], before["y"], strict=True))
    r_after = max(x * x + y * y for x, y in zip(after["x"], after["y"], strict=True))
    assert r_after > r_before * 4  # the front moved outwards
    assert page.locator("#front-time").inner_text().startswith("+")
    exports = page.locator("a.export[data-format=votable]").get_attribute("href")
    assert exports.startswith("/api/v1/propagate?") and "format=votable" in exports


def test_propagate_url_reload_gives_the_same_table(page):
    url = ("/propagate?model=dbm&time=2024-05-10T18:00:00Z&targets=Earth,Mars&speed=900"
           "&half_width=60")
    page.goto(url)
    page.wait_for_selector("#propagate-result[data-ready='1']", timeout=30000)
    first = page.locator("#timeline tbody").inner_text()
    page.reload()
    page.wait_for_selector("#propagate-result[data-ready='1']", timeout=30000)
    assert page.locator("#timeline tbody").inner_text() == first
    assert page.locator("select[name=model]").input_value() == "dbm"

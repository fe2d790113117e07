"""The CLIMSO page in Chromium on the real (coronagraph substitute) images."""

import re

IMAGES_LOADED = ("sel => Array.from(document.querySelectorAll(sel))"
                 ".every(i => i.complete && i.naturalWidth > 0)")


def test_climso_page(page):
    response = page.goto("/climso")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("#climso-latest .image-card").count() == 4  # L1, L2, C1, C2 slots
    others = page.locator("#other-latest .image-card")
    assert others.count() == 3  # K-Cor, COR1, LASCO under their instruments
    titles = " ".join(others.locator(".title").all_inner_texts())
    assert "LASCO" in titles and "SECCHI" in titles and "K-Coronagraph" in titles
    assert page.evaluate(IMAGES_LOADED, "#other-latest img")
    fits = others.first.locator("a", has_text="FITS").get_attribute("href")
    got = page.request.get(fits)
    assert got.status == 200 and got.body().startswith(b"SIMPLE  =")


def test_climso_date_browser(page):
    page.goto("/climso")
    page.wait_for_load_state("networkidle")
    page.fill("#date-input", "2009-06-15")  # the change submits the form
    page.wait_for_url(re.compile(r"/climso\?date=2009-06-15$"))
    page.wait_for_load_state("networkidle")
    assert "2009-06-15: 1 image" in page.locator("#day-title").inner_text()
    card = page.locator("#day-images .image-card")
    assert card.count() == 1 and "COR1" in card.locator(".title").inner_text()
    assert page.evaluate(IMAGES_LOADED, "#day-images img")
    page.click("#prev-day")
    page.wait_for_url(re.compile(r"/climso\?date=2009-02-28$"))
    page.wait_for_load_state("networkidle")
    assert "LASCO" in page.locator("#day-images .title").inner_text()

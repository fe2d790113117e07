"""Every page of the navigation bar loads in Chromium, cleanly."""

import pytest

from web.pages import NAV

PATHS = {"pages.now": "/", "pages.propagate": "/propagate", "pages.planets": "/planets",
         "pages.events": "/events", "pages.climso": "/climso",
         "pages.scoreboard": "/scoreboard", "pages.status": "/status",
         "pages.transform": "/transform"}


def test_every_nav_entry_has_a_path():
    assert {endpoint for endpoint, _ in NAV} == set(PATHS)


@pytest.mark.parametrize("endpoint", sorted(PATHS))
def test_page_loads_clean(page, endpoint):
    response = page.goto(PATHS[endpoint])
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("header nav a.active").count() == 1
    assert "Storms" in page.title()

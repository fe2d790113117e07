"""The Events pages in Chromium on the real DONKI and ICMECAT data."""

import re

from playwright.sync_api import expect


def test_events_page_filters(page):
    response = page.goto("/events")
    assert response is not None and response.status == 200
    assert page.locator("tr.event-row").count() == 50
    page.select_option('select[name="type"]', "CME")
    page.fill('input[name="start"]', "2024-05-10")
    page.fill('input[name="end"]', "2024-05-12")
    page.click('#event-filters button[type="submit"]')
    page.wait_for_url(re.compile(r"/events\?type=CME.*start=2024-05-10"))
    kinds = page.locator("tr.event-row").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds and set(kinds) == {"CME"}
    dates = page.locator("tr.event-row td:first-child").all_inner_texts()
    assert all("2024-05-10" <= d[:10] <= "2024-05-12" for d in dates), dates
    expect(page.locator("#event-count")).to_contain_text(f"{len(kinds)} event")


def test_event_row_opens_event_page(page):
    page.goto("/events?type=CME&start=2024-05-01&end=2024-05-31")
    row = page.locator("tr.event-row").filter(
        has=page.locator("td.num", has_text=re.compile(r"^\d+$"))).first
    source_id = row.locator("td a").inner_text()
    row.locator("td").nth(5).click()  # the summary cell, not the link
    page.wait_for_url(re.compile(r"/events/\d+$"))
    assert source_id in page.locator("h1").inner_text()
    link = page.locator("#propagate-link")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href.startswith("/propagate?") and "model=cme" in href and "speed=" in href
    assert page.locator("#analyses tbody tr").count() >= 1
    page.wait_for_load_state("networkidle")

"""The Status page in Chromium on the real data."""

from jobs.tasks import JOBS


def test_status_page(page):
    response = page.goto("/status")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("tr.job-row").count() == len(JOBS)
    assert page.locator("tr.job-row.muted").count() == len(JOBS)  # served with --no-jobs
    assert "jobs not running" in page.locator("#scheduler-state").inner_text()
    plasma = page.locator('tr.dataset-row[data-dataset="swpc_rt_plasma"]')
    assert "bad" in plasma.get_attribute("class")  # the real files are months old
    assert "2026-04-18" in plasma.inner_text()

"""Transform page in Chromium: a field series uploaded and plotted before and after, a bad
file answered with the row at fault, and the transformed file downloaded."""

from __future__ import annotations

import numpy as np

from ingest.vector_files import read_series

FIELD = b"""# frame: GSE
time,bx [nT],by [nT],bz [nT]
2024-05-10T00:00:00Z,1.0,-4.0,12.0
2024-05-10T01:00:00Z,2.0,-3.0,8.0
2024-05-10T02:00:00Z,3.0,-2.0,-6.0
"""


def _upload(page, name: str, data: bytes, to: str = "GSM") -> None:
    page.goto("/transform")
    page.set_input_files("#transform-file", files=[{"name": name, "mimeType": "text/csv",
                                                   "buffer": data}])
    page.select_option("select[name=to]", to)
    page.click("#transform-form button[type=submit]")
    page.wait_for_selector("#transform-form[data-state=done], #transform-form[data-state=error]",
                           timeout=30000)


def test_upload_plots_input_and_output(page):
    _upload(page, "field.csv", FIELD)
    assert page.get_attribute("#transform-form", "data-state") == "done"
    assert "3 rows, vector, GSE → GSM" in page.inner_text("#transform-summary")
    traces = page.evaluate("""() => ['transform-in-plot', 'transform-out-plot'].map(id =>
        document.getElementById(id).data.map(t => [t.name, t.y]))""")
    assert [t[0] for t in traces[0]] == ["bx", "by", "bz"]
    assert [t[0] for t in traces[1]] == ["bx_gsm", "by_gsm", "bz_gsm"]
    out = np.array([t[1] for t in traces[1]]).T
    assert np.allclose(out[:, 0], [1.0, 2.0, 3.0])  # GSE and GSM share X
    assert np.allclose(np.linalg.norm(out, axis=1), np.sqrt([161.0, 77.0, 49.0]))
    assert not np.allclose(out[:, 1], [-4.0, -3.0, -2.0], atol=0.1)  # a real rotation


def test_bad_file_shows_the_row_at_fault(page):
    _upload(page, "bad.csv", FIELD.replace(b"-3.0", b"x3"))
    assert page.get_attribute("#transform-form", "data-state") == "error"
    text = page.inner_text("#transform-error")
    assert "bad.csv, line 4, column 'by': 'x3' is not a number" in text
    assert page.locator("#transform-result").is_hidden()
    # Chromium logs the expected 400 answer as a console error: that one is not a fault
    page.problems.console_errors = [e for e in page.problems.console_errors
                                    if "status of 400" not in e]


def test_download_gives_the_transformed_file(page):
    _upload(page, "field.csv", FIELD, to="SM")
    with page.expect_download() as info:
        page.click("a.export[data-format=votable]")
    download = info.value
    assert download.suggested_filename == "field_sm.xml"
    back = read_series(open(download.path(), "rb").read(), "field_sm.xml")
    assert back.frame == "SM" and back.kind == "vector" and len(back.t_unix_s) == 3


def test_long_series_is_plotted_reduced_keeping_its_spike(page):
    """A day of 1-s data (86,400 rows, 4.7 MB): the page plots at most 4,000 points per
    component in each panel and keeps the spike."""
    n = 86_400
    t = np.datetime64("2024-05-10T00:00:00", "s") + np.arange(n)
    b = np.column_stack([np.sin(np.arange(n) / 900.0) * 5, np.full(n, -2.0), np.full(n, 3.0)])
    b[50_000] = [45.0, -2.0, 3.0]
    text = "# frame: GSE\ntime,bx [nT],by [nT],bz [nT]\n" + "".join(
        f"{x}Z,{u:.4f},{v},{w}\n" for x, (u, v, w) in zip(t, b.tolist(), strict=True))
    _upload(page, "day.csv", text.encode())
    assert page.get_attribute("#transform-form", "data-state") == "done"
    summary = page.inner_text("#transform-summary")
    assert summary.startswith("86400 rows, vector, GSE → GSM") and "plotted" in summary
    sizes, peak = page.evaluate("""() => {
        const d = document.getElementById('transform-in-plot').data;
        return [d.map(tr => tr.y.length), Math.max(...d[0].y)]; }""")
    assert max(sizes) <= 6 * 4000 and peak == 45.0

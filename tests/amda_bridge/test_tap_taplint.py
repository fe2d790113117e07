"""``stilts taplint`` against the running service: no errors, on SQLite and PostgreSQL.

Skipped when stilts is not installed, except under CI (CI=true), where it fails.
taplint exits 0 even when it reports errors, so its ``Totals`` line is parsed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.amda_bridge.tap_support import live_server, make_app, populate

TOTALS = re.compile(r"Totals: Errors: (\d+); Warnings: (\d+); Failures: (\d+)")


def stilts() -> str:
    path = shutil.which("stilts")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("stilts is required under CI (apt-get install stilts)")
        pytest.skip("stilts not installed")
    return path


@pytest.mark.slow
def test_taplint_reports_no_errors(ctx, tmp_path):
    exe = stilts()
    populate(ctx)
    with live_server(make_app(ctx)) as url:
        out = subprocess.run([exe, "taplint", f"tapurl={url}", "report=EWF", "maxrepeat=3"],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path)
    report = out.stdout + out.stderr
    totals = TOTALS.search(report)
    assert totals, report[-2000:]
    errors = [ln for ln in report.splitlines() if ln.startswith("E-")]
    assert int(totals.group(1)) == 0, "\n".join(errors)
    assert int(totals.group(2)) == 0, report[-3000:]

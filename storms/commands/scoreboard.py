"""``storms scoreboard``: how the stored predictions fared, per model and target."""

from __future__ import annotations

import json

import click

from storms import app_context


@click.command()
@click.option("--window-hours", type=float, default=24.0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def scoreboard(window_hours: float, as_json: bool) -> None:
    """Stored predictions (e.g. of the propagate_new_cmes job) against observed arrivals."""
    from storms.verification import scoreboard as compute

    with app_context.default().factory() as session:
        rows = compute(session, window_hours)
    if as_json:
        click.echo(json.dumps(rows))
        return
    if not rows:
        click.echo("no predictions stored yet")
    for r in rows:
        mae = r["mean_absolute_error_h"]
        click.echo(f"{r['model']:6s} {r['target']:20s} hits {r['hits']:3d} misses "
                   f"{r['misses']:3d} false alarms {r['false_alarms']:3d} MAE "
                   f"{'-' if mae is None else f'{mae:.1f} h'}")

"""``storms propagate``: being written (issue 3)."""

import click


@click.command()
def propagate() -> None:
    """Propagate an event (not yet available)."""
    raise click.ClickException("storms propagate is not available yet")

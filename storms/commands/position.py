"""``storms position``: being written (issue 3)."""

import click


@click.command()
def position() -> None:
    """Body positions (not yet available)."""
    raise click.ClickException("storms position is not available yet")

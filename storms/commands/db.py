"""``storms db``: migrations."""

import click

from storms import app_context
from storms.database import current_revision, upgrade


@click.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations to STORMS_DATABASE_URL."""
    ctx = app_context.default()
    try:
        upgrade(ctx.engine, revision)
    except Exception as exc:
        raise click.ClickException(f"migration failed: {exc}") from exc
    click.echo(f"database at revision {current_revision(ctx.engine)}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision."""
    click.echo(current_revision(app_context.default().engine) or "empty")

"""The ``storms`` command: serve, db, ingest, propagate, position, transform, jobs..."""

from __future__ import annotations

import logging

import click

from storms.commands.db import db
from storms.commands.hindcast import hindcast
from storms.commands.ingest import ingest
from storms.commands.jobs import jobs
from storms.commands.position import position
from storms.commands.propagate import propagate
from storms.commands.replay import replay
from storms.commands.scoreboard import scoreboard
from storms.commands.serve import serve
from storms.commands.transform import transform


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Storms: space-weather event propagation and monitoring."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


cli.add_command(db)
cli.add_command(serve)
cli.add_command(ingest)
cli.add_command(propagate)
cli.add_command(position)
cli.add_command(jobs)
cli.add_command(hindcast)
cli.add_command(scoreboard)
cli.add_command(replay)
cli.add_command(transform)


def main() -> None:
    cli(prog_name="storms")

"""Scoreboard page (being written)."""

from flask import render_template

from . import bp


@bp.get("/scoreboard")
def scoreboard():
    return render_template("base.html", title="Scoreboard")

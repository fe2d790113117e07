"""Events page (being written)."""

from flask import render_template

from . import bp


@bp.get("/events")
def events():
    return render_template("base.html", title="Events")

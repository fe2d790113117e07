"""Now page (being written)."""

from flask import render_template

from . import bp


@bp.get("/")
def now():
    return render_template("base.html", title="Now")

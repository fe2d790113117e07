"""Status page (being written)."""

from flask import render_template

from . import bp


@bp.get("/status")
def status():
    return render_template("base.html", title="Status")

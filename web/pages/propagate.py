"""Propagate page (being written)."""

from flask import render_template

from . import bp


@bp.get("/propagate")
def propagate():
    return render_template("base.html", title="Propagate")

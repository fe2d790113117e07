"""Planets page (being written)."""

from flask import render_template

from . import bp


@bp.get("/planets")
def planets():
    return render_template("base.html", title="Planets")

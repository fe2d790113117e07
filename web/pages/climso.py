"""CLIMSO page (being written)."""

from flask import render_template

from . import bp


@bp.get("/climso")
def climso():
    return render_template("base.html", title="CLIMSO")

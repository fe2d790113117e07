"""Transform: upload a series of positions or vectors, get it back in another frame, with
both plotted (the browser posts the file to ``/api/v1/transform``; nothing is stored)."""

from __future__ import annotations

from flask import current_app, render_template

from web.api.frames import FRAMES

from . import bp


@bp.get("/transform")
def transform():
    max_mb = current_app.config["STORMS_TRANSFORM_MAX_BYTES"] // 2**20
    return render_template("transform.html", title="Transform", frames=FRAMES, max_mb=max_mb)

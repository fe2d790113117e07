"""CLIMSO (``/climso``): the latest image of each CLIMSO channel (L1 H-alpha, L2 Ca II K,
C1 prominences, C2 He I / Fe XIII) and of every other instrument stored (coronagraph
substitutes, under their own instrument), a date browser (``?date=YYYY-MM-DD``), and per
image its page, its FITS for download and its PNG preview.

Files are looked up by the image's database id and served only when the stored path
resolves to a file inside the configured files directory: no user-given path is ever
opened.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from flask import abort, current_app, render_template, request, send_file

from ingest.fits import CLIMSO_CHANNELS
from storms import catalogue as queries  # noqa: F401
from storms import models as m
from storms.catalogue import DAY_US

from . import bp, display  # noqa: F401  (display registers the filters)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HEADER_CARDS_SHOWN = 400
DAY_IMAGES_SHOWN = 500


def parse_date(text: str | None) -> int | None:
    """Start (us) of the UTC day ``YYYY-MM-DD``; None when empty; ValueError if bad."""
    value = (text or "").strip()
    if not value:
        return None
    if not _DATE.match(value):
        raise ValueError(f"date {value[:40]!r} is not a day (YYYY-MM-DD)")
    try:
        return int(np.datetime64(value, "D").astype("datetime64[us]").astype(np.int64))
    except ValueError:
        raise ValueError(f"date {value[:40]!r} is not a day (YYYY-MM-DD)") from None


def _card(img: m.SolarImage) -> dict[str, Any]:
    return {"img": img, "label": CLIMSO_CHANNELS.get(img.channel, ("", None))[0]
            if img.instrument == "CLIMSO" else ""}


@bp.get("/climso")
def climso():
    ctx = current_app.extensions["storms"]
    error = None
    try:
        day = parse_date(request.args.get("date"))
    except ValueError as exc:
        error, day = str(exc), None
    with ctx.factory() as session:
        latest = queries.latest_images(session)
        days = queries.image_days(session, 60)
        if day is None:
            day = days[0] if days else None
        day_images: list[m.SolarImage] = []
        prev_day = next_day = None
        if day is not None:
            day_images = queries.images_between(session, day, day + DAY_US, DAY_IMAGES_SHOWN)
            prev_day, next_day = queries.neighbour_days(session, day)
    by_channel = {img.channel: img for img in latest if img.instrument == "CLIMSO"}
    climso_slots = [{"channel": ch, "label": label, "wavelength_nm": wl,
                     "img": by_channel.get(ch)} for ch, (label, wl) in CLIMSO_CHANNELS.items()]
    climso_slots += [{"channel": ch, "label": "", "wavelength_nm": img.wavelength_nm,
                      "img": img} for ch, img in by_channel.items() if ch not in CLIMSO_CHANNELS]
    others: dict[str, list] = {}
    for img in latest:
        if img.instrument != "CLIMSO":
            others.setdefault(img.instrument, []).append(img)
    return render_template(
        "climso.html", title="CLIMSO", climso_slots=climso_slots, others=others,
        day=day, day_images=[_card(i) for i in day_images], days=days, prev_day=prev_day,
        next_day=next_day, error=error, day_limit=DAY_IMAGES_SHOWN), (400 if error else 200)


def _image_or_404(image_id: int) -> m.SolarImage:
    ctx = current_app.extensions["storms"]
    with ctx.factory() as session:
        img = queries.get_image(session, image_id)
    if img is None:
        abort(404, description=f"No image {image_id}.")
    return img


@bp.get("/climso/image/<int:image_id>")
def climso_image(image_id: int):
    img = _image_or_404(image_id)
    settings = current_app.extensions["storms"].settings
    fits_path = queries.kept_file(settings, img.file_path)
    header = [(k, v) for k, v in (img.header or {}).items() if not k.startswith("_")]
    return render_template(
        "climso_image.html", title=f"{img.instrument} {img.channel}", img=img,
        label=CLIMSO_CHANNELS.get(img.channel, ("", None))[0] if img.instrument == "CLIMSO"
        else "", fits_size=fits_path.stat().st_size if fits_path else None,
        has_preview=queries.kept_file(settings, img.preview_path) is not None,
        header=header[:HEADER_CARDS_SHOWN], header_total=len(header))


@bp.get("/climso/image/<int:image_id>/fits")
def climso_fits(image_id: int):
    """The kept FITS, byte for byte, as a download."""
    img = _image_or_404(image_id)
    path = queries.kept_file(current_app.extensions["storms"].settings, img.file_path)
    if path is None:
        abort(404, description=f"The FITS file of image {image_id} is not available.")
    return send_file(path, mimetype="application/fits", as_attachment=True,
                     download_name=path.name, conditional=True, max_age=3600)


@bp.get("/climso/image/<int:image_id>/preview.png")
def climso_preview(image_id: int):
    img = _image_or_404(image_id)
    path = queries.kept_file(current_app.extensions["storms"].settings, img.preview_path)
    if path is None:
        abort(404, description=f"Image {image_id} has no preview.")
    return send_file(path, mimetype="image/png", conditional=True, max_age=3600)

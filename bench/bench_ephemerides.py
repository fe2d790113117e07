"""Ephemeris benchmark: one event to all bodies with ephemerides, i.e. positions of every
registry body that has an ephemeris at one time (warm), in HEEQ; baseline measured in the
same run: sunpy ``get_body_heliographic_stonyhurst`` for the planets and the Moon (one call
per body, astropy on the same DE421 file). ratio = value / baseline (< 1 is faster)."""

from __future__ import annotations

import os

from bench.common import SHARED_DATA, best_of, row
from propagation.bodies import BODIES
from propagation.ephemerides import EphemerisUnavailable, positions

T_PSP = 1_614_556_800.0  # 2021-03-01T00:00Z, inside the PSP kernel in ../shared/data
PLANETS = ["mercury", "venus", "earth", "moon", "mars", "jupiter", "saturn", "uranus",
           "neptune"]


def run() -> list[dict]:
    from storms.config import load, prepare_offline_science_stack

    prepare_offline_science_stack(load().data_dir)
    kernels = SHARED_DATA / "ephemeris"
    old = os.environ.get("STORMS_EPHEMERIS_DIR")
    if kernels.exists():
        os.environ["STORMS_EPHEMERIS_DIR"] = str(kernels)
    try:
        t = [T_PSP]
        usable = []
        for body in BODIES:
            try:
                positions([body.name], t)
                usable.append(body.name)
            except EphemerisUnavailable:
                pass
        ours = best_of(lambda: positions(usable, t), repeat=20)

        from astropy.coordinates import solar_system_ephemeris
        from astropy.time import Time
        from sunpy.coordinates import get_body_heliographic_stonyhurst

        from propagation.ephemerides import de421_path

        when = Time(T_PSP, format="unix")
        with solar_system_ephemeris.set(de421_path()):
            def sunpy_planets():
                for name in PLANETS:
                    get_body_heliographic_stonyhurst(name, when)

            sunpy_planets()
            base = best_of(sunpy_planets, repeat=5)
            ours_planets = best_of(lambda: positions(PLANETS, t), repeat=20)
    finally:
        if old is None:
            os.environ.pop("STORMS_EPHEMERIS_DIR", None)
        else:
            os.environ["STORMS_EPHEMERIS_DIR"] = old
    return [
        row(f"one event to all {len(usable)} bodies with ephemerides, HEEQ (warm)", ours, "s",
            base),
        row(f"{len(PLANETS)} planets+Moon at one time, HEEQ (warm)", ours_planets, "s", base),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)

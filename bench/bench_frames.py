"""Frame transforms of long series (issue 7): 10^6 samples HEE -> HCI (positions) and
GSE -> GSM (vectors) with propagation.geo_frames, beside the same transforms done by
astropy/sunpy SkyCoord in the same run (ratio = ours / SkyCoord; < 1 is faster). SkyCoord
takes minutes for 10^6 samples (220 s and 580 s measured once), so it is timed on the
first SUBSET samples and scaled linearly to 10^6 (the row says so;
``STORMS_BENCH_SKYCOORD_N=1000000`` times SkyCoord on all of them). Also the agreement with
SkyCoord on those points: relative, as the HCI pole sunpy builds is rounded by ~1e-7 rad
and its GSM carries annual aberration (~1e-4), see tests/propagation."""

from __future__ import annotations

import os
import time
from pathlib import Path
from tempfile import mkdtemp

import numpy as np

from bench.common import row

N = 1_000_000
SUBSET = min(N, int(os.environ.get("STORMS_BENCH_SKYCOORD_N", "50000")))
T0 = 1_704_067_200.0  # 2024-01-01
T = T0 + np.arange(N) * 60.0  # 1-min cadence, 1.9 years


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _skycoord(xyz, src, dst):
    import astropy.units as u
    from astropy.coordinates import CartesianRepresentation, SkyCoord
    from astropy.time import Time

    obst = Time(T[:len(xyz)], format="unix")
    c = SkyCoord(CartesianRepresentation(xyz.T * u.km), frame=src(obstime=obst))
    return c.transform_to(dst(obstime=obst)).cartesian.xyz.to_value(u.km).T


def run_transforms() -> list[dict]:
    from storms.config import prepare_offline_science_stack

    prepare_offline_science_stack(Path(mkdtemp(prefix="storms-bench-")))
    from astropy.coordinates import solar_system_ephemeris
    from sunpy.coordinates import frames

    from propagation import geo_frames
    from propagation.ephemerides import de421_path

    rng = np.random.default_rng(7)
    pos = rng.normal(scale=1.5e8, size=(N, 3))
    vec = rng.normal(scale=5.0, size=(N, 3))
    rows = []
    with solar_system_ephemeris.set(de421_path()):  # the same Earth on both sides
        ours_s, ours = _timed(lambda: geo_frames.transform_series(T, pos, "HEE", "HCI"))
        ref_s, ref = _timed(lambda: _skycoord(pos[:SUBSET], frames.HeliocentricEarthEcliptic,
                                              frames.HeliocentricInertial))
        rel = np.linalg.norm(ours[:SUBSET] - ref, axis=1) / np.linalg.norm(ref, axis=1)
        rows += [row(f"HEE->HCI positions, 1e6 (SkyCoord: {SUBSET} x {N // SUBSET})", ours_s,
                     "s", ref_s * N / SUBSET),
                 row("HEE->HCI max relative difference to SkyCoord", float(rel.max()), "")]
        ours_s, ours = _timed(lambda: geo_frames.transform_series(
            T, vec, "GSE", "GSM", kind="vector", magnetic_model="igrf13"))
        scale = 1e6  # vectors through SkyCoord: the difference of two far-apart points

        def sky():
            cls = frames.GeocentricSolarMagnetospheric
            part = vec[:SUBSET]
            return (_skycoord(part * scale, frames.GeocentricSolarEcliptic,
                              lambda obstime: cls(obstime=obstime, magnetic_model="igrf13"))
                    - _skycoord(np.zeros_like(part), frames.GeocentricSolarEcliptic,
                                lambda obstime: cls(obstime=obstime,
                                                    magnetic_model="igrf13"))) / scale

        ref_s, ref = _timed(sky)
        rel = np.abs(ours[:SUBSET] - ref).max() / np.linalg.norm(vec, axis=1).max()
        rows += [row(f"GSE->GSM vectors, 1e6 (SkyCoord: {SUBSET} x {N // SUBSET})", ours_s,
                     "s", ref_s * N / SUBSET),
                 row("GSE->GSM max relative difference to sunpy (aberration)", float(rel),
                     "")]
    return rows


def run_file() -> list[dict]:
    """A 10^6-row CSV through storms.transform (read, check, GSE -> GSM, write CSV), beside
    pandas reading and writing the same file (the floor for any CSV service)."""
    import io

    import pandas as pd

    from ingest.vector_files import VectorSeries, write_series
    from storms.transform import transform_file, write_result

    rng = np.random.default_rng(11)
    series = VectorSeries(T, rng.normal(scale=5.0, size=(N, 3)), ("bx", "by", "bz"), "nT",
                          "GSE", "vector", "time", np.arange(N), "bench.csv")
    data = write_series(series, "csv", frame="GSE", kind="vector")
    ours_s, _ = _timed(lambda: write_result(transform_file(data, "bench.csv", "GSM"), "csv"))

    def floor():
        frame = pd.read_csv(io.BytesIO(data), comment="#")
        return frame.to_csv(index=False)

    base_s, _ = _timed(floor)
    return [row(f"CSV file {len(data) / 1e6:.0f} MB, 1e6 rows GSE->GSM (pandas read+write)",
                ours_s, "s", base_s)]


def run() -> list[dict]:
    return run_transforms() + run_file()

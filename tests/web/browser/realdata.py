"""The real files of ../shared/data that the browser tests (and `storms demo`) load."""

from __future__ import annotations

from pathlib import Path

#: Files relative to ../shared/data, in loading order; the kind is detected from content.
REAL_FILES = [
    "swpc/plasma-7-day_2026-04-11_to_2026-04-18.json",
    "swpc/mag-7-day_2026-04-11_to_2026-04-18.json",
    "swpc/rtsw_mag_1m.json",
    "swpc/differential-protons-1-day.json",
    "swpc/xrays-1-day.json",
    "indices/Kp_ap_Ap_SN_F107_nowcast.txt",
    "donki/CME_2024-05-01_2024-05-31.json",
    "donki/IPS_2024-05-01_2024-05-31.json",
    "donki/FLR_2024-05-01_2024-05-31.json",
    "donki/GST_2024-05-01_2024-05-31.json",
    "donki/SEP_2024-05-01_2024-05-31.json",
    "donki/HSS_2024-05-01_2024-05-31.json",
    "catalogs/HELIO4CAST_ICMECAT_v23.csv",
    "omni/omni2_2020_excerpt.dat",
    "climso/20181209_180305_kcor_l1.5_rebinned.fits",
    "climso/cor1_20090615_000500_s4c1A.fts",
    "climso/lasco_c2_25299383_s.fts",
]


def load_real_data(factory, settings, shared_dir: Path) -> list:
    """Ingest every file of :data:`REAL_FILES` present under ``shared_dir``; the reports."""
    from ingest.pipeline import ingest_path

    reports = []
    for rel in REAL_FILES:
        path = shared_dir / rel
        if path.exists():
            reports.append(ingest_path(factory, settings, path))
    return reports

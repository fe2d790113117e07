"""Configuration from environment variables, with safe defaults.

Nothing here touches the network or the disk at import time; call
:func:`load` to read the environment and :func:`prepare_offline_science_stack`
once at start-up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SOURCE_URLS = {
    "swpc_plasma": "https://services.swpc.noaa.gov/products/solar-wind/plasma-7-day.json",
    "swpc_mag": "https://services.swpc.noaa.gov/products/solar-wind/mag-7-day.json",
    "swpc_rtsw_mag": "https://services.swpc.noaa.gov/json/rtsw/rtsw_mag_1m.json",
    "swpc_rtsw_wind": "https://services.swpc.noaa.gov/json/rtsw/rtsw_wind_1m.json",
    "omni2": "https://spdf.gsfc.nasa.gov/pub/data/omni/low_res_omni/omni2_{year}.dat",
    "omni_hro_1min": "https://spdf.gsfc.nasa.gov/pub/data/omni/high_res_omni/omni_min{year}.asc",
    "donki": "https://kauai.ccmc.gsfc.nasa.gov/DONKI/WS/get/{kind}",
    "gfz_kp": "https://kp.gfz-potsdam.de/app/files/Kp_ap_Ap_SN_F107_nowcast.txt",
    "celestrak_sw": "https://celestrak.org/SpaceData/SW-Last5Years.txt",
    "icmecat": "https://helioforecast.space/static/sync/icmecat/HELIO4CAST_ICMECAT_v23.csv",
    # an HTML directory index (Apache/nginx style) of CLIMSO imoa_*.fts.bz2 files; the path
    # on the CLIMSO server is an assumption: set STORMS_URL_CLIMSO_ARCHIVE to the real one
    "climso_archive": "https://climso.irap.omp.eu/data/",
}
#: ``STORMS_URL_<KEY>`` set to one of these switches that source off (its jobs skip it)
DISABLED_URL = ("off", "none", "disabled")


@dataclass(frozen=True)
class Settings:
    """Settings read from ``STORMS_*`` environment variables."""

    data_dir: Path
    database_url: str
    api_token: str | None
    ephemeris_dir: Path | None
    source_urls: dict[str, str] = field(default_factory=dict)
    http_timeout_s: float = 30.0
    http_retries: int = 3
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "storms@localhost"
    proxy_hops: int = 0  # reverse proxies in front that set X-Forwarded-* (trusted)
    jobs: str | None = None  # STORMS_JOBS: "name[:seconds],..." to run only those jobs
    lease_ttl_s: float = 120.0  # scheduler lease; a dead holder is replaced after this
    raw_retention_days: float = 30.0  # raw/ and quarantine/ files older than this go
    keep_raw: bool = False  # keep a gzip copy of every new fetched file under raw/
    climso_max_files: int = 50  # new CLIMSO files ingested per archive scan

    @property
    def quarantine_dir(self) -> Path:
        """Files refused by ingest are kept here with their reason."""
        return self.data_dir / "quarantine"

    @property
    def files_dir(self) -> Path:
        """Kept files (FITS for download, previews)."""
        return self.data_dir / "files"

    @property
    def raw_dir(self) -> Path:
        """Copies of fetched source files (``STORMS_KEEP_RAW``), pruned by the retention
        job."""
        return self.data_dir / "raw"


def load(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default ``os.environ``)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("STORMS_DATA_DIR", Path.cwd() / "var")).resolve()
    db_url = env.get("STORMS_DATABASE_URL") or f"sqlite:///{data_dir / 'storms.sqlite'}"
    urls = dict(DEFAULT_SOURCE_URLS)
    for key in urls:
        override = env.get(f"STORMS_URL_{key.upper()}")
        if override:
            urls[key] = "" if override.strip().lower() in DISABLED_URL else override
    eph = env.get("STORMS_EPHEMERIS_DIR")
    return Settings(
        data_dir=data_dir,
        database_url=db_url,
        api_token=env.get("STORMS_API_TOKEN") or None,
        ephemeris_dir=Path(eph) if eph else None,
        source_urls=urls,
        http_timeout_s=float(env.get("STORMS_HTTP_TIMEOUT", "30")),
        http_retries=int(env.get("STORMS_HTTP_RETRIES", "3")),
        smtp_host=env.get("STORMS_SMTP_HOST") or None,
        smtp_port=int(env.get("STORMS_SMTP_PORT", "25")),
        smtp_from=env.get("STORMS_SMTP_FROM", "storms@localhost"),
        proxy_hops=int(env.get("STORMS_PROXY_HOPS", "0")),
        jobs=env.get("STORMS_JOBS") or None,
        lease_ttl_s=float(env.get("STORMS_LEASE_TTL", "120")),
        raw_retention_days=float(env.get("STORMS_RAW_RETENTION_DAYS", "30")),
        keep_raw=env.get("STORMS_KEEP_RAW", "").strip().lower() in ("1", "true", "yes", "on"),
        climso_max_files=int(env.get("STORMS_CLIMSO_MAX_FILES", "50")),
    )


def prepare_offline_science_stack(data_dir: Path) -> None:
    """Make astropy, sunpy and spacepy work with no network and a read-only HOME.

    Must run before sunpy or spacepy is imported (they write config dirs on import).
    """
    cfg = data_dir / "config"
    for sub in ("sunpy", "spacepy", "cache"):
        (cfg / sub).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SUNPY_CONFIGDIR", str(cfg / "sunpy"))
    os.environ.setdefault("XDG_CACHE_HOME", str(cfg / "cache"))
    os.environ.setdefault("SPACEPY", str(cfg / "spacepy"))
    sunpyrc = cfg / "sunpy" / "sunpyrc"
    if not sunpyrc.exists():
        sunpyrc.write_text(f"[general]\nworking_dir = {cfg / 'sunpy'}\n")
    from astropy.utils import iers

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None

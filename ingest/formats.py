"""The registry of formats: kind name -> parser, plus content sniffing.

A parser is ``parse(data: bytes, name: str) -> ParseResult``, raising
:class:`ingest.base.IngestError` for a file it refuses. A sniffer is
``sniff(head: bytes, name: str) -> bool`` on the first 64 KiB. To add a format,
write ``ingest/<source>.py`` with both and add one line to ``FORMATS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ingest.base import IngestError, ParseResult

Parser = Callable[[bytes, str], ParseResult]
Sniffer = Callable[[bytes, str], bool]


@dataclass(frozen=True)
class Format:
    kind: str
    module: str
    parser: str
    sniffer: str
    description: str

    def load_parser(self) -> Parser:
        return getattr(importlib.import_module(self.module), self.parser)

    def load_sniffer(self) -> Sniffer:
        return getattr(importlib.import_module(self.module), self.sniffer)


FORMATS: tuple[Format, ...] = (
    Format("swpc-products", "ingest.swpc", "parse_products", "sniff_products",
           "NOAA SWPC products/solar-wind plasma-*/mag-* JSON (array of arrays)"),
    Format("swpc-rtsw", "ingest.swpc", "parse_rtsw", "sniff_rtsw",
           "NOAA SWPC json/rtsw rtsw_mag_1m / rtsw_wind_1m (objects, ACE+DSCOVR)"),
    Format("swpc-goes", "ingest.swpc", "parse_goes", "sniff_goes",
           "NOAA SWPC json/goes X-ray flux and differential protons"),
    Format("omni2", "ingest.omni", "parse_omni2", "sniff_omni2",
           "NASA OMNI2 hourly ASCII, 55 or 57 words"),
    Format("omni-hro", "ingest.omni", "parse_hro", "sniff_hro",
           "NASA OMNI HRO 1-min / 5-min ASCII"),
    Format("gfz-kp", "ingest.indices", "parse_gfz_kp", "sniff_gfz_kp",
           "GFZ Potsdam Kp/ap/Ap/SN/F10.7 text"),
    Format("celestrak-sw", "ingest.indices", "parse_celestrak", "sniff_celestrak",
           "CelesTrak SW-Last5Years / SW-All (CSSI)"),
    Format("cdf", "ingest.cdf", "parse_cdf", "sniff_cdf",
           "ISTP CDF (ACE, Wind, PSP, Solar Orbiter)"),
    Format("donki", "ingest.donki", "parse_donki", "sniff_donki",
           "NASA CCMC DONKI JSON (CME, FLR, SEP, IPS, GST, HSS, MPC, RBE, notifications)"),
    Format("fits", "ingest.fits", "parse_fits", "sniff_fits",
           "Solar FITS images (CLIMSO imoa_*.fts[.bz2], coronagraphs)"),
    Format("icmecat", "ingest.icmecat", "parse_icmecat", "sniff_icmecat",
           "HELIO4CAST ICMECAT CSV"),
)

BY_KIND = {f.kind: f for f in FORMATS}


def get_format(kind: str) -> Format:
    try:
        return BY_KIND[kind]
    except KeyError:
        known = ", ".join(sorted(BY_KIND))
        raise IngestError(kind, f"unknown kind {kind!r}; known kinds: {known}") from None


def detect_kind(data: bytes, name: str) -> str:
    """Find the format of ``data`` from its content (and name as a hint)."""
    head = data[:65536]
    for fmt in FORMATS:
        try:
            sniff = fmt.load_sniffer()
        except (ImportError, AttributeError):
            continue
        if sniff(head, name):
            return fmt.kind
    raise IngestError(name, "format not recognised; give the KIND explicitly")

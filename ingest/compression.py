"""gzip and bzip2 files undone by their magic number, with an optional bound on the size of
what comes out (an upload of a few MB must not become gigabytes in memory)."""

from __future__ import annotations

import bz2
import re
import zlib
from collections.abc import Callable
from typing import Any


class CompressionError(ValueError):
    """Compressed data that is corrupt, truncated or too large once decompressed."""


def is_compressed(data: bytes) -> bool:
    """True for gzip (``1f 8b``) or bzip2 (``BZh``) data."""
    return data[:2] == b"\x1f\x8b" or data[:3] == b"BZh"


def _members(data: bytes, make: Callable[[], Any], what: str,
             max_bytes: int | None) -> bytes:
    """Every member of a multi-member stream, stopping once ``max_bytes`` is passed."""
    out: list[bytes] = []
    size = 0
    while data:
        d = make()
        room = 0 if max_bytes is None else max_bytes + 1 - size
        try:
            chunk = d.decompress(data, room) if room else d.decompress(data)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            raise CompressionError(f"corrupt {what} data: {exc}") from None
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise CompressionError(f"more than {max_bytes // 2**20} MiB once decompressed")
        out.append(chunk)
        if not d.eof:
            raise CompressionError(f"corrupt {what} data: it ends before its end marker "
                                   "(truncated)")
        data = d.unused_data.lstrip(b"\x00")  # the next member; zero padding ends it
    return b"".join(out)


def decompress(data: bytes, name: str, max_bytes: int | None = None) -> tuple[bytes, str]:
    """Undo bzip2 or gzip (by magic number); the name loses its ``.bz2``/``.gz`` suffix.
    Data that is neither comes back as it is. :class:`CompressionError` if corrupt or
    larger than ``max_bytes`` once decompressed."""
    if data[:3] == b"BZh":
        return (_members(data, bz2.BZ2Decompressor, "bzip2", max_bytes),
                re.sub(r"\.bz2$", "", name))
    if data[:2] == b"\x1f\x8b":
        return (_members(data, lambda: zlib.decompressobj(wbits=31), "gzip", max_bytes),
                re.sub(r"\.gz$", "", name))
    return data, name

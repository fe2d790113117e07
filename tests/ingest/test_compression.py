"""ingest.compression: gzip and bzip2 undone by magic number, against the standard library's
own one-shot functions, with the size bound and truncation named."""

from __future__ import annotations

import bz2
import gzip

import pytest

from ingest.compression import CompressionError, decompress, is_compressed

TEXT = b"time,x,y,z\n" + b"2024-01-01T00:00Z,1,2,3\n" * 5000


@pytest.mark.parametrize("pack, name, inner", [
    (gzip.compress, "b.csv.gz", "b.csv"), (bz2.compress, "b.csv.bz2", "b.csv")])
def test_round_trip_and_name(pack, name, inner):
    packed = pack(TEXT)
    assert is_compressed(packed) and not is_compressed(TEXT)
    assert decompress(packed, name) == (TEXT, inner)
    assert decompress(packed, name, max_bytes=len(TEXT)) == (TEXT, inner)  # exactly at it
    assert decompress(TEXT, "b.csv") == (TEXT, "b.csv")  # plain data passes


def test_multi_member_streams_and_zero_padding_as_gzip_reads_them():
    packed = gzip.compress(TEXT[:100]) + gzip.compress(TEXT[100:]) + b"\x00" * 8
    assert decompress(packed, "x.gz")[0] == gzip.decompress(packed) == TEXT
    two_bz2 = bz2.compress(TEXT[:100]) + bz2.compress(TEXT[100:])
    assert decompress(two_bz2, "x.bz2")[0] == bz2.decompress(two_bz2) == TEXT


def test_a_bomb_stops_at_the_bound():
    bomb = gzip.compress(b"\x00" * (64 << 20))  # 64 MiB of zeros in ~64 kB
    assert len(bomb) < 100_000
    with pytest.raises(CompressionError, match="more than 1 MiB once decompressed"):
        decompress(bomb, "bomb.gz", max_bytes=1 << 20)
    with pytest.raises(CompressionError, match="more than 1 MiB"):
        decompress(bz2.compress(b"\x00" * (8 << 20)), "bomb.bz2", max_bytes=1 << 20)


@pytest.mark.parametrize("pack, what", [(gzip.compress, "gzip"), (bz2.compress, "bzip2")])
def test_truncated_and_corrupt_data_are_named(pack, what):
    packed = pack(TEXT)
    with pytest.raises(CompressionError, match=f"corrupt {what} data: .*truncated"):
        decompress(packed[: len(packed) // 2], "cut")
    with pytest.raises(CompressionError, match=f"corrupt {what} data"):
        decompress(packed[:10] + b"garbage" * 20, "bad")

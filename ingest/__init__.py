"""Parsers and fetchers for the real space-weather formats, one module per source.

Each format module has ``parse_*`` (pure: bytes/path in, :class:`ingest.base.ParseResult`
out) and ``fetch_*`` (network, via :mod:`ingest.http`). :mod:`ingest.pipeline` writes a
parse result to the store in one transaction per file.
"""

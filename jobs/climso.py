"""The CLIMSO archive scan: list the archive's HTML directory index (and its sub-folders),
fetch the FITS files not ingested yet, newest first, through the FITS ingest pipeline."""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from ingest.archive import Entry, list_files
from ingest.fits import fetch_climso
from ingest.http import FetchError, record_status
from ingest.pipeline import ingest_bytes
from storms import app_context
from storms import models as m

from .tasks import JobFailed, JobResult

FITS_FILE = re.compile(r"\.(?:fts|fits|fit)(?:\.bz2|\.gz)?$", re.IGNORECASE)
_STAMP = re.compile(r"(?<!\d)((?:19|20)\d\d[01]\d[0-3]\d)(?:[_T-]?(\d{4,8}))?(?!\d)")
CHUNK = 200


def newest_first(entries: list[Entry]) -> list[Entry]:
    """By the date and time in the name (``imoa_…_20240313_09472619_…``), then the name."""
    def key(e: Entry) -> tuple[str, str]:
        found = _STAMP.search(e.name)
        return ((found.group(1) + (found.group(2) or "")) if found else "", e.name)

    return sorted(entries, key=key, reverse=True)


def not_ingested(ctx: app_context.Context, entries: list[Entry]) -> list[Entry]:
    """The entries with no provenance row yet, by URL or by file name (the same file
    ingested from elsewhere); a refused file counts as seen (it is in quarantine and is
    not fetched again every hour). Same bytes under another name are caught by the
    pipeline's checksum."""
    seen_urls: set[str] = set()
    seen_names: set[str] = set()
    with ctx.factory() as session:
        for i in range(0, len(entries), CHUNK):
            chunk = entries[i:i + CHUNK]
            seen_urls |= set(session.scalars(select(m.SourceFile.location).where(
                m.SourceFile.location.in_([e.url for e in chunk]))))
            rest = [e.name for e in chunk if e.url not in seen_urls]
            if rest:
                rows = session.scalars(select(m.SourceFile.location).where(or_(
                    *[m.SourceFile.location.endswith("/" + n, autoescape=True)
                      for n in rest])))
                seen_names |= {loc.rsplit("/", 1)[-1] for loc in rows}
    return [e for e in entries if e.url not in seen_urls and e.name not in seen_names]


def scan_climso_archive(ctx: app_context.Context) -> JobResult:
    s = ctx.settings
    base = s.source_urls.get("climso_archive", "")
    if not base:
        return JobResult(0, "CLIMSO archive switched off (STORMS_URL_CLIMSO_ARCHIVE=off)")
    listed = list_files(base, FITS_FILE, timeout_s=s.http_timeout_s, retries=s.http_retries,
                        factory=ctx.factory)
    new = not_ingested(ctx, newest_first(listed))
    todo = new[:max(0, s.climso_max_files)]
    written, failures, fetch_failures = 0, [], []
    for entry in todo:
        try:
            data = fetch_climso(entry.url, s)
        except FetchError as exc:  # retried with backoff already; tried again next scan
            fetch_failures.append(str(exc))
            continue
        report = ingest_bytes(ctx.factory, s, data, entry.url, "fits")
        if report.status == "refused":  # quarantined; not fetched again
            failures.append(f"{entry.name}: refused: {'; '.join(report.errors)}")
        else:
            written += report.added + report.updated
    if fetch_failures:  # the archive answers its index but not (all) its files
        record_status(ctx.factory, base, ok=False,
                      message=f"{len(fetch_failures)} of {len(todo)} files failed: "
                              + " | ".join(fetch_failures[:3]))
    failures += fetch_failures
    left = len(new) - len(todo)
    note = (f"{len(listed)} files listed, {len(new)} new, {len(todo) - len(failures)} "
            f"ingested" + (f", {left} left for the next scans" if left else ""))
    if failures:
        raise JobFailed(f"{note}; {len(failures)} failed: " + " | ".join(failures[:10]),
                        written)
    return JobResult(written, note)

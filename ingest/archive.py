"""Directory listings of HTTP archives: the HTML index pages Apache (``mod_autoindex``),
nginx (``autoindex``) and lighttpd write for a folder, read as (name, URL, is folder).

Only links that lead *below* the listed folder are kept: the parent link, the column
sorting links (``?C=N;O=D``), anchors and links to other sites are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from ingest.http import FetchError, fetch


@dataclass(frozen=True)
class Entry:
    name: str  # the last path segment, unquoted ("2024/" -> "2024")
    url: str  # absolute
    is_dir: bool


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href.strip())


def parse_index(html: str | bytes, base_url: str) -> list[Entry]:
    """The entries of one index page, in page order, each once.

    ``base_url`` is the URL the page was fetched from (a folder URL gets its trailing
    ``/`` added, as a browser would after the server's redirect).
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not base_url.endswith("/"):
        base_url += "/"
    base = urlsplit(base_url)
    parser = _Links()
    parser.feed(html)
    out: list[Entry] = []
    seen: set[str] = set()
    for href in parser.hrefs:
        if href.startswith(("?", "#", "mailto:", "javascript:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.query or (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            continue
        if not parts.path.startswith(base.path) or len(parts.path) <= len(base.path):
            continue  # the parent folder, the folder itself, elsewhere on the site
        rest = parts.path[len(base.path):]
        is_dir = rest.endswith("/")
        if "/" in rest.rstrip("/"):
            continue  # deeper than one level: not an entry of this folder
        name = unquote(rest.rstrip("/"))
        if not name or name in (".", "..") or url in seen:
            continue
        seen.add(url)
        out.append(Entry(name, url, is_dir))
    return out


def list_files(url: str, pattern: re.Pattern[str], *, depth: int = 2, max_listings: int = 40,
               timeout_s: float = 30.0, retries: int = 3, backoff_s: float = 1.0,
               factory=None) -> list[Entry]:
    """Files whose name matches ``pattern`` in the folder at ``url`` and in its
    sub-folders down to ``depth`` levels, read newest first (folders in reverse name
    order, depth first: ``2026/`` then ``2026/11/`` …), at most ``max_listings`` index
    pages. The top page failing raises :class:`FetchError` (and, with ``factory``, is
    recorded as the source status); a failing sub-folder is skipped."""
    files: list[Entry] = []
    stack: list[tuple[str, int]] = [(url, 0)]
    fetched = 0
    while stack and fetched < max_listings:
        folder, level = stack.pop(0)
        try:
            page = fetch(folder, timeout_s, retries, backoff_s,
                         factory=factory if level == 0 else None)
        except FetchError:
            if level == 0:
                raise
            continue
        fetched += 1
        entries = parse_index(page, folder)
        files += [e for e in entries if not e.is_dir and pattern.search(e.name)]
        if level < depth:
            subdirs = sorted((e for e in entries if e.is_dir), key=lambda e: e.name,
                             reverse=True)
            stack[:0] = [(e.url, level + 1) for e in subdirs]
    return files

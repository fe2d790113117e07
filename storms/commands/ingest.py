"""``storms ingest [KIND] PATH_OR_URL [--json]``."""

from __future__ import annotations

import sys

import click

from storms import app_context


def _progress_factory(enabled: bool):
    def make(total: int, label: str):
        if not enabled or total < 20_000:
            return None
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit="rec", unit_scale=True, file=sys.stderr)

        def update(n: int) -> None:
            bar.update(n)
            if bar.n >= total:
                bar.close()

        return update

    return make


@click.command()
@click.argument("args", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line per file.")
@click.option("--force", is_flag=True, help="Re-read a file already ingested unchanged.")
def ingest(args: tuple[str, ...], as_json: bool, force: bool) -> None:
    """Ingest a file or URL: storms ingest [KIND] PATH_OR_URL.

    KIND is detected from the content when left out; `storms ingest --help-kinds`
    lists them. Exit status 1 when the file is refused.
    """
    from ingest.formats import FORMATS
    from ingest.http import FetchError, fetch
    from ingest.pipeline import IngestReport, ingest_bytes, ingest_path

    if len(args) > 2:
        raise click.UsageError("give at most KIND and one PATH_OR_URL")
    kind, target = (args[0], args[1]) if len(args) == 2 else (None, args[0])
    known = {f.kind for f in FORMATS} | {"hapi"}
    if kind is not None and kind not in known:
        raise click.UsageError(f"unknown KIND {kind!r}; known: {', '.join(sorted(known))}")
    ctx = app_context.default()
    progress = _progress_factory(sys.stderr.isatty() and not as_json)
    if kind == "hapi" or target.startswith("hapi+"):
        from amda_bridge.hapi_client import ingest_hapi

        report = ingest_hapi(ctx, target.removeprefix("hapi+"))
    elif target.startswith(("http://", "https://")):
        try:
            data = fetch(target, ctx.settings.http_timeout_s, ctx.settings.http_retries,
                         factory=ctx.factory)
        except FetchError as exc:
            report = IngestReport(kind=kind, file=target, status="refused", errors=[str(exc)])
        else:
            report = ingest_bytes(ctx.factory, ctx.settings, data, target, kind, force, progress)
    else:
        report = ingest_path(ctx.factory, ctx.settings, target, kind, force, progress)
    if as_json:
        click.echo(report.to_json())
    else:
        click.echo(
            f"{report.file}: {report.status} kind={report.kind} dataset={report.dataset} "
            f"added={report.added} updated={report.updated} rejected={report.rejected}"
        )
        for err in report.errors[:20]:
            click.echo(f"  {err}", err=True)
    if report.status == "refused":
        sys.exit(1)

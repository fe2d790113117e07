"""``storms serve``: the web service (pages, REST API, HAPI) and the scheduled jobs."""

import click

from storms import app_context


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-jobs", is_flag=True, help="Do not start the scheduled jobs.")
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, no_jobs: bool, threads: int) -> None:
    """Start the service on http://HOST:PORT."""
    from web import create_app

    ctx = app_context.default()
    app = create_app(context=ctx, start_jobs=not no_jobs)
    try:
        from waitress import serve as waitress_serve
    except ImportError:  # pragma: no cover - waitress is in requirements
        app.run(host=host, port=port, threaded=True)
        return
    click.echo(f"Storms serving on http://{host}:{port}")
    # waitress spools a response buffer over 1 MB (its default) to a temporary file; 4 MB
    # in memory, with the application paused at 4 MB, halves the time of a year of HAPI
    # binary and keeps the server under 200 MB
    waitress_serve(app, host=host, port=port, threads=threads, ident="storms",
                   outbuf_overflow=4 * 1024 * 1024, outbuf_high_watermark=4 * 1024 * 1024)

"""``storms serve``: the web service (pages, REST API, HAPI, TAP) and the scheduled jobs."""

import click

from storms import app_context


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-jobs", is_flag=True, help="Do not start the scheduled jobs.")
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes (on PostgreSQL; run the jobs apart with "
                   "`storms jobs run` and --no-jobs here).")
@click.option("--server", type=click.Choice(["gunicorn", "waitress"]), default="gunicorn",
              show_default=True, help="gunicorn (one process, threads) or waitress.")
def serve(host: str, port: int, no_jobs: bool, threads: int, workers: int,
          server: str) -> None:
    """Start the service on http://HOST:PORT."""
    from web import create_app

    def make_app():
        return create_app(context=app_context.default(), start_jobs=not no_jobs)

    click.echo(f"Storms serving on http://{host}:{port}")
    if server == "gunicorn":
        try:
            _gunicorn(make_app, host, port, threads, workers)
            return
        except ImportError:  # pragma: no cover - gunicorn is in requirements
            pass
    from waitress import serve as waitress_serve

    app = make_app()
    # waitress spools a response buffer over 1 MB (its default) to a temporary file; 4 MB
    # in memory, with the application paused at 4 MB, keeps big HAPI responses fast
    waitress_serve(app, host=host, port=port, threads=threads, ident="storms",
                   outbuf_overflow=4 * 1024 * 1024, outbuf_high_watermark=4 * 1024 * 1024)


def _gunicorn(make_app, host: str, port: int, threads: int, workers: int = 1) -> None:
    """gunicorn worker processes with threads; the app, its database connections and its
    scheduler are created in each worker, after the fork (nothing shared with the arbiter;
    with several workers the database lease lets one scheduler run). Streamed bodies go to
    the socket chunk by chunk with sendall. The Server header says "storms", no version."""
    import gunicorn.http.wsgi
    from gunicorn.app.base import BaseApplication

    gunicorn.http.wsgi.SERVER = "storms"  # type: ignore[attr-defined]

    class Application(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "timeout": 120,
                               "accesslog": None, "errorlog": "-", "loglevel": "warning",
                               "preload_app": False}.items():
                self.cfg.set(key, value)

        def load(self):
            return make_app()

    Application().run()

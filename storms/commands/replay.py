"""``storms replay``: serve real files (``../shared/data``) at the paths of the default
source URLs, so that ``storms serve`` / ``storms jobs run`` work on real data offline."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_ROOT = Path("..") / "shared" / "data"


@click.group()
def replay() -> None:
    """Replay real source files over local HTTP (demo, tests)."""


def _root(root: Path) -> Path:
    if not root.is_dir():
        raise click.ClickException(f"{root}: no such folder (the real files, e.g. "
                                   f"../shared/data)")
    return root.resolve()


@replay.command("serve")
@click.option("--root", type=click.Path(path_type=Path), default=DEFAULT_ROOT,
              show_default=True, help="Folder of the real files (swpc/, donki/, …).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int, help="0: any free port.")
@click.option("--live-from", metavar="ISO",
              help="Shift the SWPC real-time files so that this time is now, and serve "
                   "only the records up to the present (e.g. 2026-04-18T03:50).")
@click.option("--env-file", type=click.Path(path_type=Path),
              help="Also write the `export STORMS_URL_…` lines to this file.")
def replay_serve(root: Path, host: str, port: int, live_from: str | None,
                 env_file: Path | None) -> None:
    """Serve ROOT until stopped; prints the environment that points Storms at it."""
    from storms.replay import ReplayServer, shell_lines

    try:
        server = ReplayServer(_root(root), host, port, live_from)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--live-from") from None
    lines = shell_lines(server.environment())
    if env_file:
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.write_text(lines)
    click.echo(f"# replaying {server.root} on {server.url}"
               + (f", SWPC live from {live_from}" if live_from else ""))
    click.echo(lines, nl=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


@replay.command("env")
@click.option("--root", type=click.Path(path_type=Path), default=DEFAULT_ROOT,
              show_default=True)
@click.option("--url", "base_url", default="http://127.0.0.1:8765", show_default=True,
              help="Where `storms replay serve` listens.")
def replay_env(root: Path, base_url: str) -> None:
    """Print the `export STORMS_URL_…` lines for a replay server (for `eval`)."""
    from storms.replay import environment, shell_lines

    click.echo(shell_lines(environment(base_url, _root(root))), nl=False)

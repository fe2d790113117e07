"""``storms transform``: a file of positions or vectors in another frame (TREPS-like)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import click

FRAMES_HELP = ("HEE, HEEQ (=HGS), HCI, HGC, HAE, ICRS (=J2000), GSE, GSM, SM, GEI, GEO, MAG, "
               "or RTN (with --body or --trajectory).")
_SUFFIX = {".csv": "csv", ".txt": "csv", ".xml": "votable", ".vot": "votable",
           ".votable": "votable", ".cdf": "cdf"}


@click.command()
@click.argument("infile", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--from", "from_frame", help="Frame of the file (default: what the file says). "
              + FRAMES_HELP)
@click.option("--to", "to_frame", required=True, help="Frame wanted. " + FRAMES_HELP)
@click.option("--kind", type=click.Choice(["position", "vector"]),
              help="Positions also change origin; vectors only rotate (default: from the "
                   "file's unit or names).")
@click.option("--body", help="Spacecraft or planet whose RTN is meant (ephemerides of "
              "$STORMS_EPHEMERIS_DIR, DE421).")
@click.option("--trajectory", type=click.Path(dir_okay=False, exists=True),
              help="File of the spacecraft's positions (any frame the file names) for RTN, "
                   "instead of --body.")
@click.option("--trajectory-columns", help="Or three position columns of INFILE itself "
              "(x_hee,y_hee,z_hee), comma-separated, for RTN.")
@click.option("--trajectory-frame", help="Frame of the trajectory positions when their file "
              "or column names do not say it.")
@click.option("-o", "--output", "outfile", type=click.Path(dir_okay=False, allow_dash=True),
              default="-", show_default=True,
              help="Output file ('-' = standard output; a name ending .gz is compressed).")
@click.option("--format", "out_format", type=click.Choice(["csv", "votable", "cdf"]),
              help="Output format (default: from the output suffix, else CSV).")
@click.option("--in-format", type=click.Choice(["csv", "votable", "cdf"]),
              help="Input format (default: detected).")
@click.option("--time-column", help="Name of the time column (default: detected).")
@click.option("--columns", help="The three component columns, comma-separated, or one CDF "
              "variable (default: detected).")
@click.option("--unit", help="Unit of the components when the file does not give it "
              "(km, AU, earthRad, nT...).")
@click.option("--out-unit", help="Unit of the output components (positions: km by default, "
              "or AU, earthRad, solRad...; vectors: the file's unit, or e.g. G).")
@click.option("--magnetic-model", default="igrf14", show_default=True,
              type=click.Choice(["igrf14", "igrf13"]), help="IGRF generation for GSM, SM, MAG.")
def transform(infile: str, from_frame: str | None, to_frame: str, kind: str | None,
              body: str | None, trajectory: str | None, trajectory_columns: str | None,
              trajectory_frame: str | None, outfile: str,
              out_format: str | None, in_format: str | None,
              time_column: str | None, columns: str | None, unit: str | None,
              out_unit: str | None, magnetic_model: str) -> None:
    """Transform the time series of INFILE (CSV, VOTable or CDF, gzip or bzip2 too) to
    another frame; an output name ending in .gz is written gzip-compressed.

    \b
    storms transform ac_k2_mfi.cdf --columns BGSEc --to GSM -o b_gsm.csv
    storms transform psp_b_rtn.cdf --to HEEQ --body PSP -o b_heeq.cdf
    storms transform b_rtn.csv --to GSE --trajectory solo_hee.csv -o b_gse.csv
    """
    from storms import config

    config.prepare_offline_science_stack(config.load().data_dir)
    from storms.transform import TransformError, transform_file, write_result

    name = "stdin" if infile == "-" else Path(infile).name
    try:
        data = sys.stdin.buffer.read() if infile == "-" else Path(infile).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{infile}: {exc.strerror}") from None
    zipped = outfile.lower().endswith(".gz")
    stem = Path(outfile[:-3] if zipped else outfile)
    fmt = out_format or _SUFFIX.get(stem.suffix.lower(), "csv")
    try:
        result = transform_file(
            data, name, to_frame, from_frame=from_frame, kind=kind, body=body,
            in_format=in_format, time_column=time_column, unit=unit,
            magnetic_model=magnetic_model, out_unit=out_unit, trajectory_frame=trajectory_frame,
            trajectory_columns=_names(trajectory_columns), columns=_names(columns),
            trajectory=(Path(trajectory).read_bytes(), Path(trajectory).name)
            if trajectory else None)
        out = write_result(result, fmt)
        out = gzip.compress(out, mtime=0) if zipped else out
    except (TransformError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if outfile == "-":
        sys.stdout.buffer.write(out)
    else:
        Path(outfile).write_bytes(out)
    n = len(result.result.t_unix_s)
    click.echo(f"{name}: {n} rows {result.kind} {result.from_frame} -> {result.to_frame}"
               + (f" ({'; '.join(result.notes)})" if result.notes else ""), err=True)


def _names(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",")] if text else None

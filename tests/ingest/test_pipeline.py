"""One transaction per file; refused files kept aside with their reason; nothing lost."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ingest import pipeline
from ingest.base import DatasetSpec, ParameterSpec, ParseResult, TimeSeries
from storms import models as m


def _count(ctx, model):
    with ctx.factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_empty_file_refused_and_kept(ctx):
    report = pipeline.ingest_bytes(ctx.factory, ctx.settings, b"", "/x/empty.json")
    assert report.status == "refused"
    assert report.errors == ["empty.json: empty file"]
    kept = list(ctx.settings.quarantine_dir.glob("*_empty.json"))
    assert len(kept) == 1
    reason = kept[0].with_name(kept[0].name + ".reason.txt").read_text()
    assert "/x/empty.json" in reason and "empty file" in reason
    with ctx.factory() as s:
        src = s.scalars(select(m.SourceFile)).one()
        assert src.status == "rejected" and "empty file" in src.message


def test_garbage_is_refused_with_reason(ctx):
    report = pipeline.ingest_bytes(ctx.factory, ctx.settings, b"\x00\x01garbage", "g.bin")
    assert report.status == "refused"
    assert "format not recognised" in report.errors[0]
    assert _count(ctx, m.RecordBlock) == 0


def test_corrupt_bzip2_is_refused(ctx):
    report = pipeline.ingest_bytes(ctx.factory, ctx.settings, b"BZh91AY&SYgarbage", "a.fts.bz2")
    assert report.status == "refused" and "corrupt bzip2" in report.errors[0]


def test_unknown_kind(ctx):
    report = pipeline.ingest_bytes(ctx.factory, ctx.settings, b"{}", "a.json", kind="nope")
    assert report.status == "refused" and "unknown kind" in report.errors[0]


def test_failure_midway_rolls_back_the_whole_file(ctx, monkeypatch):
    """A second series that cannot be stored undoes the first one of the same file."""
    spec = DatasetSpec("a", "A", "t", 60.0, (ParameterSpec("x", "1"),))
    t = np.datetime64("2024-01-01", "ns") + np.arange(10) * np.timedelta64(60, "s")
    good = TimeSeries(spec, t, np.ones(10))
    with ctx.factory() as s, s.begin():  # store dataset "b" with other parameters
        from storms import store

        store.ensure_dataset(s, DatasetSpec("b", "B", "t", 60.0, (ParameterSpec("y", "1"),)))
    bad = TimeSeries(DatasetSpec("b", "B", "t", 60.0, (ParameterSpec("z", "1"),)), t, np.ones(10))
    monkeypatch.setattr(
        pipeline, "parse", lambda data, name, kind=None: ParseResult("x", series=[good, bad])
    )
    report = pipeline.ingest_bytes(ctx.factory, ctx.settings, b"payload", "two.dat")
    assert report.status == "refused"
    assert "parameters" in report.errors[0]
    assert _count(ctx, m.RecordBlock) == 0
    with ctx.factory() as s:
        assert s.get(m.Dataset, "a") is None
        assert [f.status for f in s.scalars(select(m.SourceFile))] == ["rejected"]


def test_cli_ingest_json_line_and_exit_code(tmp_path, monkeypatch, settings):
    monkeypatch.setenv("STORMS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("STORMS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    from storms import app_context
    from storms.cli import cli

    app_context.default.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    bad = tmp_path / "bad.txt"
    bad.write_text("not a known format\n")
    result = runner.invoke(cli, ["ingest", str(bad), "--json"])
    assert result.exit_code == 1
    line = json.loads(result.output.strip().splitlines()[-1])
    assert set(line) >= {"kind", "file", "dataset", "added", "updated", "rejected", "errors"}
    assert line["file"] == str(bad) and line["added"] == 0 and line["errors"]
    missing = runner.invoke(cli, ["ingest", str(tmp_path / "none.json"), "--json"])
    assert missing.exit_code == 1 and "cannot read" in missing.output
    unknown = runner.invoke(cli, ["ingest", "foo", str(bad)])
    assert unknown.exit_code == 2 and "unknown KIND" in unknown.output
    app_context.default.cache_clear()


@pytest.mark.parametrize("name", ["../../etc/passwd", "a b;rm -rf.json"])
def test_quarantine_names_are_sanitised(ctx, name):
    pipeline.ingest_bytes(ctx.factory, ctx.settings, b"??", name)
    for kept in ctx.settings.quarantine_dir.iterdir():
        assert kept.parent == ctx.settings.quarantine_dir
        assert " " not in kept.name and ";" not in kept.name

"""EPN-TAP 2.0 checks mirroring taplint's EPN stage (absent from Debian's STILTS):
mandatory columns with their types, units and UCDs, no NULLs where a value is required,
min <= max, plausible Julian Days, timestamp format, service_title = schema."""

from __future__ import annotations

import re

import pytest

from amda_bridge.tap import adql as translator
from amda_bridge.tap import epn, epn_columns, execute, registry, service
from tests.amda_bridge.tap_support import populate

TIMESTAMP = re.compile(r"[0-9]{4}-[01][0-9]-[0-3][0-9]"
                       r"(?:T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](?:[.][0-9]*)?Z?)?")
REQUIRED = ("granule_uid", "granule_gid", "obs_id", "dataproduct_type", "target_class",
            "creation_date", "modification_date", "release_date", "service_title",
            "spatial_frame_type")
DATAPRODUCT = {"im", "ma", "sp", "ds", "sc", "pr", "pf", "vo", "mo", "cu", "ts", "ca", "ci",
               "sv", "ev"}
TARGET_CLASS = {"asteroid", "dwarf_planet", "planet", "satellite", "comet", "exoplanet",
                "interplanetary_medium", "sample", "sky", "spacecraft", "spacejunk", "star",
                "calibration"}
SCHEMAS = list(epn.TABLES)
EXPECTED = {  # name: (datatype family, unit, ucd) from the REC / EpnTapStage
    "time_min": ("double", "d", "time.start;obs"), "time_max": ("double", "d", "time.end;obs"),
    "time_exp_min": ("double", "s", "time.duration;obs.exposure;stat.min"),
    "spectral_range_max": ("double", "Hz", "em.freq;stat.max"),
    "spectral_resolution_min": ("double", "", "spect.resolution;stat.min"),
    "processing_level": ("int", "", "meta.calibLevel"),
    "creation_date": ("char", "", "time.creation"),
    "target_class": ("char", "", "src.class"), "service_title": ("char", "", "meta.title"),
    "access_estsize": ("long", "kbyte", "phys.size;meta.file"),
    "thumbnail_url": ("char", "", "meta.ref.url;meta.preview"),
    "instrument_host_name": ("char", "", "meta.id;instr.obsty"),
    "s_region": ("char", "", "pos.outline;obs.field"),
}


def adql(ctx, q: str) -> list[tuple]:
    tr = translator.translate(q, ctx.engine.dialect.name, "http://h", 100_000)
    return execute.run(ctx.engine, tr.sql).rows


@pytest.mark.parametrize("schema", SCHEMAS)
def test_metadata(schema):
    table = registry.lookup(schema, "epn_core")
    assert table.utype == epn_columns.EPN_UTYPE
    names = [c.name for c in table.columns]
    assert len(names) == len(set(names))
    for col in epn_columns.MANDATORY:
        assert col.name in table.by_name, col.name
    for name, (dtype, unit, ucd) in EXPECTED.items():
        col = table.by_name[name]
        assert (col.datatype, col.unit, col.ucd) == (dtype, unit, ucd), name
    for name in ("creation_date", "modification_date", "release_date"):
        assert table.by_name[name].xtype == "timestamp"
    for c in table.columns:  # min/max pairs come together
        if c.name.endswith("min") and c.name[:-3] + "max" not in table.by_name:
            pytest.fail(f"{c.name} without its max")


@pytest.mark.parametrize("schema", SCHEMAS)
def test_content(ctx, schema):
    populate(ctx)
    t = f"{schema}.epn_core"
    assert adql(ctx, f"SELECT COUNT(*) FROM {t}")[0][0] > 0
    for name in REQUIRED:
        assert adql(ctx, f"SELECT TOP 1 {name} FROM {t} WHERE {name} IS NULL") == [], name
    assert adql(ctx, f"SELECT TOP 1 service_title FROM {t} WHERE service_title != '{schema}'"
                ) == []
    for stem in ("time_", "time_exp_", "time_sampling_step_", "spectral_range_"):
        lo, hi = f"{stem}min", f"{stem}max"
        assert adql(ctx, f"SELECT TOP 1 granule_uid FROM {t} WHERE ({lo} IS NULL AND {hi} IS "
                         f"NOT NULL) OR ({lo} IS NOT NULL AND {hi} IS NULL) OR {lo} > {hi}"
                    ) == [], stem
    assert adql(ctx, f"SELECT TOP 1 time_min FROM {t} WHERE NOT time_min BETWEEN 2086000 "
                     "AND 2817000") == []
    assert adql(ctx, f"SELECT TOP 1 processing_level FROM {t} WHERE NOT processing_level "
                     "BETWEEN 1 AND 6") == []
    for name in ("creation_date", "modification_date", "release_date"):
        for (value,) in adql(ctx, f"SELECT DISTINCT TOP 10 {name} FROM {t}"):
            assert TIMESTAMP.fullmatch(value), (name, value)
    for (value,) in adql(ctx, f"SELECT DISTINCT TOP 30 dataproduct_type FROM {t}"):
        assert set(value.split("#")) <= DATAPRODUCT
    for (value,) in adql(ctx, f"SELECT DISTINCT TOP 30 target_class FROM {t}"):
        assert set(value.split("#")) <= TARGET_CLASS
    uids = [r[0] for r in adql(ctx, f"SELECT granule_uid FROM {t}")]
    assert len(uids) == len(set(uids)) and not any("#" in u for u in uids)


def test_values_of_each_table(ctx):
    populate(ctx)
    img = adql(ctx, "SELECT dataproduct_type, target_name, target_class, spectral_range_min, "
                    "instrument_host_name, access_url, thumbnail_url, access_format, time_min, "
                    "messenger FROM storms_images.epn_core WHERE granule_uid = 'image_2'")[0]
    assert img[:3] == ("im", "Sun", "star")
    assert img[3] == pytest.approx(299792458 / 393.37e-9)
    assert img[4] == "Pic du Midi" and img[7] == "image/fits"
    assert img[5] == "http://h/tap/files/images/2" and img[6] == "http://h/tap/files/previews/2"
    assert img[8] == pytest.approx(2460440.5 + 600 / 86400) and img[9] == "Optical"
    ev = adql(ctx, "SELECT dataproduct_type, event_type, event_status, target_name, time_min "
                   "FROM storms_events.epn_core WHERE event_kind = 'CME' ORDER BY time_min")[0]
    assert ev == ("ev", "coronal_mass_ejection", "observation", "Sun", 2460440.5)
    ts = adql(ctx, "SELECT dataproduct_type, access_url, target_class, parameter_names "
                   "FROM storms_timeseries.epn_core WHERE granule_uid = 'omni_hro_1min'")[0]
    assert ts[0] == "ts" and ts[2] == "interplanetary_medium"
    assert ts[1] == ("http://h/hapi/data?dataset=omni_hro_1min&start=2024-05-10T00:00:00.000Z"
                     "&stop=2024-05-13T00:00:01.000Z")
    assert sorted(ts[3].split("#")) == ["b_gse", "speed"]
    pr = dict(adql(ctx, "SELECT target_name, target_class FROM storms_predictions.epn_core"))
    assert pr == {"Earth": "planet", "Mars": "planet", "L1": "interplanetary_medium",
                  "Parker Solar Probe": "spacecraft", "Moon": "satellite", "Venus": "planet"}
    p = adql(ctx, "SELECT event_status, instrument_host_name, instrument_name, time_min, "
                  "time_max, arrival_time FROM storms_predictions.epn_core "
                  "WHERE granule_uid = 'prediction_1'")[0]
    assert p[:3] == ("prediction", "simulation", "dbem 1.0")
    assert p[3] == pytest.approx(p[5] - 10 / 24) and p[4] == pytest.approx(p[5] + 10 / 24)


def test_votable_fields_carry_the_epn_metadata(sqlite_ctx):
    populate(sqlite_ctx)
    body, _ = service.query(sqlite_ctx, {"lang": "ADQL", "query": "SELECT TOP 1 * FROM "
                                         "storms_images.epn_core"}, "http://h")
    text = body.decode()
    assert ('<FIELD name="creation_date" datatype="char" arraysize="*" ucd="time.creation" '
            'xtype="timestamp">') in text
    assert '<FIELD name="time_min" datatype="double" unit="d" ucd="time.start;obs">' in text
    assert "<TD>storms_images</TD>" in text

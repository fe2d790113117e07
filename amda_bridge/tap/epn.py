"""The four ``epn_core`` relations: SQL over the store's tables, computed at query time.

Each relation is a sub-query (identical rows on SQLite and PostgreSQL) mapping the
store's rows to EPN-TAP 2.0 columns: times in Julian Days (UTC), timestamps as
ISO 8601 strings ending in Z, spectral ranges in Hz. Columns a table does not fill
are typed NULLs. The ``access_url`` values need the service's base URL.
"""

from __future__ import annotations

from amda_bridge.tap import epn_columns as ec
from amda_bridge.tap.schema import Column, Table, sql_literal

C_NM_HZ = "299792458000000000.0"  # c in nm/s: f[Hz] = C_NM_HZ / lambda[nm]
PLANETS = ("Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune")
SATELLITES = ("Moon", "Io", "Europa", "Ganymede", "Callisto", "Titan", "Phobos", "Deimos")
DWARFS = ("Pluto", "Ceres")
POINTS = ("L1", "L2", "L3", "L4", "L5")
EVENT_TYPES = {"CME": "coronal_mass_ejection", "FLR": "solar_flare",
               "SEP": "solar_energetic_particles", "IPS": "interplanetary_shock",
               "ICME": "interplanetary_cme", "GST": "geomagnetic_storm",
               "HSS": "high_speed_stream", "MPC": "magnetopause_crossing",
               "RBE": "radiation_belt_enhancement", "CIR": "corotating_interaction_region"}
SUN_KINDS = ("CME", "FLR")
EARTH_KINDS = ("GST", "MPC", "RBE")


def jd(us: str) -> str:
    """SQL: Julian Day (double) of an integer microseconds-since-1970 expression."""
    return f"(CAST({us} AS DOUBLE PRECISION) / 86400000000.0 + 2440587.5)"


def iso(us: str, dialect: str) -> str:
    """SQL: ISO 8601 UTC timestamp ``YYYY-MM-DDThh:mm:ss.sssZ`` of microseconds."""
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%dT%H:%M:%fZ', ({us}) / 1000000.0, 'unixepoch')"
    return (f"to_char(to_timestamp(({us}) / 1000000.0) AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")


def _in(expr: str, values: tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(sql_literal(v) for v in values)})"


def _case(expr: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def target_class(name: str) -> str:
    """SQL: EPN target_class of a target name (planet, satellite, star, spacecraft ...)."""
    return (f"CASE WHEN {_in(name, PLANETS)} THEN 'planet' "
            f"WHEN {_in(name, SATELLITES)} THEN 'satellite' "
            f"WHEN {_in(name, DWARFS)} THEN 'dwarf_planet' "
            f"WHEN {name} = 'Sun' THEN 'star' "
            f"WHEN {_in(name, POINTS)} THEN 'interplanetary_medium' "
            "ELSE 'spacecraft' END")


def _select(table: Table, exprs: dict[str, str], from_sql: str) -> str:
    unknown = set(exprs) - set(table.by_name)
    if unknown:
        raise ValueError(f"expressions for unknown columns {sorted(unknown)}")
    picks = ", ".join(f'{exprs.get(c.name) or f"CAST(NULL AS {c.sql_type})"} AS "{c.name}"'
                      for c in table.columns)
    return f"SELECT {picks} FROM {from_sql}"


def _common(schema: str, d: str, created_us: str) -> dict[str, str]:
    stamp = iso(created_us, d)
    return {"service_title": sql_literal(schema), "creation_date": stamp,
            "modification_date": stamp, "release_date": stamp, "spatial_frame_type": "'none'",
            "time_scale": "'UTC'", "publisher": "'Storms'"}


def _ingested(alias: str) -> str:
    return f"(SELECT f.ingested_us FROM source_files f WHERE f.id = {alias}.source_file_id)"


# ---------------------------------------------------------------- solar images

IMAGES = "storms_images"


def _images_sql(d: str, base: str) -> str:
    url = sql_literal(base + "/tap/files/")
    hz = f"CASE WHEN s.wavelength_nm > 0 THEN {C_NM_HZ} / s.wavelength_nm END"
    exp = "CASE WHEN s.exposure_s > 0 THEN s.exposure_s ELSE 0 END"
    wl = "s.wavelength_nm"
    messenger = (f"CASE WHEN {wl} IS NULL THEN NULL WHEN {wl} < 10 THEN 'X-ray' "
                 f"WHEN {wl} < 100 THEN 'EUV' WHEN {wl} < 380 THEN 'UV' "
                 f"WHEN {wl} <= 750 THEN 'Optical' ELSE 'Infrared' END")
    exprs = {
        "granule_uid": "'image_' || CAST(s.id AS TEXT)",
        "granule_gid": "LOWER(s.instrument || '_' || s.channel)",
        "obs_id": "LOWER(s.instrument) || '_' || CAST(s.obs_us AS TEXT)",
        "dataproduct_type": "'im'", "measurement_type": "'phot.radiance'",
        "processing_level": "2", "target_name": "'Sun'", "target_class": "'star'",
        "time_min": jd("s.obs_us"),
        "time_max": jd(f"s.obs_us + CAST(({exp}) * 1000000 AS BIGINT)"),
        "time_exp_min": "s.exposure_s", "time_exp_max": "s.exposure_s",
        "spectral_range_min": hz, "spectral_range_max": hz,
        "instrument_host_name": "CASE WHEN UPPER(s.instrument) = 'CLIMSO' THEN 'Pic du Midi' "
                                "ELSE COALESCE(s.observatory, s.instrument) END",
        "instrument_name": "s.instrument", "filter": "s.channel", "messenger": messenger,
        "access_url": f"{url} || 'images/' || CAST(s.id AS TEXT)",
        "access_format": "'image/fits'",
        "access_estsize": "CAST((CAST(s.width AS BIGINT) * s.height * 4 + 2880) / 1024 AS BIGINT)",
        "thumbnail_url": f"CASE WHEN s.preview_path IS NOT NULL THEN {url} || 'previews/' || "
                         "CAST(s.id AS TEXT) END",
        "wavelength": wl, "image_width": "s.width", "image_height": "s.height",
        "pixel_units": "s.units",
        **_common(IMAGES, d, f"COALESCE({_ingested('s')}, s.obs_us)"),
    }
    return _select(TABLES[IMAGES], exprs, "solar_images s")


# ---------------------------------------------------------------- events

EVENTS = "storms_events"


def _events_sql(d: str, base: str) -> str:
    end = "CASE WHEN e.end_us >= e.start_us THEN e.end_us ELSE e.start_us END"
    kind = "UPPER(e.kind)"
    exprs = {
        "granule_uid": "'event_' || CAST(e.id AS TEXT)",
        "granule_gid": "LOWER(e.source || '_' || e.kind)",
        "obs_id": "REPLACE(e.source_id, '#', '_')",
        "dataproduct_type": "'ev'", "processing_level": "5",
        "target_name": f"CASE WHEN {_in(kind, SUN_KINDS)} THEN 'Sun' "
                       f"WHEN {_in(kind, EARTH_KINDS)} THEN 'Earth' ELSE 'Heliosphere' END",
        "target_class": f"CASE WHEN {_in(kind, SUN_KINDS)} THEN 'star' "
                        f"WHEN {_in(kind, EARTH_KINDS)} THEN 'planet' "
                        "ELSE 'interplanetary_medium' END",
        "time_min": jd("e.start_us"), "time_max": jd(end),
        "instrument_host_name": "e.source", "event_type": _case(kind, EVENT_TYPES,
                                                                 "LOWER(e.kind)"),
        "event_status": "'observation'", "target_description": "e.summary",
        "event_kind": "e.kind", "peak_time": jd("e.peak_us"), "source_location": "e.location",
        **_common(EVENTS, d, f"COALESCE({_ingested('e')}, e.start_us)"),
    }
    return _select(TABLES[EVENTS], exprs, "events e")


# ---------------------------------------------------------------- time series

SERIES = "storms_timeseries"
EARTH_SERIES = ("%kp%", "%dst%", "%sym%", "%index%", "%indices%", "%geomag%", "%_ap%")
SUN_SERIES = ("%xray%", "%x-ray%", "%xrs%", "%f107%", "%f10.7%")


def _series_sql(d: str, base: str) -> str:
    lid = "LOWER(t.id)"
    earth = " OR ".join(f"{lid} LIKE {sql_literal(p)}" for p in EARTH_SERIES)
    sun = " OR ".join(f"{lid} LIKE {sql_literal(p)}" for p in SUN_SERIES)
    stop = "COALESCE(t.stop_us, t.start_us)"
    names = ("group_concat(p.name, '#')" if d == "sqlite" else "string_agg(p.name, '#' "
             "ORDER BY p.position)")
    width = "(SELECT SUM(p.size) FROM parameters p WHERE p.dataset_id = t.id)"
    nrec = f"(CAST({stop} - t.start_us AS DOUBLE PRECISION) / 1000000.0 / t.cadence_s + 1)"
    url = sql_literal(base + "/hapi/data?dataset=")
    exprs = {
        "granule_uid": "REPLACE(t.id, '#', '_')", "granule_gid": "LOWER(t.source)",
        "obs_id": "REPLACE(t.id, '#', '_')", "dataproduct_type": "'ts'",
        "processing_level": "CASE WHEN t.kind = 'predicted' THEN 5 ELSE 3 END",
        "target_name": f"CASE WHEN {earth} THEN 'Earth' WHEN {sun} THEN 'Sun' "
                       "ELSE 'Solar wind' END",
        "target_class": f"CASE WHEN {earth} THEN 'planet' WHEN {sun} THEN 'star' "
                        "ELSE 'interplanetary_medium' END",
        "target_region": f"CASE WHEN {earth} THEN 'magnetosphere' WHEN {sun} THEN NULL "
                         "ELSE 'solar-wind' END",
        "time_min": f"CASE WHEN t.start_us IS NOT NULL THEN {jd('t.start_us')} END",
        "time_max": f"CASE WHEN t.start_us IS NOT NULL THEN {jd(stop)} END",
        "time_sampling_step_min": "t.cadence_s", "time_sampling_step_max": "t.cadence_s",
        "instrument_host_name": "CASE WHEN t.kind = 'predicted' THEN 'simulation' "
                                "ELSE t.source END",
        "instrument_name": "t.source", "target_description": "t.title",
        "access_url": f"CASE WHEN t.start_us IS NOT NULL THEN {url} || t.id || '&start=' || "
                      f"{iso('t.start_us', d)} || '&stop=' || "
                      f"{iso(f'{stop} + 1000000', d)} END",
        "access_format": "'text/csv'",
        "access_estsize": f"CASE WHEN t.start_us IS NOT NULL AND t.cadence_s > 0 THEN "
                          f"CAST({nrec} * (COALESCE({width}, 1) * 12 + 25) / 1024 + 1 AS BIGINT)"
                          " END",
        "parameter_names": f"(SELECT {names} FROM parameters p WHERE p.dataset_id = t.id)",
        "dataset_kind": "t.kind",
        **_common(SERIES, d, "COALESCE(t.modified_us, t.stop_us, t.start_us, 0)"),
    }
    return _select(TABLES[SERIES], exprs, "datasets t")


# ---------------------------------------------------------------- predictions

PREDICTIONS = "storms_predictions"
EVENT_OF_MODEL = {"cme": "cme_arrival", "dbm": "cme_arrival", "dbem": "cme_arrival",
                  "cir": "cir_arrival", "sep": "sep_onset", "sw": "solar_wind_arrival"}


def _predictions_sql(d: str, base: str) -> str:
    lo = "COALESCE(p.arrival_p05_us, p.arrival_us, p.arrival_p95_us)"
    hi = "COALESCE(p.arrival_p95_us, p.arrival_us, p.arrival_p05_us)"
    exprs = {
        "granule_uid": "'prediction_' || CAST(p.id AS TEXT)",
        "granule_gid": "LOWER(p.model)", "obs_id": "REPLACE(p.event_key, '#', '_')",
        "dataproduct_type": "'ev'", "processing_level": "5",
        "target_name": "p.target", "target_class": target_class("p.target"),
        "time_min": f"CASE WHEN {lo} <= {hi} THEN {jd(lo)} ELSE {jd(hi)} END",
        "time_max": f"CASE WHEN {lo} <= {hi} THEN {jd(hi)} ELSE {jd(lo)} END",
        "instrument_host_name": "'simulation'",
        "instrument_name": "p.model || ' ' || p.model_version",
        "event_type": _case("LOWER(p.model)", EVENT_OF_MODEL, "LOWER(p.model) || '_arrival'"),
        "event_status": "'prediction'", "time_refposition": "p.target",
        "arrival_time": jd("p.arrival_us"), "departure_time": jd("p.departure_us"),
        "hit": "CASE WHEN p.hit THEN 1 ELSE 0 END", "hit_probability": "p.hit_probability",
        "arrival_speed": "p.arrival_speed_kms", "model": "p.model",
        "model_version": "p.model_version", "event_key": "p.event_key",
        **_common(PREDICTIONS, d, "p.issued_us"),
    }
    return _select(TABLES[PREDICTIONS], exprs, "predictions p")


def _custom(name: str, datatype: str, description: str, unit: str = "", ucd: str = "") -> Column:
    return Column(name, datatype, description, unit=unit, ucd=ucd, std=False)


_OPT = ["access_url", "access_format", "access_estsize", "thumbnail_url", "messenger",
        "target_region", "publisher", "external_link", "time_refposition", "time_scale",
        "filter", "event_type", "event_status", "target_description"]


def _table(schema: str, title: str, source, custom: list[Column]) -> Table:
    return Table(schema, "epn_core", title, ec.columns(_OPT, custom), source,
                 utype=ec.EPN_UTYPE, table_type="view", schema_description=title)


TABLES: dict[str, Table] = {
    IMAGES: _table(IMAGES, "Solar images (CLIMSO at Pic du Midi first): FITS and previews",
                   _images_sql, [
                       _custom("wavelength", "double", "central wavelength", "nm",
                               "em.wl;instr.filter"),
                       _custom("image_width", "int", "image width", "pix", "meta.number"),
                       _custom("image_height", "int", "image height", "pix", "meta.number"),
                       _custom("pixel_units", "char", "unit of the pixel values (BUNIT)")]),
    EVENTS: _table(EVENTS, "Catalogue of solar and heliospheric events (CME, flares, SEP, "
                   "shocks, ICME, storms)", _events_sql, [
                       _custom("event_kind", "char", "event kind code (CME, FLR, ...)",
                               ucd="meta.code.class"),
                       _custom("peak_time", "double", "peak time (Julian Day, UTC)", "d",
                               "time.epoch"),
                       _custom("source_location", "char", "source location (e.g. N12E34)",
                               ucd="pos")]),
    SERIES: _table(SERIES, "Time-series datasets (solar wind, indices, predictions) served "
                   "by the HAPI server", _series_sql, [
                       _custom("parameter_names", "char", "'#'-separated parameter names",
                               ucd="meta.id"),
                       _custom("dataset_kind", "char", "measured or predicted",
                               ucd="meta.code")]),
    PREDICTIONS: _table(PREDICTIONS, "Propagated arrivals of solar events at planets and "
                        "spacecraft (model predictions)", _predictions_sql, [
                            _custom("arrival_time", "double", "median arrival (Julian Day)",
                                    "d", "time.epoch"),
                            _custom("departure_time", "double", "departure from the Sun "
                                    "(Julian Day)", "d", "time.start"),
                            _custom("hit", "int", "1 if the target is hit", ucd="meta.code"),
                            _custom("hit_probability", "double", "probability of a hit",
                                    ucd="stat.probability"),
                            _custom("arrival_speed", "double", "speed at arrival", "km/s",
                                    "phys.veloc"),
                            _custom("model", "char", "propagation model", ucd="meta.id"),
                            _custom("model_version", "char", "model version",
                                    ucd="meta.version"),
                            _custom("event_key", "char", "source event identifier",
                                    ucd="meta.id.cross")]),
}

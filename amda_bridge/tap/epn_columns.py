"""EPN-TAP 2.0 standard columns (types, units, UCDs), as the REC and taplint define them."""

from __future__ import annotations

from amda_bridge.tap.schema import Column

EPN_UTYPE = "ivo://ivoa.net/std/epntap#table-2.0"


def _t(name: str, ucd: str, description: str, principal: bool = False) -> Column:
    return Column(name, "char", description, ucd=ucd, principal=principal)


def _d(name: str, unit: str, ucd: str, description: str) -> Column:
    return Column(name, "double", description, unit=unit, ucd=ucd)


def _pair(stem: str, unit: str, ucd: str, what: str) -> list[Column]:
    return [_d(f"{stem}min", unit, f"{ucd};stat.min", f"minimum {what}"),
            _d(f"{stem}max", unit, f"{ucd};stat.max", f"maximum {what}")]


def _ts(name: str, ucd: str, description: str) -> Column:
    return Column(name, "char", description, ucd=ucd, xtype="timestamp")


MANDATORY: tuple[Column, ...] = (
    _t("granule_uid", "meta.id", "internal table row identifier", True),
    _t("granule_gid", "meta.id", "group identifier, identical for similar data products", True),
    _t("obs_id", "meta.id;obs", "identical for data products related to the same original data",
       True),
    _t("dataproduct_type", "meta.code.class", "organisation of the data product (EPN-TAP list)",
       True),
    _t("target_name", "meta.id;src", "standard IAU name of the target", True),
    _t("target_class", "src.class", "type of target (EPN-TAP list)", True),
    Column("time_min", "double", "acquisition start time (Julian Day, UTC)", "d",
           "time.start;obs", principal=True),
    Column("time_max", "double", "acquisition stop time (Julian Day, UTC)", "d",
           "time.end;obs", principal=True),
    *_pair("time_sampling_step_", "s", "time.resolution", "time sampling step"),
    *_pair("time_exp_", "s", "time.duration;obs.exposure", "integration time"),
    *_pair("spectral_range_", "Hz", "em.freq", "spectral range (frequency)"),
    *_pair("spectral_sampling_step_", "Hz", "em.freq;spect.binSize",
           "spectral sampling step (frequency)"),
    *_pair("spectral_resolution_", "", "spect.resolution", "spectral resolution"),
    _d("c1min", "", "pos;stat.min", "minimum of first coordinate"),
    _d("c1max", "", "pos;stat.max", "maximum of first coordinate"),
    _d("c2min", "", "pos;stat.min", "minimum of second coordinate"),
    _d("c2max", "", "pos;stat.max", "maximum of second coordinate"),
    _d("c3min", "", "pos;stat.min", "minimum of third coordinate"),
    _d("c3max", "", "pos;stat.max", "maximum of third coordinate"),
    Column("s_region", "char", "ObsCore-like footprint (none here)", ucd="pos.outline;obs.field",
           xtype="adql:REGION"),
    _d("c1_resol_min", "", "pos.resolution;stat.min", "minimum resolution in first coordinate"),
    _d("c1_resol_max", "", "pos.resolution;stat.max", "maximum resolution in first coordinate"),
    _d("c2_resol_min", "", "pos.resolution;stat.min", "minimum resolution in second coordinate"),
    _d("c2_resol_max", "", "pos.resolution;stat.max", "maximum resolution in second coordinate"),
    _d("c3_resol_min", "", "pos.resolution;stat.min", "minimum resolution in third coordinate"),
    _d("c3_resol_max", "", "pos.resolution;stat.max", "maximum resolution in third coordinate"),
    _t("spatial_frame_type", "meta.code.class;pos.frame", "flavour of coordinate system"),
    *_pair("incidence_", "deg", "pos.incidenceAng", "incidence angle"),
    *_pair("emergence_", "deg", "pos.emergenceAng", "emergence angle"),
    *_pair("phase_", "deg", "pos.phaseAng", "phase angle"),
    _t("instrument_host_name", "meta.id;instr.obsty", "standard name of the observatory or "
       "spacecraft", True),
    _t("instrument_name", "meta.id;instr", "standard name of the instrument", True),
    _t("measurement_type", "meta.ucd", "UCD(s) defining the data"),
    Column("processing_level", "int", "CODMAC-like calibration level", ucd="meta.calibLevel"),
    _ts("creation_date", "time.creation", "date of first entry of this granule"),
    _ts("modification_date", "time.processing", "date of last modification"),
    _ts("release_date", "time.release", "start of public access"),
    _t("service_title", "meta.title", "title of the resource (the schema name)"),
)

OPTIONAL: dict[str, Column] = {c.name: c for c in (
    _t("access_url", "meta.ref.url;meta.file", "URL of the data file", True),
    _t("access_format", "meta.code.mime", "file format type (MIME)"),
    Column("access_estsize", "long", "estimated file size", "kbyte", "phys.size;meta.file"),
    _t("thumbnail_url", "meta.ref.url;meta.preview", "URL of a preview image"),
    _t("file_name", "meta.id;meta.file", "name of the data file"),
    _t("messenger", "instr.bandpass", "messenger (IVOA vocabulary)"),
    _t("target_region", "meta.id;src;obs.field", "type of region of interest"),
    _t("publisher", "meta.curation", "resource publisher"),
    _t("external_link", "meta.ref.url", "link to a web page providing more details"),
    _t("time_refposition", "meta.ref;time.scale", "where the time is measured"),
    _t("time_scale", "time.scale", "time scale (IVOA vocabulary)"),
    _t("filter", "meta.id;instr.filter", "identifier of the filter or channel"),
    _t("event_type", "meta.code.class", "type of event"),
    _t("event_status", "meta.code.status", "prediction, observation or utility"),
    _t("target_description", "meta.note;src", "free description of the target"),
)}


def columns(optional: list[str], custom: list[Column]) -> tuple[Column, ...]:
    """The mandatory columns, then the chosen optional ones, then service-specific ones."""
    return (*MANDATORY, *(OPTIONAL[n] for n in optional),
            *(Column(**{**c.__dict__, "std": False}) for c in custom))

"""The DALI examples document of ``/tap/examples`` (XHTML with RDFa)."""

from __future__ import annotations

from amda_bridge.tap.votable import clean

EXAMPLES = (
    ("images-in-range", "CLIMSO images in a time range",
     "Solar images taken during one day (time_min in Julian Days, UTC), newest first.",
     "storms_images.epn_core",
     "SELECT TOP 100 granule_uid, time_min, filter, access_url, thumbnail_url\n"
     "FROM storms_images.epn_core\n"
     "WHERE time_min BETWEEN 2460441.0 AND 2460442.0\nORDER BY time_min DESC"),
    ("cme-catalogue", "Coronal mass ejections of May 2024",
     "Observed CMEs from the event catalogue.", "storms_events.epn_core",
     "SELECT granule_uid, obs_id, time_min, time_max, event_type\n"
     "FROM storms_events.epn_core\n"
     "WHERE event_type = 'coronal_mass_ejection'\n"
     "AND time_min BETWEEN 2460431.5 AND 2460462.5"),
    ("earth-arrivals", "Predicted arrivals at Earth",
     "Propagated arrivals whose 5-95 % window reaches Earth, with their hit probability.",
     "storms_predictions.epn_core",
     "SELECT TOP 50 obs_id, instrument_name, time_min, time_max, hit_probability\n"
     "FROM storms_predictions.epn_core\n"
     "WHERE ivo_hashlist_has(target_name, 'earth') = 1\nORDER BY time_min DESC"),
    ("solar-wind-series", "Solar-wind time series",
     "Time-series datasets of the solar wind and their HAPI data links.",
     "storms_timeseries.epn_core",
     "SELECT granule_uid, target_description, time_min, time_max, access_url\n"
     "FROM storms_timeseries.epn_core\nWHERE target_region = 'solar-wind'"),
)


def document() -> str:
    """The examples as a DALI 1.1 examples document."""
    blocks = "".join(
        f'<div typeof="example" id="{key}" resource="#{key}">'
        f'<h2 property="name">{clean(name)}</h2><p>{clean(text)}</p>'
        f'<p>Table: <span property="table">{clean(table)}</span></p>'
        f'<pre property="query">{clean(q)}</pre></div>\n'
        for key, name, text, table, q in EXAMPLES)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" version="XHTML+RDFa 1.1">'
            "<head><title>Storms EPN-TAP examples</title></head>"
            '<body vocab="http://www.ivoa.net/rdf/examples#"><h1>Storms EPN-TAP examples</h1>\n'
            f"{blocks}</body></html>\n")

"""VOSI documents: capabilities (with TAPRegExt), availability and the table set."""

from __future__ import annotations

from amda_bridge.tap import registry
from amda_bridge.tap.schema import Column, Table
from amda_bridge.tap.votable import attr, clean

DEFAULT_MAXREC = 20_000
HARD_MAXREC = 200_000
EXECUTION_S = 600
RETENTION_S = 3600
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
HASHLIST_UDF = ("ivo_hashlist_has(hashlist TEXT, item TEXT) -> INTEGER",
                "1 if item is an element of the '#'-separated hashlist, case-insensitively "
                "(as DaCHS defines it), else 0.")
OUTPUT_FORMATS = (
    ("ivo://ivoa.net/std/TAPRegExt#output-votable-td", "application/x-votable+xml", "votable"),
    (None, "text/csv", "csv"),
    (None, "text/tab-separated-values", "tsv"),
)


def _interface(url: str, use: str = "full", role: str = "", version: str = "") -> str:
    extra = (f' role="{role}"' if role else "") + (f' version="{version}"' if version else "")
    return (f'<interface xsi:type="vs:ParamHTTP"{extra}><accessURL use="{use}">{clean(url)}'
            "</accessURL></interface>")


def capabilities(base: str, examples: bool = True) -> str:
    """The VOSI capabilities document of the service rooted at ``base`` (``.../tap``)."""
    fmts = "".join(
        "<outputFormat" + (f' ivo-id="{ivo}"' if ivo else "") + f"><mime>{mime}</mime>"
        f"<alias>{alias}</alias></outputFormat>" for ivo, mime, alias in OUTPUT_FORMATS)
    form, desc = HASHLIST_UDF
    tap = (
        '<capability standardID="ivo://ivoa.net/std/TAP" xsi:type="tr:TableAccess">'
        + _interface(base, "base", "std", "1.1")
        + '<dataModel ivo-id="ivo://ivoa.net/std/epntap#table-2.0">EPN-TAP 2.0</dataModel>'
        + "<language><name>ADQL</name>"
        '<version ivo-id="ivo://ivoa.net/std/ADQL#v2.0">2.0</version>'
        "<description>ADQL 2.0 subset: SELECT [DISTINCT] [TOP n], comparisons, BETWEEN, IN, "
        "IS NULL, LIKE, ILIKE, LOWER, UPPER, aggregates, ORDER BY, GROUP BY, OFFSET, JOIN ... ON"
        "</description>"
        '<languageFeatures type="ivo://ivoa.net/std/TAPRegExt#features-udf">'
        f"<feature><form>{clean(form)}</form><description>{clean(desc)}</description></feature>"
        "</languageFeatures>"
        "</language>" + fmts
        + f"<retentionPeriod><default>{RETENTION_S}</default></retentionPeriod>"
        f"<executionDuration><default>{EXECUTION_S}</default></executionDuration>"
        f'<outputLimit><default unit="row">{DEFAULT_MAXREC}</default>'
        f'<hard unit="row">{HARD_MAXREC}</hard></outputLimit>'
        "</capability>")
    vosi = "".join(
        f'<capability standardID="ivo://ivoa.net/std/VOSI#{name}">'
        + _interface(f"{base}/{name}") + "</capability>"
        for name in ("capabilities", "availability", "tables"))
    ex = ('<capability standardID="ivo://ivoa.net/std/DALI#examples">'
          + _interface(f"{base}/examples") + "</capability>") if examples else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0" '
            f'{XSI} xmlns:vr="http://www.ivoa.net/xml/VOResource/v1.0" '
            'xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" '
            'xmlns:tr="http://www.ivoa.net/xml/TAPRegExt/v1.0">'
            f"{tap}{vosi}{ex}</vosi:capabilities>\n")


def availability(available: bool, note: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<vosi:availability xmlns:vosi="http://www.ivoa.net/xml/VOSIAvailability/v1.0">'
            f"<vosi:available>{'true' if available else 'false'}</vosi:available>"
            f"<vosi:note>{clean(note)}</vosi:note></vosi:availability>\n")


def _column(c: Column) -> str:
    parts = [f"<name>{clean(c.adql_name)}</name>"]
    if c.description:
        parts.append(f"<description>{clean(c.description)}</description>")
    for tag, value in (("unit", c.unit), ("ucd", c.ucd), ("utype", c.utype)):
        if value:
            parts.append(f"<{tag}>{clean(value)}</{tag}>")
    size = f' arraysize="{c.arraysize}"' if c.arraysize else ""
    xtype = f" extendedType={attr(c.xtype)}" if c.xtype else ""
    parts.append(f'<dataType xsi:type="vs:VOTableType"{size}{xtype}>{c.datatype}</dataType>')
    parts.extend(f"<flag>{flag}</flag>" for flag, on in (
        ("indexed", c.indexed), ("principal", c.principal), ("std", c.std)) if on)
    return "<column>" + "".join(parts) + "</column>"


def _table(t: Table) -> str:
    keys = "".join(
        f"<foreignKey><targetTable>{clean(k.target_table)}</targetTable>"
        + "".join(f"<fkColumn><fromColumn>{a}</fromColumn><targetColumn>{b}</targetColumn>"
                  "</fkColumn>" for a, b in k.columns)
        + (f"<description>{clean(k.description)}</description>" if k.description else "")
        + "</foreignKey>" for k in t.foreign_keys)
    utype = f"<utype>{clean(t.utype)}</utype>" if t.utype else ""
    return (f'<table type="{t.table_type if t.table_type == "view" else "table"}">'
            f"<name>{clean(t.qualified)}</name><description>{clean(t.description)}</description>"
            f"{utype}{''.join(_column(c) for c in t.columns)}{keys}</table>")


def tables() -> str:
    """The VOSI table set (VODataService 1.1), from the same definitions as TAP_SCHEMA."""
    by_schema: dict[str, list[Table]] = {}
    for t in registry.all_tables():
        by_schema.setdefault(t.schema, []).append(t)
    body = "".join(
        f"<schema><name>{clean(s)}</name><description>{clean(ts[0].schema_description)}"
        f"</description>{''.join(_table(t) for t in ts)}</schema>"
        for s, ts in by_schema.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<vosi:tableset xmlns:vosi="http://www.ivoa.net/xml/VOSITables/v1.0" '
            f'{XSI} xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1">'
            f"{body}</vosi:tableset>\n")

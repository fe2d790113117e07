"""VOTable 1.4 (TABLEDATA) output: query results, overflow and errors, plus CSV.

Cells are formatted by one function per column chosen from its datatype, rows joined
as strings: 10,000 rows of 70 columns take a fraction of a second.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape, quoteattr

from amda_bridge.tap.schema import Column

VOTABLE_MIME = "application/x-votable+xml"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.ivoa.net/xml/VOTable/v1.3 '
        'http://www.ivoa.net/xml/VOTable/v1.3">\n')
_XML_BAD = {i: None for i in (*range(0, 9), 11, 12, *range(14, 32))}


def clean(text: str) -> str:
    """Text safe for XML 1.0 (control characters dropped) and escaped."""
    return escape(str(text).translate(_XML_BAD))


def _fmt_text(v) -> str:
    if v is None:
        return ""
    s = v if isinstance(v, str) else str(v)
    if "<" in s or "&" in s or ">" in s or not s.isprintable():
        return clean(s)
    return s


def _fmt_double(v) -> str:
    if v is None:
        return ""
    f = float(v)
    return repr(f) if math.isfinite(f) else ("NaN" if f != f else ("+Inf" if f > 0 else "-Inf"))


def _fmt_int(v) -> str:
    return "" if v is None else str(int(v))


def _fmt_bool(v) -> str:
    return "" if v is None else ("T" if v else "F")


FORMATTERS: dict[str, Callable[[object], str]] = {
    "char": _fmt_text, "double": _fmt_double, "float": _fmt_double, "int": _fmt_int,
    "long": _fmt_int, "short": _fmt_int, "boolean": _fmt_bool}


def field_xml(c: Column) -> str:
    attrs = [f"name={attr(c.name)}", f'datatype="{c.datatype}"']
    if c.arraysize:
        attrs.append(f'arraysize="{c.arraysize}"')
    for key, value in (("unit", c.unit), ("ucd", c.ucd), ("utype", c.utype),
                       ("xtype", c.xtype)):
        if value:
            attrs.append(f"{key}={attr(value)}")
    desc = f"<DESCRIPTION>{clean(c.description)}</DESCRIPTION>" if c.description else ""
    return f"<FIELD {' '.join(attrs)}>{desc}</FIELD>\n"


def attr(value: str) -> str:
    """A quoted XML attribute value (control characters dropped)."""
    return quoteattr(str(value).translate(_XML_BAD))


def info(name: str, value: str, text: str = "") -> str:
    return f"<INFO name={attr(name)} value={attr(value)}>{clean(text)}</INFO>\n"


def table_rows(fields: list[Column], rows: Iterable[tuple]) -> str:
    fmts = [FORMATTERS[f.datatype] for f in fields]
    return "".join(["<TR><TD>" + "</TD><TD>".join([f(v) for f, v in zip(fmts, row,
                                                                        strict=True)])
                    + "</TD></TR>\n" for row in rows])


def result(fields: list[Column], rows: list[tuple], overflow: bool,
           infos: Iterable[tuple[str, str]] = ()) -> bytes:
    """A results VOTable; ``overflow`` adds the trailing OVERFLOW status."""
    extra = "".join(info(k, v) for k, v in infos)
    parts = [HEAD, '<RESOURCE type="results">\n', info("QUERY_STATUS", "OK"), extra,
             '<TABLE name="result">\n', *(field_xml(f) for f in fields),
             "<DATA><TABLEDATA>\n", table_rows(fields, rows), "</TABLEDATA></DATA>\n</TABLE>\n"]
    if overflow:
        parts.append(info("QUERY_STATUS", "OVERFLOW"))
    parts.append("</RESOURCE>\n</VOTABLE>\n")
    return "".join(parts).encode("utf-8")


def error(message: str) -> bytes:
    """An error VOTable (QUERY_STATUS=ERROR with the message)."""
    return (HEAD + '<RESOURCE type="results">\n' + info("QUERY_STATUS", "ERROR", message)
            + "</RESOURCE>\n</VOTABLE>\n").encode("utf-8")


def _csv_cell(v) -> str:
    if v is None:
        return ""
    s = str(v)
    return '"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"\n\r') else s


def csv(fields: list[Column], rows: list[tuple], sep: str = ",") -> bytes:
    """CSV (or TSV) with a header line of column names."""
    lines = [sep.join(f.name for f in fields)]
    lines.extend(sep.join(_csv_cell(v) for v in row) for row in rows)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")

"""Column and table model of the TAP service, and TAP_SCHEMA generated from it.

Every relation the service exposes is a :class:`Table`: its metadata (which feeds
TAP_SCHEMA, ``/tables`` and the VOTable FIELDs) and a function building the SQL
sub-query that produces its rows on a given backend. TAP_SCHEMA itself is described
the same way, its rows generated from the registry, so the metadata has one source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

ADQL_RESERVED = frozenset({"size", "value", "date", "time", "first", "last", "user",
                           "section", "position", "level", "zone"})
SQL_TYPES = {"char": "TEXT", "int": "INTEGER", "long": "BIGINT", "double": "DOUBLE PRECISION",
             "short": "INTEGER", "float": "DOUBLE PRECISION"}


@dataclass(frozen=True)
class Column:
    """One column: VOTable datatype (char, int, long, double) and its metadata."""

    name: str
    datatype: str
    description: str = ""
    unit: str = ""
    ucd: str = ""
    utype: str = ""
    xtype: str = ""
    principal: bool = False
    indexed: bool = False
    std: bool = True

    @property
    def adql_name(self) -> str:
        """The name as published in TAP_SCHEMA and /tables (reserved words delimited)."""
        return f'"{self.name}"' if self.name.lower() in ADQL_RESERVED else self.name

    @property
    def arraysize(self) -> str:
        return "*" if self.datatype == "char" else ""

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.datatype]


@dataclass(frozen=True)
class ForeignKey:
    key_id: str
    from_table: str
    target_table: str
    columns: tuple[tuple[str, str], ...]
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A relation queryable by ADQL as ``schema.name``.

    ``source(dialect, base_url)`` returns the SQL of a sub-query whose output columns
    are named (double-quoted, lower case) exactly as :attr:`columns`.
    """

    schema: str
    name: str
    description: str
    columns: tuple[Column, ...]
    source: Callable[[str, str], str]
    utype: str = ""
    table_type: str = "table"
    schema_description: str = ""
    foreign_keys: tuple[ForeignKey, ...] = ()
    by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({c.name.lower(): c for c in self.columns})

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def sql_literal(value: object) -> str:
    """A SQL literal for a str, int, float, bool or None (strings quote-doubled)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def values_source(columns: Iterable[Column], rows: list[tuple], dialect: str) -> str:
    """A sub-query of constant rows, typed on both backends (every value CAST)."""
    cols = list(columns)

    def row_sql(row: tuple) -> str:
        return "(" + ", ".join(f"CAST({sql_literal(v)} AS {c.sql_type})"
                               for c, v in zip(cols, row, strict=True)) + ")"

    body = ", ".join(row_sql(r) for r in rows)
    names = ", ".join(f'"{c.name}"' for c in cols)
    if dialect == "sqlite":
        picks = ", ".join(f'column{i + 1} AS "{c.name}"' for i, c in enumerate(cols))
        return f"SELECT {picks} FROM (VALUES {body})"
    return f"SELECT * FROM (VALUES {body}) AS v({names})"


def _c(name: str, datatype: str, description: str, principal: bool = True) -> Column:
    return Column(name, datatype, description, principal=principal)


TAP_SCHEMA_COLUMNS: dict[str, tuple[Column, ...]] = {
    "schemas": (
        _c("schema_name", "char", "schema name for reference to TAP_SCHEMA.schemas"),
        _c("utype", "char", "lists the utypes of schemas in the tableset"),
        _c("description", "char", "describes schemas in the tableset"),
        _c("schema_index", "int", "recommended sort order when listing schemas"),
    ),
    "tables": (
        _c("schema_name", "char", "the schema this table belongs to"),
        _c("table_name", "char", "the fully qualified table name"),
        _c("table_type", "char", "one of: table view"),
        _c("utype", "char", "lists the utype of tables in the tableset"),
        _c("description", "char", "describes tables in the tableset"),
        _c("table_index", "int", "recommended sort order when listing tables"),
    ),
    "columns": (
        _c("table_name", "char", "the table this column belongs to"),
        _c("column_name", "char", "the column name"),
        _c("datatype", "char", "lists the ADQL datatype of columns in the tableset"),
        _c("arraysize", "char", "lists the size of variable-length columns in the tableset"),
        _c("xtype", "char", "a DALI or custom extended type annotation"),
        _c("size", "int", "deprecated: use arraysize"),
        _c("description", "char", "describes the columns in the tableset"),
        _c("utype", "char", "lists the utypes of columns in the tableset"),
        _c("unit", "char", "lists the unit used for column values in the tableset"),
        _c("ucd", "char", "lists the UCDs of columns in the tableset"),
        _c("indexed", "int", "an indexed column; 1 means 1, 0 means 0"),
        _c("principal", "int", "a principal column; 1 means 1, 0 means 0"),
        _c("std", "int", "a standard column; 1 means 1, 0 means 0"),
        _c("column_index", "int", "recommended sort order when listing columns"),
    ),
    "keys": (
        _c("key_id", "char", "unique key to join to TAP_SCHEMA.key_columns"),
        _c("from_table", "char", "the table with the foreign key"),
        _c("target_table", "char", "the table with the primary key"),
        _c("description", "char", "description of this key"),
        _c("utype", "char", "utype of this key"),
    ),
    "key_columns": (
        _c("key_id", "char", "key to join to TAP_SCHEMA.keys"),
        _c("from_column", "char", "column in the from_table"),
        _c("target_column", "char", "column in the target_table"),
    ),
}

TAP_SCHEMA_KEYS = (
    ForeignKey("tap_tables_schema", "TAP_SCHEMA.tables", "TAP_SCHEMA.schemas",
               (("schema_name", "schema_name"),), "tables of a schema"),
    ForeignKey("tap_columns_table", "TAP_SCHEMA.columns", "TAP_SCHEMA.tables",
               (("table_name", "table_name"),), "columns of a table"),
    ForeignKey("tap_keys_from", "TAP_SCHEMA.keys", "TAP_SCHEMA.tables",
               (("from_table", "table_name"),), "tables holding a foreign key"),
    ForeignKey("tap_keys_target", "TAP_SCHEMA.keys", "TAP_SCHEMA.tables",
               (("target_table", "table_name"),), "tables a foreign key points to"),
    ForeignKey("tap_key_columns_key", "TAP_SCHEMA.key_columns", "TAP_SCHEMA.keys",
               (("key_id", "key_id"),), "columns of a key"),
)


def tap_schema_rows(tables: list[Table]) -> dict[str, list[tuple]]:
    """The rows of the five TAP_SCHEMA tables describing ``tables``."""
    schemas: dict[str, str] = {}
    for t in tables:
        schemas.setdefault(t.schema, t.schema_description)
    rows: dict[str, list[tuple]] = {
        "schemas": [(s, None, d, i) for i, (s, d) in enumerate(schemas.items())],
        "tables": [], "columns": [], "keys": [], "key_columns": []}
    for i, t in enumerate(tables):
        rows["tables"].append((t.schema, t.qualified, t.table_type, t.utype or None,
                               t.description, i))
        for j, c in enumerate(t.columns):
            rows["columns"].append((
                t.qualified, c.adql_name, c.datatype, c.arraysize or None, c.xtype or None, None,
                c.description, c.utype or None, c.unit or None, c.ucd or None,
                int(c.indexed), int(c.principal), int(c.std), j))
        for k in t.foreign_keys:
            rows["keys"].append((k.key_id, k.from_table, k.target_table, k.description, None))
            rows["key_columns"].extend((k.key_id, a, b) for a, b in k.columns)
    return rows

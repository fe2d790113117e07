"""Every relation of the service: the ``epn_core`` tables and TAP_SCHEMA, by name."""

from __future__ import annotations

from functools import lru_cache

from amda_bridge.tap import epn
from amda_bridge.tap.schema import (
    TAP_SCHEMA_COLUMNS,
    TAP_SCHEMA_KEYS,
    Table,
    tap_schema_rows,
    values_source,
)

TAP_SCHEMA = "TAP_SCHEMA"
TAP_SCHEMA_DESCRIPTIONS = {
    "schemas": "schemas in this service", "tables": "tables in this service",
    "columns": "columns of the tables in this service",
    "keys": "foreign keys between tables", "key_columns": "columns of the foreign keys"}


def _tap_schema_source(name: str):
    def source(dialect: str, base_url: str) -> str:
        return _tap_schema_sql(name, dialect)
    return source


@lru_cache(maxsize=16)
def _tap_schema_sql(name: str, dialect: str) -> str:
    rows = tap_schema_rows(all_tables())[name]
    return values_source(TAP_SCHEMA_COLUMNS[name], rows, dialect)


@lru_cache(maxsize=1)
def all_tables() -> list[Table]:
    """The data tables first, then TAP_SCHEMA's five tables."""
    tap = [Table(TAP_SCHEMA, name, TAP_SCHEMA_DESCRIPTIONS[name], cols, _tap_schema_source(name),
                 schema_description="table and column metadata of this service (TAP 1.1)",
                 foreign_keys=tuple(k for k in TAP_SCHEMA_KEYS
                                    if k.from_table == f"{TAP_SCHEMA}.{name}"))
           for name, cols in TAP_SCHEMA_COLUMNS.items()]
    return [*epn.TABLES.values(), *tap]


@lru_cache(maxsize=1)
def by_qualified_name() -> dict[str, Table]:
    """Tables by lower-case ``schema.table``."""
    return {t.qualified.lower(): t for t in all_tables()}


def lookup(schema: str | None, name: str) -> Table | None:
    """A table by (case-insensitive) schema and name; unqualified names must be unique."""
    if schema:
        return by_qualified_name().get(f"{schema}.{name}".lower())
    found = [t for t in all_tables() if t.name.lower() == name.lower()]
    return found[0] if len(found) == 1 else None

"""ADQL to backend SQL: parse with sqlglot, check against an allow-list, re-generate.

Only one ``SELECT`` is accepted. Every node of the syntax tree must be of an allowed
kind (no sub-queries, set operations, CTEs, casts, window functions or unknown
functions); every table must be one of the service's relations and every column one
of theirs. Tables are replaced by the SQL sub-queries that produce them, columns are
re-qualified and quoted, ``TOP``/``MAXREC`` become ``LIMIT``, ``ivo_hashlist_has`` a
portable ``CASE``, and the SQL is generated afresh for SQLite or PostgreSQL: nothing
of the user's text reaches the database except through the syntax tree.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace

import sqlglot
from sqlglot import exp, tokens
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError

from amda_bridge.tap import registry
from amda_bridge.tap.schema import Column, Table

MAX_QUERY_CHARS = 20_000
MAX_NODES = 3_000
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
UDFS = {"ivo_hashlist_has": 2}
SQLGLOT_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}

ALLOWED = (
    exp.Select, exp.From, exp.Join, exp.Where, exp.Group, exp.Having, exp.Order, exp.Ordered,
    exp.Limit, exp.Offset, exp.Distinct, exp.Star, exp.Column, exp.Identifier, exp.Table,
    exp.TableAlias, exp.Alias, exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.And, exp.Or,
    exp.Not, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In, exp.Is,
    exp.Like, exp.ILike, exp.Escape, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg,
    exp.DPipe, exp.Count, exp.Min, exp.Max, exp.Avg, exp.Sum, exp.Lower, exp.Upper, exp.Abs,
    exp.Round, exp.Coalesce, exp.Anonymous,
)


class AdqlError(ValueError):
    """The query is not valid ADQL, or uses what this service does not allow."""


class ADQL(Dialect):
    """The default sqlglot dialect with ``SELECT TOP n``; NULLs sort last (as PostgreSQL)."""

    NULL_ORDERING = "nulls_are_large"

    class Tokenizer(tokens.Tokenizer):
        KEYWORDS = {**tokens.Tokenizer.KEYWORDS, "TOP": tokens.TokenType.TOP}


@dataclass
class Translation:
    """SQL for the backend, the output columns, and the row limit applied."""

    sql: str
    fields: list[Column]
    limit: int
    check_overflow: bool


@dataclass
class _Scope:
    tables: dict[str, Table]  # alias (lower) -> table
    order: list[str]


def parse(query: str) -> exp.Select:
    """Parse one ADQL SELECT (no other statement kind, nothing after it)."""
    if not query or not query.strip():
        raise AdqlError("empty QUERY")
    if len(query) > MAX_QUERY_CHARS:
        raise AdqlError(f"query longer than {MAX_QUERY_CHARS} characters")
    try:
        statements = [s for s in sqlglot.parse(query, read=ADQL) if s is not None]
    except (SqlglotError, RecursionError, ValueError) as exc:
        raise AdqlError(f"syntax error: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise AdqlError("exactly one SELECT statement is accepted")
    tree = statements[0]
    if not isinstance(tree, exp.Select):
        raise AdqlError(f"only SELECT is accepted, not {tree.key.upper()}")
    return tree


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r"\x1b\[[0-9;]*m", "", text)[:300]


def check_nodes(tree: exp.Expression) -> None:
    """Refuse any node outside the allow-list (and oversized trees)."""
    for n, node in enumerate(tree.walk()):
        if n > MAX_NODES:
            raise AdqlError("query too complex")
        if not isinstance(node, ALLOWED):
            raise AdqlError(f"not supported here: {node.key.upper()} ({node.sql()[:60]!r})")
        if isinstance(node, exp.Select) and node is not tree:
            raise AdqlError("sub-queries are not supported")
        if isinstance(node, exp.Anonymous):
            name = str(node.this).lower()
            if name not in UDFS:
                raise AdqlError(f"unknown function {node.this}")
            if len(node.expressions) != UDFS[name]:
                raise AdqlError(f"{name} takes {UDFS[name]} arguments")
        if isinstance(node, exp.Join) and (node.args.get("using") or node.args.get("method")):
            raise AdqlError("only [INNER|LEFT|RIGHT] JOIN ... ON is supported")


def _scope(tree: exp.Select) -> _Scope:
    froms = [tree.args.get("from_") or tree.args.get("from")]
    if froms[0] is None:
        raise AdqlError("FROM clause required")
    items = [froms[0].this] + [j.this for j in tree.args.get("joins") or []]
    scope = _Scope({}, [])
    for item in items:
        if not isinstance(item, exp.Table):
            raise AdqlError("FROM must name tables")
        if item.args.get("catalog"):
            raise AdqlError(f"unknown table {item.sql()}")
        table = registry.lookup(item.db or None, item.name)
        if table is None:
            raise AdqlError(f"unknown table {item.sql()}")
        alias = (item.alias or table.name).lower()
        if not NAME_RE.match(alias) or alias in scope.tables:
            raise AdqlError(f"give distinct aliases to the tables ({alias})")
        scope.tables[alias] = table
        scope.order.append(alias)
    return scope


def _qualified(alias: str, name: str) -> exp.Column:
    return exp.Column(this=exp.Identifier(this=name, quoted=True),
                      table=exp.Identifier(this=alias, quoted=True))


def _expand_stars(tree: exp.Select, scope: _Scope) -> None:
    out: list[exp.Expression] = []
    for item in tree.expressions:
        if isinstance(item, exp.Star):
            aliases = scope.order
        elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            aliases = [_alias_of(item, scope)]
        else:
            out.append(item)
            continue
        out.extend(_qualified(a, c.name) for a in aliases for c in scope.tables[a].columns)
    tree.set("expressions", out)


def _alias_of(col: exp.Column, scope: _Scope) -> str:
    qualifier = col.table.lower()
    if qualifier in scope.tables:
        if col.db and scope.tables[qualifier].schema.lower() != col.db.lower():
            raise AdqlError(f"unknown table {col.db}.{col.table}")
        return qualifier
    raise AdqlError(f"unknown table or alias {col.table!r}")


def _resolve_columns(tree: exp.Select, scope: _Scope) -> None:
    aliases = {a.alias.lower() for a in tree.expressions if isinstance(a, exp.Alias)}
    for col in list(tree.find_all(exp.Column)):
        if isinstance(col.this, exp.Star):
            if not isinstance(col.parent, exp.Count):
                raise AdqlError("'*' only as a select item or in COUNT(*)")
            continue
        name = col.name.lower()
        if col.table:
            alias = _alias_of(col, scope)
            if name not in scope.tables[alias].by_name:
                raise AdqlError(f"unknown column {col.sql()}")
            col.replace(_qualified(alias, name))
            continue
        owners = [a for a in scope.order if name in scope.tables[a].by_name]
        if len(owners) == 1:
            col.replace(_qualified(owners[0], name))
        elif len(owners) > 1:
            raise AdqlError(f"ambiguous column {col.name}")
        elif name in aliases and col.find_ancestor(exp.Order, exp.Group, exp.Having):
            col.replace(exp.Column(this=exp.Identifier(this=name, quoted=True)))
        else:
            raise AdqlError(f"unknown column {col.name}")
    for a in tree.expressions:
        if isinstance(a, exp.Alias):
            if not NAME_RE.match(a.alias):
                raise AdqlError(f"bad column alias {a.alias!r}")
            a.set("alias", exp.Identifier(this=a.alias.lower(), quoted=True))


def _hashlist_case(hay: exp.Expression, needle: exp.Expression) -> exp.Expression:
    def wrap(e: exp.Expression) -> exp.Expression:
        return exp.DPipe(this=exp.DPipe(this=exp.Literal.string("#"), expression=exp.Lower(
            this=e)), expression=exp.Literal.string("#"))
    found = exp.GT(this=exp.StrPosition(this=wrap(hay), substr=wrap(needle)),
                   expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=found, true=exp.Literal.number(1))],
                    default=exp.Literal.number(0))


def _rewrite_udfs(tree: exp.Select) -> None:
    for node in list(tree.find_all(exp.Anonymous)):
        if str(node.this).lower() == "ivo_hashlist_has":
            hay, needle = node.expressions
            node.replace(exp.Paren(this=_hashlist_case(hay.copy(), needle.copy())))


def _int_literal(node: exp.Expression | None, what: str) -> int | None:
    if node is None:
        return None
    value = node.args.get("expression") if isinstance(node, exp.Limit | exp.Offset) else node
    if not isinstance(value, exp.Literal) or value.is_string or not value.this.isdigit():
        raise AdqlError(f"{what} needs a non-negative integer")
    return int(value.this)


# ------------------------------------------------------------- output columns

def _field(node: exp.Expression, scope: _Scope) -> Column:
    if isinstance(node, exp.Alias):
        return replace(_field(node.this, scope), name=node.alias)
    if isinstance(node, exp.Paren):
        return _field(node.this, scope)
    if isinstance(node, exp.Column) and node.table:
        return scope.tables[node.table.lower()].by_name[node.name.lower()]
    if isinstance(node, exp.Count):
        return Column("count", "long", "number of rows", ucd="meta.number")
    if isinstance(node, exp.Min | exp.Max | exp.Coalesce | exp.Abs | exp.Neg):
        inner = _field(node.this, scope)
        return Column(node.key.lower(), inner.datatype, inner.description, inner.unit,
                      inner.ucd if not isinstance(node, exp.Neg) else "", xtype=inner.xtype)
    if isinstance(node, exp.Sum):
        inner = _field(node.this, scope)
        return Column("sum", "double" if inner.datatype == "double" else "long", "sum",
                      inner.unit)
    if isinstance(node, exp.Avg | exp.Round | exp.Div):
        return Column(node.key.lower(), "double", "computed value")
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Mod):
        kinds = {_field(node.this, scope).datatype, _field(node.expression, scope).datatype}
        dtype = "long" if kinds <= {"int", "long"} else "double"
        return Column(node.key.lower(), dtype, "computed value")
    if isinstance(node, exp.Literal):
        if node.is_string:
            return Column("literal", "char", "constant")
        return Column("literal", "long" if node.this.isdigit() else "double", "constant")
    if isinstance(node, exp.Lower | exp.Upper | exp.DPipe | exp.Null):
        return Column(node.key.lower(), "char", "computed text")
    if isinstance(node, exp.Case | exp.Anonymous):
        return Column("ivo_hashlist_has", "int", "1 if the item is in the list")
    if isinstance(node, exp.Column):  # an output alias (ORDER BY)
        return Column(node.name, "char", "")
    return Column(node.key.lower(), "boolean", "predicate")


def _fields(tree: exp.Select, scope: _Scope) -> list[Column]:
    out: list[Column] = []
    seen: set[str] = set()
    for node in tree.expressions:
        f = _field(node, scope)
        name, n = f.name, 1
        while name.lower() in seen:
            n += 1
            name = f"{f.name}_{n}"
        seen.add(name.lower())
        out.append(f if name == f.name else replace(f, name=name))
    return out


def translate(query: str, dialect: str, base_url: str, maxrec: int) -> Translation:
    """Check ``query`` and translate it for ``dialect`` (``sqlite`` or ``postgresql``)."""
    target = SQLGLOT_DIALECTS.get(dialect)
    if target is None:
        raise AdqlError(f"unsupported backend {dialect}")
    tree = parse(query)
    check_nodes(tree)
    scope = _scope(tree)
    _expand_stars(tree, scope)
    _resolve_columns(tree, scope)
    fields = _fields(tree, scope)
    _rewrite_udfs(tree)
    top = _int_literal(tree.args.get("limit"), "TOP")
    _int_literal(tree.args.get("offset"), "OFFSET")
    if top is not None and top <= maxrec:
        limit, check = top, False
    else:
        limit, check = maxrec + 1, True
    tree.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    tokens_: dict[str, str] = {}
    for item in list(tree.find_all(exp.Table)):
        alias = (item.alias or scope_alias(item, scope)).lower()
        token = f"tap_src_{secrets.token_hex(8)}"
        tokens_[token] = scope.tables[alias].source(dialect, base_url)
        item.replace(exp.Table(this=exp.Identifier(this=token, quoted=True),
                               alias=exp.TableAlias(this=exp.Identifier(this=alias,
                                                                        quoted=True))))
    if target == "postgres":
        for like in list(tree.find_all(exp.Like, exp.ILike)):
            if not isinstance(like.parent, exp.Escape):
                like.replace(exp.Escape(this=like.copy(), expression=exp.Literal.string("")))
    try:
        sql = tree.sql(dialect=target, comments=False)
    except (SqlglotError, ValueError) as exc:
        raise AdqlError(f"cannot translate: {_first_line(exc)}") from None
    for token, source in tokens_.items():
        sql = sql.replace(f'"{token}"', f"({source})")
    return Translation(sql, fields, limit, check)


def scope_alias(item: exp.Table, scope: _Scope) -> str:
    """The alias a table without an explicit one received in :func:`_scope`."""
    table = registry.lookup(item.db or None, item.name)
    for alias, t in scope.tables.items():
        if t is table and alias == t.name.lower():
            return alias
    raise AdqlError(f"unknown table {item.sql()}")

"""Statements that SQLAlchemy compiles once.

SQLAlchemy 2.0 gives a `postgresql.insert(...).on_conflict_do_...()` no cache key (sqlalchemy#10445), so
such a statement is compiled again on every execution: on the hot path (an inbox claim, an order's
rows, a read model's upsert) that was a tenth of a consumer's CPU. A `text()` statement is cached like any
Core statement. Several rows: pass a list of parameter sets (asyncpg sends them in one round trip).
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, Column, ColumnElement, Table, bindparam, func, text
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _checked(*names: str) -> None:
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")


def _insert(
    table: Table, columns: Sequence[str], conflict: str, returning: Sequence[str]
) -> TextClause | TextualSelect:
    sql = (
        f"INSERT INTO {table.fullname} ({', '.join(columns)}) VALUES ({', '.join(f':{c}' for c in columns)})"
        f" ON CONFLICT{conflict}"
    )
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    statement = text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
    return statement.columns(*(table.c[c] for c in returning)) if returning else statement


def insert_unless_present(
    table: Table, columns: Sequence[str], *, on: Sequence[str] = (), returning: Sequence[str] = ()
) -> TextClause | TextualSelect:
    """`INSERT INTO table (columns) VALUES (:column, ...) ON CONFLICT [(on)] DO NOTHING [RETURNING ...]`,
    its parameters typed by the table's columns (JSON is serialised, UUIDs are sent as UUIDs)."""
    _checked(table.name, *columns, *on, *returning)
    target = f" ({', '.join(on)})" if on else ""
    return _insert(table, columns, f"{target} DO NOTHING", returning)


def insert_or_update(
    table: Table,
    columns: Sequence[str],
    *,
    on: Sequence[str],
    update: Sequence[str] | Mapping[str, str] | None = None,
    only_if_newer: str | None = None,
    returning: Sequence[str] = (),
) -> TextClause | TextualSelect:
    """`INSERT ... ON CONFLICT (on) DO UPDATE SET ...`: each column of `update` (every inserted column
    not in `on` when None) takes the inserted value, or the SQL expression a mapping gives it (written by
    the caller, never from input). `only_if_newer` names a column: the row changes only when the inserted
    value of it is greater (a redelivered or out-of-order snapshot leaves a newer one alone), and then
    RETURNING yields nothing."""
    updated: Mapping[str, str] = (
        update
        if isinstance(update, Mapping)
        else {c: f"EXCLUDED.{c}" for c in (update if update is not None else [c for c in columns if c not in on])}
    )
    _checked(table.name, *columns, *on, *updated, *returning, *([only_if_newer] if only_if_newer else []))
    if not on or not updated:
        raise ValueError("an upsert needs its conflict columns and at least one column to update")
    conflict = f" ({', '.join(on)}) DO UPDATE SET {', '.join(f'{c} = {sql}' for c, sql in updated.items())}"
    if only_if_newer:
        conflict += f" WHERE {table.name}.{only_if_newer} < EXCLUDED.{only_if_newer}"
    return _insert(table, columns, conflict, returning)


def is_any_of(column: Column[Any], parameter: str) -> ColumnElement[bool]:
    """`column = ANY(:parameter)`, the parameter a list: one statement whatever the list's length (an
    `IN` list is rewritten for each length, so neither SQLAlchemy nor asyncpg can reuse it)."""
    return column == func.any(bindparam(parameter, type_=ARRAY(column.type)))

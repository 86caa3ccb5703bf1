"""Statements that SQLAlchemy compiles once.

SQLAlchemy 2.0 gives a `postgresql.insert(...).on_conflict_do_...()` no cache key (sqlalchemy#10445), so
such a statement is compiled again on every execution: on the hot path (an inbox claim, an order's
rows) that was a tenth of a consumer's CPU. A `text()` statement is cached like any Core statement.
"""

import re
from collections.abc import Sequence

from sqlalchemy import Table, bindparam, text
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def insert_unless_present(
    table: Table, columns: Sequence[str], *, on: Sequence[str] = (), returning: Sequence[str] = ()
) -> TextClause | TextualSelect:
    """`INSERT INTO table (columns) VALUES (:column, ...) ON CONFLICT [(on)] DO NOTHING [RETURNING ...]`,
    its parameters typed by the table's columns (JSON is serialised, UUIDs are sent as UUIDs)."""
    for name in (table.name, *columns, *on, *returning):
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain SQL identifier: {name!r}")
    target = f" ({', '.join(on)})" if on else ""
    sql = (
        f"INSERT INTO {table.fullname} ({', '.join(columns)}) VALUES ({', '.join(f':{c}' for c in columns)})"
        f" ON CONFLICT{target} DO NOTHING"
    )
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    statement = text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
    return statement.columns(*(table.c[c] for c in returning)) if returning else statement

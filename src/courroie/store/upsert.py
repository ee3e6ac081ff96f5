"""INSERT … ON CONFLICT DO UPDATE on both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(connection: Connection, table: Table, values: dict[str, Any], keys: Sequence[str]) -> None:
    statement = _statement(connection.dialect.name, table, tuple(values), tuple(keys))
    connection.execute(statement, values)


@lru_cache(maxsize=256)
def _statement(dialect_name: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]):
    """One statement per table and set of columns, values bound at execution: building ``excluded``
    anew for every row costs more than the row's round trip to SQLite."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    changes = {name: statement.excluded[name] for name in columns if name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)

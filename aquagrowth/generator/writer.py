"""Writing generated tables: binary COPY on PostgreSQL, large executemany on SQLite.

Runs inside the caller's transaction on Django's connection, so a failed build leaves
nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from aquagrowth.generator.tables import (
    PG_COPY_HEADER,
    PG_COPY_TRAILER,
    Table,
    pg_binary_body,
    sqlite_rows,
)

SQLITE_CHUNK = 50_000


def next_ids(tables: Iterable[str]) -> dict[str, int]:
    """One past the largest id of each table (1 for an empty table)."""
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            result[table] = int(cursor.fetchone()[0])
    return result


def write_table(table: Table) -> int:
    """Insert the rows of ``table``; returns their number."""
    if table.rows == 0:
        return 0
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            statement = f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT BINARY)"
            with cursor.copy(statement) as copy:
                copy.write(PG_COPY_HEADER)
                for block in pg_binary_body(table):
                    copy.write(block)
                copy.write(PG_COPY_TRAILER)
    else:
        marks = ", ".join("?" * len(table.columns))
        statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        rows = list(sqlite_rows(table))
        cursor = raw.cursor()
        for i in range(0, len(rows), SQLITE_CHUNK):
            cursor.executemany(statement, rows[i : i + SQLITE_CHUNK])
        cursor.close()
    return table.rows


def reset_sequences(tables: Iterable[str]) -> None:
    """Move PostgreSQL's id sequences past the explicit ids (SQLite follows by itself)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )

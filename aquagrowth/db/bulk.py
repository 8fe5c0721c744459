"""Bulk loads: tables of numpy columns written by binary COPY on PostgreSQL and large
``executemany`` on SQLite, and the ids, sequences, indexes and foreign keys around them.

Runs inside the caller's transaction on Django's connection, so a failed load (the
generator's farm, say) leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import connection

from aquagrowth.db.copy import Table, copy_data, copy_statement, sqlite_rows

SQLITE_CHUNK = 50_000
SQLITE_CACHE_KIB = 262_144


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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_rows(cursor, table)
        else:
            # A larger page cache keeps the growing indexes in memory during the build.
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            insert_rows(cursor, table, chunk=SQLITE_CHUNK)
    return table.rows


def copy_rows(cursor, table: Table) -> None:
    """PostgreSQL: the rows of ``table`` by one binary ``COPY`` on ``cursor`` (Django's)."""
    statement = copy_statement(table)

    def write() -> None:
        with cursor.cursor.copy(statement) as copy:
            for chunk in copy_data(table):
                copy.write(chunk)

    run_counted(cursor, statement, [], write)


def insert_rows(cursor, table: Table, *, chunk: int | None = None) -> None:
    """SQLite: the rows of ``table`` by ``executemany`` on ``cursor`` (Django's), ``chunk``
    rows a statement (default: all in one)."""
    rows = list(sqlite_rows(table))
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    marks = ", ".join(["%s"] * len(table.columns))
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    step = chunk or len(rows)
    for start in range(0, len(rows), step):
        cursor.executemany(statement, rows[start : start + step])


def run_counted(cursor, sql: str, params: list, action: Callable[[], Any]) -> Any:
    """Run ``action`` (a COPY on ``cursor``'s connection) as if it were ``sql`` executed.

    Django's execute wrappers (the runner's query counter) and its query log (tests'
    query counts) see a COPY like any other statement, so counts stay honest.
    """

    def executor(sql, params, many, context):
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            return action()

    logged = cursor.debug_sql(sql, params) if connection.queries_logged else nullcontext()
    with logged:
        return cursor._execute_with_wrappers(sql, params, many=False, executor=executor)


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


def secondary_indexes(tables: Iterable[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the non-unique indexes of ``tables``, read from the
    database's catalog so that recreating them restores exactly what migrations made."""
    names = list(tables)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary "
                "ORDER BY c.relname",
                [names],
            )
        else:
            marks = ", ".join("?" * len(names)).replace("?", "%s")
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks}) ORDER BY name",
                names,
            )
        return [(name, sql) for name, sql in cursor.fetchall()]


@contextmanager
def indexes_built_after(tables: Iterable[str]) -> Iterator[list[tuple[str, str]]]:
    """Drop the tables' secondary indexes for the block and rebuild them at its end.

    One sorted build is cheaper than keeping an index ordered through millions of
    inserts. Inside a transaction: on failure the drop is rolled back with the rows.
    """
    indexes = secondary_indexes(tables)
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield indexes
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks must run before an index may be built.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, statement in indexes:
            cursor.execute(statement)


def foreign_keys(tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the PostgreSQL foreign keys of ``tables``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND t.relname = ANY(%s) ORDER BY t.relname, c.conname",
            [list(tables)],
        )
        return list(cursor.fetchall())


@contextmanager
def foreign_keys_checked_after(tables: Iterable[str]) -> Iterator[None]:
    """On PostgreSQL, check the tables' foreign keys once for all rows after the block.

    A foreign key checks every inserted row with its own lookup (a row trigger); adding
    the constraint back checks all rows in one join, tens of times faster for millions
    of rows, with the same names and definitions. SQLite checks keys cheaply: no change.
    """
    if connection.vendor != "postgresql":
        yield
        return
    keys = foreign_keys(tables)
    with connection.cursor() as cursor:
        # A table with deferred key checks still queued cannot be altered: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _ in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

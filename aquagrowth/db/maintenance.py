"""Database upkeep after bulk writes: the PostgreSQL planner's statistics."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def analyze(tables: Iterable[str], columns: dict[str, tuple[str, ...]] | None = None) -> None:
    """Refresh the PostgreSQL planner's statistics of ``tables`` (a sample; seconds at most).

    Needed after a bulk write that changed a table's size many times over: until
    autovacuum comes round, the planner would still see the old size (an empty table
    read by sequential scan, say). ``columns`` limits a table's refresh to the columns
    its reads are planned on (the table's size is always refreshed): the statistics of
    every column of a wide table cost most of the time. Other databases: nothing to do.
    """
    if connection.vendor != "postgresql":
        return
    columns = columns or {}
    with connection.cursor() as cursor:
        for table in tables:
            names = ", ".join(f'"{c}"' for c in columns.get(table, ()))
            cursor.execute(f'ANALYZE "{table}"' + (f" ({names})" if names else ""))


def planner_rows(table: str) -> float:
    """The rows PostgreSQL's planner believes ``table`` holds; -1 when it never sampled it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return float(cursor.fetchone()[0])

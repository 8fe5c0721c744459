"""Database upkeep after bulk writes."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def analyze(tables: Iterable[str]) -> None:
    """Refresh the PostgreSQL planner's statistics of ``tables`` (a sample; seconds at most).

    Needed after a bulk write that changed a table's size many times over: until
    autovacuum comes round, the planner would still see the old size (an empty table
    read by sequential scan, say). Other databases: nothing to do.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')

"""Foreign keys of a bulk load checked once per referenced row, not once per loaded row.

PostgreSQL checks a foreign key of every inserted row with a row trigger: a look-up and
a ``FOR KEY SHARE`` lock of the referenced row, queued until the commit (Django makes
its keys ``DEFERRABLE INITIALLY DEFERRED``). A request of 10,000 feedings names 4
batches, 22 containers and one import run, yet pays for 30,000 such checks: 0.12 s of
its commit on the development machine, a third of the request.

:func:`keys_held` does what those triggers do, once for each distinct referenced id:
it locks the referenced rows ``FOR KEY SHARE`` (a concurrent delete of one waits for
this transaction, as it would for the triggers' locks) and says whether every one
exists. When they all do, :func:`row_triggers_off` lets the ``COPY`` skip the insert
side's key triggers (``session_replication_role = replica`` for that one statement).
The referenced side's triggers are untouched: a later delete of a batch the new rows
name is still refused. Everything else stays checked by the database: ``CHECK``
constraints, unique indexes, ``NOT NULL``.

It is used only where it is safe and allowed: the database role may set the parameter
(a superuser, or ``GRANT SET ON PARAMETER session_replication_role`` on PostgreSQL 15
and later), and the table has no trigger of its own (one the parameter would silence
too). Otherwise the load goes as before, its keys checked by the triggers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models

REPLICA = "SET LOCAL session_replication_role = replica"
ORIGIN = "SET LOCAL session_replication_role = origin"


def key_fields(model: type[models.Model]) -> list[models.ForeignKey]:
    """The model's foreign keys that the database checks (``db_constraint``)."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.db_constraint
    ]


def triggers_skippable(table: str) -> bool:
    """May a load into ``table`` skip its key triggers (PostgreSQL only): the role may
    set ``session_replication_role``, it is ``origin`` now, and the table has no
    trigger but the keys' own."""
    if connection.vendor != "postgresql":
        return False
    allowed = "r.rolsuper"
    if connection.pg_version >= 150000:
        allowed += " OR has_parameter_privilege('session_replication_role', 'SET')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({allowed}) AND current_setting('session_replication_role') = 'origin'"
            " AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = %s::regclass"
            " AND NOT t.tgisinternal) FROM pg_roles r WHERE r.rolname = current_user",
            [connection.ops.quote_name(table)],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def keys_held(wanted: dict[models.ForeignKey, set]) -> bool:
    """Lock the referenced rows of ``wanted`` (ids by key field) ``FOR KEY SHARE``, as
    the key triggers would; True when every one of them exists."""
    with connection.cursor() as cursor:
        for key, ids in wanted.items():
            ids = {value for value in ids if value is not None}
            if not ids:
                continue
            target = key.target_field
            table = connection.ops.quote_name(key.related_model._meta.db_table)
            column = connection.ops.quote_name(target.column)
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE {column} = ANY(%s) FOR KEY SHARE",
                [sorted(ids)],
            )
            if len(cursor.fetchall()) != len(ids):
                return False
    return True


@contextmanager
def row_triggers_off() -> Iterator[None]:
    """The statements of the block fire no key trigger on the rows they insert.

    Inside a savepoint: should a statement fail, rolling the savepoint back restores
    the setting too; on success it is set back here.
    """
    with connection.cursor() as cursor:
        cursor.execute(REPLICA)
    yield
    with connection.cursor() as cursor:
        cursor.execute(ORIGIN)

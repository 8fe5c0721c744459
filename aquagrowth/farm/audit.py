"""Event changes: one record of every correction and deletion of a stored event.

Every way an event is changed after it was first stored (the admin, an import that meets
a changed event again, the event API, the undo of an import) records it the same way,
through these functions, so the history reads alike whoever wrote it (docs/data-in.md,
"Corrections and deletions")::

    before = event_values(event)            # read before the change
    ... change and save the event (or delete it) ...
    record_change(event, ChangeAction.UPDATE, before, event_values(event), who, Via.API,
                  run=run)
    record_change(event, ChangeAction.DELETE, before, None, who, Via.ADMIN)

Call :func:`record_change` in the same transaction as the change itself, so a change
that is rolled back leaves no record and a record never misses its change.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from aquagrowth.farm.models import ChangeAction, EventChange, ImportRun, Via

NAME_MAX = EventChange._meta.get_field("who_name").max_length


def json_value(value: Any) -> Any:
    """A field's value as JSON stores it: dates, times and datetimes as ISO strings,
    decimals and UUIDs as strings, a non-finite float by its name (``"nan"``, ``"inf"``;
    JSON has none, and PostgreSQL refuses them), everything else as it is."""
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def event_values(instance: models.Model) -> dict[str, Any]:
    """An event's stored values by field name, JSON-safe: the ``before`` and ``after``
    of an :class:`~aquagrowth.farm.models.EventChange`.

    Every concrete field but the primary key (the change names the event by its id),
    identity and import run included; a foreign key by its field name (``batch``, not
    ``batch_id``) with the related row's id, read from the instance without a query.
    Read it from the instance as stored: for an update, before the new values are set
    (or from a fresh copy out of the database).
    """
    return {
        field.name: json_value(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


def differences(before: dict[str, Any], after: dict[str, Any] | None) -> dict[str, tuple]:
    """The fields whose values differ: ``{name: (before, after)}``, in ``before``'s
    order (an import reports them by line: ``amount_kg 410 -> 395``)."""
    after = after or {}
    return {
        name: (value, after.get(name)) for name, value in before.items() if after.get(name) != value
    }


def _who(who, who_name: str = "") -> tuple[Any, str]:
    """(user or None, name): a signed-in user, a plain name (the OS account of a
    command), or None (nobody known; ``who_name`` says who, when given)."""
    if isinstance(who, str):
        return None, who[:NAME_MAX]
    if who is None or not getattr(who, "is_authenticated", False):
        return None, who_name[:NAME_MAX]
    return who, who.get_username()[:NAME_MAX]


def record_change(
    instance: models.Model,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any] | None,
    who=None,
    via: str = "",
    run: ImportRun | None = None,
    *,
    who_name: str = "",
) -> EventChange | None:
    """Record that ``instance`` (an event) was updated or deleted; returns the record, or
    None for an update that changed no value (nothing to record).

    - ``action``: :class:`~aquagrowth.farm.models.ChangeAction` (``update``, ``delete``);
    - ``before``: :func:`event_values` of the event as it was; ``after``: as it is now
      (None for a delete);
    - ``who``: the user (a ``User``), or a name (the OS account of a command), or None
      (then ``who_name``, when given, names who);
    - ``via``: :class:`~aquagrowth.farm.models.Via` (``csv``, ``api``, ``admin``,
      ``undo``); ``run``: the import run that made the change, if any.

    The event's identity (``source``, ``external_id``) is taken from ``before`` (an
    update may change it; the record names the event as it was known). Call it within
    the transaction that changes the event. Many changes at once: :func:`change_of`
    for each, then one ``EventChange.objects.bulk_create``.
    """
    change = change_of(instance, action, before, after, who, via, run, who_name=who_name)
    if change is not None:
        change.save()
    return change


def change_of(
    instance: models.Model,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any] | None,
    who=None,
    via: str = "",
    run: ImportRun | None = None,
    *,
    who_name: str = "",
) -> EventChange | None:
    """The unsaved record :func:`record_change` would store (same arguments), or None
    for an update that changed nothing: for a bulk write of many changes."""
    if action == ChangeAction.UPDATE and after == before:
        return None
    user, name = _who(who, who_name)
    return EventChange(
        **_fields(instance, action, before, after, via, run), who=user, who_name=name
    )


def record_deletions(
    instances: Iterable[models.Model], who, via: str, run: ImportRun | None = None
) -> int:
    """Record the deletion of each of ``instances`` (about to be deleted, read as they
    are stored), in bulk; returns how many were recorded."""
    changes = [
        change_of(event, ChangeAction.DELETE, event_values(event), None, who, via, run)
        for event in instances
    ]
    EventChange.objects.bulk_create(changes, batch_size=1000)
    return len(changes)


def _fields(instance, action, before, after, via, run) -> dict[str, Any]:
    if action not in ChangeAction.values:
        raise ValueError(f"unknown action {action!r}")
    if via not in Via.values:
        raise ValueError(f"unknown via {via!r}")
    return {
        "via": via,
        "run": run,
        "model": instance._meta.label_lower,
        "event_id": instance.pk,
        "source": before.get("source", "") or "",
        "external_id": before.get("external_id", "") or "",
        "action": action,
        "before": before,
        "after": after,
    }

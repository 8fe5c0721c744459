"""The record of corrections and deletions of stored events (docs/data-in.md).

Every way an event changes after it was first stored (an import or API request that
updates it by identity, an edit or delete in the admin, the undo of an import) records
an :class:`~aquagrowth.farm.models.EventChange` through :func:`record_change`, with the
event's values before and after in one JSON shape, :func:`event_values`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from aquagrowth.farm.models import ChangeAction, EventChange, ImportRun

SKIPPED_FIELDS = frozenset({"id", "import_run"})
"""Not part of what an event says: its id is the change's own column, and the run that
first stored it is not a value a correction changes."""


def event_values(instance: models.Model) -> dict[str, Any]:
    """The event's values by field name, JSON-safe: foreign keys as ids, dates, times
    and datetimes in ISO form; floats and texts as they are."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, dt.date | dt.time):  # datetime is a date
            value = value.isoformat()
        values[field.attname] = value
    return values


def record_change(
    instance: models.Model,
    action: ChangeAction | str,
    before: dict[str, Any],
    after: dict[str, Any] | None,
    *,
    via: str,
    who=None,
    who_name: str = "",
    run: ImportRun | None = None,
) -> EventChange:
    """Store one change of ``instance`` (``after`` None for a delete). ``who`` is the
    user when there is one; ``who_name`` says who otherwise (a command's OS account)."""
    if who is not None and getattr(who, "is_authenticated", False):
        who_name = who_name or who.get_username()
    else:
        who = None
    return EventChange.objects.create(
        who=who,
        who_name=who_name,
        via=via,
        run=run,
        model=instance._meta.label_lower,
        event_id=instance.pk,
        source=getattr(instance, "source", ""),
        external_id=getattr(instance, "external_id", ""),
        action=action,
        before=before,
        after=after,
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``field old -> new`` for every field that differs, in field order."""
    return [
        f"{name} {before.get(name)!r} -> {after[name]!r}"
        for name in after
        if before.get(name) != after[name]
    ]

"""Undo an import run: remove what it stored, put back what it updated (docs/data-in.md).

All or nothing, in one transaction. It refuses, changing nothing, when the farm has
moved on in a way an undo would damage: an event the run updated has been changed again
since, or records the run created are named by records it did not create (events of a
later import in a stay this run created). The recomputes to run afterwards are returned
as for an import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from aquagrowth.farm import models as m
from aquagrowth.farm.audit import event_values, record_change
from aquagrowth.farm.models import (
    EVENT_DAY_FIELDS,
    ChangeAction,
    EventChange,
    ImportRun,
    ImportRunState,
    Via,
)
from aquagrowth.farm.signals import bulk_load

EVENT_MODELS = tuple(EVENT_DAY_FIELDS)
"""Events that carry their run and a batch; readings carry their run but no batch."""


DERIVED = frozenset({"farm.containerdaytemperature"})
"""Farm tables computed from others, which go with what they were computed from."""


class UndoRefused(Exception):
    """The run cannot be undone (the message says why); nothing was changed."""


@dataclass
class UndoResult:
    removed: dict[str, int] = field(default_factory=dict)
    restored: int = 0
    recompute_since: dict[int, dt.date] = field(default_factory=dict)


def undo_run(run_id: int, who=None, who_name: str = "") -> UndoResult:
    """Undo import run ``run_id``; raises ``ImportRun.DoesNotExist`` or
    :class:`UndoRefused`."""
    result = UndoResult()
    with transaction.atomic(), bulk_load():
        run = ImportRun.objects.select_for_update().get(pk=run_id)
        if run.state == ImportRunState.UNDONE:
            raise UndoRefused(
                f"import {run_id} was already undone ({run.undone_at:%Y-%m-%d %H:%M})"
            )
        created = _created_records(run)
        _refuse_when_named_by_others(run, created)
        _refuse_when_changed_since(run)
        for change in run.changes.filter(action=ChangeAction.UPDATE).order_by("-pk"):
            _restore(change, result, who, who_name)
        for model in EVENT_MODELS:
            events = model.objects.filter(import_run=run)
            for batch_id, day in events.values_list("batch_id", EVENT_DAY_FIELDS[model]):
                _keep_earliest(result.recompute_since, batch_id, day)
            count, _ = events.delete()
            if count:
                result.removed[model._meta.verbose_name_plural] = count
        readings, _ = m.EnvironmentalReading.objects.filter(import_run=run).delete()
        if readings:
            result.removed["readings"] = readings
            from aquagrowth.farm import daily_temperature

            daily_temperature.refresh()
        for label, ids in reversed(list(created.items())):
            model = apps.get_model(label)
            if model is m.Batch:
                for batch_id in ids:
                    result.recompute_since.pop(batch_id, None)
            count = _delete_created(model, ids)
            if count:
                result.removed[model._meta.verbose_name_plural] = count
        run.state = ImportRunState.UNDONE
        run.undone_at = timezone.now()
        run.undone_by = who_name or (who.get_username() if who is not None else "")
        run.save(update_fields=["state", "undone_at", "undone_by"])
    return result


def _delete_created(model, ids: list[int]) -> int:
    """Delete records the run created, refusing (in a savepoint, so nothing is lost)
    when that would also delete farm records the run did not create: a stay or container
    of a later import, held by a cascade. Derived data (daily states, temperatures of a
    day, ground truth, runs of the engine) goes with what it was derived from."""
    label = model._meta.label_lower
    refused = (
        f"{model._meta.verbose_name_plural} this import created hold records stored since; "
        "undo or delete those first"
    )
    try:
        with transaction.atomic():
            count, per_model = model.objects.filter(pk__in=ids).delete()
            others = [
                name
                for name, n in per_model.items()
                if n
                and name.lower() != label
                and name.lower().split(".")[0] == "farm"
                and name.lower() not in DERIVED
            ]
            if others:
                raise UndoRefused(f"{refused} ({', '.join(sorted(others))})")
    except (ProtectedError, RestrictedError, IntegrityError) as error:
        raise UndoRefused(refused) from error
    return count


def _created_records(run: ImportRun) -> dict[str, list[int]]:
    """Keyed records the run created, by model label, in the order they were stored."""
    created: dict[str, list[int]] = {}
    for label, record_id in run.records.order_by("pk").values_list("model", "record_id"):
        created.setdefault(label, []).append(record_id)
    return created


def _refuse_when_named_by_others(run: ImportRun, created: dict[str, list[int]]) -> None:
    """Stays and batches the run created may only hold events of this run."""
    batches = created.get("farm.batch", [])
    stays = created.get("farm.assignment", [])
    for model in EVENT_MODELS:
        others = model.objects.exclude(import_run=run)
        named = others.filter(batch_id__in=batches).exists()
        if stays and not named:
            if model is m.FeedingEvent:
                continue
            if model is m.TransferAction:
                named = (
                    others.filter(source_assignment_id__in=stays).exists()
                    or others.filter(dest_assignment_id__in=stays).exists()
                )
            else:
                named = others.filter(assignment_id__in=stays).exists()
        if named:
            raise UndoRefused(
                f"{model._meta.verbose_name_plural} stored since name batches or stays this "
                f"import created; undo the later imports first"
            )


def _refuse_when_changed_since(run: ImportRun) -> None:
    """An event the run stored that a later import, request or edit changed: undoing the
    run would delete that correction too."""
    for model in (*EVENT_MODELS, m.EnvironmentalReading):
        ids = model.objects.filter(import_run=run).values("pk")
        later = EventChange.objects.filter(model=model._meta.label_lower, event_id__in=ids)
        if later.exclude(run=run).exclude(run__state=ImportRunState.UNDONE).exists():
            raise UndoRefused(
                f"{model._meta.verbose_name_plural} this import stored have been changed or "
                "deleted since; undo those changes first"
            )


def _restore(change: EventChange, result: UndoResult, who, who_name: str) -> None:
    model = apps.get_model(change.model)
    event = model.objects.filter(pk=change.event_id).first()
    if event is None or event_values(event) != change.after:
        raise UndoRefused(
            f"{change.model} {change.event_id}, which this import updated, has been changed "
            "or deleted since; nothing was undone"
        )
    current = event_values(event)
    for model_field in model._meta.concrete_fields:
        # Values are by field name, a foreign key by its id (audit.event_values).
        if model_field.name in change.before:
            value = model_field.to_python(change.before[model_field.name])
            setattr(event, model_field.attname, value)
    event.save()
    day_field = EVENT_DAY_FIELDS.get(model)
    if day_field is not None:
        for values in (current, change.before):
            _keep_earliest(
                result.recompute_since, values["batch"], dt.date.fromisoformat(values[day_field])
            )
    record_change(
        event,
        ChangeAction.UPDATE,
        current,
        event_values(event),
        via=Via.UNDO,
        who=who,
        who_name=who_name,
        run=change.run,
    )
    result.restored += 1


def _keep_earliest(days: dict[int, dt.date], key: int, day: dt.date) -> None:
    if key not in days or day < days[key]:
        days[key] = day

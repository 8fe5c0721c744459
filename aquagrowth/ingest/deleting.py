"""An event deleted by its identity, with the change recorded and its days recomputed.

An event is named as the client knows it, by ``(source, external_id)``; an event this
farm exported without an identity of its own by the identity the export wrote
(``aquagrowth:<farm>``, its id). A reading, which has no identity, is named by its
container, parameter and time (and sensor, when it has one), as the import names it.

The delete is recorded (:func:`~aquagrowth.farm.audit.record_change`: its values
before, none after, who, via ``api``) in the transaction that deletes, and the event's
batch is queued for recompute from the event's day once it is committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from aquagrowth.distributed.triggers import event_windows, reading_windows
from aquagrowth.farm import models as m
from aquagrowth.farm.audit import event_values, record_change
from aquagrowth.farm.csvio.cells import CellError, Timestamp
from aquagrowth.farm.csvio.registry import KIND_CLASSES
from aquagrowth.farm.models import EVENT_DAY_FIELDS, ChangeAction, FarmIdentity, Via
from aquagrowth.farm.signals import bulk_load
from aquagrowth.ingest import recompute as rq
from aquagrowth.ingest.access import visible_batches, writable_container_ids

MODELS: dict[str, type[models.Model]] = {cls.spec.name: cls.model for cls in KIND_CLASSES}
READINGS = "readings"


class NotFound(LookupError):
    """No such event (or one the user may not be told of)."""


class Forbidden(PermissionError):
    """An event of a container outside the user's sites."""


class BadQuery(ValueError):
    """The query does not name an event (a parameter missing or malformed)."""


@dataclass(frozen=True)
class Deleted:
    """What the answer tells: the events deleted (with their change records) and the
    recompute."""

    kind: str
    events: list[dict[str, Any]]
    recompute: dict[str, Any]


def delete(kind: str, query: Mapping[str, str], user) -> Deleted:
    """Delete the event of ``kind`` that ``query`` names, for ``user``.

    Raises :class:`BadQuery`, :class:`NotFound` (none, or its batch is not one the
    user sees) or :class:`Forbidden` (its container is outside the user's sites).
    """
    events = _readings(query) if kind == READINGS else _by_identity(MODELS[kind], query)
    if not events:
        raise NotFound(f"No {kind} event with that identity.")
    _check_access(events, user)
    windows: rq.Windows = {}
    shown = []
    with transaction.atomic(), bulk_load():
        for event in events:
            before = event_values(event)
            change = record_change(event, ChangeAction.DELETE, before, None, via=Via.API, who=user)
            shown.append({"id": event.pk, **_named(event), "change": change.pk})
            for batch_id, since in _windows(event).items():
                rq.merge(windows, batch_id, since)
            event.delete()
    windows = rq.with_learning(windows, kind == "harvests")
    return Deleted(kind, shown, rq.answer(rq.queue(windows)))


def _by_identity(model: type[models.Model], query: Mapping[str, str]) -> list[models.Model]:
    source, external_id = query.get("source", ""), query.get("external_id", "")
    if not external_id:
        raise BadQuery("Name the event by ?source=...&external_id=... (its identity).")
    if source and source == FarmIdentity.own_source(make=False):
        if not external_id.isdigit():
            return []
        return list(model.objects.filter(pk=int(external_id)))
    return list(model.objects.filter(source=source, external_id=external_id))


def _readings(query: Mapping[str, str]) -> list[models.Model]:
    """Readings named by container, parameter, time and (when given) sensor."""
    missing = [name for name in ("container", "parameter", "reading_time") if not query.get(name)]
    if missing:
        raise BadQuery(
            "A reading has no identity: name it by ?container=...&parameter=...&"
            f"reading_time=...[&sensor=...] ({', '.join(missing)} missing)."
        )
    try:
        when = Timestamp().parse(query["reading_time"])
    except CellError as exc:
        raise BadQuery(f"reading_time: {exc}") from None
    found = m.EnvironmentalReading.objects.filter(
        container__name=query["container"],
        parameter__code=query["parameter"],
        reading_time=when,
        sensor__serial=query["sensor"] if query.get("sensor") else None,
    )
    return list(found)


def _containers(event: models.Model) -> set[int]:
    if isinstance(event, m.TransferAction):
        stays = m.Assignment.objects.filter(
            pk__in=[event.source_assignment_id, event.dest_assignment_id]
        )
        return set(stays.values_list("container_id", flat=True))
    if hasattr(event, "container_id"):
        return {event.container_id}
    return {m.Assignment.objects.values_list("container_id", flat=True).get(pk=event.assignment_id)}


def _check_access(events: list[models.Model], user) -> None:
    batches = {event.batch_id for event in events if hasattr(event, "batch_id")}
    if batches:
        seen = visible_batches(user, m.Batch.objects.filter(pk__in=batches)).count()
        if seen < len(batches):
            raise NotFound("No event with that identity.")
    writable = writable_container_ids(user)
    if writable is None:
        return
    for event in events:
        if not _containers(event) <= writable:
            raise Forbidden("The event's container is not at one of your sites.")


def _windows(event: models.Model) -> rq.Windows:
    """The days the event changed: from its day for its batch; a temperature reading's
    batches around it."""
    if isinstance(event, m.EnvironmentalReading):
        return reading_windows([(event.container_id, event.parameter_id, event.reading_time)])
    model = type(event)
    return event_windows(model, [(event.batch_id, getattr(event, EVENT_DAY_FIELDS[model]))])


def _named(event: models.Model) -> dict[str, Any]:
    """How the answer names a deleted event (its id is gone with it)."""
    if isinstance(event, m.EnvironmentalReading):
        return {"reading_time": event.reading_time.isoformat()}
    return {"source": event.source, "external_id": event.external_id}

"""Saved events trigger the recompute of exactly the days they can change.

Receivers of ``pre_save``, ``post_save`` and ``post_delete`` of the event models work
wherever a record is saved one at a time: admin, API, importer or code. For each they
name the batches and the first day to recompute (docs/engine.md):

- feeding, mortality, growth sample, weighing, transfer, harvest, population count: the
  event's batch from the event's day (the runner goes back to the anchor before that day
  itself, and on through every assignment downstream);
- a water temperature reading: every batch with an assignment in that container within
  the core's interpolation reach (``INTERPOLATION_REACH_DAYS``, 7 days) of the reading,
  from that many days before it, because a measured day also changes the interpolated
  temperatures of the days up to the reach either side;
- a harvest also: every other active batch of its species and geography, whole, since
  its exact count teaches the farm's history a new unrecorded loss rate, which their
  open stretches take (docs/engine.md, "Open stretches");
- a changed record: both its old and its new place, so moving a sample from May to March
  recomputes from March, and moving it to another batch recomputes both batches.

Bulk paths trigger nothing: ``QuerySet.bulk_create``, ``QuerySet.update``, raw SQL and
binary COPY send no such signals, and ``loaddata`` sends them with ``raw=True``, which
the receivers skip. Nor does any bulk path recompute by itself today: the CSV import
(``bulk_create``, inside :func:`aquagrowth.farm.signals.bulk_load`) returns each touched
batch with its first day to recompute, and the ``import`` command prints them as
``aquagrowth recompute --batch NUMBER --since DATE`` lines to run; a generated farm
(COPY) is computed by ``aquagrowth demo`` or ``aquagrowth recompute``. Code that writes
in bulk and wants the states to follow calls
:func:`aquagrowth.distributed.dispatch.enqueue_recompute` once per touched batch when it
is done. The nightly sweep (``aquagrowth.recompute_recent``) recomputes the last 14 days
of every active batch, whatever wrote them. Triggers are also off inside
:func:`~aquagrowth.farm.signals.bulk_load` for one-row-at-a-time loads, and in a whole
process with ``AQUAGROWTH_TRIGGERS=0``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

from django.db.models import Model, Q
from django.db.models.signals import post_delete, post_save, pre_save

from aquagrowth.distributed.dispatch import recompute_after_commit
from aquagrowth.distributed.pending import earliest
from aquagrowth.engine.core.temperature import INTERPOLATION_REACH_DAYS
from aquagrowth.farm import models as m
from aquagrowth.farm.models import EVENT_DAY_FIELDS
from aquagrowth.farm.models.environment import TEMPERATURE_CODE
from aquagrowth.farm.signals import triggers_enabled

Windows = dict[int, dt.date | None]
"""Batch id -> first day to recompute."""

_PREVIOUS = "_aquagrowth_previous"


def triggers_on() -> bool:
    """Whether saves trigger here and now: not in a process started with
    ``AQUAGROWTH_TRIGGERS=0``, nor in a thread inside ``bulk_load``."""
    return os.environ.get("AQUAGROWTH_TRIGGERS", "1") != "0" and triggers_enabled()


def _merge(windows: Windows, batch_id: int, since: dt.date) -> None:
    """Widen the batch's window to ``since``: one recompute covers both changes."""
    windows[batch_id] = earliest(windows[batch_id], since) if batch_id in windows else since


def event_windows(model: type[Model], places: Iterable[tuple[int, dt.date]]) -> Windows:
    """The windows of an event that was or is at ``places`` ((batch id, day) pairs)."""
    windows: Windows = {}
    for batch_id, day in places:
        if batch_id is not None and day is not None:
            _merge(windows, batch_id, day)
    return windows


def reading_windows(places: Iterable[tuple[int, int, dt.datetime]]) -> Windows:
    """Windows of a reading that was or is at ``places`` ((container, parameter, time)).

    Only readings of the temperature parameter (found by its code) change daily states.
    """
    windows: Windows = {}
    reach = dt.timedelta(days=INTERPOLATION_REACH_DAYS)
    temperature_ids = set(
        m.EnvironmentalParameter.objects.filter(code=TEMPERATURE_CODE).values_list("id", flat=True)
    )
    for container_id, parameter_id, reading_time in places:
        if parameter_id not in temperature_ids or reading_time is None:
            continue
        day = reading_time.astimezone(dt.UTC).date() if reading_time.tzinfo else reading_time.date()
        present = m.Assignment.objects.filter(
            container_id=container_id, assignment_date__lte=day + reach
        ).filter(Q(departure_date__isnull=True) | Q(departure_date__gt=day - reach))
        for batch_id in present.values_list("batch_id", flat=True).distinct():
            _merge(windows, batch_id, day - reach)
    return windows


def _event_place(model: type[Model], instance: Model) -> tuple[int, dt.date]:
    """An event's (batch id, day): what decides the days it can change."""
    return instance.batch_id, getattr(instance, EVENT_DAY_FIELDS[model])


def _reading_place(instance: m.EnvironmentalReading) -> tuple[int, int, dt.datetime]:
    """A reading's (container, parameter, time): it belongs to no batch, so the batches
    are found from the container's assignments around that time."""
    return instance.container_id, instance.parameter_id, instance.reading_time


def _place(model: type[Model], instance: Model) -> tuple:
    """The record's place as its kind names it (reading or event)."""
    if model is m.EnvironmentalReading:
        return _reading_place(instance)
    return _event_place(model, instance)


def _stored_place(model: type[Model], pk: object) -> tuple | None:
    """Where the record is in the database now (before this save)."""
    if model is m.EnvironmentalReading:
        fields = ("container_id", "parameter_id", "reading_time")
    else:
        fields = ("batch_id", EVENT_DAY_FIELDS[model])
    return model.objects.filter(pk=pk).values_list(*fields).first()


def _windows(model: type[Model], places: list[tuple]) -> Windows:
    """The windows of a record of ``model`` that was or is at ``places``."""
    if model is m.EnvironmentalReading:
        return reading_windows(places)
    windows = event_windows(model, places)
    if model is m.Harvest:
        for batch_id in learning_batches(batch for batch, _ in places):
            windows.setdefault(batch_id, None)
    return windows


def learning_batches(harvested: Iterable[int | None]) -> list[int]:
    """The other active batches of the harvested batches' species and geographies: a
    harvest's exact count measures its pen's unrecorded loss, which the farm's history
    applies to their open stretches (docs/engine.md), so every day of theirs may change."""
    origins = m.Batch.objects.filter(pk__in=[b for b in harvested if b is not None])
    same_place = Q()
    for species_id, geography_id in origins.values_list("species_id", "geography_id"):
        same_place |= Q(species_id=species_id, geography_id=geography_id)
    if not same_place:
        return []
    others = m.Batch.objects.filter(same_place, status=m.BatchStatus.ACTIVE).exclude(
        pk__in=origins.values("pk")
    )
    return list(others.values_list("pk", flat=True))


def _hand_on(windows: Windows) -> None:
    """Recompute each window once the saving transaction commits (coalesced per batch)."""
    for batch_id, since in windows.items():
        recompute_after_commit(batch_id, since, "event")


def remember_previous_place(
    sender: type[Model], instance: Model, raw: bool = False, **_: object
) -> None:
    """``pre_save``: note where a changed record was, so that its old place is recomputed
    too (a sample moved from May to March changes the states from March; one moved to
    another batch changes both batches)."""
    if raw or not triggers_on() or instance._state.adding or instance.pk is None:
        return
    setattr(instance, _PREVIOUS, _stored_place(sender, instance.pk))


def on_saved(sender: type[Model], instance: Model, raw: bool = False, **_: object) -> None:
    """``post_save``: recompute from the record's new place and its old one, if it moved.
    Fixture loads (``raw``) are skipped, as Django advises (their related rows may not
    be loaded yet): whoever loads fixtures recomputes afterwards."""
    if raw or not triggers_on():
        return
    places = [_place(sender, instance)]
    previous = instance.__dict__.pop(_PREVIOUS, None)
    if previous is not None:
        places.append(previous)
    _hand_on(_windows(sender, places))


def on_deleted(sender: type[Model], instance: Model, **_: object) -> None:
    """``post_delete``: the days the record changed must be recomputed without it."""
    if not triggers_on():
        return
    _hand_on(_windows(sender, [_place(sender, instance)]))


def connect() -> None:
    """Connect the receivers (from ``DistributedConfig.ready``); idempotent."""
    for model in [*EVENT_DAY_FIELDS, m.EnvironmentalReading]:
        uid = f"aquagrowth.distributed.triggers.{model.__name__}"
        pre_save.connect(remember_previous_place, sender=model, dispatch_uid=f"{uid}.pre")
        post_save.connect(on_saved, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(on_deleted, sender=model, dispatch_uid=f"{uid}.deleted")

"""A stay's departure recorded through the API: an update of a keyed record.

The import only adds keyed records (an assignment given again must equal the stored
one), yet the day fish leave a container is known only when they leave. A departure
names the stay by its key (batch, container, arrival day) and gives its
``departure_date``; equal to the stored one it is a no-op, otherwise the stay is
updated in place, recorded as an event change (:func:`~aquagrowth.farm.audit.record_change`,
before and after by field) under an import run, like an event updated by identity.

Checked first, all or nothing: the stay exists, the departure comes after the arrival,
the stay does not then overlap another stay of the batch in that container, and no
event of the stay falls on or after the new departure (those must be corrected or
deleted first: a departure never leaves events outside their stay).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q

from aquagrowth.farm import models as m
from aquagrowth.farm.audit import event_values, record_change
from aquagrowth.farm.csvio.catalogue import STORED, Stay
from aquagrowth.farm.csvio.cells import Date
from aquagrowth.farm.csvio.errors import ErrorLog
from aquagrowth.farm.csvio.format import Column, FileSpec
from aquagrowth.farm.csvio.importing import ImportOptions, ImportResult
from aquagrowth.farm.csvio.kinds.batches import AssignmentKind
from aquagrowth.farm.csvio.progress import NoProgress
from aquagrowth.farm.csvio.sources import RecordSource
from aquagrowth.farm.models import ChangeAction, ImportRun

KIND = "departures"
_ASSIGNMENT = {column.name: column for column in AssignmentKind.spec.columns}
SPEC = FileSpec(
    KIND,
    (
        _ASSIGNMENT["batch"],
        _ASSIGNMENT["container"],
        _ASSIGNMENT["assignment_date"],
        Column(
            "departure_date",
            Date(),
            "First day no longer there (exclusive): the day the fish left.",
        ),
    ),
    key=("batch", "container", "assignment_date"),
)
Key = tuple[str, str, dt.date]

ASSIGNMENT_EVENTS: tuple[tuple[type, str], ...] = tuple(
    (model, day)
    for model, day in m.EVENT_DAY_FIELDS.items()
    if model not in (m.FeedingEvent, m.TransferAction)  # a container's; two stays'
)
"""Events of one stay, with their day."""
MOVES = (m.TransferStatus.COMPLETED, m.TransferStatus.IN_PROGRESS)
"""Transfers that must lie within their stays (plans may lie ahead)."""


@dataclass
class _Change:
    index: int
    stay: m.Assignment
    departure: dt.date


def record(
    records: Sequence[dict[str, str]], options: ImportOptions, errors: ErrorLog
) -> ImportResult:
    """Check every departure, then store the changed ones as one run; as an import's
    result (``updated``, ``already_stored``; ``errors`` when anything is wrong, and then
    nothing is stored)."""
    result = ImportResult(errors=errors)
    source = RecordSource(
        list(SPEC.column_names), [[r.get(c, "") for c in SPEC.column_names] for r in records]
    )
    rows = list(source.rows(SPEC, errors, NoProgress()))
    stays = _stays({(row["batch"], row["container"]) for _, row in rows})
    changes: list[_Change] = []
    seen: dict[Key, int] = {}
    for index, row in rows:
        key = (row["batch"], row["container"], row["assignment_date"])
        change = _check(index, row, key, stays, seen, errors)
        if change is not None:
            changes.append(change)
    if changes:
        _check_events(changes, stays, errors)
    result.already_stored[KIND] = len(rows) - len(changes)
    if errors or options.check_only:
        return result
    _store(changes, options, result)
    return result


def _stays(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], list[m.Assignment]]:
    """Every stay of the named batches in the named containers, by (batch, container)."""
    where = Q(pk__in=[])
    for batch, container in pairs:
        where |= Q(batch__number=batch, container__name=container)
    found: dict[tuple[str, str], list[m.Assignment]] = {}
    for stay in m.Assignment.objects.filter(where).select_related("batch", "container"):
        found.setdefault((stay.batch.number, stay.container.name), []).append(stay)
    return found


def _check(index, row, key: Key, stays, seen: dict[Key, int], errors: ErrorLog) -> _Change | None:
    """The departure of one row, or None (unchanged, or reported)."""

    def bad(column: str, reason: str) -> None:
        errors.add("", index, column, reason)

    batch, container, arrival = key
    departure = row["departure_date"]
    if key in seen:
        bad("assignment_date", f"the same stay is given at [{seen[key]}]")
        return None
    seen[key] = index
    stay = next((s for s in stays.get(key[:2], ()) if s.assignment_date == arrival), None)
    if stay is None:
        _no_stay(batch, container, arrival, bad)
        return None
    if departure <= arrival:
        bad("departure_date", "must be after assignment_date")
        return None
    if departure == stay.departure_date:
        return None
    wanted = Stay(arrival, departure, index)
    for other in stays[key[:2]]:
        there = Stay(other.assignment_date, other.departure_date, STORED)
        if other.pk != stay.pk and there.overlaps(wanted):
            bad("departure_date", f"the batch is already in this container: {there.describe()}")
            return None
    return _Change(index, stay, departure)


def _no_stay(batch: str, container: str, arrival: dt.date, bad) -> None:
    """The finding the import gives a row naming a stay that does not exist."""
    if not m.Batch.objects.filter(number=batch).exists():
        bad("batch", f"no batch {batch!r} in the files or the database")
    elif not m.Container.objects.filter(name=container).exists():
        bad("container", f"no container {container!r} in the files or the database")
    else:
        bad("assignment_date", f"batch {batch} has no stay in {container} arriving on {arrival}")


def _check_events(changes: list[_Change], stays, errors: ErrorLog) -> None:
    """No event of a stay may fall on or after its new departure (transfers out: after)."""
    ids = [change.stay.pk for change in changes]
    last: dict[int, list[tuple[dt.date, str]]] = {}
    for model, day in ASSIGNMENT_EVENTS:
        found = model.objects.filter(assignment_id__in=ids).values("assignment_id")
        for pk, latest in found.annotate(latest=Max(day)).values_list("assignment_id", "latest"):
            last.setdefault(pk, []).append((latest, model._meta.verbose_name))
    moves = m.TransferAction.objects.filter(status__in=MOVES)
    for field, what, shift in (
        ("dest_assignment_id", "transfer in", 0),
        ("source_assignment_id", "transfer out", -1),
    ):
        found = (
            moves.filter(**{f"{field}__in": ids})
            .values(field)
            .annotate(latest=Max("execution_date"))
        )
        for pk, latest in found.values_list(field, "latest"):
            last.setdefault(pk, []).append((latest + dt.timedelta(days=shift), what))
    for change in changes:
        late = [
            (day, what) for day, what in last.get(change.stay.pk, ()) if day >= change.departure
        ]
        late += _late_feeding(change, stays)
        if late:
            day, what = max(late)
            errors.add(
                "",
                change.index,
                "departure_date",
                f"the stay has records on or after {change.departure} (the last: {what} on "
                f"{day}); correct or delete them first",
            )


def _late_feeding(change: _Change, stays) -> list[tuple[dt.date, str]]:
    """Feeding of the batch in the container on or after the new departure that no
    other stay of the batch there covers."""
    stay = change.stay
    days = m.FeedingEvent.objects.filter(
        batch_id=stay.batch_id, container_id=stay.container_id, feeding_date__gte=change.departure
    ).values_list("feeding_date", flat=True)
    others = [
        Stay(s.assignment_date, s.departure_date, STORED)
        for s in stays[(stay.batch.number, stay.container.name)]
        if s.pk != stay.pk
    ]
    return [(day, "feeding") for day in days.distinct() if not any(o.covers(day) for o in others)]


def _store(changes: list[_Change], options: ImportOptions, result: ImportResult) -> None:
    """Update the stays and record each change, under one import run."""
    result.updated[KIND] = len(changes)
    result.stored[KIND] = 0
    if not changes:
        return
    with transaction.atomic():
        run = ImportRun.objects.create(
            who=options.who if getattr(options.who, "is_authenticated", False) else None,
            who_name=options.who_name,
            via=options.via,
            origin=options.origin[:500],
            counts={
                KIND: {
                    "stored": 0,
                    "updated": len(changes),
                    "unchanged": result.already_stored[KIND],
                    "repeats_skipped": 0,
                }
            },
        )
        for change in changes:
            stay = change.stay
            before = event_values(stay)
            old = stay.departure_date
            stay.departure_date = change.departure
            stay.save(update_fields=["departure_date"])
            record_change(
                stay,
                ChangeAction.UPDATE,
                before,
                event_values(stay),
                via=options.via,
                who=options.who,
                who_name=options.who_name,
                run=run,
            )
            result.updates_said.append(
                f"[{change.index}]: updates assignment {stay.pk}: departure_date "
                f"{old or '(empty)'} -> {change.departure}"
            )
            first = min(old or change.departure, change.departure) - dt.timedelta(days=1)
            since = max(first, stay.assignment_date)
            current = result.recompute_since.get(stay.batch_id)
            result.recompute_since[stay.batch_id] = (
                since if current is None else min(current, since)
            )
    result.run_id = run.pk

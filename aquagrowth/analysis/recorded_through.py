"""How far a batch's and a stay's records reach, per stream ("recorded through" dates).

A curve drawn past the last feeding record, or a population past the last mortality
record, rests on the model, not on the farm: the page and anyone reading the API need
to know where the records end. The engine writes each stay's last day of each stream
into ``StaySummary`` at every recompute (docs/engine.md, "What the records reach"); this
module reads them, one query whatever the number of batches or stays.

A batch's date of a stream is the earliest over its open stays (no departure date):
the fish still in the water are known only as far as the least recorded of their pens.
Stays without any record of the stream do not count (a tray of eggs is never fed), so
the date is ``None`` only when none of the open stays has one. A batch with no open
stay (harvested, or every stay departed) takes the latest over all its stays: the day
its records end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Max, Min, Q

from aquagrowth.farm.models import Assignment

STREAMS = ("feed", "mortality", "samples", "temperature", "counts")
"""The streams, each a ``<stream>_through`` field of ``StaySummary``."""

STREAM_DOCS = {
    "feed": "Last day with a feeding record.",
    "mortality": "Last day with a mortality record.",
    "samples": "Last day with a growth sample or weighing.",
    "temperature": "Last day with a measured water temperature in the container.",
    "counts": "Last day the population was measured (a count, a counted move, a harvest).",
}

RecordedThrough = dict[str, dt.date | None]
"""Stream name -> the last day with a record of it (``None``: none)."""

STAY_FIELDS = {stream: f"summary__{stream}_through" for stream in STREAMS}
"""Stream -> the lookup from an assignment to its summary's date, for ``values()``."""


def none_recorded() -> RecordedThrough:
    """The dates of a batch or stay without records or never computed."""
    return dict.fromkeys(STREAMS)


def of_stay(values: dict) -> RecordedThrough:
    """A stay's dates from an assignment's ``values(*STAY_FIELDS.values())`` row."""
    return {stream: values[field] for stream, field in STAY_FIELDS.items()}


def of_batches(batch_ids: Iterable[int]) -> dict[int, RecordedThrough]:
    """Each batch's dates (see the module docstring); one query, a batch without stays
    gets ``None`` everywhere."""
    ids = list(batch_ids)
    found = {batch_id: none_recorded() for batch_id in ids}
    if not ids:
        return found
    still_in = Q(departure_date__isnull=True)
    aggregates = {"open_stays": Count("id", filter=still_in)}
    for stream, field in STAY_FIELDS.items():
        aggregates[f"open_{stream}"] = Min(field, filter=still_in)
        aggregates[f"any_{stream}"] = Max(field)
    rows = (
        Assignment.objects.filter(batch_id__in=ids)
        .order_by()
        .values("batch_id")
        .annotate(**aggregates)
    )
    for row in rows:
        which = "open" if row["open_stays"] else "any"
        found[row["batch_id"]] = {stream: row[f"{which}_{stream}"] for stream in STREAMS}
    return found

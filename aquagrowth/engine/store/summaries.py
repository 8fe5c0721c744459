"""Each stay's summary (``StaySummary``): what its records reach and how it closed.

Written with the stay's rows, in the same transaction, and only when they are: the
summary is computed from the same records, so unchanged rows mean an unchanged summary.
One statement whatever the batch's size.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from aquagrowth.engine.core.outputs import NO_DAY, StaySummaries
from aquagrowth.engine.models import StaySummary


def summary_records(
    stays: StaySummaries, assignment_ids: np.ndarray, start_date: dt.date
) -> dict[int, StaySummary]:
    """Assignment id -> its summary as a (not yet saved) model instance."""

    def date(day: int) -> dt.date | None:
        return None if day == NO_DAY else start_date + dt.timedelta(days=int(day))

    return {
        int(a): StaySummary(
            assignment_id=int(a),
            feed_through=date(stays.feed_through[i]),
            mortality_through=date(stays.mortality_through[i]),
            samples_through=date(stays.samples_through[i]),
            temperature_through=date(stays.temperature_through[i]),
            counts_through=date(stays.counts_through[i]),
            stocked_fish=int(stays.stocked_fish[i]),
            fish_days=float(stays.fish_days[i]),
            unexplained_fish=int(stays.unexplained_fish[i]),
            closed_by=int(stays.closed_by[i]),
            closed_on=date(stays.closed_day[i]),
        )
        for i, a in enumerate(assignment_ids.tolist())
    }


def save_summaries(summaries: dict[int, StaySummary], assignment_ids) -> None:
    """Upsert the summaries of ``assignment_ids`` (those whose rows are written)."""
    chosen = [summaries[a] for a in assignment_ids if a in summaries]
    if not chosen:
        return
    fields = [f.name for f in StaySummary._meta.concrete_fields if not f.primary_key]
    StaySummary.objects.bulk_create(
        chosen, update_conflicts=True, unique_fields=["assignment"], update_fields=fields
    )

"""Each stay's summary (``StaySummary``): what its records reach and how it closed.

Written with the stay's rows, in the same transaction, and only when they are: the
summary is computed from the same records, so unchanged rows mean an unchanged summary.
One statement for any farm's batch, from plain tuples: a batch's summaries are
written on every first computation, and building model instances for them cost as much
as the rest of the store's Python.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import connection

from aquagrowth.engine.core.outputs import NO_DAY, StaySummaries
from aquagrowth.engine.models import StaySummary

SUMMARY_COLUMNS = (
    "assignment_id",
    "feed_through",
    "mortality_through",
    "samples_through",
    "temperature_through",
    "counts_through",
    "stocked_fish",
    "fish_days",
    "unexplained_fish",
    "closed_by",
    "closed_on",
    "tgc_end",
    "tgc_var_end",
    "root_tgc_cov_end",
)
"""The columns of ``engine_staysummary``, in the order :func:`summary_records` gives."""

SummaryRow = tuple[object, ...]
"""One stay's summary as a row of :data:`SUMMARY_COLUMNS`."""

ROWS_PER_STATEMENT = 2_000
"""Stays per INSERT: 28,000 parameters, under SQLite's limit of 32,766."""


def summary_records(
    stays: StaySummaries, assignment_ids: np.ndarray, start_date: dt.date
) -> dict[int, SummaryRow]:
    """Assignment id -> its summary as a row of :data:`SUMMARY_COLUMNS`."""
    dates = {}

    def date(day: int) -> dt.date | None:
        if day == NO_DAY:
            return None
        if day not in dates:
            dates[day] = start_date + dt.timedelta(days=day)
        return dates[day]

    through = [
        stays.feed_through.tolist(),
        stays.mortality_through.tolist(),
        stays.samples_through.tolist(),
        stays.temperature_through.tolist(),
        stays.counts_through.tolist(),
    ]
    stocked, fish_days = stays.stocked_fish.tolist(), stays.fish_days.tolist()
    unexplained, closed_by = stays.unexplained_fish.tolist(), stays.closed_by.tolist()
    closed_day = stays.closed_day.tolist()
    # the smoothed state's TGC variance in customary units: g = TGC / 1000
    n = len(closed_day)
    tgc = _floats(stays.tgc_end, 1e3, n)
    tgc_var = _floats(stays.tgc_var_end, 1e6, n)
    root_tgc_cov = _floats(stays.root_tgc_cov_end, 1e3, n)
    return {
        a: (
            a,
            *(date(column[i]) for column in through),
            stocked[i],
            fish_days[i],
            unexplained[i],
            closed_by[i],
            date(closed_day[i]),
            tgc[i],
            tgc_var[i],
            root_tgc_cov[i],
        )
        for i, a in enumerate(assignment_ids.tolist())
    }


def _floats(values: np.ndarray | None, scale: float, n: int) -> list[float | None]:
    """``values * scale`` as floats, None where NaN or absent (the anchored model)."""
    if values is None:
        return [None] * n
    return [None if v != v else v * scale for v in values.tolist()]


def save_summaries(summaries: dict[int, SummaryRow], assignment_ids: list[int]) -> None:
    """Upsert the summaries of ``assignment_ids`` (those whose rows are written)."""
    chosen = [summaries[a] for a in assignment_ids if a in summaries]
    if not chosen:
        return
    table = StaySummary._meta.db_table
    row = "(" + ", ".join(["%s"] * len(SUMMARY_COLUMNS)) + ")"
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SUMMARY_COLUMNS[1:])
    with connection.cursor() as cursor:
        for lo in range(0, len(chosen), ROWS_PER_STATEMENT):
            part = chosen[lo : lo + ROWS_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(SUMMARY_COLUMNS)}) "
                f"VALUES {', '.join([row] * len(part))} "
                f"ON CONFLICT (assignment_id) DO UPDATE SET {updates}",
                [value for summary in part for value in summary],
            )

"""The rows a change on one day can alter: the incremental recompute's window.

A new or changed event on day ``d`` moves the weight curve back to the anchor before
``d`` (the segment is re-fitted) and everything after ``d`` forward (population,
placements downstream). Rows of an assignment before its last anchor preceding ``d``
cannot change, nor can assignments that ended before ``d``.
"""

from __future__ import annotations

import numpy as np

from aquagrowth.engine.core.inputs import BatchInputs
from aquagrowth.engine.core.outputs import ANCHOR_TYPES, DailyStates

NO_ANCHOR = ANCHOR_TYPES.index("none")


def window(
    inputs: BatchInputs, states: DailyStates, since_day: int
) -> tuple[np.ndarray, dict[int, int]]:
    """Rows to rewrite after a change on ``since_day``, and each assignment's first day rewritten.

    Returns a boolean mask over ``states`` and a mapping assignment position -> day.
    """
    reaches = inputs.assignment_stop_day >= since_day
    anchored = (states.anchor_type != NO_ANCHOR) & (states.day < since_day)
    starts: dict[int, int] = {}
    for a in np.flatnonzero(reaches):
        first = int(inputs.assignment_first_day[a])
        if first >= since_day:
            starts[int(a)] = first
            continue
        own = anchored & (states.assignment == a)
        starts[int(a)] = int(states.day[own].max()) if own.any() else first
    start_of_row = np.full(len(states), np.iinfo(np.int64).max)
    for a, day in starts.items():
        start_of_row[states.assignment == a] = day
    return states.day >= start_of_row, starts

"""The rows a change on one day can alter: the incremental recompute's window.

A new or changed event on day ``d`` can change every row of a stay that reaches ``d``:
the weight curve back to the anchor before ``d`` (the segment is re-fitted), and the
population back to the stay's previous measurement (a count or a late mortality record
reconciles the stretch it closes, per fish-day), which for most stays is their opening.
So the window takes each stay that reaches ``d`` whole, and every stay after it (the
fish it hands on downstream). Stays that ended before ``d`` cannot change.

In the smoothed weight model a new sample changes its stay's past too, back to the
stay's opening (the smoother runs back over the whole stay), and the stays it hands fish
on to (their opening is its estimate at the transfer). It never changes a stay upstream:
information runs forward across transfers (a destination's sample does not inform its
source, docs/engine.md), so the same window holds in both models (a test recomputes a
new sample both ways and compares with a full recompute). Rows whose
numbers come out the same are not written anyway (the store's fingerprints).
"""

from __future__ import annotations

import numpy as np

from aquagrowth.engine.core.inputs import BatchInputs
from aquagrowth.engine.core.outputs import DailyStates


def window(
    inputs: BatchInputs, states: DailyStates, since_day: int
) -> tuple[np.ndarray, dict[int, int]]:
    """Rows to rewrite after a change on ``since_day``, and each assignment's first day rewritten.

    Returns a boolean mask over ``states`` and a mapping assignment position -> day.
    """
    reaches = inputs.assignment_stop_day >= since_day
    starts = {int(a): int(inputs.assignment_first_day[a]) for a in np.flatnonzero(reaches)}
    return reaches[states.assignment], starts

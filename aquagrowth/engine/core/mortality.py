"""Recorded deaths: what a stay's mortality records say about each of its days.

Dead fish are often entered a day or more after they died, and a farm enters a day's
collection as one record. So a record is read as the deaths of the days since the
stay's previous record, its own day included, spread evenly over them: the model's
expected deaths never stand beside a record that explains them (docs/engine.md,
"The book between counts").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aquagrowth.engine.core.inputs import IntArray

NO_RECORD = -1
"""A day without a mortality record."""


@dataclass(frozen=True)
class RecordShares:
    """Per day of one stay: the recorded deaths, and what they rest on.

    deaths : fish each day lost by the records (0 past the last record)
    own : the day has a record of its own
    covered : the day is covered by a later record (or is a record's own day)
    last_record : the stay's last day with a record, -1 when it has none
    """

    deaths: IntArray
    own: np.ndarray
    covered: np.ndarray
    last_record: int


def record_shares(recorded: IntArray) -> RecordShares:
    """Spread each record over the days since the previous one (whole fish).

    Parameters
    ----------
    recorded : per day of the stay, the deaths recorded that day (records of a day
        summed), ``NO_RECORD`` where none

    Returns
    -------
    RecordShares. The record of day ``d`` covers ``a .. d`` (``a`` the day after the
    previous record, or the stay's first day); day ``a + i`` gets
    ``round(r (i + 1) / n) - round(r i / n)`` fish, ``n = d - a + 1``, rounding halves
    to even, so the days of a span sum to the record exactly.
    """
    recorded = np.asarray(recorded, dtype=np.int64)
    n_days = len(recorded)
    own = recorded != NO_RECORD
    days = np.flatnonzero(own)
    deaths = np.zeros(n_days, dtype=np.int64)
    covered = np.zeros(n_days, dtype=bool)
    if not len(days):
        return RecordShares(deaths, own, covered, -1)
    last = int(days[-1])
    covered[: last + 1] = True
    starts = np.concatenate(([0], days[:-1] + 1))
    span = days - starts + 1
    owner = np.repeat(np.arange(len(days)), span)
    step = np.arange(last + 1) - starts[owner]
    count = recorded[days][owner].astype(np.float64)
    width = span[owner]
    deaths[: last + 1] = np.rint(count * (step + 1) / width) - np.rint(count * step / width)
    return RecordShares(deaths, own, covered, last)

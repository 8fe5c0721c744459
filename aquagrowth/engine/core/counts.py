"""Population counts: measurements of a stay's fish, each with its precision.

A count is to the population what a growth sample is to the mean weight: a measurement
with an error. Counting machines miss by about +-2 % (the margin farms state in their
unexplained-loss reports), stocking counts of eggs and fry by +-2-3 %, and the
slaughterhouse counts a harvest exactly. Read as two standard deviations, those margins
give the default precisions below; a record's own precision overrides its method's.

References
----------
REAL_FARM.md (this project's summary of the published figures): counting machines,
stocking counts, harvest counts.
"""

from __future__ import annotations

import math

import numpy as np

from aquagrowth.engine.core.inputs import COUNT_METHODS, FloatArray, IntArray

COUNT_PRECISION = {
    "stocking": 0.0125,
    "counter": 0.01,
    "treatment": 0.01,
    "harvest": 0.0,
    "estimate": 0.05,
}
"""One standard deviation of a count by its method, as a fraction of the count."""
_PRECISION_BY_CODE = np.array([COUNT_PRECISION[name] for name in COUNT_METHODS])
STOCKING = COUNT_METHODS.index("stocking")
COUNTER = COUNT_METHODS.index("counter")


def count_precision(method: IntArray, precision: FloatArray) -> FloatArray:
    """Each count's relative standard deviation: its own where given, else its method's.

    Parameters
    ----------
    method : position of each count's method in ``COUNT_METHODS``
    precision : each count's own relative standard deviation, NaN where not given

    Returns
    -------
    Relative standard deviation (fraction of the count) of each count.
    """
    own = np.asarray(precision, dtype=np.float64)
    return np.where(np.isnan(own), _PRECISION_BY_CODE[np.asarray(method, dtype=np.int64)], own)


def count_variance(fish: float, relative_sd: float) -> float:
    """Variance (fish squared) of a count of ``fish`` with a relative standard deviation."""
    return (relative_sd * fish) ** 2


def combined(variance_book: float, variance_measured: float) -> tuple[float, float]:
    """The weight K given to a measurement against the book, and the variance after it.

    ``K = V_B / (V_B + V_M)`` (1 for an exact measurement, 0 when the book is exact and
    the measurement is not; both exact: the measurement), and ``V_B V_M / (V_B + V_M)``.
    """
    total = variance_book + variance_measured
    if total <= 0 or math.isnan(total):
        return 1.0, 0.0
    return variance_book / total, variance_book * variance_measured / total

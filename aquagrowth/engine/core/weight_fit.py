"""The weight smoother's parameters, fitted from a farm's own records.

Four numbers (docs/engine.md, "Parameters, and how the farm's records fit them"):

- ``sample_cv``: the pooled SD / mean of the samples that record an SD
  (:func:`pooled_cv`); every sample's variance is ``(sample_cv w)^2 / n``;
- ``transfer_weight_cv`` and ``tgc_drift_sd``: jointly, by maximum likelihood over the
  filter's innovations of every stay (each measured weight given the records before
  it), over grids of values (:data:`LIKELIHOOD_GRIDS`, :func:`fit_by_likelihood`).
  (A method of moments on sample-to-sample TGC changes, ``FitSums``'s drift sums, is
  kept as a check: it sees only changes between adjacent intervals, far below the
  samples' noise, while the likelihood weighs every observation against the whole
  curve before it);
- ``scenario_tgc_cv``: the spread of each stay's fitted TGC (first to last observation)
  around its scenario's, less what the observations' noise explains;
- ``unsampled_stages`` and ``unsampled_tgc_cv``: a stage none of whose stays fits a TGC
  of its own (no two samples far enough apart: Egg&Alevin on most farms) says nothing
  of its TGC's spread by the moments above. Its TGC prior enters the records only
  through the first measurement after the stage (a measured transfer weight out, or
  the first sample of the next stage, against what the filter predicted from the egg
  input and the plan). It is fitted by the same likelihood while the others are, then
  sized so that the band of that first measurement holds 90 % of the farm's own
  (:func:`calibrated_cv`): the band is all an unsampled stage shows, and a plan's
  error need not be normal (a likelihood fits its variance, which a flat-topped spread
  of errors then covers on more than 90 % of pens).

A batch gives sums (:class:`FitSums`, and its log-likelihoods per drift); the farm's are
their total (``+``), so the shell reads one batch at a time. The observations'
variances scale with ``sample_cv^2``, which is fitted in the same pass: each sum keeps
that part apart.
Nothing here knows of any generator: only the records.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import numpy as np

from aquagrowth.engine.core import validation
from aquagrowth.engine.core.assimilate import (
    RowEvents,
    Rows,
    innovation_loglik,
    row_temperatures,
)
from aquagrowth.engine.core.growth import effective_temperature
from aquagrowth.engine.core.inputs import BatchInputs, FloatArray
from aquagrowth.engine.core.smoother import Z90, SmootherParams

MIN_INTERVAL_DEGREE_DAYS = 20.0
"""An interval between two observations with fewer degree-days says too little of the
TGC (its noise divided by a small sum): left out of the drift's fit."""
MIN_STAY_DEGREE_DAYS = 100.0
"""A stay's first and last observation this far apart (degC day) fit its TGC."""
DRIFT_GRID = (0.0, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08)
"""Values of ``tgc_drift_sd`` (TGC units per sqrt(day)) the likelihood is compared over."""
TRANSFER_CV_GRID = (0.005, 0.01, 0.015, 0.02, 0.03, 0.05)
"""Values of ``transfer_weight_cv`` the likelihood is compared over."""
UNSAMPLED_TGC_CV_GRID = (0.02, 0.035, 0.05, 0.07, 0.1, 0.15)
"""Values of ``unsampled_tgc_cv`` the likelihood is compared over."""
CALIBRATION_PROBE_CV = 0.1
"""The unsampled stages' TGC CV of the second of the two walks :func:`calibrated_cv`
reads (the first at 0)."""
BAND_COVERAGE = 0.9
"""The share of measurements a 90 % band should hold (``Z90`` sd each side)."""
MIN_SAMPLES_WITH_SD = 30
MIN_TRIPLES = 30
MIN_STAYS = 10


@dataclass
class FitSums:
    """The sufficient sums of one batch (or a farm: ``a + b``).

    cv_ratios : SD / mean of each day's samples that all record an SD
    cv_fish : the fish behind each of ``cv_ratios``
    d2, noise_sd, noise_cv2, walk, triples : the drift's sums (noise_cv2 is the noise of
        the observations without an SD per unit of sample_cv^2)
    e2, e_var_sd, e_var_cv2, stays : the scenario CV's sums, alike
    stage_stays, stage_fitted : by stage name, the stays, and those that fit a TGC
        (the scenario CV's ``stays``)
    """

    cv_ratios: list[float] = field(default_factory=list)
    cv_fish: list[int] = field(default_factory=list)
    d2: float = 0.0
    noise_sd: float = 0.0
    noise_cv2: float = 0.0
    walk: float = 0.0
    triples: int = 0
    e2: float = 0.0
    e_var_sd: float = 0.0
    e_var_cv2: float = 0.0
    stays: int = 0
    stage_stays: Counter = field(default_factory=Counter)
    stage_fitted: Counter = field(default_factory=Counter)

    def unsampled(self) -> tuple[tuple[str, ...], int]:
        """The stages none of whose stays fits a TGC of its own (two samples or weighings
        ``MIN_STAY_DEGREE_DAYS`` apart), and their stays."""
        names = tuple(sorted(s for s in self.stage_stays if not self.stage_fitted[s]))
        return names, sum(self.stage_stays[s] for s in names)

    def __add__(self, other: FitSums) -> FitSums:
        total = FitSums()
        for f in fields(FitSums):
            setattr(total, f.name, getattr(self, f.name) + getattr(other, f.name))
        return total


@dataclass(frozen=True)
class Fit:
    """The fitted parameters and the records behind each (a count below its minimum
    means the default was used)."""

    params: SmootherParams
    samples_with_sd: int
    triples: int
    stays: int
    drift_by_moments: float | None = None
    """The drift by the method of moments, a check beside the likelihood's (None with
    too few triples); ``params`` keeps the default until the likelihood fits it."""
    unsampled_stays: int = 0
    """Stays of the unsampled stages (``params.unsampled_stages``)."""
    unsampled_by_likelihood: float | None = None
    """The unsampled stages' TGC CV by the likelihood, a check beside the calibrated
    ``params.unsampled_tgc_cv`` (None where not fitted)."""
    calibration_measurements: int = 0
    """The first measurements after an unsampled stay the calibration read."""


def batch_sums(inputs: BatchInputs) -> FitSums:
    """A batch's contribution: its stays' samples and weighings, in cube-root space."""
    checked = validation.validate(inputs)
    inputs = checked.inputs
    rows = Rows.of(inputs)
    events = RowEvents.of(checked, rows)
    effective = effective_temperature(row_temperatures(inputs, rows).temp_c)
    sums = FitSums()
    samples = inputs.samples
    if len(samples.sd_sq_sum) == len(samples.day):
        with_sd = (samples.no_sd_sq_sum == 0) & (samples.count > 0) & (samples.amount > 0)
        mean = samples.amount[with_sd] / samples.count[with_sd]
        sd = np.sqrt(samples.sd_sq_sum[with_sd] / samples.count[with_sd])
        sums.cv_ratios = (sd / mean).tolist()
        sums.cv_fish = samples.count[with_sd].tolist()
    fish = events.sample_fish + events.weighing_fish
    tgc = inputs.scenario.tgc_by_stage if inputs.scenario is not None else None
    for a in range(inputs.n_assignments):
        lo, hi = int(rows.offset[a]), int(rows.offset[a + 1])
        stage_name = inputs.stage_names[inputs.assignment_stage[a]]
        if hi > lo:
            sums.stage_stays[stage_name] += 1
        at = np.flatnonzero(fish[lo:hi] > 0)
        if len(at) < 2:
            continue
        r = lo + at
        n = fish[r].astype(np.float64)
        w = (events.sample_g[r] + events.weighing_g[r]) / n
        scale = (3.0 * np.cbrt(w) ** 2) ** 2 * n * n
        var_sd = np.zeros(len(r))  # no record's own SD sets its variance (measured_sq)
        with np.errstate(divide="ignore", invalid="ignore"):
            measured_sq = np.nan_to_num(events.sample_g[r] ** 2 / events.sample_fish[r])
            measured_sq += np.nan_to_num(events.weighing_g[r] ** 2 / events.weighing_fish[r])
        var_cv2 = measured_sq / scale
        c = np.concatenate(([0.0], np.cumsum(effective[lo:hi])))[at + 1]
        y = np.cbrt(w)
        _drift_sums(sums, y, c, (at + 1).astype(np.float64), var_sd, var_cv2)
        g_plan = float(tgc[inputs.assignment_stage[a]]) / 1000.0 if tgc is not None else 0.0
        if g_plan > 0 and c[-1] - c[0] >= MIN_STAY_DEGREE_DAYS:
            span = c[-1] - c[0]
            e = (y[-1] - y[0]) / span / g_plan - 1.0
            denominator = (span * g_plan) ** 2
            sums.e2 += e * e
            sums.e_var_sd += (var_sd[0] + var_sd[-1]) / denominator
            sums.e_var_cv2 += (var_cv2[0] + var_cv2[-1]) / denominator
            sums.stays += 1
            sums.stage_fitted[stage_name] += 1
    return sums


def _drift_sums(
    sums: FitSums, y: FloatArray, c: FloatArray, point: FloatArray, var_sd, var_cv2
) -> None:
    """The drift's sums over every three consecutive observations of one stay."""
    c_a, c_b = c[1:-1] - c[:-2], c[2:] - c[1:-1]
    ok = (c_a > MIN_INTERVAL_DEGREE_DAYS) & (c_b > MIN_INTERVAL_DEGREE_DAYS)
    if not ok.any():
        return
    c_a, c_b = c_a[ok], c_b[ok]
    y0, y1, y2 = y[:-2][ok], y[1:-1][ok], y[2:][ok]
    d = (y2 - y1) / c_b - (y1 - y0) / c_a

    def noise(v):
        return v[2:][ok] / c_b**2 + v[1:-1][ok] * (1 / c_b + 1 / c_a) ** 2 + v[:-2][ok] / c_a**2

    lengths = (point[1:-1] - point[:-2])[ok] + (point[2:] - point[1:-1])[ok]
    sums.d2 += float(d @ d)
    sums.noise_sd += float(noise(var_sd).sum())
    sums.noise_cv2 += float(noise(var_cv2).sum())
    sums.walk += float(lengths.sum()) / 3.0
    sums.triples += int(ok.sum())


LIKELIHOOD_GRIDS = {
    "transfer_weight_cv": TRANSFER_CV_GRID,
    "tgc_drift_sd": DRIFT_GRID,
    "unsampled_tgc_cv": UNSAMPLED_TGC_CV_GRID,
}
"""The parameters fitted by maximum likelihood, in the order they are first fitted, with
their grids."""
UNSAMPLED_NAMES = ("unsampled_tgc_cv",)
"""Fitted only where the farm has unsampled stages (``MIN_STAYS`` stays of them or more):
elsewhere their first measurement is of their own stage, and the defaults stand."""
ROUNDS = 3
"""At most this many rounds of one-parameter fits (coordinate ascent stops earlier, at
a point where no parameter moves)."""


def likelihood_names(params: SmootherParams, unsampled_stays: int) -> list[str]:
    """The parameters the likelihood fits on a farm: the unsampled stages' two only
    where it has such stages with ``MIN_STAYS`` stays or more."""
    names = list(LIKELIHOOD_GRIDS)
    if not params.unsampled_stages or unsampled_stays < MIN_STAYS:
        names = [n for n in names if n not in UNSAMPLED_NAMES]
    return names


def grid_logliks(inputs: BatchInputs, params: SmootherParams, name: str) -> tuple[list[float], int]:
    """A batch's log-likelihood at each value of parameter ``name``'s grid (``params``
    giving the rest), and its observations."""
    values, count = [], 0
    for value in LIKELIHOOD_GRIDS[name]:
        loglik, count = innovation_loglik(inputs, replace(params, **{name: value}))
        values.append(loglik)
    return values, count


def best_on_grid(name: str, logliks: list[float], observations: int, default: float) -> float:
    """The grid's value of the highest summed log-likelihood; ``default`` with fewer
    than ``MIN_TRIPLES`` observations."""
    if observations < MIN_TRIPLES:
        return default
    return LIKELIHOOD_GRIDS[name][int(np.argmax(logliks))]


def pooled_cv(ratios: FloatArray, fish: FloatArray) -> float:
    """The farm's fish weight CV: the pooled variance of the samples' relative spreads,
    each weighted by its degrees of freedom (``n - 1``): ``sqrt(sum (n-1) r^2 / sum
    (n-1))``. Each ``SD^2`` estimates the pen's variance without bias, so their pooled
    mean does too (a median of the SDs would fall below it: the SD of 30 fish is skewed
    low); and the observation variance ``CV^2 w^2 / n`` needs the variance."""
    df = np.maximum(fish.astype(np.float64) - 1.0, 0.0)
    if df.sum() <= 0:
        return float(np.median(ratios))
    return float(np.sqrt((df * ratios * ratios).sum() / df.sum()))


def fit_by_likelihood(
    farm_logliks: Callable[[str, SmootherParams], tuple[FloatArray, int]],
    params: SmootherParams,
    names: list[str] | None = None,
) -> tuple[SmootherParams, int]:
    """The joint maximum of the likelihood over the grids of :data:`LIKELIHOOD_GRIDS`, by
    coordinate ascent: each parameter in turn to its best grid value given the others,
    until none moves. ``farm_logliks(name, params)`` gives the farm's summed
    log-likelihood at each value of ``name``'s grid and its observations.

    One pass in order is not enough: the transfer weight's precision fitted at the
    default drift (0.02, which explains part of each innovation) came out too precise
    (0.01 where the profile's maximum at the fitted drift of 0 is 0.015-0.02), and the
    drift fitted next at that precision then pinned every stay to measured transfer
    weights worse than the model said.
    """
    names = names or list(LIKELIHOOD_GRIDS)
    fits = unchanged = observations = 0
    while fits < ROUNDS * len(names) and not (fits >= len(names) and unchanged >= len(names) - 1):
        name = names[fits % len(names)]
        logliks, observations = farm_logliks(name, params)
        best = best_on_grid(name, list(logliks), observations, getattr(params, name))
        unchanged = unchanged + 1 if best == getattr(params, name) else 0
        params = replace(params, **{name: best})
        fits += 1
    return params, observations


def fit(sums: FitSums, defaults: SmootherParams | None = None) -> Fit:
    """The farm's parameters from its sums: each fitted where it has enough records,
    else the default."""
    defaults = defaults or SmootherParams()
    cv = defaults.sample_cv
    if len(sums.cv_ratios) >= MIN_SAMPLES_WITH_SD:
        cv = pooled_cv(np.asarray(sums.cv_ratios), np.asarray(sums.cv_fish))
    moments = None
    if sums.triples >= MIN_TRIPLES and sums.walk > 0:
        excess = sums.d2 - sums.noise_sd - cv * cv * sums.noise_cv2
        moments = 1000.0 * float(np.sqrt(max(excess, 0.0) / sums.walk))
    scenario_cv = defaults.scenario_tgc_cv
    if sums.stays >= MIN_STAYS:
        excess = sums.e2 - sums.e_var_sd - cv * cv * sums.e_var_cv2
        scenario_cv = float(np.sqrt(max(excess, 0.0) / sums.stays))
    unsampled, unsampled_stays = sums.unsampled()
    return Fit(
        replace(
            defaults,
            sample_cv=cv,
            scenario_tgc_cv=scenario_cv,
            unsampled_stages=unsampled,
            unsampled_tgc_cv=None,
        ),
        samples_with_sd=len(sums.cv_ratios),
        triples=sums.triples,
        stays=sums.stays,
        drift_by_moments=moments,
        unsampled_stays=unsampled_stays,
    )


def calibrated_cv(
    at_zero: list[tuple[float, float]],
    at_probe: list[tuple[float, float]],
    probe: float = CALIBRATION_PROBE_CV,
    coverage: float = BAND_COVERAGE,
) -> float | None:
    """The unsampled stages' TGC CV whose band holds ``coverage`` of the first
    measurements after their stays.

    ``at_zero`` and ``at_probe`` are each measurement's innovation ``v`` and predicted
    variance ``S`` (``assimilate.unsampled_innovations``) with the CV at 0 and at
    ``probe``, the farm's other parameters alike. The prediction's mean does not depend
    on the CV (no measurement comes before it) and its variance is linear in the TGC
    prior's, ``S(cv) = A + B cv^2`` (the filter is linear in the variances; a weight
    placed unweighed carries its source's), so two walks give ``A`` and ``B`` of every
    measurement. Measurement ``i`` falls inside its band, ``v^2 <= Z90^2 S(cv)``, once
    ``cv^2 >= (v^2 / Z90^2 - A) / B``; the CV is the root of that bound's ``coverage``
    quantile over the measurements (0 where the bands hold them at 0 already; None
    where more than ``1 - coverage`` of them miss their band at any CV: no prior of
    these stages can size it).
    """
    v0, s0 = np.asarray(at_zero, dtype=np.float64).reshape(-1, 2).T
    v1, s1 = np.asarray(at_probe, dtype=np.float64).reshape(-1, 2).T
    if v0.size == 0 or v0.size != v1.size:
        raise ValueError("the two walks must read the same measurements")
    b = (s1 - s0) / probe**2
    excess = v0 * v0 / Z90**2 - s0
    with np.errstate(divide="ignore", invalid="ignore"):
        # b <= 0: the measurement does not rest on the prior, inside at any CV or none
        need = np.where(b > 0, excess / b, np.where(excess <= 0, -np.inf, np.inf))
    bound = float(np.quantile(need, coverage, method="inverted_cdf"))
    if bound == math.inf:
        return None
    return math.sqrt(max(bound, 0.0))


def calibrate_unsampled(
    farm_innovations: Callable[[SmootherParams], list[tuple[float, float]]],
    fitted: Fit,
) -> Fit:
    """``fitted`` with the unsampled stages' TGC CV sized by :func:`calibrated_cv`, where
    the farm has ``MIN_STAYS`` unsampled stays and ``MIN_TRIPLES`` first measurements
    after them; the likelihood's value stays beside it as a check.
    ``farm_innovations(params)`` gives the farm's ``assimilate.unsampled_innovations``."""
    params = fitted.params
    if not params.unsampled_stages or fitted.unsampled_stays < MIN_STAYS:
        return fitted
    at_zero = farm_innovations(replace(params, unsampled_tgc_cv=0.0))
    if len(at_zero) < MIN_TRIPLES:
        return replace(fitted, unsampled_by_likelihood=params.unsampled_tgc_cv)
    at_probe = farm_innovations(replace(params, unsampled_tgc_cv=CALIBRATION_PROBE_CV))
    cv = calibrated_cv(at_zero, at_probe)
    if cv is None:
        return replace(fitted, unsampled_by_likelihood=params.unsampled_tgc_cv)
    return replace(
        fitted,
        params=replace(params, unsampled_tgc_cv=cv),
        unsampled_by_likelihood=params.unsampled_tgc_cv,
        calibration_measurements=len(at_zero),
    )


def fit_records(
    sums: FitSums,
    farm_logliks: Callable[[str, SmootherParams], tuple[FloatArray, int]],
    farm_innovations: Callable[[SmootherParams], list[tuple[float, float]]],
) -> Fit:
    """The farm's whole fit, in its order: the moments' parameters and the unsampled
    stages from ``sums`` (:func:`fit`), the likelihood's (:func:`fit_by_likelihood`, over
    ``farm_logliks``), then the unsampled stages' CV calibrated (:func:`calibrate_unsampled`,
    over ``farm_innovations``). ``triples`` becomes the likelihood's observations, what
    its two parameters rest on. The shell and the bench give the callbacks: one pass
    over the farm's batches each."""
    first = fit(sums)
    names = likelihood_names(first.params, first.unsampled_stays)
    params, observations = fit_by_likelihood(farm_logliks, first.params, names)
    fitted = replace(first, params=params, triples=observations)
    return calibrate_unsampled(farm_innovations, fitted)

"""The smoother's parameters fitted from a farm's records (docs/engine.md, "Parameters,
and how the farm's records fit them"), on simulated pens whose noise is known.

Each pen: an egg input grown at its own TGC (a random walk with a known drift), sampled
weekly (30 fish drawn lognormally with a known CV, their mean and SD recorded), and moved
on day 120 with a measured transfer weight of known precision into a second pen, sampled
on. The fit sees only these records.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from aquagrowth.engine.core import weight_fit
from aquagrowth.engine.core.assimilate import RowEvents, Rows, assimilate, unsampled_innovations
from aquagrowth.engine.core.smoother import Z90, SmootherParams
from aquagrowth.engine.core.validation import validate
from tests.engine.strategies import Stay, build, scenario

DAYS, MOVE, TEMP_C, FISH_CV, SAMPLE_FISH = 240, 120, 10.0, 0.2, 30


def simulate_farm(rng, pens: int, drift_sd: float, transfer_cv: float):
    """One batch of ``pens`` pens of two stays each, and its samples' recorded SDs."""
    stays, transfers, samples, sd_sq, temps = [], [], [], [], []
    sigma = math.sqrt(math.log1p(FISH_CV**2))
    for pen in range(pens):
        a, b = 2 * pen, 2 * pen + 1
        w0 = rng.uniform(20.0, 60.0)
        g = 0.0025 * (1 + rng.normal(0, 0.05)) + np.cumsum(rng.normal(0, drift_sd / 1000, DAYS))
        u_end = math.cbrt(w0) + np.cumsum(g * TEMP_C)  # end of each day
        stays += [Stay(0, MOVE, 100_000, w0, 0, a), Stay(MOVE, DAYS, 0, math.nan, 0, b)]
        measured = u_end[MOVE - 1] ** 3 * (1 + rng.normal(0, transfer_cv))
        transfers.append((a, b, MOVE, 100_000, measured))
        for assignment, first, stop in ((a, 0, MOVE), (b, MOVE, DAYS)):
            for day in range(first + 6, stop, 7):
                fish = u_end[day] ** 3 * np.exp(rng.normal(-(sigma**2) / 2, sigma, SAMPLE_FISH))
                samples.append((assignment, day, SAMPLE_FISH, float(fish.sum())))
                sd_sq.append(SAMPLE_FISH * float(fish.std(ddof=1)) ** 2)
        temps += [(c, d, TEMP_C) for c in (a, b) for d in range(DAYS)]
    inputs = build(
        DAYS,
        stays,
        scenario=scenario(tgc=[2.5]),
        transfers=transfers,
        samples=samples,
        temperature=temps,
    )
    spread = replace(inputs.samples, sd_sq_sum=np.array(sd_sq), no_sd_sq_sum=np.zeros(len(sd_sq)))
    return replace(inputs, samples=spread)


def logliks_of(inputs):
    """A farm of one batch's ``farm_logliks``, as ``fit_weight_model`` sums them."""

    def farm_logliks(name: str, params: SmootherParams):
        values, count = weight_fit.grid_logliks(inputs, params, name)
        return np.array(values), count

    return farm_logliks


def fitted(inputs) -> SmootherParams:
    """The fit as ``fit_weight_model`` makes it before the unsampled stages'
    calibration (the likelihood's values), for a farm of one batch."""
    first = weight_fit.fit(weight_fit.batch_sums(inputs))
    names = weight_fit.likelihood_names(first.params, first.unsampled_stays)
    params, _ = weight_fit.fit_by_likelihood(logliks_of(inputs), first.params, names)
    return params


@pytest.fixture(scope="module")
def steady_farm():
    """Pens that grow at one TGC each (no drift), transfer weights 2 % off."""
    return simulate_farm(np.random.default_rng(20261201), 40, 0.0, 0.02)


def test_the_sample_cv_is_the_pooled_spread_of_the_samples(steady_farm):
    # 30 fish's SD is skewed low: their median SD / mean falls 2 % under the fish's CV
    # of 0.20; the pooled variance does not
    cv = weight_fit.fit(weight_fit.batch_sums(steady_farm)).params.sample_cv
    assert cv == pytest.approx(FISH_CV, rel=0.01)


def test_the_likelihood_recovers_the_transfer_weight_precision_and_no_drift(steady_farm):
    params = fitted(steady_farm)
    # the grid's values next to the truth (0.02), and the smallest drifts
    assert params.transfer_weight_cv in (0.015, 0.02, 0.03)
    assert params.tgc_drift_sd <= 0.0025


def test_the_likelihood_recovers_a_drift():
    farm = simulate_farm(np.random.default_rng(20261202), 40, 0.02, 0.01)
    params = fitted(farm)
    # within one step of the grid (0.01, 0.02, 0.04) of the drift the pens grew with
    assert 0.01 <= params.tgc_drift_sd <= 0.04
    assert params.transfer_weight_cv <= 0.02


def test_a_samples_own_sd_does_not_set_its_weight(steady_farm):
    # two days' samples of 30 fish with mean 100 g, one recording an SD of 5 g, the other
    # 40 g: both are the mean of 30 fish of the pen, var (CV x 100)^2 / 30
    inputs = build(
        3,
        [Stay(0, 3, 1000, 90.0)],
        scenario=scenario(tgc=[0.0]),
        samples=[(0, 0, 30, 3000.0), (0, 1, 30, 3000.0)],
    )
    inputs = replace(
        inputs,
        samples=replace(
            inputs.samples, sd_sq_sum=np.array([30 * 25.0, 30 * 1600.0]), no_sd_sq_sum=np.zeros(2)
        ),
    )
    checked = validate(inputs)
    anchors = RowEvents.of(checked, Rows.of(checked.inputs)).end_anchors(0.2)(0, 3)
    assert anchors[1].weight_var == pytest.approx((0.2 * 100.0) ** 2 / 30)
    assert anchors[2].weight_var == pytest.approx(anchors[1].weight_var)


def simulate_hatchery(rng, pens: int, egg_cv: float, fry_cv: float, egg_error=None, truth=None):
    """Pens of two stages: an egg stay never sampled, its TGC off the plan's by
    ``egg_cv`` (normal; ``egg_error(rng)`` draws the relative error instead), moved
    unweighed on day ``MOVE`` to a fry stay (TGC off by ``fry_cv``) sampled weekly. Only
    the first fry samples say how far the eggs grew. ``truth``, a list, gets each egg
    stay's true weight at the end of its last day."""
    stays, transfers, samples, temps = [], [], [], []
    sigma = math.sqrt(math.log1p(FISH_CV**2))
    plan = (1.0, 2.5)
    for pen in range(pens):
        a, b = 2 * pen, 2 * pen + 1
        w0 = 0.2
        error = egg_error(rng) if egg_error else rng.normal(0, egg_cv)
        g_egg = plan[0] / 1000 * (1 + error)
        g_fry = plan[1] / 1000 * (1 + rng.normal(0, fry_cv))
        u_end = math.cbrt(w0) + np.cumsum(np.where(np.arange(DAYS) < MOVE, g_egg, g_fry) * TEMP_C)
        if truth is not None:
            truth.append(u_end[MOVE - 1] ** 3)
        stays += [Stay(0, MOVE, 100_000, w0, 0, a), Stay(MOVE, DAYS, 0, math.nan, 1, b)]
        transfers.append((a, b, MOVE, 100_000, math.nan))
        for day in range(MOVE + 6, DAYS, 7):
            fish = u_end[day] ** 3 * np.exp(rng.normal(-(sigma**2) / 2, sigma, SAMPLE_FISH))
            samples.append((b, day, SAMPLE_FISH, float(fish.sum())))
        temps += [(c, d, TEMP_C) for c in (a, b) for d in range(DAYS)]
    return build(
        DAYS,
        stays,
        scenario=scenario(tgc=list(plan), rate=[0.0, 0.0]),
        stage_max_g=[1e9, 1e9],
        transfers=transfers,
        samples=samples,
        temperature=temps,
    )


def test_an_unsampled_stages_tgc_spread_is_fitted_from_the_first_sample_after_it():
    # The egg stays' TGC is 10 % off the plan's, the fry stays' 3 %: the moments see only
    # the fry (two samples per stay), and the egg stage, with no stay of its own that
    # fits a TGC, gets its spread from how far the first fry samples fall from what the
    # egg input and the plan predicted.
    farm = simulate_hatchery(np.random.default_rng(20261203), 80, 0.10, 0.03)
    first = weight_fit.fit(weight_fit.batch_sums(farm))
    egg_stage = farm.stage_names[0]
    assert first.params.unsampled_stages == (egg_stage,)
    assert first.unsampled_stays == 80
    assert first.params.scenario_tgc_cv == pytest.approx(0.03, abs=0.015)
    params = fitted(farm)
    # within one step of the grid (0.07, 0.1, 0.15) of the spread the eggs grew with
    assert 0.07 <= params.unsampled_tgc_cv <= 0.15
    assert params.tgc_cv(egg_stage) == params.unsampled_tgc_cv
    assert params.tgc_cv(farm.stage_names[1]) == params.scenario_tgc_cv


def test_the_calibrated_cv_is_the_quantile_of_what_each_measurement_needs():
    # S = 1 + 100 cv^2 for each measurement; measurement i (1..10) falls inside its band
    # once cv^2 >= i / 1000: 90 % of them (9 of 10) at cv^2 = 0.009
    at_zero = [(Z90 * math.sqrt(1 + 100 * i / 1000), 1.0) for i in range(1, 11)]
    at_probe = [(v, 1.0 + 100 * 0.1**2) for v, _ in at_zero]
    assert weight_fit.calibrated_cv(at_zero, at_probe) == pytest.approx(math.sqrt(0.009))
    # all inside at 0 already: no prior needed
    assert weight_fit.calibrated_cv([(0.1, 1.0)] * 10, [(0.1, 2.0)] * 10) == 0.0
    # two of ten do not rest on the prior and miss their band: no CV can size it
    blind = [(10.0, 1.0)] * 2
    assert weight_fit.calibrated_cv(at_zero[:8] + blind, at_probe[:8] + blind) is None


def calibrated(farm) -> weight_fit.Fit:
    """The fit as ``fit_weight_model`` makes it, the unsampled stages' CV calibrated."""
    return weight_fit.fit_records(
        weight_fit.batch_sums(farm), logliks_of(farm), lambda p: unsampled_innovations(farm, p)
    )


def egg_band_coverage(farm, params: SmootherParams, truth: list[float]) -> float:
    """The share of egg stays whose 90 % band on their last day holds the true weight."""
    states = assimilate(replace(farm, smoother_params=params), weight_model="smoothed")
    last = (states.day == MOVE - 1) & (states.assignment % 2 == 0)
    order = np.argsort(states.assignment[last])
    low, high = states.weight_low_g[last][order], states.weight_high_g[last][order]
    return float(np.mean((low <= truth) & (truth <= high)))


@pytest.mark.parametrize(
    ("name", "egg_error"),
    [
        ("normal", lambda rng: rng.normal(0.0, 0.08)),
        # a planner off by 2-10 % either way: flat, no small errors
        ("flat", lambda rng: rng.uniform(0.02, 0.10) * rng.choice([-1.0, 1.0])),
    ],
)
def test_an_unsampled_stages_band_holds_90_percent_of_its_pens(name, egg_error):
    # The egg stays' TGC error, normal or flat; the likelihood fits its variance, which a
    # flat spread then covers on nearly every pen. The calibrated prior's band holds the
    # true weight on the egg stays' last day on about 90 % of them either way.
    truth: list[float] = []
    farm = simulate_hatchery(np.random.default_rng(1), 300, 0.0, 0.03, egg_error, truth)
    fit = calibrated(farm)
    assert fit.calibration_measurements == 300
    coverage = egg_band_coverage(farm, fit.params, np.array(truth))
    assert 0.85 <= coverage <= 0.95, (name, coverage, fit.params.unsampled_tgc_cv)
    by_likelihood = replace(fit.params, unsampled_tgc_cv=fit.unsampled_by_likelihood)
    if name == "flat":
        assert egg_band_coverage(farm, by_likelihood, np.array(truth)) > 0.96
        assert fit.params.unsampled_tgc_cv < fit.unsampled_by_likelihood


def test_an_unsampled_stay_has_no_drift_and_the_stays_after_it_do():
    # Its TGC's uncertainty is all in its prior: the farm's drift widens the fry's band,
    # not the eggs'.
    farm = simulate_hatchery(np.random.default_rng(7), 3, 0.05, 0.03)
    base = SmootherParams(unsampled_stages=(farm.stage_names[0],), unsampled_tgc_cv=0.05)

    def high(drift: float):
        with_drift = replace(base, tgc_drift_sd=drift)
        states = assimilate(replace(farm, smoother_params=with_drift), weight_model="smoothed")
        return states.weight_high_g, states.assignment % 2 == 0

    still, egg = high(0.0)
    drifting, _ = high(0.05)
    np.testing.assert_allclose(drifting[egg], still[egg], rtol=1e-12)
    assert (drifting[~egg] > still[~egg]).any()


def test_a_farm_whose_every_stage_is_sampled_keeps_one_scenario_cv(steady_farm):
    first = weight_fit.fit(weight_fit.batch_sums(steady_farm))
    assert first.params.unsampled_stages == ()
    assert "unsampled_tgc_cv" not in weight_fit.likelihood_names(
        first.params, first.unsampled_stays
    )

"""The weight smoother (docs/engine.md, "Weight with its uncertainty").

Closed-form cases a reader can check by hand, the fast smoother against the plain
per-day reference (``smoother_reference``) on random stays, and the band's calibration
on simulated pens whose noise is known.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.smoother import (
    OPENING_WEIGHT_CV,
    UNKNOWN,
    Z90,
    Gauss,
    MassBalance,
    Mix,
    Observe,
    SmootherParams,
    fill_days,
    smooth_stay,
)
from tests.engine.smoother_reference import reference_smooth
from tests.engine.strategies import Stay, build, scenario

NO_DRIFT = SmootherParams(tgc_drift_sd=0.0)


def run(temps, prior, actions, params=NO_DRIFT):
    """One stay through the fast smoother: its days' values."""
    c = np.concatenate(([0.0], np.cumsum(temps)))
    chain = smooth_stay(c, prior, actions, params)
    return fill_days({0: chain}, np.array([0, len(temps)]))


def weight_var(w: float, rel_sd: float) -> float:
    return (rel_sd * w) ** 2


# ---------------------------------------------------------------------------
# Closed forms


def test_one_observation_of_known_variance_weighs_prior_and_measurement():
    # No degree-days: the state stays where it is, so prior and measurement of the same u
    # combine by their precisions: u = (R u0 + P y) / (P + R), var = P R / (P + R).
    u0, p0 = 2.0, 0.0004
    y_w = 2.1**3
    r = 0.0001  # variance of the cube root
    w_var = r * (3 * 2.1**2) ** 2  # the same variance on the weight scale (delta method)
    days = run([0.0] * 5, Gauss(u0, 0.003, p0, 0.0, 0.0), [Observe(3, y_w, w_var)])
    expected = (r * u0 + p0 * 2.1) / (p0 + r)
    assert days.u == pytest.approx([expected] * 5, rel=1e-12)
    assert days.var_u == pytest.approx([p0 * r / (p0 + r)] * 5, rel=1e-9)
    # in real time the days before the sample do not know it
    assert days.u_filtered[:2] == pytest.approx([u0, u0])
    assert days.u_filtered[2] == pytest.approx(expected)


def test_a_perfect_observation_is_passed_through():
    temps = [10.0] * 20
    days = run(temps, Gauss(2.0, 0.003, 1e-4, 0.0, 1e-8), [Observe(12, 2.5**3, 0.0)])
    assert days.u[11] == pytest.approx(2.5, rel=1e-12)
    assert days.var_u[11] == pytest.approx(0.0, abs=1e-15)
    assert days.u_filtered[11] == pytest.approx(2.5, rel=1e-12)


def test_no_observation_gives_the_scenario_curve_with_a_widening_band():
    # an egg input of 8 g, TGC 3.0 at 10 degC: the cube root grows 0.03 a day
    inputs = build(
        30,
        [Stay(0, 30, 1000, 8.0)],
        scenario=scenario(tgc=[3.0]),
        temperature=[(0, d, 10.0) for d in range(30)],
    )
    s = assimilate(inputs, weight_model="smoothed")
    assert s.avg_weight_g == pytest.approx([(2.0 + 0.03 * (d + 1)) ** 3 for d in range(30)])
    width = s.weight_high_g - s.weight_low_g
    assert np.all(np.diff(width) > 0)
    # day 30: the TGC's prior SD (10 % of 3.0) over 300 degree-days, the egg weight's
    # 1.25 % (a third of it in the cube root) and the drift (0.02 per sqrt(day), a day's
    # drift carried by the degree-days after it: 10 degC x m days) add up in the cube
    # root's variance
    drift = (0.02 / 1000) ** 2 * sum((10.0 * m) ** 2 for m in range(30))
    sd_u = math.sqrt((0.1 * 0.003 * 300) ** 2 + (2.0 * OPENING_WEIGHT_CV / 3) ** 2 + drift)
    u = 2.0 + 0.9
    assert s.weight_high_g[-1] == pytest.approx((u + Z90 * sd_u) ** 3, rel=1e-9)
    assert s.weight_low_g[-1] == pytest.approx((u - Z90 * sd_u) ** 3, rel=1e-9)


def test_two_samples_of_equal_variance_at_one_point_average():
    r_w = weight_var(8.0, 0.03)
    flat = Gauss(2.0, 0.0, 1e6, 0.0, 0.0)  # a prior that knows nothing
    days = run([0.0] * 3, flat, [Observe(2, 7.8, r_w), Observe(2, 8.2, r_w)])
    u1, u2 = math.cbrt(7.8), math.cbrt(8.2)
    r1, r2 = r_w / (3 * u1**2) ** 2, r_w / (3 * u2**2) ** 2
    mean = (u1 / r1 + u2 / r2) / (1 / r1 + 1 / r2)
    assert days.u[1] == pytest.approx(mean, rel=1e-6)
    assert days.var_u[1] == pytest.approx(1 / (1 / r1 + 1 / r2), rel=1e-5)


def test_samples_of_one_day_are_one_observation_with_the_merged_variance():
    # two samples of 30 fish (SD 2 g and 4 g recorded) on day 9: one mean of 60 fish of
    # the pen, var (CV x 9.5)^2 / 60 g^2 with the farm's CV (the recorded SDs fit the CV,
    # they do not weigh the sample); the smoother sees one observation of that variance
    inputs = build(
        10,
        [Stay(0, 10, 1000, 8.0)],
        scenario=scenario(tgc=[0.0]),
        temperature=[(0, d, 10.0) for d in range(10)],
        samples=[(0, 9, 30, 30 * 9.0), (0, 9, 30, 30 * 10.0)],
    )
    from dataclasses import replace

    samples = replace(
        inputs.samples, sd_sq_sum=np.array([30 * 4.0, 30 * 16.0]), no_sd_sq_sum=np.zeros(2)
    )
    s = assimilate(replace(inputs, samples=samples), weight_model="smoothed", params=NO_DRIFT)
    w_var = (NO_DRIFT.sample_cv * 9.5) ** 2 / 60
    u_obs, r = math.cbrt(9.5), w_var / (3 * 9.5 ** (2 / 3)) ** 2
    # the egg input's 1.25 %, and a TGC of 0 with no prior spread
    p0 = (2.0 * OPENING_WEIGHT_CV / 3) ** 2
    expected = (r * 2.0 + p0 * u_obs) / (p0 + r)
    assert s.avg_weight_g[-1] == pytest.approx(expected**3, rel=1e-9)


# ---------------------------------------------------------------------------
# Fast against the per-day reference


@st.composite
def stays(draw):
    n_days = draw(st.integers(1, 40))
    temps = draw(
        st.lists(st.sampled_from([0.0, 2.5, 8.0, 12.0, 15.5]), min_size=n_days, max_size=n_days)
    )
    g = draw(st.sampled_from([0.0, 0.002, 0.003]))
    pgg = draw(st.sampled_from([0.0, (0.1 * 0.003) ** 2]))
    if draw(st.booleans()):
        w0 = draw(st.floats(1.0, 500.0))
        prior = Gauss(math.cbrt(w0), g, draw(st.sampled_from([1e-6, 1e-4])), 0.0, pgg)
    else:
        prior = UNKNOWN._replace(g=g, pgg=pgg)
    actions = []
    points = sorted(draw(st.lists(st.integers(0, n_days), max_size=8)))
    for p in points:
        kind = draw(st.sampled_from(["observe", "mix", "mass", "exact"]))
        w = draw(st.floats(1.0, 800.0))
        if kind in ("observe", "exact") and p > 0:
            # "exact": a harvest's precision (every fish weighed); a variance of 0 after
            # an exact prior is ill-posed for any filter (the closed forms test it)
            rel_sd = 0.0005 if kind == "exact" else draw(st.floats(0.005, 0.1))
            var = weight_var(w, rel_sd)
            actions.append(Observe(p, w, var))
        elif kind == "mix" and p < n_days:
            groups = tuple(
                (
                    draw(st.integers(1, 5000)),
                    draw(st.floats(1.0, 800.0)),
                    weight_var(w, 0.02),
                    draw(st.sampled_from([math.nan, 0.0025])),
                    1e-8,
                )
                for _ in range(draw(st.integers(1, 2)))
            )
            actions.append(Mix(p, draw(st.integers(0, 5000)), groups))
        elif kind == "mass":
            actions.append(MassBalance(p, 5000, draw(st.integers(1, 4000)), w, weight_var(w, 0.01)))
    drift = draw(st.sampled_from([0.0, 0.02, 0.1]))
    return temps, prior, actions, SmootherParams(tgc_drift_sd=drift)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stays())
def test_fast_smoother_matches_the_per_day_reference(stay):
    temps, prior, actions, params = stay
    fast = run(temps, prior, actions, params)
    ref = reference_smooth(temps, prior, actions, params)
    for name in ("u", "u_filtered", "var_filtered", "u_start", "g"):
        np.testing.assert_allclose(
            getattr(fast, name), getattr(ref, name), rtol=1e-7, atol=1e-9, err_msg=name
        )
    np.testing.assert_allclose(fast.var_u, ref.var_u, rtol=1e-6, atol=1e-9, err_msg="var_u")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stays(), stays())
def test_stays_of_one_batch_each_fill_their_days_with_their_own_drift(first, second):
    # A batch fills every stay's days at once; a stay of an unsampled stage has no drift
    # while the others have the farm's: each stay's days are still its reference's.
    chains, offsets, refs = {}, [0], []
    for a, (temps, prior, actions, params) in enumerate((first, second)):
        c = np.concatenate(([0.0], np.cumsum(temps)))
        chains[a] = smooth_stay(c, prior, actions, params)
        offsets.append(offsets[-1] + len(temps))
        refs.append(reference_smooth(temps, prior, actions, params))
    days = fill_days(chains, np.array(offsets))
    for a, ref in enumerate(refs):
        lo, hi = offsets[a], offsets[a + 1]
        np.testing.assert_allclose(days.u[lo:hi], ref.u, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(days.var_u[lo:hi], ref.var_u, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------------
# Calibration


def simulate_pens(rng, n_pens: int, params: SmootherParams, sample_sd: float):
    """Pens whose TGC drifts as the model says, weighed weekly with known noise: each
    pen's (temps, prior, observations, true cube roots)."""
    pens = []
    for _ in range(n_pens):
        n_days = 140
        temps = rng.uniform(6.0, 14.0, n_days)
        g0 = 0.003
        g = g0 * (1 + rng.normal(0, params.scenario_tgc_cv)) + np.concatenate(
            ([0.0], np.cumsum(rng.normal(0, params.tgc_drift_sd / 1000, n_days - 1)))
        )
        u_true0 = math.cbrt(rng.uniform(50, 200))
        u0_var = (u_true0 * 0.02 / 3) ** 2
        u_obs0 = u_true0 + rng.normal(0, math.sqrt(u0_var))
        u_true = u_true0 + np.cumsum(g * temps)  # end of each day
        actions = []
        for day in range(6, n_days, 7):
            w_true = u_true[day] ** 3
            var_w = (sample_sd * w_true) ** 2 / 30
            w_obs = w_true + rng.normal(0, math.sqrt(var_w))
            actions.append(Observe(day + 1, w_obs, (sample_sd * w_obs) ** 2 / 30))
        prior = Gauss(u_obs0, g0, u0_var, 0.0, (params.scenario_tgc_cv * g0) ** 2)
        pens.append((temps, prior, actions, u_true))
    return pens


def coverage(pens, params: SmootherParams, sd_scale: float = 1.0) -> float:
    inside = total = 0
    for temps, prior, actions, u_true in pens:
        days = run(temps, prior, actions, params)
        half = Z90 * sd_scale * np.sqrt(days.var_u)
        inside += int(np.sum(np.abs(days.u - u_true) <= half))
        total += len(u_true)
    return 100.0 * inside / total


def test_the_90_percent_band_holds_the_truth_on_90_percent_of_days():
    params = SmootherParams(tgc_drift_sd=0.03, scenario_tgc_cv=0.1)
    pens = simulate_pens(np.random.default_rng(20261130), 200, params, sample_sd=0.2)
    assert 87.0 <= coverage(pens, params) <= 93.0
    # the test can tell a band 20 % too wide or too narrow from a right one
    assert coverage(pens, params, 1.2) > 93.0
    assert coverage(pens, params, 0.8) < 87.0

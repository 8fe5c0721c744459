"""The forward projection's band: the smoother's own drift, carried past the last record."""

from __future__ import annotations

import numpy as np
import pytest

from aquagrowth.engine.core.projection_band import (
    count_variance_of_band,
    drifted_root_variance,
    pooled_band,
    root_variance_of_band,
    staged_root_variance,
)
from aquagrowth.engine.core.smoother import (
    Z90,
    Gauss,
    Observe,
    SmootherParams,
    drift_noise,
    fill_days,
    smooth_stay,
)

Q = (0.02 / 1000.0) ** 2  # the default drift, 0.02 TGC units per sqrt(day), as g's variance


def test_the_band_widens_by_the_drift_of_each_day_before_in_hand_arithmetic():
    # 10 degC every day: C_1 = 10, C_2 = 20, C_3 = 30. Day 1's own drift moves no growth
    # yet; by day 3, (30 - 10)^2 + (30 - 20)^2 = 500 degree-days squared.
    var = drifted_root_variance(0.001, np.full(3, 10.0), 0.02)
    assert var == pytest.approx([0.001, 0.001 + 100 * Q, 0.001 + 500 * Q], rel=1e-12)


def test_it_is_the_smoothers_own_noise_over_the_same_days():
    rng = np.random.default_rng(7)
    temps = rng.uniform(-1.0, 14.0, 400)
    var = drifted_root_variance(0.0, temps, 0.05)
    points = np.concatenate([[0.0], np.cumsum(np.maximum(temps, 0.0))])
    q = (0.05 / 1000.0) ** 2
    for day in (1, 2, 50, 399, 400):
        assert var[day - 1] == pytest.approx(drift_noise(points, 0, day, q)[0], rel=1e-9)


def test_an_uncertain_tgc_widens_it_with_the_degree_days():
    var = drifted_root_variance(0.0, np.full(4, 5.0), 0.0, tgc_var_start=1e-8)
    assert var == pytest.approx(1e-8 * np.array([5.0, 10.0, 15.0, 20.0]) ** 2)


def test_without_drift_or_warmth_the_band_stays_the_last_states():
    assert drifted_root_variance(0.002, np.full(5, 12.0), 0.0) == pytest.approx([0.002] * 5)
    cold = drifted_root_variance(0.002, np.array([0.0, -1.0, np.nan, 0.0]), 0.02)
    assert cold == pytest.approx([0.002] * 4)


def test_a_stored_band_gives_back_the_variances_it_was_made_of():
    # A pen of 100,000 fish at 2,000 g, sd(u) 0.05, its count's sd 1,000 fish.
    u, sd_u, fish, sd_n = 2000.0 ** (1 / 3), 0.05, 100_000.0, 1_000.0
    weight_high = (u + Z90 * sd_u) ** 3
    assert root_variance_of_band(2000.0, weight_high) == pytest.approx(sd_u**2)
    var_w = (3 * u * u) ** 2 * sd_u**2
    var_b = (2000.0**2 * sd_n**2 + fish**2 * var_w + sd_n**2 * var_w) / 1e6
    biomass = fish * 2.0
    high = biomass + Z90 * var_b**0.5
    assert count_variance_of_band(fish, 2000.0, sd_u**2, biomass, high) == pytest.approx(
        sd_n**2, rel=1e-6
    )


def test_two_pens_pool_as_independent_errors():
    fish = np.array([[30_000.0], [10_000.0]])
    weight = np.array([[1000.0], [3000.0]])
    root_var = np.array([[0.01], [0.04]])
    band = pooled_band(fish, weight, root_var, np.zeros(2))
    pooled = (30_000 * 1000 + 10_000 * 3000) / 40_000
    var_w = [(3 * 1000 ** (2 / 3)) ** 2 * 0.01, (3 * 3000 ** (2 / 3)) ** 2 * 0.04]
    sd_w = ((0.75**2) * var_w[0] + (0.25**2) * var_w[1]) ** 0.5
    assert band.weight_low_g[0] == pytest.approx(pooled - Z90 * sd_w)
    assert band.weight_high_g[0] == pytest.approx(pooled + Z90 * sd_w)
    sd_b = ((30_000**2 * var_w[0] + 10_000**2 * var_w[1]) / 1e6) ** 0.5
    assert band.biomass_high_kg[0] == pytest.approx(60_000 + Z90 * sd_b)
    empty = pooled_band(np.zeros((1, 1)), np.ones((1, 1)), np.ones((1, 1)), np.zeros(1))
    assert np.isnan(empty.weight_low_g[0])


def test_one_pen_keeps_its_band_in_cube_root_space_as_the_engine_stores_it():
    u = 1500.0 ** (1 / 3)
    band = pooled_band(np.array([[5000.0]]), np.array([[1500.0]]), np.array([[0.03**2]]), [0.0])
    assert band.weight_low_g[0] == pytest.approx((u - Z90 * 0.03) ** 3)
    assert band.weight_high_g[0] == pytest.approx((u + Z90 * 0.03) ** 3)


def test_the_forward_band_is_the_smoothers_own_prediction_after_its_last_record():
    # A stay with two samples, then 60 days with none: past the last sample the
    # smoother's variance is its prediction from the state after that sample, the
    # weight's, the TGC's and their covariance (both pulled by the samples) and the
    # drift. The forward band from that state (its var(u), var(g), cov(u, g)) must be
    # the same numbers, day by day.
    rng = np.random.default_rng(11)
    temps = rng.uniform(2.0, 14.0, 90)
    c = np.concatenate(([0.0], np.cumsum(temps)))
    params = SmootherParams(tgc_drift_sd=0.03, scenario_tgc_cv=0.1)
    g0 = 0.003
    prior = Gauss(1.0, g0, (0.01 / 3) ** 2, 0.0, (0.1 * g0) ** 2)
    last = 30
    observed = [(12, 1.0 + g0 * c[12]), (last, 1.0 + 1.1 * g0 * c[last])]
    actions = [Observe(p, u**3, (0.03 * u**3) ** 2) for p, u in observed]
    chain = smooth_stay(c, prior, actions, params)
    days = fill_days({0: chain}, np.array([0, len(temps)]))
    after = chain.filtered[chain.point.index(last)]
    assert after.pgg > 0 and after.pug != 0  # the TGC is uncertain and tied to u
    forward = drifted_root_variance(
        after.puu, temps[last:], params.tgc_drift_sd, after.pgg, after.pug
    )
    # the rows of the days after point ``last``: the filter's and the smoother's alike
    assert forward == pytest.approx(days.var_filtered[last:], rel=1e-9)
    assert forward[-1] == pytest.approx(days.var_u[-1], rel=1e-9)
    # leaving the TGC's variance out (as before) makes the band too narrow
    narrow = drifted_root_variance(after.puu, temps[last:], params.tgc_drift_sd)
    assert (narrow < forward).all()


def test_a_new_stage_brings_its_own_tgc_prior_and_forgets_the_pens():
    # 10 degC a day, no drift. Stage 0 for 3 days with the pen's var(g) = 4e-8, then
    # stage 1 with the plan's prior 1e-8: on day 5, var(u) = day 3's + (50 - 30)^2 1e-8,
    # not (50)^2 4e-8 as if the pen's TGC went on.
    temps, stage = np.full(5, 10.0), np.array([0, 0, 0, 1, 1])
    var = staged_root_variance(0.001, temps, 0.0, stage, np.array([9.9, 1e-8]), 4e-8, 1e-6)
    day3 = 0.001 + 2 * 30 * 1e-6 + 30**2 * 4e-8
    assert var[:3] == pytest.approx(drifted_root_variance(0.001, temps[:3], 0.0, 4e-8, 1e-6))
    assert var[3:] == pytest.approx([day3 + 10**2 * 1e-8, day3 + 20**2 * 1e-8], rel=1e-12)
    # One stage throughout: the same as the band without stages.
    one = staged_root_variance(0.001, temps, 0.02, np.zeros(5, int), np.array([9.9]), 4e-8, 0.0)
    assert one == pytest.approx(drifted_root_variance(0.001, temps, 0.02, 4e-8, 0.0))


def test_an_unsampled_stage_has_no_drift_and_the_next_stage_drifts_again():
    # Drift per stage: 0 in stage 0 (unsampled: its TGC's spread is its prior's), 0.02
    # in stage 1. Stage 0's days are the band without drift; stage 1's drift starts
    # from its first day.
    temps, stage = np.full(6, 10.0), np.array([0, 0, 0, 1, 1, 1])
    drift = np.array([0.0, 0.02])
    var = staged_root_variance(0.001, temps, drift, stage, np.array([9.9, 1e-8]), 4e-8, 0.0)
    assert var[:3] == pytest.approx(drifted_root_variance(0.001, temps[:3], 0.0, 4e-8, 0.0))
    assert var[3:] == pytest.approx(drifted_root_variance(var[2], temps[3:], 0.02, 1e-8, 0.0))
    # the drift's noise of a day grows the days after it
    assert (var[4:] > drifted_root_variance(var[2], temps[3:], 0.0, 1e-8, 0.0)[1:]).all()

"""The projection arithmetic against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aquagrowth.engine.core.growth import grow
from aquagrowth.engine.core.projection import (
    UNKNOWN_DAY,
    StagePlan,
    pooled_weight,
    project_growth,
    temperature_bias,
)
from aquagrowth.engine.core.temperature import profile_temperature


def plan(tgc, rate, max_weight, start=None) -> StagePlan:
    n = len(tgc)
    return StagePlan(
        tgc=np.array(tgc, dtype=float),
        mortality_rate_per_day=np.array(rate, dtype=float),
        max_weight_g=np.array(max_weight, dtype=float),
        start_index=np.array(start or [UNKNOWN_DAY] * n),
    )


def test_one_stage_matches_the_tgc_closed_form():
    temps = np.full(100, 10.0)
    path = project_growth(5.0, 1000, 0, plan([2.5], [0.0], [1e9]), temps)
    # W^(1/3) grows by TGC/1000 * 10 degC each day.
    assert path.weight_g[9] == pytest.approx((5.0 ** (1 / 3) + 2.5 / 1000 * 100) ** 3)
    np.testing.assert_allclose(path.weight_g, grow(5.0, 2.5, temps))


def test_mortality_compounds_daily():
    path = project_growth(1.0, 10_000, 0, plan([2.0], [0.01], [1e9]), np.full(30, 5.0))
    assert path.population[29] == pytest.approx(10_000 * 0.99**30)


def test_stage_changes_when_weight_passes_its_upper_bound():
    path = project_growth(
        50.0, 100, 0, plan([1.0, 3.0], [0.0, 0.0], [60.0, 1e9]), np.full(400, 10.0)
    )
    switch = int(np.argmax(path.stage == 1))
    # The day starting above 60 g is the first one grown with the second stage's TGC.
    assert path.weight_g[switch - 2] <= 60.0 < path.weight_g[switch - 1]
    step = np.cbrt(path.weight_g[switch]) - np.cbrt(path.weight_g[switch - 1])
    assert step == pytest.approx(3.0 / 1000 * 10.0)


def test_known_stage_start_wins_over_weight():
    p = plan([1.0, 3.0], [0.0, 0.0], [60.0, 1e9], start=[UNKNOWN_DAY, 5])
    path = project_growth(0.5, 100, 0, p, np.full(10, 8.0))
    assert list(path.stage) == [0] * 5 + [1] * 5


def test_missing_tgc_holds_weight_and_cold_water_grows_nothing():
    path = project_growth(2.0, 10, 0, plan([np.nan], [0.0], [1e9]), np.full(5, 10.0))
    # Held to the last bit but for the cube root's own rounding (numpy's cbrt and the
    # cube give 2.0000000000000013 on some builds).
    assert path.weight_g == pytest.approx([2.0] * 5, rel=1e-12)
    path = project_growth(2.0, 10, 0, plan([2.0], [0.0], [1e9]), np.array([-1.0, np.nan, 0.0]))
    assert path.weight_g == pytest.approx([2.0, 2.0, 2.0])


def test_harvest_index_is_first_day_at_target():
    path = project_growth(100.0, 10, 0, plan([3.0], [0.0], [1e9]), np.full(1000, 10.0), 4000.0)
    i = path.harvest_index
    assert path.weight_g[i] >= 4000.0 > path.weight_g[i - 1]
    never = project_growth(100.0, 10, 0, plan([3.0], [0.0], [1e9]), np.full(10, 1.0), 4000.0)
    assert never.harvest_index is None


def test_profile_is_linear_between_points_and_flat_outside():
    temps = profile_temperature(
        np.array([1, 5, 11, 21, 30]), np.array([5, 21]), np.array([4.0, 12.0])
    )
    assert list(temps) == [4.0, 4.0, 7.0, 12.0, 12.0]
    assert np.isnan(profile_temperature(np.array([1]), np.array([]), np.array([]))).all()


def test_pooled_weight_is_biomass_over_population():
    weights = pooled_weight(np.array([[100, 0], [300, 0]]), np.array([[10.0, 5.0], [20.0, 6.0]]))
    assert weights[0] == pytest.approx((100 * 10 + 300 * 20) / 400)
    assert np.isnan(weights[1])


def test_temperature_bias_ignores_unknowns():
    assert temperature_bias(np.array([9.0, np.nan, 11.0]), np.array([8.0, 8.0, 8.0])) == 2.0
    assert temperature_bias(np.array([]), np.array([])) == 0.0


def day_by_day(weight_g, population, stage, p: StagePlan, temps):
    """The rule of the module docstring, one day at a time, as a reference."""
    weights, fish_left, stages = [], [], []
    for day, temp in enumerate(temps):
        while stage + 1 < len(p.tgc):
            start = p.start_index[stage + 1]
            if (start != UNKNOWN_DAY and day < start) or (
                start == UNKNOWN_DAY and weight_g <= p.max_weight_g[stage]
            ):
                break
            stage += 1
        if not np.isnan(p.tgc[stage]):
            weight_g = (np.cbrt(weight_g) + p.tgc[stage] / 1000 * max(temp, 0.0)) ** 3
        population *= 1 - p.mortality_rate_per_day[stage]
        weights.append(weight_g)
        fish_left.append(population)
        stages.append(stage)
    return np.array(weights), np.array(fish_left), np.array(stages)


@settings(max_examples=60, deadline=None)
@given(
    weight=st.floats(0.05, 500.0),
    tgc=st.lists(st.floats(0.5, 4.0), min_size=4, max_size=4),
    known=st.lists(st.one_of(st.just(UNKNOWN_DAY), st.integers(0, 400)), min_size=4, max_size=4),
    seed=st.integers(0, 1000),
)
def test_segments_agree_with_a_day_by_day_loop(weight, tgc, known, seed):
    rng = np.random.default_rng(seed)
    temps = rng.uniform(-1.0, 16.0, 400)
    p = plan(tgc, [0.002, 0.001, 0.0005, 0.0002], [0.5, 6.0, 60.0, 1e9], start=known)
    path = project_growth(weight, 5000.0, 0, p, temps)
    weights, fish_left, stages = day_by_day(weight, 5000.0, 0, p, temps)
    np.testing.assert_array_equal(path.stage, stages)
    np.testing.assert_allclose(path.weight_g, weights, rtol=1e-9)
    np.testing.assert_allclose(path.population, fish_left, rtol=1e-9)

"""Each rule of docs/engine.md on a batch small enough to work out by hand.

Every expected number is written as the arithmetic that gives it, with literal numbers,
so a reader can check it against the rule without running anything. Weights are easiest
in cube-root space: 8 g is 2.0^3, and a day at 10 degC with TGC 3.0 adds
3.0 / 1000 * 10 = 0.03 to the cube root. Each test runs against both engines.
"""

from __future__ import annotations

import itertools
import math

import pytest

from aquagrowth.engine.core.inputs import SELECTION_AVERAGE, SELECTION_LARGEST, SELECTION_SMALLEST
from aquagrowth.engine.core.outputs import (
    ANCHOR_TYPES,
    FLAGS,
    MORTALITY_SOURCES,
    TEMP_SOURCES,
    WEIGHT_SOURCES,
    DailyStates,
)
from tests.engine.strategies import Stay, build, scenario

NAN = float("nan")
REL = 1e-9


def col(states: DailyStates, name: str, a: int = 0) -> list:
    """Column ``name`` of assignment position ``a``, in day order, as Python values."""
    mask = states.assignment == a
    values = getattr(states, name)
    if name == "flags":
        return [FLAGS[f] for f in values[mask].tolist()]
    return values[mask].tolist()


def kinds(states: DailyStates) -> list[str]:
    return sorted(f.kind for f in states.findings)


def warm(n_days: int, *containers: int, temp: float = 10.0) -> list[tuple]:
    """A measured temperature every day in each container."""
    return [(c, d, temp) for c in containers for d in range(n_days)]


def approx(values):
    return pytest.approx(values, rel=REL, abs=1e-12, nan_ok=True)


# ---------------------------------------------------------------------------
# Weight: the TGC step, anchors and their re-fit.


def test_one_day_of_tgc_growth(engine):
    inputs = build(1, [Stay(0, 1, 1000, 8.0)], scenario=scenario(tgc=[3.0]), temperature=warm(1, 0))
    s = engine(inputs)
    # W^(1/3) = 8^(1/3) + 3.0/1000 * 10 = 2.0 + 0.03
    assert col(s, "avg_weight_g") == approx([2.03**3])
    assert col(s, "biomass_kg") == approx([1000 * 2.03**3 / 1000])
    assert col(s, "growth_kg") == approx([1000 * (2.03**3 - 8.0) / 1000])
    assert col(s, "tgc") == approx([3.0])
    assert col(s, "temp_c") == approx([10.0])
    assert col(s, "temp_source") == [TEMP_SOURCES.index("measured")]
    assert col(s, "weight_source") == [WEIGHT_SOURCES.index("scenario_tgc")]
    assert col(s, "anchor_type") == [ANCHOR_TYPES.index("none")]
    # egg-input opening is a reference point of confidence 0.9, one day before the row's end
    assert col(s, "weight_confidence") == approx([0.9 * 0.5 ** (1 / 30)])
    assert s.findings == []


def test_two_samples_refit_the_curve_through_both(engine):
    inputs = build(
        12,
        [Stay(0, 12, 1000, 8.0)],
        scenario=scenario(tgc=[2.5]),
        temperature=warm(12, 0),
        # end of day 4: 30 fish of mean 2.15^3 g; end of day 9: 10 fish of mean 2.25^3 g
        samples=[(0, 4, 30, 30 * 2.15**3), (0, 9, 10, 10 * 2.25**3)],
    )
    s = engine(inputs)
    # days 0..4: TGC = 1000 * (2.15 - 2.0) / (5 days * 10 degC) = 3.0 -> +0.03 a day
    # days 5..9: TGC = 1000 * (2.25 - 2.15) / (5 * 10) = 2.0 -> +0.02 a day
    # days 10, 11: after the last anchor, the scenario's 2.5 -> +0.025 a day
    roots = [2.0 + 0.03 * (d + 1) for d in range(5)]
    roots += [2.15 + 0.02 * (d - 4) for d in range(5, 10)]
    roots += [2.25 + 0.025 * (d - 9) for d in range(10, 12)]
    assert col(s, "avg_weight_g") == approx([r**3 for r in roots])
    assert col(s, "tgc") == approx([3.0] * 5 + [2.0] * 5 + [2.5] * 2)
    a, m, sc = (WEIGHT_SOURCES.index(x) for x in ("assimilated", "measured", "scenario_tgc"))
    assert col(s, "weight_source") == [a] * 4 + [m] + [a] * 4 + [m] + [sc] * 2
    g, n = ANCHOR_TYPES.index("growth_sample"), ANCHOR_TYPES.index("none")
    assert col(s, "anchor_type") == [n] * 4 + [g] + [n] * 4 + [g] + [n] * 2
    conf = col(s, "weight_confidence")
    assert conf[4] == approx(1.0)  # 30 fish weighed: min(1, sqrt(30/30))
    assert conf[9] == approx(math.sqrt(10 / 30))
    # end of day 2: opening 3 days back (0.9 * 0.5^(3/30)), sample 2 days ahead (1.0 * 0.5^(2/30))
    assert conf[2] == approx(max(0.9 * 0.5 ** (3 / 30), 1.0 * 0.5 ** (2 / 30)))


def test_a_lighter_sample_gives_a_negative_tgc_that_is_kept_and_flagged(engine):
    inputs = build(
        6,
        [Stay(0, 6, 1000, 8.0)],
        scenario=scenario(tgc=[2.5]),
        temperature=warm(6, 0),
        samples=[(0, 4, 30, 30 * 1.9**3)],
    )
    s = engine(inputs)
    # TGC = 1000 * (1.9 - 2.0) / (5 * 10) = -2.0 -> -0.02 a day, then +0.025
    roots = [2.0 - 0.02 * (d + 1) for d in range(5)] + [1.9 + 0.025]
    assert col(s, "avg_weight_g") == approx([r**3 for r in roots])
    assert col(s, "tgc") == approx([-2.0] * 5 + [2.5])
    assert col(s, "flags") == ["negative_tgc"] * 5 + [""]


def test_anchor_after_days_without_degree_days_runs_linearly_in_days(engine):
    inputs = build(
        4,
        [Stay(0, 4, 1000, 8.0)],
        scenario=scenario(tgc=[2.5]),
        temperature=warm(4, 0, temp=0.0),
        samples=[(0, 3, 30, 30 * 2.4**3)],
    )
    s = engine(inputs)
    # no degree-days: the cube root goes (2.4 - 2.0) / 4 days = 0.1 a day, TGC undefined
    assert col(s, "avg_weight_g") == approx([2.1**3, 2.2**3, 2.3**3, 2.4**3])
    assert col(s, "tgc") == approx([NAN] * 4)
    a, m = WEIGHT_SOURCES.index("assimilated"), WEIGHT_SOURCES.index("measured")
    assert col(s, "weight_source") == [a, a, a, m]


def test_harvest_is_an_end_of_day_weight(engine):
    inputs = build(
        4,
        [Stay(0, 4, 1000, 8.0)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(4, 0),
        harvests=[(0, 1, 100, 100 * 2.1**3 / 1000)],  # 100 fish of 2.1^3 g, in kg
    )
    s = engine(inputs)
    # the harvest weight 2.1^3 g ends day 1: TGC = 1000 * (2.1 - 2.0) / (2 * 10) = 5.0
    assert col(s, "avg_weight_g") == approx([2.05**3, 2.1**3, 2.13**3, 2.16**3])
    assert col(s, "population") == [1000, 900, 900, 900]
    assert col(s, "weight_source")[1] == WEIGHT_SOURCES.index("measured")


def test_weight_above_the_stage_max_is_kept_and_flagged(engine):
    inputs = build(
        3,
        [Stay(0, 3, 1000, 0.4)],
        scenario=scenario(tgc=[3.0]),
        stage_max_g=[0.5],
        temperature=warm(3, 0),
    )
    s = engine(inputs)
    roots = [0.4 ** (1 / 3) + 0.03 * (d + 1) for d in range(3)]
    # 0.4^(1/3) = 0.7368: day 0 0.7668^3 = 0.451 g, day 1 0.7968^3 = 0.506 g > 0.5
    assert col(s, "avg_weight_g") == approx([r**3 for r in roots])
    assert col(s, "flags") == ["", "above_stage_max", "above_stage_max"]


def test_eggs_of_a_tenth_of_a_gram_grow_every_day_at_full_precision(engine):
    inputs = build(
        90,
        [Stay(0, 90, 1000, 0.1)],
        scenario=scenario(tgc=[2.5]),
        temperature=warm(90, 0, temp=8.0),
    )
    s = engine(inputs)
    weights = col(s, "avg_weight_g")
    # each day adds 2.5 / 1000 * 8 = 0.02 to the cube root
    assert weights == approx([(0.1 ** (1 / 3) + 0.02 * (d + 1)) ** 3 for d in range(90)])
    assert all(later > earlier for earlier, later in itertools.pairwise(weights))
    assert weights[-1] == approx((0.1 ** (1 / 3) + 1.8) ** 3)


# ---------------------------------------------------------------------------
# Transfers: placements, partial transfers out, chronological order.


def test_placement_opens_the_destination_empty_and_never_doubles_fish(engine):
    inputs = build(
        5,
        # the destination also records 400 fish at its opening, as the old engine's data did
        [Stay(0, 5, 1000, 8.0), Stay(2, 5, population=400)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(5, 0, 1),
        transfers=[(0, 1, 2, 400)],
    )
    s = engine(inputs)
    assert col(s, "population", 0) == [1000, 1000, 600, 600, 600]
    assert col(s, "population", 1) == [400, 400, 400]
    # the source's weight at the start of day 2 is 2.06^3; both groups then grow alike
    assert col(s, "avg_weight_g", 1) == approx([2.09**3, 2.12**3, 2.15**3])
    assert col(s, "avg_weight_g", 0)[2] == approx(2.09**3)
    # the move is not growth: growth on day 2 is the destination's own gain
    assert col(s, "growth_kg", 1)[0] == approx(400 * (2.09**3 - 2.06**3) / 1000)
    # a placement without a measured weight is a reference point of confidence 0.7
    assert col(s, "weight_confidence", 1)[0] == approx(0.7 * 0.5 ** (1 / 30))
    assert kinds(s) == ["opening_population_ignored"]


def test_placement_into_fish_present_takes_the_weighted_mean(engine):
    inputs = build(
        4,
        # tank 2 gets 600 fish of 27 g from egg input 1 on day 0, then 400 from egg input 0
        [Stay(0, 4, 1000, 8.0), Stay(0, 1, 600, 27.0), Stay(0, 4)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(4, 0, 1, 2),
        transfers=[(1, 2, 0, 600), (0, 2, 2, 400)],
    )
    s = engine(inputs)
    # start of day 2: 600 fish at 3.06^3 g meet 400 fish at 2.06^3 g
    mean = (600 * 3.06**3 + 400 * 2.06**3) / 1000
    assert col(s, "population", 2) == [600, 600, 1000, 1000]
    assert col(s, "population", 0) == [1000, 1000, 600, 600]
    assert col(s, "avg_weight_g", 2) == approx(
        [3.03**3, 3.06**3, (mean ** (1 / 3) + 0.03) ** 3, (mean ** (1 / 3) + 0.06) ** 3]
    )
    assert col(s, "growth_kg", 2)[2] == approx(1000 * ((mean ** (1 / 3) + 0.03) ** 3 - mean) / 1000)


def test_measured_average_transfer_anchors_the_source(engine):
    inputs = build(
        3,
        [Stay(0, 3, 1000, 8.0), Stay(2, 3)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(3, 0, 1),
        transfers=[(0, 1, 2, 400, 10.0, SELECTION_AVERAGE)],
    )
    s = engine(inputs)
    # the source's curve arrives at 10 g at the start of day 2: over 2 days of 10 degC
    # TGC = 1000 * (10^(1/3) - 2.0) / 20, so the root climbs half the gap per day
    gap = 10 ** (1 / 3) - 2.0
    assert col(s, "avg_weight_g", 0) == approx(
        [(2.0 + gap / 2) ** 3, 10.0, (10 ** (1 / 3) + 0.03) ** 3]
    )
    assert col(s, "tgc", 0)[:2] == approx([1000 * gap / 20] * 2)
    # the row that ends at the anchor carries it
    assert col(s, "anchor_type", 0)[1] == ANCHOR_TYPES.index("transfer")
    assert col(s, "avg_weight_g", 1) == approx([(10 ** (1 / 3) + 0.03) ** 3])
    assert col(s, "population", 0) == [1000, 1000, 600]
    # every placed fish was weighed: reference point of confidence 0.9
    assert col(s, "weight_confidence", 1) == approx([0.9 * 0.5 ** (1 / 30)])


def test_partial_transfer_of_the_largest_leaves_the_mass_balance_weight(engine):
    inputs = build(
        3,
        [Stay(0, 3, 1000, 8.0), Stay(2, 3)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(3, 0, 1),
        transfers=[(0, 1, 2, 200, 12.0, SELECTION_LARGEST)],
    )
    s = engine(inputs)
    # 1000 fish at 2.06^3 g, the 200 largest weigh 12 g: the 800 left weigh
    stay = (2.06**3 * 1000 - 12.0 * 200) / 800
    assert col(s, "population", 0) == [1000, 1000, 800]
    # a break, not an anchor: days 0 and 1 keep the scenario curve
    assert col(s, "avg_weight_g", 0) == approx([2.03**3, 2.06**3, (stay ** (1 / 3) + 0.03) ** 3])
    assert col(s, "growth_kg", 0)[2] == approx(800 * ((stay ** (1 / 3) + 0.03) ** 3 - stay) / 1000)
    assert col(s, "avg_weight_g", 1) == approx([(12.0 ** (1 / 3) + 0.03) ** 3])
    assert col(s, "population", 1) == [200]


def test_impossible_mass_balance_is_reported_and_the_weight_kept(engine):
    inputs = build(
        3,
        [Stay(0, 3, 1000, 8.0), Stay(2, 3)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(3, 0, 1),
        # 200 of 1000 fish of 2.06^3 = 8.74 g cannot weigh 50 g: 8742 g - 10000 g < 0
        transfers=[(0, 1, 2, 200, 50.0, SELECTION_SMALLEST)],
    )
    s = engine(inputs)
    assert col(s, "avg_weight_g", 0) == approx([2.03**3, 2.06**3, 2.09**3])
    assert col(s, "population", 0) == [1000, 1000, 800]
    assert col(s, "avg_weight_g", 1) == approx([(50.0 ** (1 / 3) + 0.03) ** 3])
    assert kinds(s) == ["mass_balance_invalid"]


def test_transfer_of_more_fish_than_present_is_clamped(engine):
    inputs = build(
        3,
        [Stay(0, 3, 1000, 8.0), Stay(2, 3)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(3, 0, 1),
        transfers=[(0, 1, 2, 1500)],
    )
    s = engine(inputs)
    assert col(s, "population", 0) == [1000, 1000, 0]
    assert col(s, "population", 1) == [1000]
    assert kinds(s) == ["count_clamped"]


def test_destination_sees_the_source_curve_refitted_to_a_later_sample(engine):
    inputs = build(
        6,
        [Stay(0, 6, 1000, 8.0), Stay(3, 6)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(6, 0, 1),
        transfers=[(0, 1, 3, 500)],
        # the source is sampled after the transfer, at the end of day 5
        samples=[(0, 5, 30, 30 * 2.3**3)],
    )
    s = engine(inputs)
    # source: TGC = 1000 * (2.3 - 2.0) / (6 * 10) = 5.0 -> +0.05 a day; its weight at the
    # start of day 3 is therefore 2.15^3 g, and that is what the destination receives
    assert col(s, "avg_weight_g", 0) == approx([(2.0 + 0.05 * (d + 1)) ** 3 for d in range(6)])
    assert col(s, "avg_weight_g", 1) == approx([2.18**3, 2.21**3, 2.24**3])
    assert col(s, "population", 0) == [1000, 1000, 1000, 500, 500, 500]
    assert col(s, "population", 1) == [500, 500, 500]


# ---------------------------------------------------------------------------
# Mortality.


def test_model_mortality_of_small_populations_is_carried_forward(engine):
    inputs = build(
        20, [Stay(0, 20, 100, 1.0)], scenario=scenario(tgc=[2.5], rate=[0.001], profile=())
    )
    s = engine(inputs)
    # 100 * 0.001 = 0.1 expected deaths a day: the tenth day (index 9) completes a fish;
    # then 99 * 0.001 = 0.099 a day, 10 days * 0.099 = 0.99 < 1 by day 19
    assert col(s, "mortality_count") == [0] * 9 + [1] + [0] * 10
    assert col(s, "population") == [100] * 9 + [99] * 11
    assert col(s, "mortality_source") == [MORTALITY_SOURCES.index("model")] * 20
    assert col(s, "mortality_confidence") == approx([0.4] * 20)


def test_recorded_mortality_replaces_the_model_for_that_day(engine):
    inputs = build(
        6,
        [Stay(0, 6, 10, 1.0)],
        scenario=scenario(tgc=[2.5], rate=[0.05]),
        mortality=[(0, 2, 2)],
    )
    s = engine(inputs)
    # carry: day 0 10*0.05 = 0.5; day 1 1.0 -> 1 dies; day 2 recorded 2 (carry stays 0);
    # days 3, 4, 5: 7*0.05 = 0.35, 0.70, 1.05 -> 1 dies on day 5
    assert col(s, "mortality_count") == [0, 1, 2, 0, 0, 1]
    assert col(s, "population") == [10, 9, 7, 7, 7, 6]
    r, m = MORTALITY_SOURCES.index("recorded"), MORTALITY_SOURCES.index("model")
    assert col(s, "mortality_source") == [m, m, r, m, m, m]
    assert col(s, "mortality_confidence")[2] == approx(1.0)


def test_a_planned_rate_of_zero_is_a_model_not_missing(engine):
    inputs = build(2, [Stay(0, 2, 100, 1.0)], scenario=scenario(tgc=[2.5], rate=[0.0]))
    s = engine(inputs)
    # 100 * 0.0 = 0 expected deaths: nobody dies, and the scenario said so
    assert col(s, "mortality_count") == [0, 0]
    assert col(s, "mortality_source") == [MORTALITY_SOURCES.index("model")] * 2
    assert col(s, "mortality_confidence") == approx([0.4, 0.4])


def test_mortality_above_the_population_is_clamped(engine):
    inputs = build(3, [Stay(0, 3, 100, 1.0)], scenario=scenario(tgc=[2.5]), mortality=[(0, 1, 150)])
    s = engine(inputs)
    assert col(s, "mortality_count") == [0, 100, 0]
    assert col(s, "population") == [100, 0, 0]
    assert kinds(s) == ["count_clamped"]


# ---------------------------------------------------------------------------
# Temperature.


def test_temperature_interpolated_between_measured_days(engine):
    inputs = build(
        5,
        [Stay(0, 5, 1000, 8.0)],
        scenario=scenario(tgc=[2.5]),
        temperature=[(0, 0, 6.0), (0, 4, 10.0)],
    )
    s = engine(inputs)
    # 6 + (10 - 6) * d / 4
    assert col(s, "temp_c") == approx([6.0, 7.0, 8.0, 9.0, 10.0])
    i, m = TEMP_SOURCES.index("interpolated"), TEMP_SOURCES.index("measured")
    assert col(s, "temp_source") == [m, i, i, i, m]
    assert col(s, "temp_confidence")[2] == approx(max(0.4, 0.9 - 4 / 30))


def test_interpolation_uses_readings_before_the_batch_start(engine):
    inputs = build(
        1,
        [Stay(0, 1, 1000, 8.0)],
        scenario=scenario(tgc=[2.5]),
        temperature=[(0, -3, 12.0), (0, 2, 2.0)],
    )
    s = engine(inputs)
    # 12 + (2 - 12) * 3 / 5 = 6.0, gap of 5 days
    assert col(s, "temp_c") == approx([6.0])
    assert col(s, "temp_confidence") == approx([0.9 - 5 / 30])


def test_interpolation_reaches_seven_days_then_falls_back_to_the_container_mean(engine):
    no_profile = scenario(tgc=[2.5], profile=())
    inputs = build(
        11, [Stay(0, 11, 1000, 8.0)], scenario=no_profile, temperature=[(0, 0, 4.0), (0, 10, 14.0)]
    )
    s = engine(inputs)
    temps, sources = col(s, "temp_c"), col(s, "temp_source")
    # day 3: 3 days after, 7 before the next reading -> 4 + (14 - 4) * 3 / 10 = 7.0
    assert temps[3] == approx(7.0)
    assert col(s, "temp_confidence")[3] == approx(max(0.4, 0.9 - 10 / 30))
    # day 2: the next reading is 8 days away -> the mean of the measured days, (4 + 14) / 2
    assert temps[2] == approx(9.0)
    assert sources[2] == TEMP_SOURCES.index("container_mean")
    assert col(s, "temp_confidence")[2] == approx(0.3)


def test_profile_temperature_between_profile_days(engine):
    inputs = build(
        15,
        [Stay(0, 15, 1000, 8.0)],
        scenario=scenario(tgc=[2.5], profile=[(1, 4.0), (11, 9.0)]),
    )
    s = engine(inputs)
    temps = col(s, "temp_c")
    assert temps[0] == approx(4.0)  # day number 1
    assert temps[4] == approx(4.0 + (9.0 - 4.0) * (5 - 1) / (11 - 1))  # day number 5: 6.0
    assert temps[14] == approx(9.0)  # after the last profile day: flat
    assert col(s, "temp_source") == [TEMP_SOURCES.index("profile")] * 15
    assert col(s, "temp_confidence") == approx([0.5] * 15)
    # the growth follows the profile: day 0 adds 2.5/1000 * 4.0 to the cube root
    assert col(s, "avg_weight_g")[0] == approx((2.0 + 0.01) ** 3)


def test_a_profile_day_of_0_degc_grows_nothing_between_equal_samples(engine):
    inputs = build(
        4,
        [Stay(0, 4, 1000, 8.0)],
        scenario=scenario(tgc=[2.5], profile=[(1, 2.8), (4, 0.0), (6, 0.0)]),
        samples=[(0, 2, 30, 30 * 8.0), (0, 3, 30, 30 * 8.0)],
    )
    s = engine(inputs)
    # day number 4 is a profile day of 0.0 degC: exactly 0, not a rounding hair above it,
    # so the segment from the sample of day 2 to that of day 3 has no degree-days and no TGC
    assert col(s, "temp_c")[3] == 0.0
    assert math.isnan(col(s, "tgc")[3])
    assert col(s, "avg_weight_g")[2:] == approx([8.0, 8.0])


def test_a_temperature_sum_of_rounding_fits_no_tgc(engine):
    inputs = build(
        5,
        [Stay(0, 5, 1000, 8.0)],
        scenario=scenario(tgc=[2.5], profile=()),
        temperature=[(0, 1, -0.2), (0, 7, 0.4)],
        samples=[(0, 2, 30, 30 * 8.0), (0, 3, 30, 30 * 1.9**3)],
    )
    s = engine(inputs)
    # day 3 is interpolated: -0.2 + (0.4 - -0.2) * 2 / 6 = 2.8e-17 degC, rounding of 0;
    # no TGC is fitted over it (it would be -3.6e15): the weight goes straight to the
    # sample, the day has no TGC and no negative-TGC flag
    assert 0 < col(s, "temp_c")[3] < 1e-15
    assert col(s, "avg_weight_g")[2:4] == approx([8.0, 1.9**3])
    assert math.isnan(col(s, "tgc")[3])
    assert col(s, "flags")[3] == ""


def test_no_temperature_at_all_is_missing_and_grows_nothing(engine):
    inputs = build(3, [Stay(0, 3, 1000, 8.0)], scenario=scenario(tgc=[2.5], profile=()))
    s = engine(inputs)
    assert col(s, "temp_c") == approx([NAN] * 3)
    assert col(s, "temp_source") == [TEMP_SOURCES.index("missing")] * 3
    assert col(s, "temp_confidence") == approx([0.0] * 3)
    assert col(s, "avg_weight_g") == approx([8.0] * 3)


def test_sensor_faults_are_ignored_and_reported(engine):
    inputs = build(
        3,
        [Stay(0, 3, 1000, 8.0)],
        scenario=scenario(tgc=[2.5]),
        # (container, day, mean of valid readings, valid readings, rejected readings)
        temperature=[(0, 0, 8.0, 1, 1), (0, 1, NAN, 0, 2), (0, 2, 10.0, 1, 0)],
    )
    s = engine(inputs)
    # day 1 had only faulty readings: interpolated (8 + 10) / 2
    assert col(s, "temp_c") == approx([8.0, 9.0, 10.0])
    assert col(s, "temp_source")[1] == TEMP_SOURCES.index("interpolated")
    assert set(kinds(s)) == {"sensor_fault"}


# ---------------------------------------------------------------------------
# Feed and FCR.


def test_fcr_over_the_trailing_seven_days(engine):
    inputs = build(
        10,
        [Stay(0, 10, 1000, 8.0)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(10, 0),
        feed=[(0, d, 1.0) for d in range(10)],
    )
    s = engine(inputs)
    fcr = col(s, "fcr")
    # growth telescopes: 1000 fish * (W(end) - W(start)) / 1000 over the window
    assert fcr[2] == approx(3.0 / (2.09**3 - 8.0))  # days 0..2
    assert fcr[6] == approx(7.0 / (2.21**3 - 8.0))  # days 0..6
    assert fcr[9] == approx(7.0 / (2.30**3 - 2.09**3))  # days 3..9
    assert col(s, "feed_kg") == approx([1.0] * 10)
    assert col(s, "feed_confidence") == approx([1.0] * 10)


def test_fcr_is_null_without_feed_or_without_growth(engine):
    inputs = build(
        4,
        [Stay(0, 4, 1000, 8.0), Stay(0, 4, 1000, 8.0)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(4, 0) + warm(4, 1, temp=0.0),
        feed=[(1, d, 1.0) for d in range(4)],  # fed, but at 0 degC nothing grows
    )
    s = engine(inputs)
    assert col(s, "fcr", 0) == approx([NAN] * 4)  # growing, no feed
    assert col(s, "feed_confidence", 0) == approx([0.5] * 4)
    assert col(s, "fcr", 1) == approx([NAN] * 4)  # fed, no growth


# ---------------------------------------------------------------------------
# Bad input: reported, and everything else still computed.


def test_batch_without_scenario_holds_weight_and_reports_it(engine):
    inputs = build(3, [Stay(0, 3, 1000, 8.0)], scenario=None, temperature=warm(3, 0))
    s = engine(inputs)
    assert col(s, "avg_weight_g") == approx([8.0] * 3)
    assert col(s, "weight_source") == [WEIGHT_SOURCES.index("held")] * 3
    assert col(s, "tgc") == approx([NAN] * 3)
    assert col(s, "mortality_source") == [MORTALITY_SOURCES.index("missing")] * 3
    assert col(s, "mortality_confidence") == approx([0.0] * 3)
    assert col(s, "temp_c") == approx([10.0] * 3)
    assert kinds(s) == ["no_scenario"]


def _one_tank(**records) -> DailyStates:
    """A tank whose fish left at the start of day 5, computed through day 5, today day 6."""
    return build(
        6,
        [Stay(0, 5, 1000, 8.0)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(6, 0),
        today_day=6,
        **records,
    )


def _assert_untouched(s: DailyStates) -> None:
    assert col(s, "population") == [1000] * 5
    assert col(s, "avg_weight_g") == approx([(2.0 + 0.03 * (d + 1)) ** 3 for d in range(5)])


@pytest.mark.parametrize(
    ("records", "kind"),
    [
        ({"mortality": [(0, 5, 10)]}, "event_outside_assignment"),
        ({"samples": [(0, 8, 10, 10 * 20.0)]}, "event_in_future"),
        ({"mortality": [(0, 2, -5)]}, "negative_value"),
        ({"samples": [(0, 2, 10, -100.0)]}, "negative_value"),
        ({"feed": [(1, 2, 5.0)]}, "feed_outside_assignment"),
    ],
)
def test_bad_record_is_reported_and_ignored(engine, records, kind):
    s = engine(_one_tank(**records))
    _assert_untouched(s)
    assert kinds(s) == [kind]


def test_transfer_to_another_batch_is_reported_and_ignored(engine):
    s = engine(_one_tank(transfers=[(0, -1, 2, 100)]))
    _assert_untouched(s)
    assert kinds(s) == ["transfer_other_batch"]


def test_transfer_outside_the_destination_days_is_reported_and_ignored(engine):
    inputs = build(
        5,
        [Stay(0, 5, 1000, 8.0), Stay(3, 5)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(5, 0, 1),
        transfers=[(0, 1, 1, 100)],
    )
    s = engine(inputs)
    assert col(s, "population", 0) == [1000] * 5
    assert col(s, "population", 1) == [0, 0]
    assert kinds(s) == ["transfer_outside_assignment"]

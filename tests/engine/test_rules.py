"""Each rule of docs/engine.md on a batch small enough to work out by hand.

Every expected number is written as the arithmetic that gives it, with literal numbers,
so a reader can check it against the rule without running anything. Weights are easiest
in cube-root space: 8 g is 2.0^3, and a day at 10 degC with TGC 3.0 adds
3.0 / 1000 * 10 = 0.03 to the cube root. Each test runs against both engines.
"""

from __future__ import annotations

import datetime
import itertools
import math

import pytest

from aquagrowth.engine.core.inputs import (
    SELECTION_AVERAGE,
    SELECTION_LARGEST,
    SELECTION_SMALLEST,
    BatchInputs,
)
from aquagrowth.engine.core.outputs import (
    ANCHOR_TYPES,
    ESTIMATED,
    FEED_SOURCES,
    FLAGS,
    MORTALITY_SOURCES,
    NO_DAY,
    POPULATION_SOURCES,
    STAY_CLOSES,
    TEMP_SOURCES,
    WEIGHT_SOURCES,
    DailyStates,
    Finding,
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


def test_book_rules_clamp_a_transfer_of_more_fish_than_present(engine):
    inputs = build(
        3,
        [Stay(0, 3, 1000, 8.0), Stay(2, 3)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(3, 0, 1),
        transfers=[(0, 1, 2, 1500)],
    )
    s = engine(inputs, rules="book")
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


def test_book_rules_recorded_mortality_replaces_the_model_for_that_day(engine):
    inputs = build(
        6,
        [Stay(0, 6, 10, 1.0)],
        scenario=scenario(tgc=[2.5], rate=[0.05]),
        mortality=[(0, 2, 2)],
    )
    s = engine(inputs, rules="book")
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


def test_book_rules_clamp_mortality_above_the_population(engine):
    inputs = build(3, [Stay(0, 3, 100, 1.0)], scenario=scenario(tgc=[2.5]), mortality=[(0, 1, 150)])
    s = engine(inputs, rules="book")
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


def test_book_rules_fcr_over_the_trailing_seven_days(engine):
    inputs = build(
        10,
        [Stay(0, 10, 1000, 8.0)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(10, 0),
        feed=[(0, d, 1.0) for d in range(10)],
    )
    s = engine(inputs, rules="book")
    fcr = col(s, "fcr")
    # growth telescopes: 1000 fish * (W(end) - W(start)) / 1000 over the window
    assert fcr[2] == approx(3.0 / (2.09**3 - 8.0))  # days 0..2
    assert fcr[6] == approx(7.0 / (2.21**3 - 8.0))  # days 0..6
    assert fcr[9] == approx(7.0 / (2.30**3 - 2.09**3))  # days 3..9
    assert col(s, "feed_kg") == approx([1.0] * 10)
    assert col(s, "feed_confidence") == approx([1.0] * 10)


def test_book_rules_fcr_is_null_without_feed_or_without_growth(engine):
    inputs = build(
        4,
        [Stay(0, 4, 1000, 8.0), Stay(0, 4, 1000, 8.0)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(4, 0) + warm(4, 1, temp=0.0),
        feed=[(1, d, 1.0) for d in range(4)],  # fed, but at 0 degC nothing grows
    )
    s = engine(inputs, rules="book")
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


def _one_tank(**records) -> BatchInputs:
    """A tank whose 1000 fish were counted out into tank 1 at the start of day 5, computed
    through day 5, today day 6 (the departure's count agrees with the book: nothing to
    reconcile)."""
    transfers = [(0, 1, 5, 1000), *records.pop("transfers", [])]
    return build(
        6,
        [Stay(0, 5, 1000, 8.0), Stay(5, 6)],
        scenario=scenario(tgc=[3.0]),
        temperature=warm(6, 0),
        today_day=6,
        transfers=transfers,
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
        # Values already in the database that are not finite never reach the states.
        ({"samples": [(0, 2, 10, float("inf"))]}, "non_finite_value"),
        ({"samples": [(0, 2, 10, float("nan"))]}, "non_finite_value"),
        ({"feed": [(0, 2, float("inf"))]}, "non_finite_value"),
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


# ---------------------------------------------------------------------------
# Population on a real farm's records: the book, counts, reconciliation.
#
# The farm below is batch B-7, started 2024-03-01, in pens "Pen 1", "Pen 2", ... (one per
# stay); fish grow at TGC 3.0 and 10 degC and the plan expects no deaths (rate 0). Its
# book's variance: a stocking count of O fish has (1.25 % x O)^2, a counted move of n
# fish (1 % x n)^2, and every day ends adding (0.05 % x book)^2: 0.25 fish^2 a day for
# 1000 fish, 25 for 10000.

START = datetime.date(2024, 3, 1)


def farm(n_days: int, stays: list[Stay], **records) -> BatchInputs:
    """A batch of the named farm above, computed through ``n_days``."""
    return build(
        n_days,
        stays,
        scenario=records.pop("scenario", scenario(tgc=[3.0])),
        temperature=records.pop("temperature", warm(n_days, *range(len(stays)))),
        batch_number="B-7",
        start_date=START,
        container_names=[f"Pen {i + 1}" for i in range(len(stays) + 1)],
        **records,
    )


def date(day: int) -> str:
    return (START + datetime.timedelta(days=day)).isoformat()


def finding(states: DailyStates, kind: str) -> Finding:
    (found,) = [f for f in states.findings if f.kind == kind]
    return found


def names(f: Finding, pen: str, *days: int) -> bool:
    """Whether a finding names the record as the farm does: batch, pen and dates."""
    return "B-7" in f.message and pen in f.message and all(date(d) in f.message for d in days)


POP = {name: POPULATION_SOURCES.index(name) for name in POPULATION_SOURCES}
MORT = {name: MORTALITY_SOURCES.index(name) for name in MORTALITY_SOURCES}
FEED = {name: FEED_SOURCES.index(name) for name in FEED_SOURCES}


def test_one_count_reconciles_its_stretch_per_fish_day(engine):
    inputs = farm(
        8,
        [Stay(0, 8, 10000, 8.0)],
        counts=[(0, 4, 9800, "counter")],  # end of day 4, +-1 %
        mortality=[(0, 7, 0)],  # the farm recorded no deaths on any day
    )
    s = engine(inputs)
    # book 10000 every day; V(t) = 125^2 + (t + 1) * 25; V(4) = 15625 + 125 = 15750
    # V_M = (1 % x 9800)^2 = 98^2 = 9604; K = 15750 / (15750 + 9604) = 0.6212
    d = 15750 / (15750 + 98.0**2) * (9800 - 10000)  # -124.24 fish
    # spread per fish-day: the same fish every day, so day t has (t + 1) / 5 of D
    pops = [10000 + round(d * (t + 1) / 5) for t in range(5)]
    assert pops == [10000 - 25, 10000 - 50, 10000 - 75, 10000 - 99, 10000 - 124]
    assert col(s, "population") == [*pops, 9876, 9876, 9876]  # the book goes on from N
    assert col(s, "unexplained_fish") == [25, 25, 25, 24, 25, 0, 0, 0]
    assert col(s, "mortality_count") == [0] * 8
    assert col(s, "population_source") == [POP["reconciled"]] * 5 + [POP["book"]] * 3
    # variances: inside the stretch V(t) - V(t)^2 / (V(T) + V_M); after it the book's
    v = [15625 + 25 * (t + 1) for t in range(5)]
    after = 15750 * 9604 / (15750 + 9604)  # V_B V_M / (V_B + V_M) = 5965.8
    forward = [after + (0.0005 * 9876) ** 2 * k for k in (1, 2, 3)]
    assert col(s, "population_variance") == approx(
        [vt - vt**2 / (15750 + 9604) for vt in v] + forward
    )
    assert col(s, "population_variance")[4] == approx(after)
    assert col(s, "population_confidence")[4] == approx(1 - math.sqrt(after) / (0.05 * 9876))
    assert kinds(s) == ["unexplained_loss"]
    f = finding(s, "unexplained_loss")
    assert names(f, "Pen 1", 0, 4) and "124" in f.message
    assert (f.record_id, f.day) == (6001, 4)
    assert s.stays.counts_through.tolist() == [4]
    assert s.stays.unexplained_fish.tolist() == [124]
    assert s.stays.closed_by.tolist() == [STAY_CLOSES.index("open")]


def test_two_counts_each_reconcile_their_own_stretch(engine):
    inputs = farm(
        5,
        [Stay(0, 5, 10000, 8.0)],
        # a counter at the end of day 1; a treatment count whose own precision is 0.5 %
        counts=[(0, 1, 9900, "counter"), (0, 4, 9800, "treatment", 0.005)],
        mortality=[(0, 4, 0)],
    )
    s = engine(inputs)
    v1 = 125.0**2 + 2 * 25  # V(1) = 15675
    d1 = v1 / (v1 + 99.0**2) * (9900 - 10000)  # K = 15675 / 25476: -61.53 -> -62
    after1 = v1 * 99.0**2 / (v1 + 99.0**2)
    v4 = after1 + 3 * (0.0005 * 9938) ** 2  # three days of the book going on from 9938
    d2 = v4 / (v4 + 49.0**2) * (9800 - 9938)  # V_M = (0.5 % x 9800)^2 = 49^2
    assert round(d1) == -62  # the book goes on from 10000 - 62 = 9938
    assert col(s, "population") == [
        10000 + round(d1 / 2),  # 10000 - 31
        9938,
        9938 + round(d2 / 3),
        9938 + round(d2 * 2 / 3),
        9938 + round(d2),
    ]
    assert round(d2) == -99  # the precise count (0.5 %) takes most of the difference
    assert col(s, "population_source") == [POP["reconciled"]] * 5
    assert kinds(s) == ["unexplained_loss", "unexplained_loss"]


def test_a_count_above_the_book_is_a_gain_weighed_by_its_precision(engine):
    # the same count of 1030 fish by eye (+-5 %) and by an exact count (0 %)
    by_eye = farm(5, [Stay(0, 5, 1000, 8.0)], counts=[(0, 2, 1030, "estimate")])
    exact = farm(5, [Stay(0, 5, 1000, 8.0)], counts=[(0, 2, 1030, "counter", 0.0)])
    s, t = engine(by_eye), engine(exact)
    v2 = 12.5**2 + 3 * 0.25  # V(2) = 157.0
    d = v2 / (v2 + 51.5**2) * 30  # K = 157 / (157 + 2652.25) = 0.056: +1.68 fish
    assert col(s, "population") == [1000 + round(d / 3), 1000 + round(d * 2 / 3), 1002, 1002, 1002]
    assert col(s, "unexplained_fish") == [-1, 0, -1, 0, 0]
    # an exact count wins: K = 1, the 30 fish spread 10 a day
    assert col(t, "population") == [1010, 1020, 1030, 1030, 1030]
    assert col(t, "population_variance")[2] == 0.0
    assert col(t, "population_confidence")[2] == 1.0
    f = finding(s, "unexplained_gain")
    assert names(f, "Pen 1", 0, 2) and kinds(s) == kinds(t) == ["unexplained_gain"]


def test_an_exact_harvest_after_a_counter_empties_the_pen(engine):
    inputs = farm(
        6,
        [Stay(0, 6, 10000, 8.0)],
        departed=[True],  # the harvest on day 5 emptied the pen
        counts=[(0, 1, 9900, "counter")],
        harvests=[(0, 5, 9850, 9850 * 0.01)],
    )
    s = engine(inputs)
    # the counter: N = 9938 as in the two-count case; the book goes on at 9938 until
    # the harvest takes its exact 9850, leaving 88 on the book that the empty pen
    # (measured exactly) says went unrecorded: D = -88 over days 2..5 per fish-day
    fish_days = [9938, 2 * 9938, 3 * 9938, 3 * 9938 + 88]
    cut = [round(-88 * f / fish_days[-1]) for f in fish_days]
    assert cut == [-29, -58, -88, -88]
    assert col(s, "population") == [9969, 9938, 9938 - 29, 9938 - 58, 9938 - 88, 0]
    assert col(s, "unexplained_fish")[2:] == [29, 29, 30, 0]
    assert col(s, "population_source") == [POP["reconciled"]] * 6
    assert col(s, "population_variance")[5] == 0.0
    assert kinds(s) == ["unexplained_loss", "unexplained_loss"]
    assert s.stays.closed_by.tolist() == [STAY_CLOSES.index("harvest")]
    assert s.stays.closed_day.tolist() == [5]
    assert s.stays.unexplained_fish.tolist() == [62 + 88]


def test_a_harvest_above_the_book_proves_the_fish_were_there(engine):
    inputs = farm(4, [Stay(0, 4, 1000, 8.0)], harvests=[(0, 2, 1050, 1050 * 0.01)])
    s = engine(inputs)
    # 50 fish more than the book: days 0..1 reconciled exactly to 1050, per fish-day
    assert col(s, "population") == [1000 + round(50 * 1 / 2), 1050, 0, 0]
    assert col(s, "unexplained_fish") == [-25, -25, 0, 0]
    f = finding(s, "count_above_book")
    assert names(f, "Pen 1", 0, 1) and (f.record_id, f.day) == (4001, 1)
    assert kinds(s) == ["count_above_book"]


def test_a_partial_transfer_above_the_book_moves_its_count(engine):
    inputs = farm(4, [Stay(0, 4, 1000, 8.0), Stay(2, 4)], transfers=[(0, 1, 2, 1200)])
    s = engine(inputs)
    # the count is never cut to the book: the destination gets 1200, and the source's
    # days 0..1 are reconciled exactly to 1000 + 200 (per fish-day: 100 a day)
    assert col(s, "population", 1) == [1200, 1200]
    assert col(s, "population", 0) == [1100, 1200, 0, 0]
    assert col(s, "population_variance", 0)[1] == 0.0
    assert kinds(s) == ["count_above_book"]
    assert names(finding(s, "count_above_book"), "Pen 1", 0, 1)


@pytest.mark.parametrize(
    ("counts", "moved"),
    [
        # one destination: M = 1100, V_M = (1 % x 1100)^2 = 121; K = 157 / 278: +56.47
        # -> N = 1056, and it receives the whole reconciled pen
        ([1100], [1056]),
        # two: V_M = 6^2 + 5^2 = 61; K = 157 / 218: +72.02 -> N = 1072, shared in
        # proportion to the counts: round(1072 x 600 / 1100) = round(584.73) = 585
        ([600, 500], [585, 1072 - 585]),
    ],
)
def test_a_counted_transfer_above_the_book_is_not_cut_to_it(engine, counts, moved):
    stays = [Stay(0, 3, 1000, 8.0)] + [Stay(3, 5) for _ in counts]
    transfers = [(0, i + 1, 3, n) for i, n in enumerate(counts)]
    s = engine(farm(5, stays, transfers=transfers))
    # the departure's counts measure the pen at the end of day 2 against the book's
    # V_B = 12.5^2 + 3 x 0.25 = 157.0
    d = 157.0 / (157.0 + sum((0.01 * n) ** 2 for n in counts)) * (sum(counts) - 1000)
    assert 1000 + round(d) == sum(moved)
    assert col(s, "population", 0) == [1000 + round(d / 3), 1000 + round(d * 2 / 3), sum(moved)]
    for i, n in enumerate(moved):
        assert col(s, "population", i + 1) == [n, n]
        # a placement brings its count's variance, (1 % x n)^2, and the day its own
        assert col(s, "population_variance", i + 1)[0] == approx(
            (0.01 * n) ** 2 + (0.0005 * n) ** 2
        )
    assert kinds(s) == ["unexplained_gain"]
    assert s.stays.closed_by.tolist()[0] == STAY_CLOSES.index("transfer")
    assert s.stays.closed_day.tolist()[0] == 2
    assert s.stays.stocked_fish.tolist() == [1000, *moved]


@pytest.mark.parametrize(
    ("counts", "moved"),
    [
        # V_M = 9^2 = 81; K = 157 / 238: -65.97 -> N = 934
        ([900], [934]),
        # V_M = 5^2 + 4^2 = 41; K = 157 / 198: -79.29 -> N = 921;
        # round(921 x 500 / 900) = round(511.67) = 512
        ([500, 400], [512, 921 - 512]),
    ],
)
def test_a_counted_transfer_below_the_book_leaves_no_fish_behind(engine, counts, moved):
    stays = [Stay(0, 3, 1000, 8.0)] + [Stay(3, 5) for _ in counts]
    transfers = [(0, i + 1, 3, n) for i, n in enumerate(counts)]
    s = engine(farm(5, stays, transfers=transfers))
    d = 157.0 / (157.0 + sum((0.01 * n) ** 2 for n in counts)) * (sum(counts) - 1000)
    assert 1000 + round(d) == sum(moved)
    assert col(s, "population", 0) == [1000 + round(d / 3), 1000 + round(d * 2 / 3), sum(moved)]
    assert [col(s, "population", i + 1)[0] for i in range(len(counts))] == moved
    assert kinds(s) == ["unexplained_loss"]
    assert s.stays.unexplained_fish.tolist()[0] == 1000 - sum(moved)


def test_the_book_variance_grows_by_each_counted_move_and_each_day(engine):
    inputs = farm(4, [Stay(0, 4, 1000, 8.0), Stay(1, 4)], transfers=[(0, 1, 1, 400)])
    s = engine(inputs)
    # source: stocking 12.5^2, then (0.05 % x 1000)^2 = 0.25; day 1 its move out,
    # (1 % x 400)^2 = 16, and (0.05 % x 600)^2 = 0.09 a day from then on
    assert col(s, "population_variance", 0) == approx(
        [156.25 + 0.25, 156.5 + 16 + 0.09, 172.59 + 0.09, 172.68 + 0.09]
    )
    # destination: the placement's (1 % x 400)^2, then (0.05 % x 400)^2 = 0.04 a day
    assert col(s, "population_variance", 1) == approx([16 + 0.04, 16.08, 16.12])
    assert col(s, "population_confidence", 1)[0] == approx(1 - math.sqrt(16.04) / (0.05 * 400))
    assert col(s, "population_source", 1) == [POP["estimated"]] * 3  # the plan's deaths


def test_a_counter_does_not_overrule_an_exact_count_of_the_same_evening(engine):
    inputs = farm(
        5,
        [Stay(0, 3, 1000, 8.0), Stay(3, 5)],
        counts=[(0, 2, 950, "treatment", 0.0)],  # counted exactly on the last evening
        transfers=[(0, 1, 3, 1000)],  # then the counter at the move says 1000 +- 1 %
    )
    s = engine(inputs)
    # the exact count: D = -50 over days 0..2, per fish-day (a third each)
    assert col(s, "population", 0) == [1000 + round(-50 / 3), 1000 + round(-100 / 3), 950]
    # the move measures the same point: V_B = 0 after an exact count, so K = 0 / (0 + 100)
    assert col(s, "population", 1) == [950, 950]
    assert col(s, "population_variance", 0)[2] == 0.0
    assert kinds(s) == ["unexplained_loss"]
    assert s.stays.closed_by.tolist()[0] == STAY_CLOSES.index("transfer")


def test_a_removal_above_the_book_on_a_stays_first_day_finds_the_fish_that_day(engine):
    inputs = farm(
        4,
        [Stay(0, 1, 1000, 8.0), Stay(1, 4), Stay(1, 4)],
        # pen 1's 1000 fish counted into pen 2 (as its book: nothing to reconcile), and
        # on the same day 1200 counted on from pen 2 into pen 3
        transfers=[(0, 1, 1, 1000), (1, 2, 1, 1200)],
    )
    s = engine(inputs)
    # pen 2 has no day before the move to reconcile: the 200 fish are found on day 1
    assert col(s, "population", 1) == [0, 0, 0]
    assert col(s, "unexplained_fish", 1) == [-200, 0, 0]
    assert col(s, "population", 2) == [1200, 1200, 1200]
    assert names(finding(s, "count_above_book"), "Pen 2", 1)
    assert kinds(s) == ["count_above_book"]


def test_a_departure_without_a_count_leaves_no_fish_on_the_book(engine):
    s = engine(farm(5, [Stay(0, 4, 1000, 8.0)]))  # the pen was emptied on day 4, unrecorded
    # the empty pen is an exact measurement: D = -1000, spread per fish-day, 250 a day
    assert col(s, "population") == [750, 500, 250, 0]
    assert col(s, "unexplained_fish") == [250] * 4
    v = [12.5**2 + 0.25 * (t + 1) for t in range(4)]
    assert col(s, "population_variance") == approx([vt - vt**2 / v[3] for vt in v])
    f = finding(s, "fish_left_at_departure")
    assert names(f, "Pen 1", 0, 3) and "1000" in f.message
    assert kinds(s) == ["fish_left_at_departure"]
    assert s.stays.closed_by.tolist() == [STAY_CLOSES.index("departure")]
    assert s.stays.closed_day.tolist() == [3]


def test_a_late_mortality_record_replaces_the_model_deaths_it_explains(engine):
    inputs = farm(
        8,
        [Stay(0, 8, 1000, 1.0)],
        scenario=scenario(tgc=[3.0], rate=[0.01]),
        # 12 dead fish entered on day 3 died over days 0..3; 5 entered on day 5 over 4..5
        mortality=[(0, 3, 12), (0, 5, 5)],
    )
    s = engine(inputs)
    # 12 over 4 days: round(12 (i + 1) / 4) - round(12 i / 4) = 3 a day; 5 over 2 days:
    # round(2.5) = 2 (halves to even), then 5 - 2 = 3 on the record's own day
    # past the last record the plan's 1 %: 983 x 0.01 = 9.83 -> 9; 0.83 + 9.74 -> 10
    assert col(s, "mortality_count") == [3, 3, 3, 3, 2, 3, 9, 10]
    assert col(s, "population") == [997, 994, 991, 988, 986, 983, 974, 964]
    late, rec, model = MORT["recorded_late"], MORT["recorded"], MORT["model"]
    assert col(s, "mortality_source") == [late, late, late, rec, late, rec, model, model]
    assert col(s, "mortality_confidence") == approx([0.8, 0.8, 0.8, 1.0, 0.8, 1.0, 0.4, 0.4])
    assert col(s, "population_source") == [POP["book"]] * 6 + [POP["estimated"]] * 2
    assert col(s, "unexplained_fish") == [0] * 8
    # the book-only rules count those days twice: the plan's deaths, then the record
    book = engine(inputs, rules="book")
    assert sum(col(book, "mortality_count")[:4]) > 12


def test_the_history_expected_loss_applies_after_the_last_count_only(engine):
    inputs = farm(
        6,
        [Stay(0, 6, 10000, 8.0)],
        hidden_loss=[0.001],  # harvested pens of this stage lost 0.1 % a fish-day unseen
        counts=[(0, 1, 10000, "treatment", 0.0)],
        mortality=[(0, 5, 0)],
    )
    s = engine(inputs)
    # days 2..5: carry += P x 0.001; 10 -> 10; 9.99 -> 9 (0.99 left); 0.99 + 9.981 -> 10;
    # 0.971 + 9.971 -> 10
    assert col(s, "population") == [10000, 10000, 9990, 9981, 9971, 9961]
    assert col(s, "unexplained_fish") == [0, 0, 10, 9, 10, 10]
    assert col(s, "population_source") == [POP["reconciled"]] * 2 + [POP["estimated"]] * 4
    assert "population" in ESTIMATED[col(s, "estimated")[2]].split(",")
    assert s.findings == []


def test_what_the_records_reach_marks_each_row(engine):
    inputs = farm(
        6,
        [Stay(0, 6, 1000, 8.0)],
        temperature=warm(3, 0),  # measured days 0..2, then the plan's profile
        feed=[(0, 1, 2.0), (0, 2, 0.0)],  # fed from day 1, fasting on day 2
        samples=[(0, 2, 30, 30 * 2.09**3)],
        mortality=[(0, 3, 0)],
        counts=[(0, 1, 1000, "counter")],
    )
    s = engine(inputs)
    assert [ESTIMATED[e] for e in col(s, "estimated")] == [
        "",
        "",
        "",
        "weight,feed,temperature",  # after the sample, no feeding record, the profile
        "population,weight,feed,temperature",  # and the plan's deaths from day 4 on
        "population,weight,feed,temperature",
    ]
    stays = s.stays
    assert stays.feed_through.tolist() == [2]
    assert stays.mortality_through.tolist() == [3]
    assert stays.samples_through.tolist() == [2]
    assert stays.temperature_through.tolist() == [2]
    assert stays.counts_through.tolist() == [1]
    assert stays.stocked_fish.tolist() == [1000]
    assert stays.fish_days.tolist() == [6000.0]
    assert stays.unexplained_fish.tolist() == [0]
    assert stays.closed_by.tolist() == [STAY_CLOSES.index("open")]
    assert stays.closed_day.tolist() == [NO_DAY]


def test_fasting_is_a_record_of_0_kg_and_a_day_without_one_is_unknown(engine):
    inputs = farm(6, [Stay(0, 6, 1000, 8.0)], feed=[(0, 1, 2.0), (0, 2, 0.0), (0, 4, 1.5)])
    s = engine(inputs)
    # day 0 before the first feeding: not fed yet; days 3 and 5: fed, amount unknown
    assert col(s, "feed_kg") == approx([0.0, 2.0, 0.0, NAN, 1.5, NAN])
    none, rec, unknown = FEED["none"], FEED["recorded"], FEED["unknown"]
    assert col(s, "feed_source") == [none, rec, rec, unknown, rec, unknown]
    assert col(s, "feed_confidence") == approx([1.0, 1.0, 1.0, 0.0, 1.0, 0.0])


def test_fcr_uses_only_days_with_feed_records(engine):
    feed = [(0, d, 1.0) for d in (0, 1, 2, 3, 6, 8, 9)] + [(0, 7, 0.0)]  # none on 4, 5
    s = engine(farm(10, [Stay(0, 10, 1000, 8.0)], feed=feed))
    fcr = col(s, "fcr")
    # 1000 fish of (2.0 + 0.03 (d + 1))^3 g at the end of day d; growth telescopes
    assert math.isnan(fcr[2])  # 3 recorded days of 7: fewer than 4
    assert fcr[3] == approx(4.0 / (2.12**3 - 2.00**3))
    assert fcr[5] == approx(4.0 / (2.12**3 - 2.00**3))  # days 4, 5 count neither
    assert fcr[6] == approx(5.0 / ((2.12**3 - 2.00**3) + (2.21**3 - 2.18**3)))
    # days 2..8: recorded 2, 3, 6, 7 (fasting), 8: 4 kg for their growth
    assert fcr[8] == approx(4.0 / ((2.12**3 - 2.06**3) + (2.27**3 - 2.18**3)))
    assert fcr[9] == approx(4.0 / ((2.12**3 - 2.09**3) + (2.30**3 - 2.18**3)))


# ---------------------------------------------------------------------------
# Counts that cannot be the pen's: reported, named, and not used.


def test_a_count_beyond_the_fish_ever_stocked_is_refused(engine):
    inputs = farm(5, [Stay(0, 5, 1000, 8.0)], counts=[(0, 2, 1100, "counter")])
    s = engine(inputs)
    # 1100 - 1000 = 100 > 3 sqrt(12.5^2 + 11^2) = 3 sqrt(277.25) = 49.95
    assert col(s, "population") == [1000] * 5
    f = finding(s, "count_beyond_stocked")
    assert names(f, "Pen 1", 2) and (f.record_id, f.day) == (6001, 2)
    assert kinds(s) == ["count_beyond_stocked"]


def test_a_count_within_the_precision_of_the_stocking_is_used(engine):
    inputs = farm(5, [Stay(0, 5, 1000, 8.0)], counts=[(0, 2, 1045, "counter")])
    s = engine(inputs)
    # 45 < 3 sqrt(12.5^2 + 10.45^2) = 48.88: a gain, weighed against the book
    d = 157.0 / (157.0 + 10.45**2) * 45
    assert col(s, "population")[2] == 1000 + round(d)
    assert kinds(s) == ["unexplained_gain"]


def test_a_count_on_a_day_without_fish_is_refused(engine):
    inputs = farm(
        5,
        [Stay(0, 5, 1000, 8.0), Stay(0, 5)],
        transfers=[(0, 1, 3, 400)],
        counts=[(1, 1, 50, "estimate")],  # before any fish were put into pen 2
    )
    s = engine(inputs)
    assert col(s, "population", 1) == [0, 0, 0, 400, 400]
    f = finding(s, "count_without_fish")
    assert names(f, "Pen 2", 1) and (f.record_id, f.day) == (6001, 1)
    assert kinds(s) == ["count_without_fish"]


def test_two_counts_of_one_pen_on_one_day_keep_the_first(engine):
    inputs = farm(
        4,
        [Stay(0, 4, 1000, 8.0)],
        counts=[(0, 1, 1000, "counter", 0.0), (0, 1, 900, "counter", 0.0)],
    )
    s = engine(inputs)
    assert col(s, "population") == [1000] * 4  # the first (exact, as the book) is used
    f = finding(s, "two_counts")
    assert names(f, "Pen 1", 1) and (f.record_id, f.day) == (6002, 1)
    assert kinds(s) == ["two_counts"]


def test_book_rules_ignore_counts_and_the_history(engine):
    inputs = farm(
        5,
        [Stay(0, 4, 1000, 8.0)],  # leaves on day 4 with no record of where its fish went
        counts=[(0, 1, 900, "counter", 0.0)],
        hidden_loss=[0.01],
        feed=[(0, 1, 1.0)],
    )
    s = engine(inputs, rules="book")
    # the rules before counts: the book as recorded, exact by assumption
    assert col(s, "population") == [1000] * 4
    assert col(s, "population_source") == [POP["book"]] * 4
    assert col(s, "population_variance") == [0.0] * 4
    assert col(s, "population_confidence") == [1.0] * 4
    assert col(s, "unexplained_fish") == [0] * 4
    assert col(s, "estimated") == [ESTIMATED.index("")] * 4
    # and their feed: a day without a record is 0 kg of confidence 0.5
    assert col(s, "feed_kg") == approx([0.0, 1.0, 0.0, 0.0])
    assert col(s, "feed_source") == [FEED["none"], FEED["recorded"], FEED["none"], FEED["none"]]
    assert col(s, "feed_confidence") == approx([0.5, 1.0, 0.5, 0.5])
    assert s.findings == []

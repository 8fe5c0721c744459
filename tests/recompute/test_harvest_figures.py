"""The harvest figures: each harvested pen's estimate before its harvest, by hand.

A pen of 10,000 fish at 1,000 g in water at 0 degC (no growth), 20 dead fish recorded
on day 10 and no death expected by the plan: its book holds 9,980 fish of 1,000 g until
its harvest on day 31 counts 9,500 fish of 1,050 g. The 480 fish it lost without a record
and the 5 % it outgrew the book's weight are the errors the figures must show.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from aquagrowth.engine import holdout
from aquagrowth.engine.core.inputs import COUNT_METHODS
from aquagrowth.engine.history import ClosedStays
from aquagrowth.engine.load import load_batch
from aquagrowth.engine.models import StaySummary
from aquagrowth.engine.runner import recompute_batch
from aquagrowth.farm import models as m
from tests import farm_builder

START = dt.date(2024, 1, 1)
HARVEST = dt.date(2024, 1, 31)
TODAY = dt.date(2024, 6, 1)
BOOK = 10_000 - 20
HARVESTED, HARVESTED_KG = 9_500, 9_500 * 1.05


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


@pytest.fixture
def pens(stages) -> list[m.Container]:
    return farm_builder.hall("S05", "P", [(f"P{i}", "pen", 5000) for i in range(1, 5)])


def pen_batch(number, stages, container, harvests=((HARVEST, HARVESTED, HARVESTED_KG),)):
    """The pen of the module docstring, harvested on each (date, fish, live kg), departing
    the day after its last harvest."""
    batch = m.Batch.objects.create(number=number, species=stages["Adult"].species, start_date=START)
    farm_builder.scenario(batch, stages, {"Adult": (3.0, 1.1, 0.0)}, [(1, 0.0)])
    departure = max(h[0] for h in harvests) + dt.timedelta(days=1)
    pen = farm_builder.stay(
        batch, container, stages["Adult"], START, departure, fish=10_000, weight_g=1000.0
    )
    m.MortalityEvent.objects.create(batch=batch, assignment=pen, event_date=day(9), count=20)
    for date, fish, kg in harvests:
        m.Harvest.objects.create(
            batch=batch, assignment=pen, harvest_date=date, count=fish, live_weight_kg=kg
        )
    return batch, pen


def test_a_pen_is_scored_by_its_book_before_the_harvest(stages, pens):
    batch, pen = pen_batch("FO-PEN", stages, pens[0])
    figures = holdout.farm_figures([batch.id], end=TODAY)
    [score] = figures.scores
    assert (score.batch, score.container, score.date) == ("FO-PEN", "P1", "2024-01-31")
    assert score.assignment_id == pen.id
    assert (score.estimated_fish, score.estimated_weight_g) == (BOOK, 1000.0)
    assert (score.harvested_fish, score.harvested_weight_g) == (9_500, pytest.approx(1050.0))
    # 480 fish lost unseen: 9,980 / 9,500 - 1; the fish grew 5 % beyond the plan.
    assert score.population_error_pct == pytest.approx(100 * (9_980 / 9_500 - 1))  # 5.05
    assert score.weight_error_pct == pytest.approx(100 * (1000 / 1050 - 1))  # -4.76
    # The two cancel in the biomass: 9,980 t x 1 kg against 9,975 kg, 0.05 % over.
    assert score.biomass_error_pct == pytest.approx(100 * (9_980_000 / 9_975_000 - 1))
    assert figures.pens == 1
    assert figures.population_error_mean_abs_pct == pytest.approx(5.0526, abs=1e-4)
    assert figures.weight_error_mean_abs_pct == pytest.approx(4.7619, abs=1e-4)
    assert figures.biomass_error_mean_abs_pct == pytest.approx(0.0501, abs=1e-4)
    assert figures.outside_3pct_share == 0.0


def test_records_after_the_harvest_day_and_the_harvest_itself_are_not_known(stages, pens):
    """A pen harvested over two days is scored on the first against both harvests; a late
    mortality record, a sample and a count dated after that day, and the slaughterhouse's
    own count of the first day, would each move the estimate: none may."""
    second = HARVEST + dt.timedelta(days=1)
    batch, pen = pen_batch(
        "FO-TWO", stages, pens[0], harvests=((HARVEST, 5_000, 5_200.0), (second, 4_500, 4_775.0))
    )
    # Entered the day after the first harvest, it would explain 200 deaths of days 10-32
    # (the late record replaces the model's deaths of the days it covers).
    m.MortalityEvent.objects.create(batch=batch, assignment=pen, event_date=second, count=200)
    m.GrowthSample.objects.create(
        batch=batch, assignment=pen, sample_date=second, sample_size=50, avg_weight_g=1100.0
    )
    for date, method in ((HARVEST, "harvest"), (second, "counter")):
        m.PopulationCount.objects.create(
            batch=batch, assignment=pen, count_date=date, count=9_000, method=method
        )
    [score] = holdout.farm_figures([batch.id], end=TODAY).scores
    assert score.date == HARVEST.isoformat()
    assert (score.harvested_fish, score.harvested_weight_g) == (9_500, pytest.approx(1050.0))
    assert (score.estimated_fish, score.estimated_weight_g) == (BOOK, 1000.0)

    # What the hold-out computes from: nothing of the pen's after its first harvest day.
    inputs = load_batch(batch.id, end=TODAY).inputs
    [pen_held] = holdout.harvested_pens(inputs)
    held = holdout.held_out(inputs, pen_held, None)
    assert held.n_days == 31 and not held.departed.any()
    for table in (held.mortality, held.samples, held.counts, held.harvests):
        assert (table.day <= 30).all()
    assert len(held.harvests.day) == 0  # the pen's own harvest is what is estimated
    assert COUNT_METHODS.index("harvest") not in held.counts.method.tolist()


def test_the_history_is_learned_only_from_pens_closed_before_the_harvest(stages, pens):
    """A pen harvested earlier teaches its unrecorded loss per fish-day; one harvested
    later, and the scored pen itself, teach nothing yet."""
    teacher, _ = pen_batch("FO-EARLY", stages, pens[0], harvests=((day(20), 9_790, 9_790.0),))
    late, _ = pen_batch("FO-LATE", stages, pens[1], harvests=((day(40), 9_000, 9_000.0),))
    scored, _ = pen_batch("FO-SCORED", stages, pens[2])
    for batch in (teacher, late, scored):
        assert recompute_batch(batch.id, today=TODAY).ok
    taught = StaySummary.objects.get(assignment__batch=teacher)
    assert taught.unexplained_fish == 10_000 - 20 - 9_790
    rate = taught.unexplained_fish / taught.fish_days

    # docs/engine.md, "Open stretches": each day of the open stretch, after its deaths
    # (2 a day on days 1-10, the record's 20 spread back), carry += P x rate and the
    # whole fish of the carry go.
    fish, carry = 10_000, 0.0
    for d in range(31):
        fish -= 2 if d <= 9 else 0
        carry += fish * rate
        lost = math.floor(carry + 1e-9)
        carry -= lost
        fish -= lost
    [score] = holdout.farm_figures([scored.id], end=TODAY).scores
    assert score.estimated_fish == fish < BOOK

    # Had the teacher been harvested after the scored pen, the book would stand.
    m.Harvest.objects.filter(batch=teacher).update(harvest_date=day(35))
    m.Assignment.objects.filter(batch=teacher).update(departure_date=day(36))
    assert recompute_batch(teacher.id, today=TODAY).ok
    [score] = holdout.farm_figures([scored.id], end=TODAY).scores
    assert score.estimated_fish == BOOK


def test_no_harvest_no_figures(small_batch):
    figures = holdout.farm_figures([small_batch.id], end=TODAY)
    assert figures.pens == 0
    assert figures.biomass_error_mean_abs_pct is None
    assert figures.outside_3pct_share is None
    assert figures.population_error_mean_abs_pct is None
    assert figures.weight_error_mean_abs_pct is None


def test_the_history_rate_is_loss_over_fish_days_per_stage_cut_at_a_day():
    """Two stays of one stage pool their loss and fish-days; a net gain teaches no loss;
    another geography, and a stay closed on the cut day, do not count."""
    closed = ClosedStays.of_rows(
        [
            (1, None, 10, dt.date(2024, 1, 1), 30, 10_000.0),
            (1, None, 10, dt.date(2024, 2, 1), 10, 10_000.0),
            (1, None, 11, dt.date(2024, 1, 1), -5, 1_000.0),
            (1, 7, 10, dt.date(2024, 1, 1), 500, 1_000.0),
            (1, None, 10, dt.date(2024, 3, 1), 900, 1_000.0),
        ]
    )
    rates = closed.rates(1, None, [10, 11, 12], dt.date(2024, 3, 1))
    assert rates.tolist() == [40 / 20_000, 0.0, 0.0]
    assert closed.rates(1, 7, [10, 11, 12], dt.date(2024, 3, 1)).tolist() == [0.5, 0.0, 0.0]
    assert closed.rates(2, None, [10], dt.date(2025, 1, 1)).tolist() == [0.0]

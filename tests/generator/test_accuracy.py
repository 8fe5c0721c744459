"""Scoring estimates against the generator's truth, on numbers worked by hand.

Each expectation is the relative error's own arithmetic, ``|estimate / truth - 1| * 100``:
a weight estimated at 1.1 g where the truth is 1.0 g is 10 % off.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aquagrowth.farm import models as m
from aquagrowth.generator import accuracy
from aquagrowth.generator.accuracy import Estimates, score
from aquagrowth.generator.models import TrueDailyState

DAY = dt.date(2024, 3, 1)


@pytest.fixture
def stays(batch, stages, hall_containers) -> dict[str, m.Assignment]:
    """An egg tray and a fry tank of one batch, each with five days of truth: 1000 fish
    of 1.0 g (egg) and 2000 fish of 4.0 g (fry); the fry tank's last day has none."""
    made = {}
    for name, container, fish, weight_g in (
        ("Egg&Alevin", hall_containers[0], 1000, 1.0),
        ("Fry", hall_containers[1], 2000, 4.0),
    ):
        made[name] = m.Assignment.objects.create(
            batch=batch,
            container=container,
            stage=stages[name],
            assignment_date=DAY,
            population_count=fish,
            avg_weight_g=weight_g,
        )
        TrueDailyState.objects.bulk_create(
            TrueDailyState(
                batch=batch,
                assignment=made[name],
                date=DAY + dt.timedelta(days=d),
                population=0 if (name == "Fry" and d == 4) else fish,
                avg_weight_g=weight_g,
            )
            for d in range(5)
        )
    return made


def estimates(rows: list[tuple[m.Assignment, int, float, int]]) -> Estimates:
    """(assignment, day after DAY, weight g or NaN, fish) per row."""
    return Estimates(
        assignment_id=np.array([a.id for a, *_ in rows]),
        date=np.array([DAY + dt.timedelta(days=d) for _, d, *_ in rows], "datetime64[D]"),
        stage=np.array([a.stage.name for a, *_ in rows]),
        stage_order=np.array([a.stage.order for a, *_ in rows]),
        weight_g=np.array([w for *_, w, _ in rows], dtype=float),
        population=np.array([n for *_, n in rows]),
    )


def test_relative_errors_per_stage_in_life_cycle_order_and_overall(stays):
    fry, egg = stays["Fry"], stays["Egg&Alevin"]
    result = score(
        estimates(
            [
                (fry, 0, 4.4, 2000),  # weight +10 %, population exact
                (fry, 1, 4.4, 2000),
                (egg, 0, 1.1, 990),  # weight +10 %, population -1 %: biomass 1.1 * 0.99
                (egg, 1, 0.9, 1000),  # weight -10 %
                (egg, 2, 1.0, 1000),
            ]
        )
    )
    assert [s.stage for s in result.stages] == ["Egg&Alevin", "Fry"]
    egg_errors, fry_errors = result.stages
    assert egg_errors.rows == 3 and fry_errors.rows == 2
    assert egg_errors.weight_median_pct == pytest.approx(10.0)
    assert egg_errors.population_median_pct == pytest.approx(0.0)
    assert fry_errors.weight_median_pct == pytest.approx(10.0)
    assert fry_errors.population_p95_pct == 0.0
    # numpy's percentile interpolates: of the biomass errors [0, 8.9, 10] the 95th lies
    # 90 % of the way from 8.9 to 10.
    assert egg_errors.biomass_p95_pct == pytest.approx(8.9 + 0.9 * (10 - 8.9))
    overall = result.overall
    assert overall.stage == "all" and overall.rows == 5
    assert overall.weight_median_pct == pytest.approx(10.0)
    assert overall.population_p95_pct == pytest.approx(0.8 * 1.0)  # [0, 0, 0, 0, 1]


def test_only_days_with_a_known_weight_and_fish_in_the_truth_count(stays):
    fry, egg = stays["Fry"], stays["Egg&Alevin"]
    result = score(
        estimates(
            [
                (egg, 0, 1.2, 1000),  # counts: +20 %
                (egg, 1, np.nan, 1000),  # no weight estimated
                (fry, 4, 4.0, 10),  # the truth has no fish that day
                (fry, 9, 4.0, 2000),  # no truth that day
            ]
        )
    )
    assert [(s.stage, s.rows) for s in result.stages] == [("Egg&Alevin", 1)]
    assert result.overall.rows == 1
    assert result.overall.weight_p95_pct == pytest.approx(20.0)


def test_no_truth_scores_nothing(batch, stages, hall_containers):
    tank = m.Assignment.objects.create(
        batch=batch,
        container=hall_containers[0],
        stage=stages["Fry"],
        assignment_date=DAY,
        population_count=10,
        avg_weight_g=1.0,
    )
    assert not accuracy.has_truth()
    result = score(estimates([(tank, 0, 1.0, 10)]))
    assert result.stages == [] and result.overall is None


def test_one_query_however_many_days_and_assignments(stays):
    fry, egg = stays["Fry"], stays["Egg&Alevin"]
    counts = []
    for rows in ([(egg, 0, 1.0, 1000)], [(a, d, 1.0, 1000) for a in (egg, fry) for d in range(5)]):
        days = estimates(rows)
        with CaptureQueriesContext(connection) as queries:
            score(days)
        counts.append(len(queries.captured_queries))
    assert counts == [1, 1]

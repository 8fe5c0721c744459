"""The status part of the growth answer: headline numbers, the pens, the harvest summary.

Every expectation is the definition's own arithmetic (docs/growth-analysis.md, "Status")
on the conftest batch's closed forms: trays of 1000 and 500 fish losing one fish a day
and gaining 0.01 g a day for 20 days, then one tank losing two a day (one recorded
death) and gaining 0.02 g a day, fed 0.05 kg x day number, growing 0.03 kg a day.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from aquagrowth.analysis.growth_data import GrowthQuery, growth_data
from aquagrowth.engine.models import DailyState, MortalitySource
from aquagrowth.farm import models as m
from tests.analysis.conftest import LAST, START, TRANSFER


def answer(api, batch, **params):
    response = api.get(f"/api/v1/batches/{batch.id}/growth/", params)
    assert response.status_code == 200, response.content
    return response.json()


def tank_of(data):
    return next(p for p in data["status"]["pens"] if p["container"] == "S01-B-01")


def test_pens_current_first_with_their_figures(api, growth_batch):
    data = answer(api, growth_batch)
    pens = data["status"]["pens"]
    assert pens[0]["container"] == "S01-B-01"  # the one holding fish
    assert [p["current"] for p in pens] == [True, False, False]
    tank = tank_of(data)
    feed = 0.05 * sum(range(1, 21))  # 10.5 kg
    growth = 0.03 * 20
    lost = sum((0.4 + 0.02 * d) / 1000 for d in range(1, 21))  # one death a day
    assert tank["feed_kg"] == pytest.approx(feed, abs=0.05)
    assert tank["fcr_biological"] == pytest.approx(feed / growth, abs=1e-3)
    assert tank["fcr_economic"] == pytest.approx(feed / (growth - lost), abs=1e-3)
    assert tank["fcr_economic"] > tank["fcr_biological"]  # the losses cost feed
    assert tank["end_fish"] == 1460 - 40
    assert tank["end_weight_g"] == pytest.approx(0.8)
    assert tank["sgr_pct_day"] == pytest.approx(100 * math.log(0.8 / 0.42) / 19, abs=1e-3)
    assert tank["degree_days"] == pytest.approx(8.0 * 19)
    assert tank["tgc"] == pytest.approx(1000 * (0.8 ** (1 / 3) - 0.42 ** (1 / 3)) / 152, abs=1e-3)
    assert tank["density_kg_m3"] == pytest.approx(1420 * 0.8 / 1000 / 10, abs=0.01)
    assert (
        tank["forecast_harvest_date"] == data["forward_projection"]["containers"][0]["harvest_date"]
    )
    tray = next(p for p in pens if p["container"] == "S01-A-01")
    assert tray["start_fish"] == 1000  # the egg input's opening count
    assert tray["deaths"] == 20
    assert tray["mortality_pct"] == pytest.approx(2.0)


def test_headline_numbers_of_the_batch(api, growth_batch):
    data = answer(api, growth_batch)
    head = data["status"]["batch"]
    assert head["as_of"] == LAST.isoformat() == data["batch"]["last_state_date"]
    assert head["fish"] == 1420 == data["actual"]["population"][-1]
    assert head["avg_weight_g"] == pytest.approx(0.8)
    assert head["biomass_kg"] == pytest.approx(1420 * 0.8 / 1000, abs=0.05)
    assert head["stocked_fish"] == 1500
    assert head["deaths"] == 60  # 20 a tray, 20 in the tank
    assert head["mortality_pct"] == pytest.approx(4.0)
    assert head["deaths_recorded"] == 60 and head["deaths_modelled"] == 0
    window = data["actual"]["avg_weight_g"]
    # The last 30 days: from 2024-01-10 (day 10 of the trays) to the last day.
    w1, w2 = window[-31], window[-1]
    assert head["sgr_pct_day"] == pytest.approx(100 * math.log(w2 / w1) / 30, abs=1e-3)
    harvest = dt.date.fromisoformat(data["forward_projection"]["harvest_date"])
    assert head["days_to_harvest"] == (harvest - dt.date.fromisoformat(data["today"])).days


def test_days_ahead_or_behind_the_plan(growth_batch):
    """Today inside the states: the plan's first day at today's weight, minus today."""
    data = growth_data(growth_batch, GrowthQuery(), today=LAST)
    head = data["status"]["batch"]
    plan = data["scenario_projection"]
    weight = data["actual"]["avg_weight_g"][-1]
    reached = next(
        d for d, w in zip(plan["date"], plan["avg_weight_g"], strict=True) if w >= weight
    )
    assert head["plan_reference_date"] == LAST
    assert str(head["plan_weight_date"]) == reached
    assert head["days_vs_plan"] == (dt.date.fromisoformat(reached) - LAST).days
    i = plan["date"].index(LAST.isoformat())
    planned = plan["biomass_kg"][i]
    assert head["biomass_plan_kg"] == pytest.approx(planned, abs=0.05)
    actual = data["actual"]["biomass_kg"][-1]
    # The answer's columns are rounded (biomass to 0.01 kg): a hatchery batch of 1 kg.
    assert head["biomass_vs_plan_pct"] == pytest.approx(100 * (actual - planned) / planned, abs=0.5)


def test_one_container_has_no_plan_biomass(api, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    data = answer(api, growth_batch, assignment=tank.id)
    head = data["status"]["batch"]
    assert head["fish"] == 1420
    assert head["biomass_plan_kg"] is None and head["days_vs_plan"] is None
    assert [p["container"] for p in data["status"]["pens"]] == ["S01-B-01"]


def test_modelled_deaths_and_unexplained_loss_are_causes_of_their_own(api, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    DailyState.objects.filter(assignment=tank, date__gt=LAST - dt.timedelta(days=5)).update(
        mortality_source=MortalitySource.MODEL, unexplained_fish=3
    )
    m.MortalityEvent.objects.create(
        batch=growth_batch, assignment=tank, event_date=TRANSFER, count=7, cause="Winter ulcer"
    )
    pen = tank_of(answer(api, growth_batch))
    assert pen["deaths_modelled"] == 5 and pen["deaths_recorded"] == 15
    assert pen["unexplained_fish"] == 15
    assert "by_cause" not in pen  # in the export, read fresh (the cache key skips causes)


def test_harvested_batch_gets_a_harvest_summary(api, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    DailyState.objects.filter(assignment=tank, date=LAST).update(population=0, biomass_kg=0)
    m.Harvest.objects.create(
        batch=growth_batch, assignment=tank, harvest_date=LAST, count=1420, live_weight_kg=1.2
    )
    data = answer(api, growth_batch)
    harvest = data["status"]["harvest"]
    assert harvest["fish"] == 1420
    assert harvest["live_weight_kg"] == pytest.approx(1.2)
    assert harvest["avg_weight_g"] == pytest.approx(1200 / 1420, abs=0.1)
    assert harvest["survival_pct"] == pytest.approx(100 * 1420 / 1500, abs=0.01)
    assert harvest["days_from_start"] == (LAST - START).days + 1
    assert data["status"]["batch"]["fish"] == 0
    # Against the plan as the fish were on their last day in the water.
    last_alive = (LAST - dt.timedelta(days=1)).isoformat()
    assert data["status"]["batch"]["plan_reference_date"] == last_alive
    assert data["status"]["batch"]["days_vs_plan"] is not None


def test_a_day_past_the_records_says_so(api, growth_batch):
    """The share of a day's fish whose weight rests on no record, population-weighted."""
    from aquagrowth.engine.core.outputs import ESTIMATED

    tray2 = growth_batch.assignments.get(container__name="S01-A-02")
    day = START + dt.timedelta(days=4)
    DailyState.objects.filter(assignment=tray2, date=day).update(
        estimated=ESTIMATED.index("weight,feed")
    )
    data = answer(api, growth_batch)
    i = data["actual"]["date"].index(day.isoformat())
    share = (500 - 5) / ((1000 - 5) + (500 - 5))
    assert data["actual"]["estimated_weight"][i] == pytest.approx(share, abs=0.005)
    assert data["actual"]["estimated_feed"][i] == pytest.approx(share, abs=0.005)
    assert data["actual"]["estimated_population"][i] == 0
    assert data["actual"]["estimated_weight"][i - 1] == 0
    assert data["actual"]["population_source"][i] == "book"


def test_fish_heavier_than_the_plan_are_compared_at_its_harvest_weight(growth_batch):
    """Past the plan's last weight, the day the fish reached it against the plan's day."""
    data = growth_data(growth_batch, GrowthQuery(), today=LAST)
    plan = data["scenario_projection"]
    heavy = plan["avg_weight_g"][-1]
    # From 2024-02-01 on, the tank weighs more than the plan's harvest weight.
    for state in DailyState.objects.filter(date__gte=dt.date(2024, 2, 1)):
        state.avg_weight_g = heavy * 1.1
        state.biomass_kg = state.population * state.avg_weight_g / 1000
        state.save()
    head = growth_data(growth_batch, GrowthQuery(), today=LAST)["status"]["batch"]
    assert head["plan_exceeded"] is True
    assert head["plan_weight_date"].isoformat() == plan["date"][-1]
    expected = dt.date.fromisoformat(plan["date"][-1]) - dt.date(2024, 2, 1)
    assert head["days_vs_plan"] == expected.days

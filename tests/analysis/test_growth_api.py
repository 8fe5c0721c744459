"""The combined growth data endpoint: what a biologist reads off the page."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from aquagrowth.engine.core.weight_fit import FitSums, fit
from aquagrowth.engine.models import DailyState, StaySummary, TempSource
from aquagrowth.engine.weight_fit import store_fit
from aquagrowth.farm import models as m
from tests import farm_builder
from tests.analysis.conftest import START, TRANSFER, build_batch


def growth(api, batch, **params):
    response = api.get(f"/api/v1/batches/{batch.id}/growth/", params)
    assert response.status_code == 200, response.content
    return response.json()


def by_date(columns: dict, date: dt.date) -> dict:
    i = columns["date"].index(date.isoformat())
    return {name: values[i] for name, values in columns.items()}


def hand_rows(batch) -> list[DailyState]:
    return list(DailyState.objects.filter(batch=batch).order_by("date", "assignment_id"))


def test_anonymous_is_refused(client, growth_batch):
    response = client.get(f"/api/v1/batches/{growth_batch.id}/growth/")
    assert response.status_code in (401, 403)


def test_unknown_batch_is_404(api, growth_batch):
    assert api.get("/api/v1/batches/999999/growth/").status_code == 404


def test_batch_level_day_sums_containers_and_counts_each_fish_once(api, growth_batch):
    data = growth(api, growth_batch)
    actual = data["actual"]
    assert len(actual["date"]) == 40  # one row per day, not per container-day
    rows = hand_rows(growth_batch)
    before = TRANSFER - dt.timedelta(days=1)
    trays = [r for r in rows if r.date == before]
    assert len(trays) == 2
    day_before = by_date(actual, before)
    assert day_before["population"] == sum(r.population for r in trays)
    biomass = sum(r.biomass_kg for r in trays)
    assert day_before["avg_weight_g"] == pytest.approx(
        biomass * 1000 / sum(r.population for r in trays), abs=1e-4
    )
    # On the transfer day the trays have no rows any more: only the tank holds the fish.
    (tank,) = [r for r in rows if r.date == TRANSFER]
    transfer_day = by_date(actual, TRANSFER)
    assert transfer_day["population"] == tank.population
    assert transfer_day["avg_weight_g"] == pytest.approx(tank.avg_weight_g, abs=1e-4)
    assert transfer_day["containers"] == 1
    assert day_before["containers"] == 2


def test_anchor_days_are_marked(api, growth_batch):
    actual = growth(api, growth_batch)["actual"]
    anchored = [
        d for d, a in zip(actual["date"], actual["anchor_type"], strict=True) if a != "none"
    ]
    assert anchored == [(START + dt.timedelta(days=9)).isoformat()]


def test_weekly_is_a_real_aggregate_of_each_iso_week(api, growth_batch):
    data = growth(api, growth_batch, granularity="weekly")
    weekly = data["actual"]
    rows = hand_rows(growth_batch)
    # 2024-01-01 is a Monday: ISO week 3 runs 15-21 January, the transfer is on its Sunday.
    week = [r for r in rows if dt.date(2024, 1, 15) <= r.date <= dt.date(2024, 1, 21)]
    last_day = max(r.date for r in week)
    at_end = [r for r in week if r.date == last_day]
    population = sum(r.population for r in at_end)
    biomass = sum(r.biomass_kg for r in at_end)
    feed = sum(r.feed_kg for r in week)
    grown = sum(r.growth_kg for r in week)
    row = by_date(weekly, last_day)
    assert row["week"] == "2024-W03"
    assert row["population"] == population
    assert row["biomass_kg"] == pytest.approx(biomass, abs=0.01)
    assert row["avg_weight_g"] == pytest.approx(biomass * 1000 / population, abs=1e-4)
    assert row["feed_kg"] == pytest.approx(feed, abs=1e-3)
    assert row["growth_kg"] == pytest.approx(grown, abs=1e-3)
    assert row["fcr"] == pytest.approx(feed / grown, abs=1e-3)
    assert row["days"] == 7
    # Every week once, dated by its last day present (the batch's last day ends the last).
    assert weekly["week"] == sorted(set(weekly["week"]))
    assert weekly["date"][-1] == max(r.date for r in rows).isoformat()
    assert sum(weekly["feed_kg"]) == pytest.approx(sum(r.feed_kg for r in rows), abs=0.01)


def test_weekly_week_spanning_two_trays_sums_both(api, growth_batch):
    weekly = growth(api, growth_batch, granularity="weekly")["actual"]
    rows = hand_rows(growth_batch)
    sunday = dt.date(2024, 1, 14)
    row = by_date(weekly, sunday)
    assert row["population"] == sum(r.population for r in rows if r.date == sunday)


def test_range_and_one_container(api, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    start, end = dt.date(2024, 1, 25), dt.date(2024, 2, 2)
    data = growth(api, growth_batch, start=start, end=end, assignment=tank.id)
    assert data["actual"]["date"][0] == start.isoformat()
    assert data["actual"]["date"][-1] == end.isoformat()
    expected = {r.date.isoformat(): r.population for r in hand_rows(growth_batch)}
    assert data["actual"]["population"] == [expected[d] for d in data["actual"]["date"]]
    assert [a["container"] for a in data["assignments"]] == ["S01-B-01"]
    assert data["samples"]["date"] == []  # the tank's sample is on 9 February
    assert data["scenario_projection"]["date"][0] == start.isoformat()
    assert data["scenario_projection"]["date"][-1] == end.isoformat()
    # The plan's population is the batch's: not comparable with one container.
    assert set(data["scenario_projection"]["population"]) == {None}


def test_trailing_fcr_at_range_start_uses_days_before_the_range(api, growth_batch):
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    start = dt.date(2024, 1, 30)
    data = growth(api, growth_batch, start=start, assignment=tank.id)
    window = [r for r in hand_rows(growth_batch) if start - dt.timedelta(days=6) <= r.date <= start]
    expected = sum(r.feed_kg for r in window) / sum(r.growth_kg for r in window)
    assert data["actual"]["fcr"][0] == pytest.approx(expected, abs=1e-3)


def test_assignments_overlapping_the_range(api, growth_batch):
    data = growth(api, growth_batch, start=TRANSFER)
    assert [a["container"] for a in data["assignments"]] == ["S01-B-01"]
    data = growth(api, growth_batch, end=TRANSFER - dt.timedelta(days=1))
    assert [a["container"] for a in data["assignments"]] == ["S01-A-01", "S01-A-02"]


@pytest.mark.parametrize(
    "params",
    [
        {"granularity": "monthly"},
        {"start": "2024-02-01", "end": "2024-01-01"},
        {"start": "not-a-date"},
        {"assignment": "abc"},
    ],
)
def test_bad_parameters_answer_400(api, growth_batch, params):
    response = api.get(f"/api/v1/batches/{growth_batch.id}/growth/", params)
    assert response.status_code == 400


def test_assignment_of_another_batch_is_refused(api, growth_batch, species, stages, containers):
    other = build_batch("FO-2024-02", dt.date(2024, 3, 1), species, stages, containers)
    foreign = other.assignments.first()
    response = api.get(f"/api/v1/batches/{growth_batch.id}/growth/", {"assignment": foreign.id})
    assert response.status_code == 400
    assert "assignment" in response.json()


def test_samples_with_condition_factor(api, growth_batch):
    samples = growth(api, growth_batch)["samples"]
    assert samples["date"] == ["2024-01-10", "2024-02-09"]
    assert samples["container"] == ["S01-A-01", "S01-B-01"]
    assert samples["fish_weighed"] == [30, 20]
    assert samples["std_weight_g"] == [0.04, 0.2]
    assert samples["condition_factor"][0] == pytest.approx(100 * 0.31 / 1.5**3, abs=1e-3)
    assert samples["condition_factor"][1] is None  # no length measured


def test_scenario_projection_is_aligned_by_date(api, species, stages, containers):
    early = build_batch("FO-2024-01", dt.date(2024, 1, 1), species, stages, containers)
    late = build_batch("FO-2024-07", dt.date(2024, 7, 15), species, stages, containers)
    plans = {b.number: growth(api, b)["scenario_projection"] for b in (early, late)}
    for batch in (early, late):
        plan = plans[batch.number]
        assert plan["date"][0] == batch.start_date.isoformat()
        assert plan["day_number"][0] == 1
        day_100 = plan["day_number"].index(100)
        assert plan["date"][day_100] == (batch.start_date + dt.timedelta(days=99)).isoformat()
    # Same plan by day number, so the same weight on the same day of each batch's life ...
    a, b = plans["FO-2024-01"], plans["FO-2024-07"]
    assert a["avg_weight_g"][:300] == b["avg_weight_g"][:300]
    # ... and on the same calendar date they differ: the later batch is younger.
    date = "2024-09-01"
    assert a["avg_weight_g"][a["date"].index(date)] > b["avg_weight_g"][b["date"].index(date)]


def test_scenario_projection_follows_the_plan(api, growth_batch):
    data = growth(api, growth_batch)
    plan = data["scenario_projection"]
    # Opens with both trays' eggs at 0.2 g, grows at the Egg&Alevin TGC of 2.0 on 8 degC.
    assert plan["population"][0] == pytest.approx(1500 * (1 - 0.001), abs=1)
    assert plan["avg_weight_g"][0] == pytest.approx(
        (0.2 ** (1 / 3) + 2.0 / 1000 * 8.0) ** 3, abs=1e-4
    )
    # Fry begins on the day the batch actually moved into the tank.
    assert plan["stage"][plan["date"].index(TRANSFER.isoformat())] == "Fry"
    assert plan["stage"][plan["date"].index((TRANSFER - dt.timedelta(days=1)).isoformat())] == (
        "Egg&Alevin"
    )
    # Ends at the first day at or above the harvest weight.
    assert plan["avg_weight_g"][-1] >= 5000 > plan["avg_weight_g"][-2]
    assert data["scenario"]["name"] == "Plan A"
    assert data["scenario"]["harvest_weight_g"] == 5000


def test_weekly_scenario_is_on_the_actual_weeks_dates(api, growth_batch):
    data = growth(api, growth_batch, granularity="weekly", end="2024-03-31")
    plan, actual = data["scenario_projection"], data["actual"]
    # Weeks with states: the same date as the actual point (9 February is a Friday).
    assert plan["date"][: len(actual["date"])] == actual["date"]
    assert "2024-02-09" in plan["date"]
    # Later weeks: their Sunday, the range's end last.
    later = plan["date"][len(actual["date"]) :]
    assert {dt.date.fromisoformat(d).isoweekday() for d in later} == {7}
    assert later[-1] == "2024-03-31"


def test_forward_projection_reaches_harvest_weight(api, growth_batch):
    data = growth(api, growth_batch)
    forward = data["forward_projection"]
    assert forward["date"][0] == "2024-02-09"  # continues from the latest state
    assert forward["avg_weight_g"][0] == pytest.approx(data["actual"]["avg_weight_g"][-1])
    assert forward["avg_weight_g"][-1] >= 5000 > forward["avg_weight_g"][-2]
    assert forward["harvest_date"] == forward["date"][-1]
    assert forward["population"][-1] < forward["population"][0]
    # The tank had no measured temperature; the batch's recent bias (trays, 9 vs 8 degC
    # planned) is applied: the mean of measured - profile over its last 30 days.
    assert forward["containers"][0]["temp_bias_c"] == pytest.approx(forward["temp_bias_c"])
    assert 0.0 < forward["temp_bias_c"] < 1.0


def test_forward_projection_is_later_for_colder_water(api, species, stages, containers):
    warm = build_batch("WARM", START, species, stages, containers)
    cold = build_batch("COLD", START, species, stages, containers)
    DailyState.objects.filter(batch=cold, temp_source=TempSource.MEASURED).update(temp_c=6.0)
    warm_date = growth(api, warm)["forward_projection"]["harvest_date"]
    cold_date = growth(api, cold)["forward_projection"]["harvest_date"]
    assert cold_date > warm_date


def test_variance_against_scenario(api, growth_batch):
    data = growth(api, growth_batch)
    variance = data["variance"]
    actual, plan = data["actual"], data["scenario_projection"]
    last = actual["date"][-1]
    expected_now = actual["avg_weight_g"][-1] - plan["avg_weight_g"][plan["date"].index(last)]
    assert variance["now"]["date"] == last
    assert variance["now"]["difference_g"] == pytest.approx(expected_now, abs=1e-2)
    assert variance["mean"]["days"] == len(actual["date"])
    assert abs(variance["largest"]["difference_g"]) >= abs(variance["now"]["difference_g"])


def test_periods_report_observed_fcr_from_sums(api, growth_batch):
    periods = growth(api, growth_batch)["periods"]
    rows = hand_rows(growth_batch)
    tank_rows = [r for r in rows if r.container.name == "S01-B-01"]
    (tank,) = [p for p in periods["by_assignment"] if p["container"] == "S01-B-01"]
    feed = sum(r.feed_kg for r in tank_rows)
    assert tank["observed_fcr"] == pytest.approx(
        feed / sum(r.growth_kg for r in tank_rows), abs=1e-3
    )
    assert tank["scenario_fcr"] == pytest.approx(1.05)
    assert [p["stage"] for p in periods["by_stage"]] == ["Egg&Alevin", "Fry"]
    trays = [r for r in rows if r.stage.name == "Egg&Alevin"]
    (egg,) = [p for p in periods["by_stage"] if p["stage"] == "Egg&Alevin"]
    assert egg["observed_fcr"] == pytest.approx(
        sum(r.feed_kg for r in trays) / sum(r.growth_kg for r in trays), abs=1e-3
    )


def test_batch_without_scenario_still_shows_its_states(api, species, stages, containers):
    batch = build_batch("NO-PLAN", START, species, stages, containers, with_scenario=False)
    data = growth(api, batch)
    assert data["scenario"] is None
    assert "no scenario" in data["scenario_missing"]
    assert data["scenario_projection"] is None
    assert data["forward_projection"] is None
    assert data["variance"] is None
    assert len(data["actual"]["date"]) == 40
    assert data["periods"]["by_stage"][0]["scenario_tgc"] is None


def test_batch_without_states_says_how_to_compute_them(api, species, stages, containers):
    batch = m.Batch.objects.create(number="FO-EMPTY", species=species, start_date=START)
    # A stay at the user's station (a batch is seen through its stays), never computed.
    farm_builder.stay(batch, containers[0], stages["Egg&Alevin"], START, fish=100, weight_g=0.2)
    data = growth(api, batch)
    assert data["actual"]["date"] == []
    assert "aquagrowth recompute --batch FO-EMPTY" in data["states_missing"]
    assert data["batch"]["last_state_date"] is None


def test_pinned_scenario_wins_over_newest(api, growth_batch):
    newest = m.Scenario.objects.create(batch=growth_batch, name="Plan B", harvest_weight_g=4000)
    assert growth(api, growth_batch)["scenario"]["name"] == "Plan B"
    growth_batch.pinned_scenario = m.Scenario.objects.get(name="Plan A")
    growth_batch.save()
    data = growth(api, growth_batch)
    assert data["scenario"]["name"] == "Plan A"
    assert data["scenario"]["pinned"] is True
    assert newest.id != data["scenario"]["id"]


def test_incomplete_scenario_is_explained(api, growth_batch):
    scenario = growth_batch.scenario_in_force()
    scenario.temperature_profile.all().delete()
    data = growth(api, growth_batch)
    assert "temperature profile" in data["scenario_missing"]
    assert data["scenario"]["name"] == "Plan A"


def test_the_90_percent_band_of_a_day_pools_its_containers(api, growth_batch):
    # The smoothed model's bands, written by hand: the trays' day before the transfer
    # (two pens: their errors pooled as independent) and the tank's transfer day (one pen:
    # its own band). Days without a band (the anchored model) answer null.
    z = 1.6448536269514722
    before = TRANSFER - dt.timedelta(days=1)
    trays = list(DailyState.objects.filter(batch=growth_batch, date=before).order_by("id"))
    for row, sd_w, sd_b in zip(trays, (0.01, 0.02), (0.5, 1.0), strict=True):
        row.weight_low_g, row.weight_high_g = (
            row.avg_weight_g - z * sd_w,
            row.avg_weight_g + z * sd_w,
        )
        row.biomass_low_kg, row.biomass_high_kg = (
            row.biomass_kg - z * sd_b,
            row.biomass_kg + z * sd_b,
        )
        row.save()
    tank = DailyState.objects.get(batch=growth_batch, date=TRANSFER)
    tank.weight_low_g, tank.weight_high_g = 0.41, 0.43
    tank.biomass_low_kg, tank.biomass_high_kg = 0.58, 0.61
    tank.save()
    actual = growth(api, growth_batch)["actual"]
    day = by_date(actual, before)
    fish = sum(r.population for r in trays)
    sd_weight = (
        (trays[0].population / fish * 0.01) ** 2 + (trays[1].population / fish * 0.02) ** 2
    ) ** 0.5
    assert day["weight_low_g"] == pytest.approx(day["avg_weight_g"] - z * sd_weight, abs=1e-4)
    assert day["weight_high_g"] == pytest.approx(day["avg_weight_g"] + z * sd_weight, abs=1e-4)
    assert day["biomass_high_kg"] == pytest.approx(day["biomass_kg"] + z * 1.25**0.5, abs=1e-2)
    moved = by_date(actual, TRANSFER)
    assert (moved["weight_low_g"], moved["weight_high_g"]) == (0.41, 0.43)
    assert (moved["biomass_low_kg"], moved["biomass_high_kg"]) == (0.58, 0.61)
    other = by_date(actual, TRANSFER + dt.timedelta(days=3))
    assert other["weight_low_g"] is None and other["biomass_high_kg"] is None


def _band_on_the_last_state(batch, sd_root: float, sd_count: float) -> DailyState:
    """The smoothed model's band on the batch's last state, written by hand."""
    z = 1.6448536269514722
    last = DailyState.objects.filter(batch=batch).latest("date")
    u = last.avg_weight_g ** (1 / 3)
    last.weight_low_g, last.weight_high_g = (u - z * sd_root) ** 3, (u + z * sd_root) ** 3
    var_w = (3 * u * u) ** 2 * sd_root**2
    var_b = (last.avg_weight_g**2 * sd_count**2 + last.population**2 * var_w) / 1e6
    var_b += sd_count**2 * var_w / 1e6
    last.biomass_low_kg = last.biomass_kg - z * var_b**0.5
    last.biomass_high_kg = last.biomass_kg + z * var_b**0.5
    last.save()
    return last


def test_the_forward_band_starts_at_the_last_states_and_widens_with_time(api, growth_batch):
    last = _band_on_the_last_state(growth_batch, sd_root=0.01, sd_count=20.0)
    forward = growth(api, growth_batch)["forward_projection"]
    assert forward["date"][0] == last.date.isoformat()
    assert forward["weight_low_g"][0] == pytest.approx(last.weight_low_g, abs=1e-3)
    assert forward["weight_high_g"][0] == pytest.approx(last.weight_high_g, abs=1e-3)
    assert forward["biomass_high_kg"][0] == pytest.approx(last.biomass_high_kg, abs=1e-2)
    low, mid, high = (forward[k] for k in ("weight_low_g", "avg_weight_g", "weight_high_g"))
    assert all(lo <= w <= hi for lo, w, hi in zip(low, mid, high, strict=True))
    relative = [(hi - lo) / w for lo, w, hi in zip(low, mid, high, strict=True)]
    # The weight grows, yet the band widens faster: the TGC's drift adds up day by day.
    assert relative[-1] > 1.5 * relative[0]
    width = [hi - lo for lo, hi in zip(low, high, strict=True)]
    assert all(b >= a - 2e-4 for a, b in itertools.pairwise(width))  # 4 decimals
    b_low, b_high = forward["biomass_low_kg"], forward["biomass_high_kg"]
    assert b_high[-1] - b_low[-1] > b_high[0] - b_low[0]


def test_no_band_on_the_last_state_means_no_forward_band(api, growth_batch):
    forward = growth(api, growth_batch)["forward_projection"]  # the anchored model
    assert len(forward["date"]) > 1
    assert set(forward["weight_low_g"]) == {None}
    assert set(forward["biomass_high_kg"]) == {None}


def test_a_weeks_band_is_that_of_its_last_day(api, growth_batch):
    _band_on_the_last_state(growth_batch, sd_root=0.01, sd_count=20.0)
    daily = growth(api, growth_batch)["actual"]
    weekly = growth(api, growth_batch, granularity="weekly")["actual"]
    last_day = by_date(daily, dt.date.fromisoformat(weekly["date"][-1]))
    for name in ("weight_low_g", "weight_high_g", "biomass_low_kg", "biomass_high_kg"):
        assert weekly[name][-1] == last_day[name] is not None
    assert weekly["weight_low_g"][0] is None  # the anchored model's weeks: no band


def _smoothed_summary(last: DailyState, **state: float) -> None:
    """The stay's summary as a recompute of the smoothed model writes it, with the given
    parts of its last state (``tgc_end``, ``tgc_var_end``, ``root_tgc_cov_end``; 0 or
    none for the rest)."""
    StaySummary.objects.update_or_create(
        assignment_id=last.assignment_id,
        defaults={
            "stocked_fish": last.population,
            "fish_days": 0.0,
            "unexplained_fish": 0,
            "closed_by": 0,
            "tgc_var_end": 0.0,
            "root_tgc_cov_end": 0.0,
            **state,
        },
    )


def test_the_forward_band_carries_the_tgcs_uncertainty_of_the_last_state(api, growth_batch):
    # The smoothed model keeps the TGC's variance at each stay's last state (and its
    # covariance with the weight's cube root) in the stay's summary: the forward band
    # widens by it with the degree-days ahead, on top of the drift.
    last = _band_on_the_last_state(growth_batch, sd_root=0.01, sd_count=20.0)
    before = growth(api, growth_batch)["forward_projection"]
    _smoothed_summary(last, tgc_var_end=0.2**2)  # sd 0.2 TGC units
    after = growth(api, growth_batch)["forward_projection"]
    assert after["avg_weight_g"] == before["avg_weight_g"]
    assert after["weight_high_g"][0] == pytest.approx(before["weight_high_g"][0], abs=1e-4)
    wider = [
        (hi - lo) - (b_hi - b_lo)
        for lo, hi, b_lo, b_hi in zip(
            after["weight_low_g"],
            after["weight_high_g"],
            before["weight_low_g"],
            before["weight_high_g"],
            strict=True,
        )
    ]
    assert wider[-1] > 0 and wider[-1] > wider[len(wider) // 2] > 0
    # At the end, var(u) gained C^2 var(g) with C the degree-days of the pen's own stage
    # only: the projection leaves it the day after its weight passes the stage's upper
    # weight, and the stage after grows at that stage's TGC with its own prior.
    upper = m.LifecycleStage.objects.get(pk=last.stage_id).max_weight_g
    ahead = after["avg_weight_g"][1:]
    own_days = next(i for i, w in enumerate(ahead) if w > upper) + 1
    assert own_days < len(ahead)  # the projection does change stage on the way
    own_degree_days = sum(max(t, 0.0) for t in after["temp_c"][1 : own_days + 1])
    u_end = before["avg_weight_g"][-1] ** (1 / 3)
    z = 1.6448536269514722
    sd_before = (before["weight_high_g"][-1] ** (1 / 3) - u_end) / z
    sd_after = (after["weight_high_g"][-1] ** (1 / 3) - u_end) / z
    gained = own_degree_days**2 * (0.2e-3) ** 2
    assert sd_after**2 - sd_before**2 == pytest.approx(gained, rel=0.02)


def _pen_tgc_in_summary(last: DailyState, tgc: float) -> None:
    """The pen's TGC (customary units) as the smoother estimated it at its last state."""
    _smoothed_summary(last, tgc_end=tgc)


def _first_step(forward: dict) -> float:
    """The forward curve's growth in cube-root space over its first day."""
    w0, w1 = forward["avg_weight_g"][:2]
    return w1 ** (1 / 3) - w0 ** (1 / 3)


def test_the_forward_projection_grows_each_pen_at_its_own_tgc(api, growth_batch):
    # With the farm's smoother fitted, the smoothed model's estimate of each pen's TGC
    # (the stay's summary, tgc_end) is what its forward curve continues at, as the band
    # assumes, where the plan's TGC would bend every forecast back to the plan.
    store_fit(fit(FitSums()))  # the farm's parameters (its records: none, the defaults)
    last = _band_on_the_last_state(growth_batch, sd_root=0.01, sd_count=20.0)
    before = growth(api, growth_batch)["forward_projection"]
    (pen,) = before["containers"]
    planned = m.ScenarioStage.objects.get(scenario__batch=growth_batch, stage_id=last.stage_id).tgc
    assert pen["tgc_source"] == "scenario" and pen["tgc"] == pytest.approx(planned)
    _pen_tgc_in_summary(last, 1.2 * planned)  # the pen grows a fifth faster than planned
    after = growth(api, growth_batch)["forward_projection"]
    (pen,) = after["containers"]
    assert pen["tgc_source"] == "pen" and pen["tgc"] == pytest.approx(1.2 * planned)
    assert after["avg_weight_g"][0] == before["avg_weight_g"][0]
    assert _first_step(after) == pytest.approx(1.2 * _first_step(before), rel=5e-3)  # 4 dp
    assert after["harvest_date"] < before["harvest_date"]


def test_without_a_fit_the_forward_projection_keeps_the_plans_tgc(api, growth_batch):
    # The defaults' TGC drift lets the estimate follow the last samples' noise: before the
    # farm's parameters are fitted, the plan's TGC is the better forecast.
    last = _band_on_the_last_state(growth_batch, sd_root=0.01, sd_count=20.0)
    before = growth(api, growth_batch)["forward_projection"]
    planned = m.ScenarioStage.objects.get(scenario__batch=growth_batch, stage_id=last.stage_id).tgc
    _pen_tgc_in_summary(last, 1.2 * planned)
    after = growth(api, growth_batch)["forward_projection"]
    (pen,) = after["containers"]
    assert pen["tgc_source"] == "scenario" and pen["tgc"] == pytest.approx(planned)
    assert after["avg_weight_g"] == before["avg_weight_g"]

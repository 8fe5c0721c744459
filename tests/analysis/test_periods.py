"""Periods by week and by month (docs/growth-analysis.md, "Variance and periods").

The conftest batch starts on Monday 2024-01-01: two trays (1000 and 500 fish, one death
a day each, 0.2 + 0.01 g x day, 9 degC, 0.1 kg feed a day) until 2024-01-20, then one
tank from 2024-01-21 (0.4 + 0.02 g x its day, 8 degC, one recorded death a day, 0.05 kg x
its day of feed, 0.03 kg growth a day) until 2024-02-09. Every expectation below is the
definition's arithmetic on those closed forms, or a sum over the stored daily states.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pytest
from openpyxl import load_workbook

from aquagrowth.analysis import serializers
from aquagrowth.engine.models import DailyState
from tests.analysis.conftest import LAST, START


def answer(api, batch, **params):
    response = api.get(f"/api/v1/batches/{batch.id}/growth/", params)
    assert response.status_code == 200, response.content
    return response.json()


def tgc(w1: float, w2: float, degree_days: float) -> float:
    return 1000 * (w2 ** (1 / 3) - w1 ** (1 / 3)) / degree_days


def planned(data, stage: str) -> dict:
    return next(s for s in data["scenario"]["stages"] if s["stage"] == stage)


def test_a_full_week_by_hand(api, growth_batch):
    """2024-W02 (8 to 14 January): the trays' days 8 to 14, from the weight at the end
    of day 7."""
    data = answer(api, growth_batch)
    week = next(p for p in data["periods"]["by_week"] if p["period"] == "2024-W02")
    assert (week["first_date"], week["last_date"]) == ("2024-01-08", "2024-01-14")
    assert week["days"] == 7 and week["partial"] is False
    assert week["stages"] == ["Egg&Alevin"] and week["containers"] == 2
    assert week["observed_tgc"] == pytest.approx(tgc(0.27, 0.34, 9 * 7), abs=1e-3)
    assert week["sgr_pct_day"] == pytest.approx(100 * math.log(0.34 / 0.27) / 7, abs=1e-3)
    assert week["degree_days"] == pytest.approx(63.0)
    growth = sum((1000 - d + 500 - d) * 0.01 / 1000 for d in range(8, 15))
    assert week["feed_kg"] == pytest.approx(1.4)
    assert week["growth_kg"] == pytest.approx(growth, abs=1e-3)
    assert week["observed_fcr"] == pytest.approx(1.4 / growth, abs=1e-3)
    assert week["feed_coverage"] == 1.0
    assert week["deaths"] == 14
    assert week["start_fish"] == (1000 - 7) + (500 - 7)  # at the end of 7 January
    assert week["mortality_pct"] == pytest.approx(100 * 14 / 1486, abs=0.01)
    egg = planned(data, "Egg&Alevin")
    assert (week["scenario_tgc"], week["scenario_fcr"]) == (egg["tgc"], egg["fcr"])


def test_a_partial_month_by_hand(api, growth_batch):
    """February 2024: the tank's days 12 to 20 (1 to 9 February), 9 of 29 days."""
    data = answer(api, growth_batch)
    january, february = data["periods"]["by_month"]
    assert january["period"] == "2024-01" and january["partial"] is False
    assert january["days"] == january["full_days"] == 31
    assert february["period"] == "2024-02"
    assert february["partial"] is True
    assert (february["days"], february["full_days"]) == (9, 29)
    assert (february["first_date"], february["last_date"]) == ("2024-02-01", LAST.isoformat())
    assert february["observed_tgc"] == pytest.approx(tgc(0.62, 0.80, 8 * 9), abs=1e-3)
    assert february["sgr_pct_day"] == pytest.approx(100 * math.log(0.8 / 0.62) / 9, abs=1e-3)
    assert february["degree_days"] == pytest.approx(72.0)
    feed = 0.05 * sum(range(12, 21))
    assert february["feed_kg"] == pytest.approx(feed)
    assert february["growth_kg"] == pytest.approx(0.27)
    assert february["observed_fcr"] == pytest.approx(feed / 0.27, abs=1e-3)
    assert february["deaths"] == 9
    assert february["start_fish"] == 1460 - 2 * 11
    assert february["mortality_pct"] == pytest.approx(100 * 9 / 1438, abs=0.01)
    fry = planned(data, "Fry")
    assert (february["scenario_tgc"], february["scenario_fcr"]) == (fry["tgc"], fry["fcr"])


def test_a_week_of_a_transfer_weighs_the_plan_by_days(api, growth_batch):
    """2024-W03: the trays' last six days and the tank's first."""
    data = answer(api, growth_batch)
    week = next(p for p in data["periods"]["by_week"] if p["period"] == "2024-W03")
    assert week["stages"] == ["Egg&Alevin", "Fry"] and week["containers"] == 3
    assert week["start_fish"] == (1000 - 14) + (500 - 14)  # the tank is not counted twice
    egg, fry = planned(data, "Egg&Alevin"), planned(data, "Fry")
    assert week["scenario_tgc"] == pytest.approx((egg["tgc"] * 12 + fry["tgc"]) / 13, abs=1e-4)
    last = data["periods"]["by_week"][-1]
    assert last["period"] == "2024-W06" and last["partial"] and last["days"] == 5


def test_the_first_period_of_a_range_is_partial(api, growth_batch):
    data = answer(api, growth_batch, start="2024-01-10", period="week")
    first = data["periods"]["by_week"][0]
    assert first["period"] == "2024-W02" and first["first_date"] == "2024-01-10"
    assert first["partial"] is True and first["days"] == 5
    # No day before the range: from the end of its first day, over the four after it.
    assert first["observed_tgc"] == pytest.approx(tgc(0.30, 0.34, 9 * 4), abs=1e-3)
    assert data["periods"]["by_stage"] is None and data["periods"]["by_month"] is None


def test_one_kind_of_period_asked(api, growth_batch):
    everything = answer(api, growth_batch)["periods"]
    for period, table in (("stage", "by_stage"), ("stay", "by_assignment"), ("month", "by_month")):
        got = answer(api, growth_batch, period=period)
        assert got["query"]["period"] == period
        assert got["periods"][table] == everything[table]
        assert [k for k, v in got["periods"].items() if v is not None] == [table]


def _states(batch):
    fields = ("assignment_id", "date", "avg_weight_g", "temp_c", "mortality_count", "feed_kg")
    fields += ("growth_kg", "population")
    return list(DailyState.objects.filter(batch=batch).order_by("date").values(*fields))


def _expected(states, first: dt.date, last: dt.date) -> dict:
    """A period's deaths, feed, growth and TGC from the stored states: per stay, from the
    day before the period (when the stay has it) to its last day, weighted by days."""
    inside = [s for s in states if first <= s["date"] <= last]
    fits = []
    for stay in {s["assignment_id"] for s in inside}:
        mine = [s for s in inside if s["assignment_id"] == stay]
        before = [
            s
            for s in states
            if s["assignment_id"] == stay and s["date"] == first - dt.timedelta(days=1)
        ]
        span = before + mine
        dd = sum(max(s["temp_c"], 0.0) for s in span[1:])
        if not dd:  # one day, no day before it: no fit
            continue
        fits.append((tgc(span[0]["avg_weight_g"], span[-1]["avg_weight_g"], dd), len(mine)))
    return {
        "deaths": sum(s["mortality_count"] for s in inside),
        "feed_kg": sum(s["feed_kg"] for s in inside),
        "growth_kg": sum(s["growth_kg"] for s in inside),
        "observed_tgc": sum(t * d for t, d in fits) / sum(d for _, d in fits),
    }


@pytest.mark.parametrize("table", ["by_week", "by_month"])
def test_every_period_equals_the_daily_states(api, growth_batch, table):
    data = answer(api, growth_batch)
    states = _states(growth_batch)
    periods = data["periods"][table]
    assert sum(p["days"] for p in periods) == 40  # every day in one period
    for p in periods:
        first = dt.date.fromisoformat(p["first_date"])
        last = dt.date.fromisoformat(p["last_date"])
        want = _expected(states, first, last)
        assert p["deaths"] == want["deaths"], p["period"]
        assert p["feed_kg"] == pytest.approx(want["feed_kg"], abs=1e-3)
        assert p["growth_kg"] == pytest.approx(want["growth_kg"], abs=1e-3)
        assert p["observed_tgc"] == pytest.approx(want["observed_tgc"], abs=1e-3)
    assert sum(p["deaths"] for p in periods) == data["status"]["batch"]["deaths"]


def test_the_export_takes_the_chosen_period(api, growth_batch):
    url = f"/api/v1/batches/{growth_batch.id}/growth-export/"
    book = load_workbook(io.BytesIO(api.get(url, {"period": "week"}).content), read_only=True)
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Periods"] == "by week (chosen)"
    rows = list(book["TGC and FCR periods"].iter_rows(values_only=True))
    named = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["Period"] for r in named] == [f"week: 2024-W0{n}" for n in range(1, 7)]
    assert named[-1]["Partial (of its days)"] == 7 and named[0]["Partial (of its days)"] is None
    assert named[1]["Deaths (fish)"] == 14
    everything = load_workbook(io.BytesIO(api.get(url).content), read_only=True)
    about = {row[0]: row[1] for row in everything["About"].iter_rows(values_only=True)}
    assert about["Periods"] == "all: by stage, by pen, by week, by month"
    text = api.get(url, {"kind": "csv", "table": "periods", "period": "month"}).content.decode()
    lines = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    assert [r["Period"] for r in lines] == ["month: 2024-01", "month: 2024-02"]
    assert lines[1]["Mortality (% of fish at start)"] == str(round(100 * 9 / 1438, 2))
    assert START.isoformat() == lines[0]["First day"]


def test_the_periods_have_the_shape_the_schema_declares(api, growth_batch):
    periods = answer(api, growth_batch)["periods"]
    declared = {
        "by_stage": serializers.StagePeriodSerializer,
        "by_assignment": serializers.StayPeriodSerializer,
        "by_week": serializers.CalendarPeriodSerializer,
        "by_month": serializers.CalendarPeriodSerializer,
    }
    assert set(periods) == set(declared)
    for table, serializer in declared.items():
        assert periods[table], table
        assert all(set(row) == set(serializer().fields) for row in periods[table]), table
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    growth = schema["paths"]["/api/v1/batches/{id}/growth/"]["get"]
    (param,) = [p for p in growth["parameters"] if p["name"] == "period"]
    assert set(param["schema"]["enum"]) == {"stage", "stay", "week", "month"}

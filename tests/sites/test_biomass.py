"""Biomass of sites and licence groups: the sum of their pens' daily states, and the
forecast's first day over the cap by the plan's own arithmetic (TGC, cube-root space)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db.models import Sum

from aquagrowth.engine.models import DailyState
from aquagrowth.farm import models as m
from aquagrowth.sites.biomass import daily_biomass, forecast, group_forecast
from aquagrowth.sites.site import of_sea_area
from tests import access, farm_builder
from tests.sites.conftest import PEN_FISH, RECORDS_END, START, TEMP_C, TGC, cap_group

pytestmark = pytest.mark.django_db


def test_site_biomass_is_the_sum_of_its_pens_daily_states(sea_farm):
    site = of_sea_area(sea_farm["area"])
    series = daily_biomass(site.containers())
    assert series.dates[0] == START and series.latest == RECORDS_END
    for day, kg in zip(series.dates, series.biomass_kg, strict=True):
        rows = DailyState.objects.filter(date=day, container__in=sea_farm["pens"])
        assert kg == pytest.approx(rows.aggregate(s=Sum("biomass_kg"))["s"])
    assert (series.pens_unknown == 0).all()


def test_group_biomass_sums_its_sites(sea_farm, stages):
    other = farm_builder.sea_area("South", ["S-R1"])
    batch = m.Batch.objects.create(number="B2", species=stages["Adult"].species, start_date=START)
    farm_builder.stay(batch, other[0], stages["Adult"], START, fish=1000, weight_g=3000.0)
    from aquagrowth.engine.runner import recompute_batch

    assert recompute_batch(batch.pk, end=RECORDS_END, today=RECORDS_END).ok
    group = cap_group(sea_farm["area"], 1000.0)
    group.sea_areas.add(other[0].sea_area)
    north = daily_biomass(of_sea_area(sea_farm["area"]).containers())
    south = daily_biomass(of_sea_area(other[0].sea_area).containers())
    shown = group_forecast(group)
    assert np.allclose(shown.actual.biomass_kg, north.biomass_kg + south.biomass_kg)


def expected_biomass_kg(after_days: int) -> float:
    """The pens' biomass ``after_days`` after the latest state, by the plan's rule:
    W^(1/3) rises by TGC/1000 x T a day, no deaths (the plan's mortality is 0)."""
    total = 0.0
    for state in DailyState.objects.filter(date=RECORDS_END):
        root = state.avg_weight_g ** (1 / 3) + TGC / 1000.0 * TEMP_C * after_days
        total += state.population * root**3 / 1000.0
    return total


def test_forecast_names_the_first_day_over_the_cap_and_by_how_much(sea_farm):
    # A cap the pens reach after about 60 days of growth at the plan's rate.
    cap_kg = expected_biomass_kg(60) - 1.0
    first = next(k for k in range(1, 400) if expected_biomass_kg(k) > cap_kg)
    shown = forecast([of_sea_area(sea_farm["area"])], cap_kg)
    assert shown.first_over == RECORDS_END + dt.timedelta(days=first)
    assert shown.crossing.excess_kg == pytest.approx(expected_biomass_kg(first) - cap_kg, rel=1e-6)
    assert shown.headroom_kg == pytest.approx(cap_kg - expected_biomass_kg(0), rel=1e-9)


def test_a_site_over_its_cap_crosses_on_its_latest_day(sea_farm):
    now_kg = sum(f * 1.0 for f in PEN_FISH)  # far below the pens' biomass (>= 1 kg a fish)
    shown = forecast([of_sea_area(sea_farm["area"])], now_kg)
    assert shown.first_over == RECORDS_END and shown.headroom_kg < 0


def test_the_rules_shared_reads_give_each_groups_own_forecast(sea_farm):
    from aquagrowth.sites.biomass import PathCache, group_forecasts
    from aquagrowth.sites.models import LicenceGroup

    near = cap_group(sea_farm["area"], expected_biomass_kg(20) / 1000.0, name="near")
    cap_group(sea_farm["area"], 1.0, name="over")
    shared = group_forecasts(LicenceGroup.objects.all(), PathCache(), START)
    for group in LicenceGroup.objects.all():
        alone = group_forecast(group)
        assert shared[group.pk].first_over == alone.first_over is not None
        assert np.allclose(shared[group.pk].forecast_kg, alone.forecast_kg)
    assert shared[near.pk].first_over > RECORDS_END


Z90 = 1.6448536269514722


def test_standing_biomass_band_pools_its_pens_bands_as_independent(sea_farm, client):
    # The engine's smoothed model (the default) stores each pen's biomass band; the
    # site's band on a day is biomass -+ Z90 sqrt(sum of the pens' variances).
    site = of_sea_area(sea_farm["area"])
    series = daily_biomass(site.containers())
    low, high = series.band_kg()
    assert np.isfinite(high).all()
    for day, kg, lo, hi in zip(series.dates, series.biomass_kg, low, high, strict=True):
        rows = DailyState.objects.filter(date=day, container__in=sea_farm["pens"])
        variance = sum(((r.biomass_high_kg - r.biomass_kg) / Z90) ** 2 for r in rows)
        assert hi == pytest.approx(kg + Z90 * variance**0.5)
        assert lo == pytest.approx(kg - Z90 * variance**0.5)
        # Two pens' band is narrower than the sum of their bands: errors partly cancel.
        assert hi - kg < sum(r.biomass_high_kg - r.biomass_kg for r in rows)
    # The rules' shared reads give the same band.
    from aquagrowth.sites.biomass import PathCache, group_forecasts

    group = cap_group(sea_farm["area"], 500.0)
    shared = group_forecasts(m_groups(group), PathCache(), START)[group.pk].actual
    assert np.allclose(shared.band_kg()[1], high)
    # In the API, in tonnes.
    client.force_login(access.person("op-north", "operator", sea_areas=["North"]))
    answer = client.get(f"/api/v1/sites/sea-area/{sea_farm['area'].pk}/").json()
    last = answer["biomass"]["actual"][-1]
    assert last["biomass_high_t"] == pytest.approx(high[-1] / 1000.0, abs=1e-3)
    assert last["biomass_low_t"] < last["biomass_t"] < last["biomass_high_t"]


def test_a_day_with_a_pen_without_a_band_has_none(sea_farm):
    # One pen in the anchored model that day: half the sum states no uncertainty.
    DailyState.objects.filter(date=RECORDS_END, container=sea_farm["pens"][0]).update(
        biomass_low_kg=None, biomass_high_kg=None
    )
    series = daily_biomass(of_sea_area(sea_farm["area"]).containers())
    low, high = series.band_kg()
    assert np.isnan(high[-1]) and np.isnan(low[-1])
    assert np.isfinite(high[:-1]).all()
    assert series.to_json()[-1]["biomass_high_t"] is None


def m_groups(group):
    from aquagrowth.sites.models import LicenceGroup

    return LicenceGroup.objects.filter(pk=group.pk)

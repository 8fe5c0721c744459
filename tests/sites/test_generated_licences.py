"""The generated farm's licences: a group per geography sized close to its first sea
area's biomass, the others sharing a group with room to spare."""

from __future__ import annotations

import pytest
from django.db.models import F, Sum

from aquagrowth.generator.models import TrueDailyState
from aquagrowth.generator.service import build_farm
from aquagrowth.sites.models import LicenceGroup

pytestmark = pytest.mark.django_db(transaction=True)


def true_biomass_t(area, day=None):
    rows = TrueDailyState.objects.filter(assignment__container__sea_area=area)
    by_day = dict(
        rows.values("date")
        .annotate(g=Sum(F("population") * F("avg_weight_g")))
        .values_list("date", "g")
    )
    return (by_day[max(by_day)] if day is None else by_day[day]) / 1e6


def test_tiny_farm_has_a_group_close_to_its_cap_per_geography():
    build_farm("tiny", seed=1, progress=False)
    groups = list(LicenceGroup.objects.prefetch_related("licences", "sea_areas"))
    assert groups
    for group in groups:
        areas = list(group.sea_areas.all())
        assert areas and group.cap_t() > 0
        if len(areas) == 1 and group.name == areas[0].name:
            latest = true_biomass_t(areas[0])
            # Within 5 % (plus a licence's rounding) above the stock at the end.
            assert latest < group.cap_t() <= latest * 1.05 + 780

"""The generated farm's licences: per geography one sea area capped just above the fish
it holds on the farm's last day, the others in pairs with room to spare."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import F, Max, Sum

from aquagrowth.generator.models import TrueDailyState
from aquagrowth.generator.service import build_farm
from aquagrowth.sites.models import LicenceGroup

pytestmark = pytest.mark.django_db(transaction=True)


def true_biomass_t(areas, day) -> float:
    rows = TrueDailyState.objects.filter(assignment__container__sea_area__in=areas, date=day)
    grams = rows.aggregate(g=Sum(F("population") * F("avg_weight_g")))["g"]
    return (grams or 0.0) / 1e6


def test_tiny_farm_has_one_site_close_to_its_cap_per_geography():
    build_farm("tiny", seed=1, progress=False)
    last_day = TrueDailyState.objects.aggregate(d=Max("date"))["d"]
    close, holding = Counter(), set()
    for group in LicenceGroup.objects.prefetch_related("licences", "sea_areas"):
        areas = list(group.sea_areas.all())
        assert 1 <= len(areas) <= 2 and group.cap_t() > 0
        held_t = true_biomass_t(areas, last_day)
        if held_t > 0:
            holding.add(areas[0].geography.name)
        # 5 % above the fish held, plus a licence's rounding (780 t or 10 t).
        if 0 < held_t < group.cap_t() <= held_t * 1.05 + 780:
            close[areas[0].geography.name] += 1
    # Every geography with fish at sea on the last day has exactly one such site.
    assert holding and set(close) == holding and set(close.values()) == {1}

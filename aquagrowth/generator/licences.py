"""Licences for a generated farm's sea areas, with caps some sites come close to.

A real farm's licences are sized for its plans, and a site near its cap is what the
forecast and the ``biomass_cap`` alert exist for (docs/sites.md). Per geography, from the
true standing biomass (``generator_truedailystate``) up to the as-of date:

- the first sea area is a group of its own, capped at 5 % above its biomass on the
  as-of date: while its fish grow they cross it within weeks (the forecast and the alert
  have something to find on the demo and seed-scale farms);
- the other sea areas share one group (as Norwegian licences in a *samdrift* group
  share their summed maximum allowed biomass), capped at 50 % above their summed peak,
  room for a cycle larger than the ones before.

Faroese groups are made of standard 780 t licences (as in Norway); a Scottish site's is
one consent of the cap rounded up to 10 t.
"""

from __future__ import annotations

import math
from collections import defaultdict

from django.db.models import F, Sum

from aquagrowth.farm.models import SeaArea
from aquagrowth.generator.models import TrueDailyState
from aquagrowth.sites.models import Licence, LicenceGroup

STANDARD_LICENCE_T = 780.0
CLOSE_MARGIN = 1.05
SPARE_MARGIN = 1.5


def _peak_t(by_day: dict) -> float:
    return max(by_day.values(), default=0.0) / 1e6


def _latest_t(by_day: dict) -> float:
    return by_day[max(by_day)] / 1e6 if by_day else 0.0


def license_sea_areas() -> list[LicenceGroup]:
    """Make (or remake) the generated licence groups; the groups made."""
    biomass: dict[int, dict] = defaultdict(lambda: defaultdict(float))
    rows = (
        TrueDailyState.objects.filter(assignment__container__sea_area__isnull=False)
        .values("assignment__container__sea_area", "date")
        .annotate(g=Sum(F("population") * F("avg_weight_g")))
        .values_list("assignment__container__sea_area", "date", "g")
    )
    for area_id, day, grams in rows:
        biomass[area_id][day] += grams
    groups = []
    areas = SeaArea.objects.select_related("geography").order_by("geography__name", "name")
    by_geography: dict[str, list[SeaArea]] = defaultdict(list)
    for area in areas:
        if area.pk in biomass:
            by_geography[area.geography.name].append(area)
    for geography, found in by_geography.items():
        close, spare = found[:1], found[1:]
        for members, margin, name, measure in (
            (close, CLOSE_MARGIN, f"{close[0].name}", _latest_t),
            (spare, SPARE_MARGIN, f"{geography} shared licences", _peak_t),
        ):
            if not members:
                continue
            summed: dict = defaultdict(float)
            for area in members:
                for day, grams in biomass[area.pk].items():
                    summed[day] += grams
            cap_t = measure(summed) * margin
            groups.append(_group(name, members, cap_t, faroese=geography.startswith("Faroe")))
    return groups


def _group(name: str, areas: list[SeaArea], cap_t: float, faroese: bool) -> LicenceGroup:
    group, _ = LicenceGroup.objects.get_or_create(name=name)
    group.licences.all().delete()
    group.sea_areas.set(areas)
    code = "-".join(a.name.split()[0] for a in areas[:1]) + f"-{group.pk}"
    if faroese:
        count = max(1, math.ceil(cap_t / STANDARD_LICENCE_T))
        Licence.objects.bulk_create(
            Licence(number=f"{code}-L{i:02d}", group=group, max_biomass_t=STANDARD_LICENCE_T)
            for i in range(1, count + 1)
        )
    else:
        Licence.objects.create(
            number=f"{code}-CAR", group=group, max_biomass_t=math.ceil(cap_t / 10.0) * 10.0
        )
    return group

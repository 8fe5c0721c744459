"""Licences for a generated farm's sea areas, with caps some sites come close to.

A real farm's licences are sized for its plans, and a site near its cap is what the
forecast and the ``biomass_cap`` alert exist for (docs/sites.md). Per geography, from the
true standing biomass (``generator_truedailystate``) up to the as-of date:

- the sea area holding the most fish biomass on the farm's last day is a group of its
  own, capped 5 % above that biomass: while its fish grow they cross it within weeks
  (the forecast and the alert have something to find on the demo and seed-scale farms);
- the other sea areas, in pairs by name, share a group (as Norwegian licences in a
  *samdrift* group share their summed maximum allowed biomass), capped 50 % above the
  pair's summed peak so far: room for a cycle larger than the ones before.

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


def _summed(biomass: dict, areas: list[SeaArea]) -> dict:
    """Grams of fish per day over ``areas``."""
    summed: dict = defaultdict(float)
    for area in areas:
        for day, grams in biomass[area.pk].items():
            summed[day] += grams
    return summed


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
    if not biomass:
        return []
    last_day = max(max(days) for days in biomass.values())
    by_geography: dict[str, list[SeaArea]] = defaultdict(list)
    areas = SeaArea.objects.select_related("geography").order_by("geography__name", "name")
    for area in areas:
        if area.pk in biomass:
            by_geography[area.geography.name].append(area)
    groups = []
    for geography, found in by_geography.items():
        faroese = geography.startswith("Faroe")
        close = max(found, key=lambda a: biomass[a.pk].get(last_day, 0.0))
        cap_t = biomass[close.pk].get(last_day, 0.0) / 1e6 * CLOSE_MARGIN
        groups.append(_group(close.name, [close], cap_t, faroese))
        others = [a for a in found if a != close]
        for i in range(0, len(others), 2):
            pair = others[i : i + 2]
            name = " + ".join(a.name for a in pair)
            groups.append(
                _group(name, pair, _peak_t(_summed(biomass, pair)) * SPARE_MARGIN, faroese)
            )
    return groups


def _group(name: str, areas: list[SeaArea], cap_t: float, faroese: bool) -> LicenceGroup:
    group, _ = LicenceGroup.objects.get_or_create(name=name)
    group.licences.all().delete()
    group.sea_areas.set(areas)
    code = f"{areas[0].name.split()[0]}-G{group.pk}"
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

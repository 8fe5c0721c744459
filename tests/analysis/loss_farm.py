"""A hand-made farm whose unexplained loss is known per pen and per site.

Batch FO-2024-01 (Faroe Islands):

- smolt tank S01-A-01 (station S01) holds 100,000 fish; a cull of 100 is harvested on
  1 March; on 1 June it sends 50,000 to pen VM-01, 40,000 to VM-02 (sea area Vestmanna)
  and 8,000 to FN-01 (sea area Funningur): it ends by transfer, so it is not reported.
- VM-01: stocked 50,000; 1,000 + 500 recorded dead; split on 1 Sept, 10,000 to VM-03
  (same site); 37,900 harvested on its last day: 600 unexplained, 1.2 %.
- VM-03: stocked 10,000 by the split; 200 dead; 9,850 harvested: 50 found (-0.5 %).
- VM-02: stocked 40,000; 800 dead; harvested over two days, 20,000 + 18,700: 500
  unexplained, 1.25 %.
- FN-01: stocked 8,000, still at sea: not reported, counted as open.
- Vestmanna's cycle: 90,000 stocked (the split's 10,000 stayed in the site), 2,500
  dead, 86,450 harvested: 1,050 unexplained, 1.17 %.

Batch FO-2024-02:

- VM-04: 20,000 smolts bought in (its opening count); 300 dead; 19,000 harvested: 700
  unexplained, 3.5 %.
- VM-05: 1,000 bought in; 500 harvested a month before it departs with nothing on its
  last day: not emptied by a harvest, not reported.
- tank S02-B-01 (station S02): 5,000 fish; 100 dead; 4,880 harvested: 20, 0.4 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import farm_builder

D = dt.date


@dataclass(frozen=True)
class LossFarm:
    first: m.Batch
    second: m.Batch
    stays: dict[str, m.Assignment]


def build_loss_farm(stages: dict[str, m.LifecycleStage]) -> LossFarm:
    """The farm of the module docstring (records only: nothing is computed)."""
    with bulk_load():
        species = stages["Adult"].species
        first = m.Batch.objects.create(
            number="FO-2024-01", species=species, start_date=D(2023, 1, 1)
        )
        second = m.Batch.objects.create(
            number="FO-2024-02", species=species, start_date=D(2023, 2, 1)
        )
        stays = _first_batch(first, stages) | _second_batch(second, stages)
    return LossFarm(first, second, stays)


def _first_batch(batch: m.Batch, stages) -> dict[str, m.Assignment]:
    (tank,) = farm_builder.hall("S01", "A", [("S01-A-01", "tank", 500)], stage=stages["Smolt"])
    vm01, vm02, vm03 = farm_builder.sea_area("Vestmanna", ["VM-01", "VM-02", "VM-03"])
    (fn01,) = farm_builder.sea_area("Funningur", ["FN-01"])
    adult, moved = stages["Adult"], D(2024, 6, 1)
    smolt = farm_builder.stay(
        batch, tank, stages["Smolt"], D(2024, 1, 1), moved, fish=100_000, weight_g=60
    )
    farm_builder.harvest(smolt, D(2024, 3, 1), 100, weight_g=50)
    pens = {
        "VM-01": farm_builder.stay(batch, vm01, adult, moved, D(2025, 4, 1)),
        "VM-02": farm_builder.stay(batch, vm02, adult, moved, D(2025, 4, 4)),
        "VM-03": farm_builder.stay(batch, vm03, adult, D(2024, 9, 1), D(2025, 4, 2)),
        "FN-01": farm_builder.stay(batch, fn01, adult, moved),
    }
    for pen, fish in (("VM-01", 50_000), ("VM-02", 40_000), ("FN-01", 8_000)):
        farm_builder.transfer(smolt, pens[pen], moved, fish)
    farm_builder.transfer(pens["VM-01"], pens["VM-03"], D(2024, 9, 1), 10_000)
    farm_builder.mortality(pens["VM-01"], D(2024, 7, 1), 1_000)
    farm_builder.mortality(pens["VM-01"], D(2024, 10, 1), 500)
    farm_builder.mortality(pens["VM-03"], D(2024, 12, 1), 200)
    farm_builder.mortality(pens["VM-02"], D(2024, 8, 1), 800)
    farm_builder.mortality(pens["FN-01"], D(2024, 8, 1), 100)
    farm_builder.harvest(pens["VM-01"], D(2025, 3, 31), 37_900)
    farm_builder.harvest(pens["VM-03"], D(2025, 4, 1), 9_850)
    farm_builder.harvest(pens["VM-02"], D(2025, 4, 2), 20_000)
    farm_builder.harvest(pens["VM-02"], D(2025, 4, 3), 18_700)
    return {"S01-A-01": smolt, **pens}


def _second_batch(batch: m.Batch, stages) -> dict[str, m.Assignment]:
    (tank,) = farm_builder.hall("S02", "B", [("S02-B-01", "tank", 500)], stage=stages["Smolt"])
    vm04, vm05 = farm_builder.sea_area("Vestmanna", ["VM-04", "VM-05"])
    adult = stages["Adult"]
    fresh = farm_builder.stay(
        batch, tank, stages["Smolt"], D(2024, 1, 1), D(2024, 4, 1), fish=5_000, weight_g=80
    )
    bought = farm_builder.stay(
        batch, vm04, adult, D(2024, 7, 1), D(2025, 6, 1), fish=20_000, weight_g=150
    )
    left = farm_builder.stay(
        batch, vm05, adult, D(2024, 7, 1), D(2025, 6, 1), fish=1_000, weight_g=150
    )
    farm_builder.mortality(fresh, D(2024, 2, 1), 100)
    farm_builder.harvest(fresh, D(2024, 3, 31), 4_880, weight_g=90)
    farm_builder.mortality(bought, D(2024, 9, 1), 300)
    farm_builder.harvest(bought, D(2025, 5, 31), 19_000)
    farm_builder.harvest(left, D(2025, 5, 1), 500)
    return {"S02-B-01": fresh, "VM-04": bought, "VM-05": left}

"""A batch's scenario in force, read once for the engine and for the API.

The loader (``engine.load``) hands it to the core for the daily states, the API
(``analysis.projections``) projects the plan and the forward estimate with it; both read
it here, so that the two never disagree on which scenario is in force or how its stages
line up. Everything is by *stage position*: the species' stages in their order
(Egg&Alevin = 0, ... , Adult = 5), the order the core's arrays use.

A constant number of queries whatever the scenario holds: the scenario in force (the
batch's pinned scenario, else its newest) and, when there is one, the species' stages
(unless the caller read them already), its per-stage parameters and its temperature
profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray, Scenario
from aquagrowth.farm.models import Batch, LifecycleStage, ScenarioStage, TemperatureProfilePoint
from aquagrowth.farm.models import Scenario as FarmScenario


@dataclass(frozen=True)
class StageTable:
    """The species' lifecycle stages by position: database id, name, upper weight (g).

    ``max_weight_g`` is the upper bound of the stage's expected weight range: weights
    above it are reported (never capped), and projections move on to the next stage there.
    """

    id: IntArray
    name: tuple[str, ...]
    max_weight_g: FloatArray

    def __len__(self) -> int:
        return len(self.name)

    def positions(self) -> dict[int, int]:
        """Stage position by database id."""
        return {int(stage_id): i for i, stage_id in enumerate(self.id)}

    def position(self, stage_id: int) -> int:
        """The position of stage ``stage_id``; ``KeyError`` when the species has no such stage."""
        return self.positions()[int(stage_id)]


class ScenarioInForce(NamedTuple):
    """The species' stages and the batch's scenario by stage position (None: no scenario).

    ``stages`` is None only when there is no scenario and the caller gave none.
    """

    stages: StageTable | None
    scenario: Scenario | None


def read_stages(species_id: int) -> StageTable:
    """The stages of species ``species_id`` in their order (one query)."""
    rows = list(
        LifecycleStage.objects.filter(species_id=species_id)
        .order_by("order")
        .values_list("id", "name", "max_weight_g", named=True)
    )
    return StageTable(
        id=np.array([row.id for row in rows], dtype=np.int64),
        name=tuple(row.name for row in rows),
        max_weight_g=np.array([row.max_weight_g for row in rows], dtype=np.float64),
    )


def read_scenario(
    batch: Batch, stages: StageTable | None = None, *, chosen: FarmScenario | None = None
) -> ScenarioInForce:
    """The scenario in force of ``batch`` by stage position, with the species' stages.

    ``chosen``: another of the batch's scenarios instead (the page's list of scenarios
    shows when each would reach the harvest weight).

    ``stages`` are the species' stages when the caller has read them already (the
    loader needs them in any case); otherwise they are read here when a scenario needs
    them, so that a batch without a scenario costs one query, one with a scenario four.
    Per-stage values the scenario does not give are NaN, and so are those of stages of
    another species (the scenario names them, but the batch cannot be in them).
    """
    chosen = chosen or batch.scenario_in_force()
    if chosen is None:
        return ScenarioInForce(stages, None)
    if stages is None:
        stages = read_stages(batch.species_id)
    position = stages.positions()
    tgc, mortality_rate, fcr = (np.full(len(stages), np.nan) for _ in range(3))
    for row in ScenarioStage.objects.filter(scenario=chosen).values_list(
        "stage_id", "tgc", "mortality_rate_per_day", "fcr", named=True
    ):
        if row.stage_id in position:
            at = position[row.stage_id]
            tgc[at], mortality_rate[at], fcr[at] = row.tgc, row.mortality_rate_per_day, row.fcr
    profile = list(
        TemperatureProfilePoint.objects.filter(scenario=chosen)
        .order_by("day_number")
        .values_list("day_number", "temp_c", named=True)
    )
    scenario = Scenario(
        tgc_by_stage=tgc,
        mortality_rate_by_stage=mortality_rate,
        fcr_by_stage=fcr,
        profile_day_number=np.array([p.day_number for p in profile], dtype=np.int64),
        profile_temp_c=np.array([p.temp_c for p in profile], dtype=np.float64),
        harvest_weight_g=chosen.harvest_weight_g,
        name=chosen.name,
        id=chosen.id,
    )
    return ScenarioInForce(stages, scenario)

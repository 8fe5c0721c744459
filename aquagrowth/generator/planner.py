"""The planner: places every stage of every batch in containers free for the whole stay.

Batches start ``stagger_days`` apart in each geography (the second geography half a
stagger later). Freshwater stages prefer one station for all five halls, as fish stay in
one hatchery until sea transfer; when no station is free for all of them, each stage
takes any station whose hall is free. Sea rings come from one sea area. A container is
kept empty ``container_rest_days`` between two batches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from aquagrowth.generator.layout import Layout, build_layout
from aquagrowth.generator.profile import GEOGRAPHIES, STAGES, Profile
from aquagrowth.generator.schedule import BatchPlan, Schedule, ScheduleError, StagePlan, validate


class Occupancy:
    """Busy day intervals ``[first, stop + rest)`` per container position."""

    def __init__(self, size: int, rest_days: int) -> None:
        self.rest = rest_days
        self.busy: list[list[tuple[int, int]]] = [[] for _ in range(size)]

    def free(self, container: int, first: int, stop: int) -> bool:
        for b_first, b_stop in self.busy[container]:
            if first < b_stop and b_first < stop + self.rest:
                return False
        return True

    def take(self, containers: Sequence[int], first: int, stop: int) -> None:
        for c in containers:
            self.busy[c].append((first, stop + self.rest))


def _free_in(occ: Occupancy, candidates: list[int], first: int, stop: int, k: int) -> list[int]:
    chosen = [c for c in candidates if occ.free(c, first, stop)]
    return chosen[:k] if len(chosen) >= k else []


def plan_schedule(profile: Profile, seed: int = 1) -> Schedule:
    """A schedule for the profile's batches, deterministic from ``seed``.

    Raises
    ------
    ScheduleError
        When the layout has too few free halls or rings for a batch's stay.
    """
    s = profile.settings
    layout: Layout = build_layout(s["layout"])
    rng = np.random.default_rng([seed, 7001])
    occ = Occupancy(layout.size, int(s["container_rest_days"]))
    per_stage = int(s["containers_per_stage"])
    if per_stage > layout.containers_per_hall:
        raise ScheduleError("containers_per_stage exceeds containers_per_hall")
    origin = profile.first_start
    stagger = int(s["stagger_days"])
    starts = sorted(
        (i * stagger + g * (stagger // 2), g)
        for i in range(int(s["batches_per_geography"]))
        for g in range(len(GEOGRAPHIES))
    )
    batches: list[BatchPlan] = []
    numbers: dict[tuple[int, int], int] = {}
    for offset, g in starts:
        start = origin + dt.timedelta(days=offset)
        jitter = int(s["fresh_stage_jitter_days"])
        fresh_days = [
            int(d) + int(rng.integers(-jitter, jitter + 1)) for d in s["fresh_stage_days"]
        ]
        sea_days = int(rng.integers(s["sea_days"][0], s["sea_days"][1] + 1))
        rings = int(rng.integers(s["rings"][0], s["rings"][1] + 1))
        eggs = int(rng.integers(s["eggs"][0], s["eggs"][1] + 1))
        harvest_g = round(float(rng.uniform(*s["harvest_weight_g"])), 0)
        windows = []
        first = offset
        for days in [*fresh_days, sea_days]:
            windows.append((first, first + days))
            first += days
        stages: list[StagePlan] = []
        placed = _place_fresh(layout, occ, g, windows[:5], per_stage, offset // stagger)
        if not placed:
            raise ScheduleError(f"batch starting {start}: no free freshwater halls")
        sea = _place_sea(layout, occ, g, windows[5], rings, offset // stagger)
        if not sea:
            raise ScheduleError(f"batch starting {start}: no sea area with {rings} free rings")
        for stage_index, containers in enumerate([*placed, sea]):
            w_first, w_stop = windows[stage_index]
            stages.append(
                StagePlan(
                    stage=STAGES[stage_index],
                    start=origin + dt.timedelta(days=w_first),
                    days=w_stop - w_first,
                    containers=tuple(layout.names[c] for c in containers),
                )
            )
        key = (g, start.year)
        numbers[key] = numbers.get(key, 0) + 1
        batches.append(
            BatchPlan(
                number=f"{GEOGRAPHIES[g]['code']}-{start.year}-{numbers[key]:02d}",
                geography=GEOGRAPHIES[g]["name"],
                start_date=start,
                eggs=eggs,
                egg_weight_g=float(s["egg_weight_g"]),
                harvest_weight_g=harvest_g,
                stages=tuple(stages),
            )
        )
    schedule = Schedule(
        profile=profile.name,
        seed=seed,
        as_of=profile.as_of,
        layout=dict(s["layout"]),
        batches=tuple(batches),
    )
    validate(schedule)
    return schedule


def _place_fresh(
    layout: Layout, occ: Occupancy, g: int, windows: list[tuple[int, int]], k: int, turn: int
) -> list[list[int]]:
    n = layout.stations_per_geography
    order = [(turn + i) % n for i in range(n)]
    for station in order:
        picks = [
            _free_in(occ, layout.hall_containers(g, station, h), first, stop, k)
            for h, (first, stop) in enumerate(windows)
        ]
        if all(picks):
            for pick, (first, stop) in zip(picks, windows, strict=True):
                occ.take(pick, first, stop)
            return picks
    placed: list[list[int]] = []
    for h, (first, stop) in enumerate(windows):
        pick: list[int] = []
        for station in order:
            pick = _free_in(occ, layout.hall_containers(g, station, h), first, stop, k)
            if pick:
                break
        if not pick:
            return []
        occ.take(pick, first, stop)
        placed.append(pick)
    return placed


def _place_sea(
    layout: Layout, occ: Occupancy, g: int, window: tuple[int, int], rings: int, turn: int
) -> list[int]:
    n = layout.sea_areas_per_geography
    for i in range(n):
        area = (turn + i) % n
        pick = _free_in(occ, layout.area_rings(g, area), window[0], window[1], rings)
        if pick:
            occ.take(pick, *window)
            return pick
    return []

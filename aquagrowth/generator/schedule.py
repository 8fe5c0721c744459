"""The schedule: which batch is where, when. Read from and written to YAML.

A schedule is the plan a farm manager draws before any egg arrives: for every batch its
egg input and harvest target, and for every stage the first day, the number of days and
the containers (by name). Stages follow each other without a gap: a stage starts on the
day the previous one's fish are transferred (its ``start``). In the sea stage (Adult)
the rings are harvested one a day over the stage's last days, in the listed order.

Example::

    profile: demo
    seed: 1
    as_of: 2026-09-01
    layout: {stations_per_geography: 2, sea_areas_per_geography: 2, ...}
    perfect_records: true    # optional: pins the records (else the profile's choice)
    batches:
    - number: FO-2024-01
      geography: Faroe Islands
      start_date: 2024-03-04
      eggs: 3412345
      egg_weight_g: 0.1
      harvest_weight_g: 5480.0
      stages:
      - {stage: Egg&Alevin, start: 2024-03-04, days: 91, containers: [FO-S01-A-01, ...]}
      ...
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aquagrowth.generator.profile import STAGES


@dataclass(frozen=True)
class StagePlan:
    stage: str
    start: dt.date
    days: int
    containers: tuple[str, ...]

    @property
    def end(self) -> dt.date:
        """First day after the stage (the next stage's transfer day)."""
        return self.start + dt.timedelta(days=self.days)


@dataclass(frozen=True)
class BatchPlan:
    number: str
    geography: str
    start_date: dt.date
    eggs: int
    egg_weight_g: float
    harvest_weight_g: float
    stages: tuple[StagePlan, ...]


@dataclass(frozen=True)
class Schedule:
    profile: str
    seed: int
    as_of: dt.date
    layout: dict[str, int]
    batches: tuple[BatchPlan, ...] = field(default_factory=tuple)
    # True or False pins the farm's records (perfect or a real farm's); None: the profile's.
    perfect_records: bool | None = None


class ScheduleError(ValueError):
    """A schedule that cannot be built (names a batch and what is wrong)."""


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _optional_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"perfect_records must be true or false, not {value!r}")


def validate(schedule: Schedule) -> None:
    """Stages in order and back to back, and no container holding two batches at once."""
    stays: dict[str, list[tuple[dt.date, dt.date, str]]] = {}
    for batch in schedule.batches:
        names = [s.stage for s in batch.stages]
        if names != list(STAGES[: len(names)]) or not names:
            raise ScheduleError(f"{batch.number}: stages {names} are not in lifecycle order")
        if batch.stages[0].start != batch.start_date:
            raise ScheduleError(f"{batch.number}: first stage does not start on start_date")
        for prev, nxt in zip(batch.stages, batch.stages[1:], strict=False):
            if nxt.start != prev.end:
                raise ScheduleError(
                    f"{batch.number}: {nxt.stage} does not start when {prev.stage} ends"
                )
        for stage in batch.stages:
            if stage.days < 1 or not stage.containers:
                raise ScheduleError(f"{batch.number}: {stage.stage} needs days and containers")
            if stage.stage == "Adult" and stage.days < len(stage.containers):
                raise ScheduleError(f"{batch.number}: fewer sea days than rings to harvest")
            for name in stage.containers:
                stays.setdefault(name, []).append((stage.start, stage.end, batch.number))
    for name, intervals in stays.items():
        intervals.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(intervals):
            if start < end:
                raise ScheduleError(f"{name}: {first} and {second} overlap on {start}")


def to_yaml(schedule: Schedule, path: Path) -> None:
    document = {
        "profile": schedule.profile,
        "seed": schedule.seed,
        "as_of": schedule.as_of.isoformat(),
        "layout": dict(schedule.layout),
        **(
            {}
            if schedule.perfect_records is None
            else {"perfect_records": schedule.perfect_records}
        ),
        "batches": [
            {
                "number": b.number,
                "geography": b.geography,
                "start_date": b.start_date.isoformat(),
                "eggs": b.eggs,
                "egg_weight_g": b.egg_weight_g,
                "harvest_weight_g": b.harvest_weight_g,
                "stages": [
                    {
                        "stage": s.stage,
                        "start": s.start.isoformat(),
                        "days": s.days,
                        "containers": list(s.containers),
                    }
                    for s in b.stages
                ],
            }
            for b in schedule.batches
        ],
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=100))


def from_yaml(path: Path) -> Schedule:
    document = yaml.safe_load(Path(path).read_text())
    try:
        schedule = Schedule(
            profile=str(document["profile"]),
            seed=int(document.get("seed", 1)),
            as_of=_date(document["as_of"]),
            layout={k: int(v) for k, v in document["layout"].items()},
            perfect_records=_optional_bool(document.get("perfect_records")),
            batches=tuple(
                BatchPlan(
                    number=str(b["number"]),
                    geography=str(b["geography"]),
                    start_date=_date(b["start_date"]),
                    eggs=int(b["eggs"]),
                    egg_weight_g=float(b["egg_weight_g"]),
                    harvest_weight_g=float(b["harvest_weight_g"]),
                    stages=tuple(
                        StagePlan(
                            stage=str(s["stage"]),
                            start=_date(s["start"]),
                            days=int(s["days"]),
                            containers=tuple(str(c) for c in s["containers"]),
                        )
                        for s in b["stages"]
                    ),
                )
                for b in document["batches"]
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(f"{path}: not a schedule ({exc})") from exc
    validate(schedule)
    return schedule

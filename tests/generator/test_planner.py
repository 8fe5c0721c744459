"""The planner never puts two batches in one container at once, and places every stage
where it belongs (its hall, or sea rings of the batch's geography)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict

import pytest

from aquagrowth.generator.layout import build_layout
from aquagrowth.generator.planner import plan_schedule
from aquagrowth.generator.profile import GEOGRAPHIES, HALL_NAMES, from_settings, load_profile
from aquagrowth.generator.schedule import ScheduleError, from_yaml, to_yaml


@pytest.fixture(scope="module")
def seed_scale():
    return plan_schedule(load_profile("seed-scale"), seed=1)


def test_no_container_holds_two_batches_at_once(seed_scale):
    stays = defaultdict(list)
    for batch in seed_scale.batches:
        for stage in batch.stages:
            for name in stage.containers:
                stays[name].append((stage.start, stage.end, batch.number))
    clashes = []
    for name, intervals in stays.items():
        intervals.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(intervals):
            if start < end:
                clashes.append((name, first, second))
    assert not clashes
    assert sum(len(v) for v in stays.values()) > 7000


def test_seed_scale_has_its_size(seed_scale):
    by_geo = defaultdict(list)
    for batch in seed_scale.batches:
        by_geo[batch.geography].append(batch.start_date)
    assert {g: len(v) for g, v in by_geo.items()} == {g["name"]: 72 for g in GEOGRAPHIES}
    for starts in by_geo.values():
        gaps = {(b - a).days for a, b in itertools.pairwise(starts)}
        assert gaps == {13}


def test_stages_sit_in_their_halls_and_rings(seed_scale):
    layout = build_layout(seed_scale.layout)
    for batch in seed_scale.batches:
        code = next(g["code"] for g in GEOGRAPHIES if g["name"] == batch.geography)
        for order, stage in enumerate(batch.stages):
            for name in stage.containers:
                position = layout.index[name]
                assert name.startswith(code)
                if order < len(HALL_NAMES):
                    assert layout.hall[position] == order, (batch.number, stage.stage, name)
                else:
                    assert layout.sea_area[position] >= 0
        eggs_to_sea = [len(s.containers) for s in batch.stages]
        assert eggs_to_sea[:5] == [10] * 5 and 4 <= eggs_to_sea[5] <= 6


def test_schedule_round_trips_through_yaml(tmp_path):
    schedule = plan_schedule(load_profile("demo"), seed=3)
    path = tmp_path / "schedule.yaml"
    to_yaml(schedule, path)
    assert from_yaml(path) == schedule


def test_a_farm_too_small_for_its_batches_is_refused():
    crowded = load_profile("demo").settings | {"batches_per_geography": 40, "stagger_days": 5}
    with pytest.raises(ScheduleError):
        plan_schedule(from_settings(crowded), seed=1)


def test_a_hand_edited_overlap_is_refused(tmp_path):
    schedule = plan_schedule(load_profile("demo"), seed=1)
    first, second = schedule.batches[:2]
    assert second.stages[0].start < first.stages[0].end
    # The second batch's eggs put into the trays the first batch still uses.
    moved = dataclasses.replace(second.stages[0], containers=first.stages[0].containers)
    edited = dataclasses.replace(second, stages=(moved, *second.stages[1:]))
    path = tmp_path / "schedule.yaml"
    to_yaml(dataclasses.replace(schedule, batches=(first, edited, *schedule.batches[2:])), path)
    with pytest.raises(ScheduleError, match="overlap"):
        from_yaml(path)


def test_plan_command_takes_batches_and_stagger(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "plan.yaml"
    call_command("plan", str(path), profile="demo", batches=2, stagger=120, seed=4)
    schedule = from_yaml(path)
    assert len(schedule.batches) == 4
    starts = sorted(b.start_date for b in schedule.batches if b.geography == "Scotland")
    assert (starts[1] - starts[0]).days == 120
    assert schedule.profile == "demo"


def test_plan_command_fails_loudly_on_an_unknown_profile(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no profile"):
        call_command("plan", str(tmp_path / "x.yaml"), profile="nonesuch")

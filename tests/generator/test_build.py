"""A farm built into the database: deterministic, consistent with its truth, refused twice.

Uses the ``tiny`` profile (two short batches, one harvested, one still at sea at as-of),
so every check runs on SQLite and PostgreSQL in seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Max, Min, Sum

from aquagrowth.farm import models as m
from aquagrowth.generator.models import TrueDailyState
from aquagrowth.generator.profile import load_profile
from aquagrowth.generator.service import FarmNotEmpty, build_farm

AS_OF = load_profile("tiny").as_of


def _rounded(value: object) -> object:
    """Numbers to 6 significant digits: the last bits of a float depend on the machine's
    maths library (a new machine gave another checksum for the same farm), the farm does
    not."""
    if isinstance(value, (float, Decimal)):
        return f"{float(value):.6g}"
    return value


def farm_checksum() -> str:
    """SHA-256 over every generated row, with references spelled by natural keys and
    numbers rounded (``_rounded``)."""
    digest = hashlib.sha256()
    queries = [
        m.Batch.objects.values_list("number", "start_date", "status", "geography__name"),
        m.Assignment.objects.values_list(
            "batch__number",
            "container__name",
            "stage__name",
            "assignment_date",
            "departure_date",
            "population_count",
            "avg_weight_g",
        ),
        m.TransferAction.objects.values_list(
            "source_assignment__container__name",
            "dest_assignment__container__name",
            "execution_date",
            "transferred_count",
            "measured_avg_weight_g",
        ),
        m.MortalityEvent.objects.values_list(
            "assignment__container__name", "event_date", "count", "cause"
        ),
        m.FeedingEvent.objects.values_list(
            "container__name", "feeding_date", "feeding_time", "amount_kg", "feed_type"
        ),
        m.GrowthSample.objects.values_list(
            "assignment__container__name",
            "sample_date",
            "sample_size",
            "avg_weight_g",
            "std_weight_g",
        ),
        m.Harvest.objects.values_list(
            "assignment__container__name", "harvest_date", "count", "live_weight_kg"
        ),
        m.EnvironmentalReading.objects.values_list(
            "container__name", "parameter__code", "reading_time", "value"
        ),
        m.ScenarioStage.objects.values_list(
            "scenario__batch__number", "stage__name", "tgc", "fcr", "mortality_rate_per_day"
        ),
        m.TemperatureProfilePoint.objects.values_list(
            "scenario__batch__number", "day_number", "temp_c"
        ),
        TrueDailyState.objects.values_list(
            "assignment__container__name", "date", "population", "avg_weight_g"
        ),
    ]
    for query in queries:
        rows = sorted(query, key=repr)
        assert rows, f"{query.model.__name__}: no rows"
        for row in rows:
            digest.update(repr(tuple(_rounded(v) for v in row)).encode())
    return digest.hexdigest()


@pytest.fixture
def tiny(db):
    return build_farm("tiny", seed=1, progress=False)


def test_same_seed_same_farm_other_seed_other_farm(tiny):
    first = farm_checksum()
    build_farm("tiny", seed=1, progress=False, replace=True)
    assert farm_checksum() == first
    build_farm("tiny", seed=2, progress=False, replace=True)
    assert farm_checksum() != first


def test_summary_counts_what_is_in_the_database(tiny):
    assert tiny.rows["farm_environmentalreading"] == m.EnvironmentalReading.objects.count()
    assert tiny.rows["generator_truedailystate"] == TrueDailyState.objects.count()
    assert tiny.events == (
        m.FeedingEvent.objects.count()
        + m.MortalityEvent.objects.count()
        + m.GrowthSample.objects.count()
        + m.TransferAction.objects.count()
        + m.Harvest.objects.count()
        + m.EnvironmentalReading.objects.count()
    )


def test_one_batch_harvested_one_in_progress(tiny):
    statuses = dict(m.Batch.objects.values_list("number", "status"))
    assert sorted(statuses.values()) == ["active", "harvested"]
    active = m.Batch.objects.get(status="active")
    assert active.assignments.filter(departure_date__isnull=True).exists()
    assert (
        not m.Batch.objects.get(status="harvested")
        .assignments.filter(departure_date__isnull=True)
        .exists()
    )
    for batch in m.Batch.objects.all():
        assert batch.pinned_scenario.batch_id == batch.id
        assert batch.pinned_scenario.stages.count() == 6


def egg_input(batch: m.Batch) -> int:
    return batch.assignments.aggregate(n=Sum("population_count"))["n"]


def test_fish_at_harvest_are_the_eggs_minus_recorded_losses_exactly(tiny):
    for batch in m.Batch.objects.all():
        dead = m.MortalityEvent.objects.filter(batch=batch).aggregate(n=Sum("count"))["n"]
        harvested = m.Harvest.objects.filter(batch=batch).aggregate(n=Sum("count"))["n"] or 0
        still_there = (
            TrueDailyState.objects.filter(
                assignment__batch=batch, assignment__departure_date__isnull=True, date=AS_OF
            ).aggregate(n=Sum("population"))["n"]
            or 0
        )
        assert egg_input(batch) - dead == harvested + still_there, batch.number
        if batch.status == "harvested":
            assert still_there == 0 and harvested > 0


def test_truth_population_never_negative_and_weights_in_range(tiny):
    assert not TrueDailyState.objects.filter(population__lt=0).exists()
    for stage in m.LifecycleStage.objects.all():
        truth = TrueDailyState.objects.filter(assignment__stage=stage)
        if not truth.exists():
            continue
        last = truth.aggregate(d=Max("date"))["d"]
        heaviest = truth.filter(date=last).aggregate(w=Max("avg_weight_g"))["w"]
        assert heaviest >= stage.min_weight_g, stage.name


def day_range(assignment: m.Assignment) -> tuple[dt.date, dt.date]:
    """First and last day of an assignment as of the farm's as-of date."""
    last = assignment.departure_date - dt.timedelta(days=1) if assignment.departure_date else AS_OF
    return assignment.assignment_date, min(last, AS_OF)


def test_events_fall_within_their_assignments_and_not_after_as_of(tiny):
    ranges = {a.id: day_range(a) for a in m.Assignment.objects.all()}
    dated = [
        (m.MortalityEvent, "event_date"),
        (m.GrowthSample, "sample_date"),
        (m.Harvest, "harvest_date"),
    ]
    for model, field in dated:
        for assignment_id, day in model.objects.values_list("assignment_id", field):
            first, last = ranges[assignment_id]
            assert first <= day <= last, (model.__name__, assignment_id, day)
    stays = {}
    for a in m.Assignment.objects.all():
        stays.setdefault((a.batch_id, a.container_id), []).append(day_range(a))
    for batch_id, container_id, day in m.FeedingEvent.objects.values_list(
        "batch_id", "container_id", "feeding_date"
    ):
        assert any(f <= day <= t for f, t in stays[batch_id, container_id])
    latest = m.EnvironmentalReading.objects.aggregate(t=Max("reading_time"))["t"]
    assert latest.date() <= AS_OF
    earliest = m.EnvironmentalReading.objects.aggregate(t=Min("reading_time"))["t"]
    assert earliest.date() >= m.Batch.objects.aggregate(d=Min("start_date"))["d"]


def test_transfers_move_exactly_the_fish_there_were(tiny):
    transfers = m.TransferAction.objects.select_related("source_assignment", "dest_assignment")
    assert transfers.exists()
    by_source: dict[int, int] = {}
    for t in transfers:
        assert t.status == "COMPLETED" and t.selection_method == "AVERAGE"
        assert t.source_assignment.departure_date == t.execution_date
        assert t.dest_assignment.assignment_date == t.execution_date
        assert t.dest_assignment.population_count == 0 and t.dest_assignment.avg_weight_g is None
        by_source[t.source_assignment_id] = by_source.get(t.source_assignment_id, 0) + (
            t.transferred_count
        )
    for source_id, moved in by_source.items():
        source = m.Assignment.objects.get(id=source_id)
        last_day = TrueDailyState.objects.get(
            assignment=source, date=source.departure_date - dt.timedelta(days=1)
        )
        assert moved == last_day.population
    for dest in m.Assignment.objects.filter(transfers_in__isnull=False).distinct():
        placed = dest.transfers_in.aggregate(n=Sum("transferred_count"))["n"]
        first = TrueDailyState.objects.get(assignment=dest, date=dest.assignment_date)
        dead = (
            m.MortalityEvent.objects.filter(
                assignment=dest, event_date=dest.assignment_date
            ).aggregate(n=Sum("count"))["n"]
            or 0
        )
        assert first.population == placed - dead


def test_measured_transfer_weights_are_close_to_the_truth(tiny):
    weighed = m.TransferAction.objects.filter(measured_avg_weight_g__isnull=False)
    assert weighed.exists()
    for t in weighed:
        true_w = TrueDailyState.objects.get(
            assignment_id=t.source_assignment_id, date=t.execution_date - dt.timedelta(days=1)
        ).avg_weight_g
        assert t.measured_avg_weight_g == pytest.approx(true_w, rel=0.08)
        assert t.measured_avg_weight_g != true_w


def test_temperature_readings_have_noise_gaps_and_spikes(tiny):
    readings = m.EnvironmentalReading.objects.filter(parameter__code="temperature")
    assert readings.filter(value=99.9).exists()
    plausible = readings.filter(value__gte=-2, value__lte=35)
    assert plausible.count() >= 0.99 * readings.count()
    per_day: dict[tuple[int, dt.date], int] = {}
    for container_id, when in readings.values_list("container_id", "reading_time"):
        key = (container_id, when.date())
        per_day[key] = per_day.get(key, 0) + 1
    assert max(per_day.values()) == 6
    assert min(per_day.values()) < 6


def test_a_database_with_batches_is_refused(tiny):
    with pytest.raises(FarmNotEmpty):
        build_farm("tiny", seed=1, progress=False)
    with pytest.raises(CommandError, match="already holds"):
        call_command("generate", profile="tiny", no_progress=True)


def test_plan_then_generate_from_the_schedule_gives_the_profile_farm(db, tmp_path: Path):
    schedule = tmp_path / "tiny.yaml"
    call_command("plan", str(schedule), profile="tiny", seed=1)
    build_farm(schedule=schedule, seed=1, progress=False)
    from_schedule = farm_checksum()
    build_farm("tiny", seed=1, progress=False, replace=True)
    assert farm_checksum() == from_schedule


def test_the_build_leaves_indexes_and_keys_as_migrations_made_them(db):
    from aquagrowth.db.bulk import foreign_keys, secondary_indexes
    from aquagrowth.generator.service import HEAVY_TABLES

    before = secondary_indexes(HEAVY_TABLES)
    keys_before = foreign_keys(HEAVY_TABLES) if connection.vendor == "postgresql" else []
    build_farm("tiny", seed=1, progress=False)
    assert secondary_indexes(HEAVY_TABLES) == before
    assert any(name == "reading_cont_param_time" for name, _ in before)
    if connection.vendor == "postgresql":
        assert foreign_keys(HEAVY_TABLES) == keys_before and len(keys_before) >= 10

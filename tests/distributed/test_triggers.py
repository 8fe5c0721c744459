"""Saved events recompute their batch from the right day (tasks in-process, no broker).

Every test commits for real (``transaction=True``), so the commit callbacks fire as they
do in the admin or the API, and the recompute runs in this process before ``save``
returns. What a user sees is the RecomputeRun rows and the daily states.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from aquagrowth.distributed.dispatch import enqueue_recompute, recompute_farm_via_celery
from aquagrowth.distributed.tasks import recompute_batch_task, recompute_recent
from aquagrowth.engine.models import AnchorType, DailyState, RecomputeRun, RecomputeStatus
from aquagrowth.engine.runner import RecomputeOptions
from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests import farm_builder
from tests.distributed.farm import FISH, START, TRANSFER_DAY, build_transfer_batch

pytestmark = pytest.mark.django_db(transaction=True)


def runs(batch: m.Batch) -> list[RecomputeRun]:
    return list(RecomputeRun.objects.filter(batch=batch).order_by("started_at", "id"))


def sample(batch, assignment, day: dt.date, weight_g: float = 25.0) -> m.GrowthSample:
    return m.GrowthSample.objects.create(
        batch=batch, assignment=assignment, sample_date=day, sample_size=40, avg_weight_g=weight_g
    )


def weight_on(assignment: m.Assignment, day: dt.date) -> float:
    return DailyState.objects.get(assignment=assignment, date=day).avg_weight_g


def test_a_saved_growth_sample_recomputes_its_batch_from_the_sample_day(farm_batch, anchored_model):
    batch, parr, _ = farm_batch
    day = dt.date(2024, 2, 1)
    sample(batch, parr, day, weight_g=31.5)
    [run] = runs(batch)
    assert (run.trigger, run.since, run.status) == ("event", day, RecomputeStatus.OK)
    assert weight_on(parr, day) == pytest.approx(31.5)


def test_a_moved_event_recomputes_from_the_earlier_of_its_old_and_new_day(farm_batch):
    batch, parr, _ = farm_batch
    feb_10, jan_20, feb_20 = dt.date(2024, 2, 10), dt.date(2024, 1, 20), dt.date(2024, 2, 20)
    event = sample(batch, parr, feb_10)
    event.sample_date = jan_20
    event.save()
    event.sample_date = feb_20
    event.save()
    assert [r.since for r in runs(batch)] == [feb_10, jan_20, jan_20]
    anchor = DailyState.objects.filter(assignment=parr).values_list("anchor_type", flat=True)
    assert anchor.get(date=feb_20) == AnchorType.GROWTH_SAMPLE
    assert anchor.get(date=jan_20) == AnchorType.NONE


def test_a_deleted_event_recomputes_from_its_day(farm_batch):
    batch, parr, _ = farm_batch
    day = dt.date(2024, 2, 1)
    event = sample(batch, parr, day, weight_g=40.0)
    event.delete()
    assert [r.since for r in runs(batch)] == [day, day]
    assert weight_on(parr, day) != pytest.approx(40.0)


@pytest.mark.parametrize(
    "make_event",
    [
        lambda b, a, d: m.FeedingEvent(
            batch=b, container=a.container, feeding_date=d, amount_kg=3.0
        ),
        lambda b, a, d: m.MortalityEvent(batch=b, assignment=a, event_date=d, count=5),
        lambda b, a, d: m.Weighing(
            batch=b, assignment=a, weighing_date=d, fish_weighed=50, avg_weight_g=20.0
        ),
        lambda b, a, d: m.Harvest(
            batch=b, assignment=a, harvest_date=d, count=10, live_weight_kg=0.2
        ),
        lambda b, a, d: m.PopulationCount(
            batch=b, assignment=a, count_date=d, count=4900, method=m.CountMethod.COUNTER
        ),
    ],
    ids=["feeding", "mortality", "weighing", "harvest", "population count"],
)
def test_every_kind_of_event_triggers(farm_batch, make_event):
    batch, parr, _ = farm_batch
    day = dt.date(2024, 1, 15)
    make_event(batch, parr, day).save()
    assert [(r.since, r.status) for r in runs(batch)] == [(day, RecomputeStatus.OK)]


def test_a_deleted_population_count_recomputes_from_its_day(farm_batch):
    batch, parr, _ = farm_batch
    day = dt.date(2024, 1, 15)
    counted = m.PopulationCount.objects.create(
        batch=batch, assignment=parr, count_date=day, count=4900, method=m.CountMethod.ESTIMATE
    )
    counted.delete()
    assert [(r.since, r.status) for r in runs(batch)] == [(day, RecomputeStatus.OK)] * 2


def test_a_transfer_recomputes_the_source_and_the_destination(farm_batch):
    batch, parr, smolt = farm_batch
    with bulk_load():
        m.TransferAction.objects.filter(batch=batch).delete()
    assert not DailyState.objects.filter(assignment=smolt).exists()
    m.TransferAction.objects.create(
        batch=batch,
        source_assignment=parr,
        dest_assignment=smolt,
        execution_date=TRANSFER_DAY,
        transferred_count=FISH,
    )
    assert [r.since for r in runs(batch)] == [TRANSFER_DAY]
    # The parr pen's every fish, as counted (no deaths: the book agrees to the fish),
    # went into the smolt pen that day.
    first = DailyState.objects.get(assignment=smolt, date=TRANSFER_DAY)
    assert first.population + first.mortality_count + first.unexplained_fish == FISH


def test_many_events_in_one_transaction_recompute_once_from_the_earliest(farm_batch):
    batch, parr, _ = farm_batch
    days = [START + dt.timedelta(days=d) for d in range(50, 0, -1)]
    with transaction.atomic():
        for day in days:
            m.MortalityEvent.objects.create(batch=batch, assignment=parr, event_date=day, count=2)
    [run] = runs(batch)
    assert run.since == min(days)
    dead = sum(DailyState.objects.filter(assignment=parr).values_list("mortality_count", flat=True))
    assert dead == 2 * len(days)


def test_a_rolled_back_transaction_recomputes_nothing(farm_batch):
    batch, parr, _ = farm_batch
    with pytest.raises(RuntimeError), transaction.atomic():
        sample(batch, parr, dt.date(2024, 2, 1))
        raise RuntimeError("the import failed half-way")
    assert runs(batch) == []


def test_a_temperature_reading_recomputes_every_batch_in_its_container(
    farm_batch, species, stages, hall_containers
):
    batch, parr, _ = farm_batch
    tray = parr.container
    # A second batch moves into the tray two days after the first batch left it.
    with bulk_load():
        other = m.Batch.objects.create(number="FO-2024-02", species=species, start_date=START)
        m.Assignment.objects.create(
            batch=other,
            container=tray,
            stage=stages["Parr"],
            assignment_date=TRANSFER_DAY + dt.timedelta(days=2),
            population_count=500,
            avg_weight_g=5.0,
        )
    temperature = m.EnvironmentalParameter.objects.create(
        code="temperature", name="Water temperature", unit="degC"
    )
    oxygen = m.EnvironmentalParameter.objects.create(code="oxygen", name="Oxygen", unit="mg/L")
    when = dt.datetime(2024, 3, 4, 23, 30, tzinfo=dt.UTC)
    week_before = dt.date(2024, 2, 26)

    m.EnvironmentalReading.objects.create(
        container=tray, parameter=oxygen, reading_time=when, value=9.0
    )
    m.EnvironmentalReading.objects.create(
        container=hall_containers[2], parameter=temperature, reading_time=when, value=9.0
    )
    assert RecomputeRun.objects.count() == 0, "oxygen, or an empty tray, changes no state"

    m.EnvironmentalReading.objects.create(
        container=tray, parameter=temperature, reading_time=when, value=9.0
    )
    assert [(r.since, r.trigger) for r in runs(batch)] == [(week_before, "event")]
    assert [r.since for r in runs(other)] == [week_before]
    assert DailyState.objects.get(assignment__batch=other, date=when.date()).temp_c == 9.0


def test_bulk_load_and_the_environment_switch_turn_triggers_off(
    anchored_model, farm_batch, monkeypatch
):
    batch, parr, _ = farm_batch
    with bulk_load():
        sample(batch, parr, dt.date(2024, 2, 1))
    monkeypatch.setenv("AQUAGROWTH_TRIGGERS", "0")
    sample(batch, parr, dt.date(2024, 2, 2))
    assert runs(batch) == []
    # Bulk paths recompute explicitly once they are done.
    options = RecomputeOptions(since=dt.date(2024, 2, 1), trigger="api")
    task_id = enqueue_recompute(batch.pk, options)
    [run] = runs(batch)
    assert (run.task_id, run.trigger, run.status) == (task_id, "api", RecomputeStatus.OK)
    assert weight_on(parr, dt.date(2024, 2, 2)) == pytest.approx(25.0)


def test_a_farm_fanned_out_returns_each_batch_outcome_in_order(farm_batch, species):
    batch, _, _ = farm_batch
    with bulk_load():
        empty = m.Batch.objects.create(number="FO-EMPTY", species=species, start_date=START)
    outcomes = recompute_farm_via_celery([empty.pk, batch.pk], None, progress=False)
    assert [o.batch_id for o in outcomes] == [empty.pk, batch.pk]
    assert outcomes[1].status == "ok"
    assert outcomes[1].rows == DailyState.objects.filter(batch=batch).count() > 100
    assert outcomes[1].task_id == runs(batch)[-1].task_id


def test_the_nightly_sweep_recomputes_the_last_two_weeks_of_active_batches(farm_batch, species):
    batch, _, _ = farm_batch
    with bulk_load():
        closed = m.Batch.objects.create(
            number="FO-2019-01", species=species, start_date=START, status="closed"
        )
    assert recompute_recent.delay().get() == 1
    [run] = runs(batch)
    assert run.trigger == "beat"
    assert run.since == dt.date.today() - dt.timedelta(days=14)
    assert runs(closed) == []


def test_a_message_queued_by_the_previous_release_still_runs(farm_batch):
    """Messages already in the queue carry since, trigger and end only (ISO dates)."""
    batch, _, _ = farm_batch
    queued = {"batch_id": batch.pk, "since": "2024-02-01", "trigger": "event", "end": None}
    assert recompute_batch_task.apply(kwargs=queued).get()["status"] == "ok"
    [run] = runs(batch)
    assert (run.since, run.trigger, run.status) == (
        dt.date(2024, 2, 1),
        "event",
        RecomputeStatus.OK,
    )


def test_a_harvest_recomputes_the_other_active_batches_of_its_geography(species, stages):
    """A harvest's exact count teaches the farm's history an unrecorded loss rate, which
    the open stretches of the other active batches of its species and geography take."""
    trays = farm_builder.hall("S09", "B", [(f"S09-B-{i:02d}", "tray", 10) for i in range(8)])
    with bulk_load():
        harvested, parr, _ = build_transfer_batch(species, stages, trays[0:2], "FO-A")
        learning, *_ = build_transfer_batch(species, stages, trays[2:4], "FO-B")
        elsewhere, *_ = build_transfer_batch(species, stages, trays[4:6], "SC-C")
        scotland = m.Geography.objects.create(name="Scotland")
        m.Batch.objects.filter(pk=elsewhere.pk).update(geography=scotland)
        done, *_ = build_transfer_batch(species, stages, trays[6:8], "FO-D")
        m.Batch.objects.filter(pk=done.pk).update(status=m.BatchStatus.HARVESTED)
    m.Harvest.objects.create(
        batch=harvested,
        assignment=parr,
        harvest_date=dt.date(2024, 2, 1),
        count=10,
        live_weight_kg=1,
    )
    assert [r.since for r in runs(harvested)] == [dt.date(2024, 2, 1)]
    assert [(r.since, r.status) for r in runs(learning)] == [(None, RecomputeStatus.OK)]
    assert runs(elsewhere) == [] and runs(done) == []

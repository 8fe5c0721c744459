"""What must never be stored is refused by the database itself, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from aquagrowth.engine.models import (
    AnchorType,
    DailyState,
    FeedSource,
    MortalitySource,
    PopulationSource,
    TempSource,
    WeightSource,
)
from aquagrowth.farm import models as m

D = dt.date(2024, 1, 1)


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_departure_before_arrival_is_refused(batch, hall_containers, stages):
    assert refused(
        lambda: m.Assignment.objects.create(
            batch=batch,
            container=hall_containers[0],
            stage=stages["Egg&Alevin"],
            assignment_date=D,
            departure_date=D - dt.timedelta(days=1),
        )
    )
    # A stay of one day (departure the next day) is fine.
    m.Assignment.objects.create(
        batch=batch,
        container=hall_containers[0],
        stage=stages["Egg&Alevin"],
        assignment_date=D,
        departure_date=D + dt.timedelta(days=1),
    )


def test_batch_cannot_be_in_one_container_twice_at_once(batch, hall_containers, stages):
    container = hall_containers[0]
    m.Assignment.objects.create(
        batch=batch,
        container=container,
        stage=stages["Egg&Alevin"],
        assignment_date=D,
        departure_date=D + dt.timedelta(days=90),
    )
    # Overlapping stay in another stage: refused.
    assert refused(
        lambda: m.Assignment.objects.create(
            batch=batch,
            container=container,
            stage=stages["Fry"],
            assignment_date=D + dt.timedelta(days=30),
            departure_date=D + dt.timedelta(days=120),
        )
    )
    # An open stay overlapping it: refused.
    assert refused(
        lambda: m.Assignment.objects.create(
            batch=batch,
            container=container,
            stage=stages["Fry"],
            assignment_date=D + dt.timedelta(days=89),
        )
    )
    # Arriving on the departure day (departure is exclusive): allowed.
    m.Assignment.objects.create(
        batch=batch,
        container=container,
        stage=stages["Fry"],
        assignment_date=D + dt.timedelta(days=90),
    )


def test_negative_counts_and_weights_are_refused(batch, hall_containers, stages):
    a = m.Assignment.objects.create(
        batch=batch,
        container=hall_containers[0],
        stage=stages["Egg&Alevin"],
        assignment_date=D,
        population_count=1000,
        avg_weight_g=0.1,
    )
    assert refused(
        lambda: m.MortalityEvent.objects.create(batch=batch, assignment=a, event_date=D, count=-1)
    )
    assert refused(
        lambda: m.FeedingEvent.objects.create(
            batch=batch, container=hall_containers[0], feeding_date=D, amount_kg=-0.5
        )
    )
    assert refused(
        lambda: m.GrowthSample.objects.create(
            batch=batch, assignment=a, sample_date=D, sample_size=30, avg_weight_g=-2
        )
    )
    assert refused(
        lambda: m.GrowthSample.objects.create(
            batch=batch, assignment=a, sample_date=D, sample_size=0, avg_weight_g=2
        )
    )
    assert refused(
        lambda: m.Harvest.objects.create(
            batch=batch, assignment=a, harvest_date=D, count=-5, live_weight_kg=10
        )
    )
    assert refused(
        lambda: m.Assignment.objects.create(
            batch=batch,
            container=hall_containers[1],
            stage=stages["Egg&Alevin"],
            assignment_date=D,
            population_count=-3,
        )
    )
    assert refused(
        lambda: m.Assignment.objects.create(
            batch=batch,
            container=hall_containers[2],
            stage=stages["Egg&Alevin"],
            assignment_date=D,
            avg_weight_g=0,
        )
    )
    # The valid twins of those rows are stored.
    m.MortalityEvent.objects.create(batch=batch, assignment=a, event_date=D, count=3)
    assert m.MortalityEvent.objects.get().count == 3


def test_transfer_to_itself_is_refused(batch, hall_containers, stages):
    a = m.Assignment.objects.create(
        batch=batch, container=hall_containers[0], stage=stages["Egg&Alevin"], assignment_date=D
    )
    assert refused(
        lambda: m.TransferAction.objects.create(
            batch=batch,
            source_assignment=a,
            dest_assignment=a,
            execution_date=D,
            transferred_count=10,
        )
    )


def test_one_daily_state_per_assignment_and_day(batch, hall_containers, stages):
    from django.utils import timezone

    a = m.Assignment.objects.create(
        batch=batch, container=hall_containers[0], stage=stages["Egg&Alevin"], assignment_date=D
    )
    row = dict(
        assignment=a,
        batch=batch,
        container=hall_containers[0],
        stage=stages["Egg&Alevin"],
        date=D,
        day_number=1,
        population=10,
        avg_weight_g=0.1,
        biomass_kg=0.001,
        temp_c=8.0,
        mortality_count=0,
        feed_kg=0,
        growth_kg=0,
        anchor_type=AnchorType.NONE,
        weight_source=WeightSource.MEASURED,
        weight_confidence=0.9,
        temp_source=TempSource.MEASURED,
        temp_confidence=1.0,
        mortality_source=MortalitySource.MODEL,
        mortality_confidence=0.4,
        feed_source=FeedSource.NONE,
        feed_confidence=0.5,
        population_source=PopulationSource.BOOK,
        population_variance=0.0,
        population_confidence=1.0,
        unexplained_fish=0,
        computed_at=timezone.now(),
    )
    DailyState.objects.create(**row)
    assert refused(lambda: DailyState.objects.create(**row))
    assert refused(
        lambda: DailyState.objects.create(
            **{**row, "date": D + dt.timedelta(days=1), "population": -1}
        )
    )


def test_stage_weight_range_must_be_ordered(species):
    assert refused(
        lambda: m.LifecycleStage.objects.create(
            species=species, name="Broodstock", order=7, min_weight_g=8000, max_weight_g=7000
        )
    )

"""The recompute runner against a real database: rows, idempotence, queries, windows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aquagrowth.engine import runner
from aquagrowth.engine.models import AnchorType, DailyState, RecomputeRun, StayClose, StaySummary
from aquagrowth.engine.runner import recompute_batch
from aquagrowth.farm import models as m
from tests.recompute.conftest import START, TODAY, build_batch

STATE_FIELDS = [
    "assignment",
    "date",
    *(
        f.name
        for f in DailyState._meta.get_fields()
        if f.concrete and f.name not in ("id", "assignment", "date", "computed_at")
    ),
]
"""Every stored column but the row's id and time, the key (assignment, date) first."""


def stored(batch) -> list[tuple]:
    return list(
        DailyState.objects.filter(batch=batch)
        .order_by("assignment_id", "date")
        .values_list(*STATE_FIELDS)
    )


def test_rows_cover_every_assignment_day_and_fish_are_never_doubled(small_batch):
    # The anchored model: its curve passes through the weighed transfer (the smoothed
    # model weighs it with the other records: tests/engine/test_smoother.py).
    settings = m.FarmSettings.current()
    settings.weight_model = "anchored"
    settings.save()
    result = recompute_batch(small_batch.id, today=TODAY)
    assert result.ok, result.error
    egg, *fry = small_batch.assignments.order_by("assignment_date", "id")
    for a in [egg, *fry]:
        days = (a.departure_date - a.assignment_date).days
        assert DailyState.objects.filter(assignment=a).count() == days
    move = fry[0].assignment_date
    last_egg = DailyState.objects.get(assignment=egg, date=move - dt.timedelta(days=1))
    first_fry = DailyState.objects.filter(assignment__in=fry, date=move)
    # Every fish of the egg tray went on, none was counted twice (the replaced engine
    # doubled the population here: pre-filled destination plus placements).
    moved = sum(s.population + s.mortality_count + s.unexplained_fish for s in first_fry)
    assert moved == last_egg.population
    # The weighed transfer anchors the egg curve: its last day ends at the measured weight.
    assert last_egg.avg_weight_g == 0.35
    assert last_egg.anchor_type == AnchorType.TRANSFER
    assert result.rows == DailyState.objects.filter(batch=small_batch).count()
    assert any("temperature readings outside" in f for f in result.findings)
    run = RecomputeRun.objects.get(batch=small_batch)
    assert run.status == "ok" and run.rows == result.rows


def test_recompute_twice_gives_identical_rows(small_batch):
    recompute_batch(small_batch.id, today=TODAY)
    first = stored(small_batch)
    recompute_batch(small_batch.id, today=TODAY)
    assert stored(small_batch) == first


def test_queries_do_not_grow_with_days_or_containers(stages, fry_containers):
    short = build_batch("SC-SHORT", stages, fry_containers[:3], days_egg=20, days_fry=20)
    long = build_batch("SC-LONG", stages, fry_containers[3:], days_egg=60, days_fry=90)
    counts = []
    for batch in (short, long):
        with CaptureQueriesContext(connection) as ctx:
            recompute_batch(batch.id, today=TODAY)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # Load (with the population counts and the farm's history), compute, store (with the
    # stays' summaries) and record the run, under the batch's lock (PostgreSQL: its wait
    # limit set, the lock, the limit reset, the unlock), with the farm's weight model and
    # the smoother's fit (one query each).
    assert counts[0] <= (34 if connection.vendor == "postgresql" else 30)


@pytest.mark.parametrize("weight_model", ["anchored", "smoothed"])
def test_incremental_recompute_equals_full(small_batch, weight_model):
    # In the smoothed model a new sample moves every day of its stay, back to the stay's
    # opening, and the stays downstream; the window (whole stays from the change on) holds.
    settings = m.FarmSettings.current()
    settings.weight_model = weight_model
    settings.save()
    recompute_batch(small_batch.id, today=TODAY)
    fry = small_batch.assignments.order_by("assignment_date", "id")[1]
    day = fry.assignment_date + dt.timedelta(days=24)
    m.GrowthSample.objects.create(
        batch=small_batch,
        assignment=fry,
        sample_date=day,
        sample_size=30,
        avg_weight_g=0.9,
    )
    m.MortalityEvent.objects.create(batch=small_batch, assignment=fry, event_date=day, count=40)
    date_at = STATE_FIELDS.index("date")
    before = {(r[0], r[date_at]): r for r in stored(small_batch)}
    result = recompute_batch(small_batch.id, since=day, today=TODAY)
    assert result.ok and 0 < result.rows < len(before)
    incremental = stored(small_batch)
    recompute_batch(small_batch.id, today=TODAY)
    assert incremental == stored(small_batch)
    changed = [r for r in incremental if before[(r[0], r[date_at])] != r]
    # The new sample re-fits the curve back to the previous anchor (anchored) or moves the
    # stay's estimate back to its opening (smoothed): rows before it change.
    assert changed and min(r[date_at] for r in changed) < day
    low_at = STATE_FIELDS.index("weight_low_g")
    banded = [r[low_at] is not None for r in incremental]
    assert all(banded) if weight_model == "smoothed" else not any(banded)


def test_a_failing_batch_is_named_and_stored_and_the_others_go_on(small_batch, stages):
    from aquagrowth.engine.runner import recompute_batches

    trout = m.Species.objects.create(name="Rainbow trout")
    alien = m.LifecycleStage.objects.create(
        species=trout, name="Fry", order=1, min_weight_g=0.1, max_weight_g=5
    )
    broken = m.Batch.objects.create(number="BROKEN", species=small_batch.species, start_date=START)
    m.Assignment.objects.create(
        batch=broken,
        container=small_batch.assignments.first().container,
        stage=alien,
        assignment_date=START,
        population_count=10,
        avg_weight_g=1.0,
    )
    results = {r.number: r for r in recompute_batches([broken.id, small_batch.id])}
    assert results["SC-2024-01"].ok and results["SC-2024-01"].rows > 0
    assert "not one of Atlantic salmon's stages" in results["BROKEN"].error
    run = RecomputeRun.objects.get(batch=broken)
    assert run.status == "failed" and "BROKEN" in run.error


def test_an_unchanged_batch_writes_nothing_and_a_change_rewrites_only_what_it_moved(
    small_batch,
):
    first = recompute_batch(small_batch.id, today=TODAY)
    assert first.written == first.rows > 0
    before = stored(small_batch)

    again = recompute_batch(small_batch.id, today=TODAY)
    assert again.ok and again.rows == first.rows and again.written == 0
    assert stored(small_batch) == before

    *_, fry_b = small_batch.assignments.order_by("assignment_date", "id")
    m.MortalityEvent.objects.create(
        batch=small_batch, assignment=fry_b, event_date=fry_b.assignment_date, count=500
    )
    changed = recompute_batch(small_batch.id, today=TODAY)
    rows_b = DailyState.objects.filter(assignment=fry_b).count()
    # Only the tank that lost fish is rewritten; the egg tray and the other tank are not.
    assert changed.written == rows_b
    after = stored(small_batch)
    assert [r for r in after if r[0] != fry_b.id] == [r for r in before if r[0] != fry_b.id]

    forced = recompute_batch(small_batch.id, today=TODAY, force=True)
    assert forced.written == forced.rows
    assert stored(small_batch) == after

    # Rows removed behind the engine's back come back, fingerprint or not.
    DailyState.objects.filter(assignment=fry_b).delete()
    restored = recompute_batch(small_batch.id, today=TODAY)
    assert restored.written == rows_b
    assert stored(small_batch) == after


def test_verify_names_missing_days_and_finds_no_doubling(small_batch):
    from aquagrowth.engine.verify import verify

    recompute_batch(small_batch.id, today=TODAY)
    clean = verify([small_batch.id], end=TODAY)
    assert clean.ok and clean.states == DailyState.objects.filter(batch=small_batch).count()
    assert not clean.population_increases and not clean.weight_spikes
    assert clean.accuracy == []  # no ground truth for a farm built by hand

    fry = small_batch.assignments.order_by("assignment_date", "id")[1]
    DailyState.objects.filter(assignment=fry, date=fry.assignment_date).delete()
    broken = verify([small_batch.id], end=TODAY)
    assert not broken.ok
    # Named as the farm names a stay: its batch, its container and its dates.
    assert broken.missing_days == [
        f"batch {small_batch.number} in {fry.container.name} from 2024-02-10 to 2024-04-09: "
        f"59 rows for 60 days (assignment {fry.id})"
    ]


def test_verify_scores_the_states_against_the_truth_of_the_batches_asked_for(
    stages, fry_containers
):
    """verify's accuracy: each stage's error is the one built into the truth, days without
    truth or without fish in it do not count, and other batches stay out."""
    from aquagrowth.engine.verify import verify
    from aquagrowth.generator.models import TrueDailyState

    scored = build_batch("SC-SCORED", stages, fry_containers[:3])
    other = build_batch("SC-OTHER", stages, fry_containers[3:])
    for batch in (scored, other):
        recompute_batch(batch.id, today=TODAY)
    # Estimate / truth per stage: the egg tray weighs 2 % more than its truth, the fry
    # 5 % less; the other batch is 50 % off.
    off = {
        (scored.id, "Egg&Alevin"): 1.02,
        (scored.id, "Fry"): 0.95,
        (other.id, "Egg&Alevin"): 1.5,
        (other.id, "Fry"): 1.5,
    }
    states = DailyState.objects.filter(avg_weight_g__isnull=False).order_by("assignment_id", "date")
    truth = [
        TrueDailyState(
            batch_id=s.batch_id,
            assignment_id=s.assignment_id,
            date=s.date,
            population=s.population,
            avg_weight_g=s.avg_weight_g / off[s.batch_id, s.stage.name],
        )
        for s in states.select_related("stage")
    ]
    egg, fry, *_ = scored.assignments.order_by("assignment_date", "id")
    no_truth = (egg.id, egg.departure_date - dt.timedelta(days=1))
    truth = [t for t in truth if (t.assignment_id, t.date) != no_truth]
    no_fish = next(t for t in truth if t.assignment_id == fry.id)
    no_fish.population = 0
    TrueDailyState.objects.bulk_create(truth)

    result = verify([scored.id], end=TODAY)
    assert [s.stage for s in result.accuracy] == ["Egg&Alevin", "Fry"]
    egg_error, fry_error = result.accuracy
    # The fry tanks depart with no record of where their fish went: their last days hold
    # none (reconciled), and days without fish do not count either.
    with_fish = states.filter(population__gt=0)
    assert egg_error.rows == with_fish.filter(assignment=egg).count() - 1
    assert fry_error.rows == with_fish.filter(batch=scored, stage__name="Fry").count() - 1
    for error, pct in ((egg_error, 2.0), (fry_error, 5.0)):
        assert error.weight_median_pct == pytest.approx(pct)
        assert error.weight_p95_pct == pytest.approx(pct)
        assert error.population_p95_pct == 0.0
        assert error.biomass_median_pct == pytest.approx(pct)
    assert result.overall.rows == egg_error.rows + fry_error.rows
    assert result.overall.weight_p95_pct == pytest.approx(5.0)

    everything = verify(end=TODAY)
    assert everything.overall.rows == result.overall.rows + with_fish.filter(batch=other).count()
    assert everything.overall.weight_p95_pct == pytest.approx(50.0)


def test_a_large_recompute_leaves_the_planner_knowing_the_table_size(small_batch, monkeypatch):
    """Without fresh statistics PostgreSQL plans the next reads for an empty table."""
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    monkeypatch.setattr(runner, "ANALYZE_AFTER_ROWS", 1)
    results = list(runner.recompute_batches([small_batch.id], end=TODAY))
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'farm_dailystate'")
        known = cursor.fetchone()[0]
    assert known == results[0].written == DailyState.objects.count() > 0


def test_a_small_farm_first_computation_also_leaves_the_planner_knowing_it(small_batch):
    """Far fewer rows than a large run, but all the table holds: the planner must know."""
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE farm_dailystate")  # the planner now believes it empty
    results = list(runner.recompute_batches([small_batch.id], end=TODAY))
    assert 0 < results[0].written < runner.ANALYZE_AFTER_ROWS
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'farm_dailystate'")
        assert cursor.fetchone()[0] == results[0].written


def test_rows_of_days_an_assignment_no_longer_covers_are_deleted(small_batch):
    def days_of(assignment) -> list[dt.date]:
        return list(
            DailyState.objects.filter(assignment=assignment)
            .order_by("date")
            .values_list("date", flat=True)
        )

    def covered(first: dt.date, stop: dt.date) -> list[dt.date]:
        return [first + dt.timedelta(days=i) for i in range((stop - first).days)]

    recompute_batch(small_batch.id, today=TODAY)
    *_, last = small_batch.assignments.order_by("assignment_date", "id")
    first, stop = last.assignment_date, last.departure_date

    # The stay ends four days earlier: fewer rows.
    stop -= dt.timedelta(days=4)
    m.Assignment.objects.filter(pk=last.pk).update(departure_date=stop)
    recompute_batch(small_batch.id, today=TODAY)
    assert days_of(last) == covered(first, stop)

    # The same number of days, three later: as many rows, not the same ones.
    first, stop = first + dt.timedelta(days=3), stop + dt.timedelta(days=3)
    m.Assignment.objects.filter(pk=last.pk).update(assignment_date=first, departure_date=stop)
    recompute_batch(small_batch.id, today=TODAY)
    assert days_of(last) == covered(first, stop)


def test_rows_written_together_share_a_computed_at_the_orm_reads_and_filters_on(small_batch):
    """Stored as Django stores a datetime (on SQLite: UTC text without offset), to the
    microsecond, so the ORM reads it back and finds the rows by it; unchanged rows keep
    theirs."""
    before = timezone.now()
    first = recompute_batch(small_batch.id, today=TODAY)
    after = timezone.now()
    stamps = set(DailyState.objects.filter(batch=small_batch).values_list("computed_at", flat=True))
    assert len(stamps) == 1
    (stamp,) = stamps
    assert before <= stamp <= after and stamp.utcoffset() == dt.timedelta(0)
    assert DailyState.objects.filter(computed_at=stamp).count() == first.written
    assert DailyState.objects.filter(computed_at__gte=before, computed_at__lte=after).count() == (
        first.written
    )
    recompute_batch(small_batch.id, today=TODAY)
    assert set(DailyState.objects.values_list("computed_at", flat=True)) == {stamp}


def test_a_harvest_closes_its_stay_and_the_summary_holds_the_unexplained_loss(small_batch):
    """The stay's summary, what the farm's history and the loss report read: a harvest
    that empties a pen counts its fish exactly, so the fish the book still held are the
    stay's unexplained loss; a second recompute replaces the summary, never adds one."""

    egg, first, other = small_batch.assignments.order_by("assignment_date", "id")
    last_day = first.departure_date - dt.timedelta(days=1)
    m.Harvest.objects.create(
        batch=small_batch,
        assignment=first,
        harvest_date=last_day,
        count=8_000,
        live_weight_kg=8_000 * 0.9 / 1000,
    )
    for _ in range(2):
        assert recompute_batch(small_batch.id, today=TODAY, force=True).ok
    summary = StaySummary.objects.get(assignment=first)
    assert StaySummary.objects.filter(assignment__batch=small_batch).count() == 3
    assert (summary.closed_by, summary.closed_on) == (StayClose.HARVEST, last_day)
    # The tray's counts (9,000 + 12,000) exceed what it held: its fish went on in
    # proportion to the counts, and each fry tank was stocked with its share.
    tray_end = DailyState.objects.filter(assignment=egg).order_by("date").last().population
    second = StaySummary.objects.get(assignment=other)
    assert summary.stocked_fish + second.stocked_fish == tray_end
    assert summary.stocked_fish == pytest.approx(tray_end * 9 / 21, abs=1)
    # Deaths: the records, then the scenario's rate on the last day, which has none.
    dead = sum(
        DailyState.objects.filter(assignment=first).values_list("mortality_count", flat=True)
    )
    assert summary.unexplained_fish == summary.stocked_fish - dead - 8_000 > 0
    assert summary.mortality_through == last_day - dt.timedelta(days=1)
    assert summary.feed_through == last_day
    assert DailyState.objects.get(assignment=first, date=last_day).population == 0


def test_the_summary_statement_writes_every_column_of_the_model():
    """The summaries are written by plain SQL for speed: a field added to the model and
    not to the statement would silently stay at its default."""
    from aquagrowth.engine.store.summaries import SUMMARY_COLUMNS

    assert tuple(f.column for f in StaySummary._meta.concrete_fields) == SUMMARY_COLUMNS


def test_a_farms_first_computation_gives_the_numbers_of_its_second(stages, fry_containers):
    """The farm's history (the unexplained loss of harvested pens) is read from stored
    summaries: computed in any order, or in parallel, a pen still at sea must get the
    loss rate its harvested neighbours teach on the first run, not only on the next."""
    harvested = build_batch("SC-2024-01", stages, fry_containers[:3])
    at_sea = build_batch("SC-2024-02", stages, fry_containers[3:])
    _, pen, _ = harvested.assignments.order_by("assignment_date", "id")
    m.Harvest.objects.create(
        batch=harvested,
        assignment=pen,
        harvest_date=pen.departure_date - dt.timedelta(days=1),
        count=7_000,
        live_weight_kg=7_000 * 0.9 / 1000,
    )
    at_sea.assignments.filter(stage=stages["Fry"]).update(departure_date=None)
    # The open batch first, as a parallel run might take it.
    first = list(runner.recompute_batches([at_sea.id, harvested.id], today=TODAY, end=TODAY))
    assert sorted(r.batch_id for r in first) == sorted([at_sea.id, harvested.id])
    assert all(r.ok for r in first)
    rows = stored(at_sea)
    assert any(row[STATE_FIELDS.index("unexplained_fish")] for row in rows), "history applied"
    again = list(runner.recompute_batches([at_sea.id], today=TODAY, end=TODAY))
    assert again[0].written == 0
    assert stored(at_sea) == rows

"""Read one batch's records as the engine core's arrays, in a constant number of queries.

Every event kind is aggregated per day in SQL (one query each, whatever the number of
days or containers; on PostgreSQL the event kinds in one round trip, feed and
temperature in another), so a batch of 800 days and 60 assignments costs the same dozen
queries as a batch of one week. The replaced engine made about 40,000.

The loader judges nothing: every record of the batch goes to the core, whose validation
is the one place that reports bad input. A record that names an assignment of another
batch, or a feeding in a container the batch never used, is passed on with position
``OTHER`` and the database id it names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from django.db import connection

from aquagrowth.db.read import columns, fetch, read_column_sets
from aquagrowth.engine.core import inputs as core
from aquagrowth.engine.core.temperature import INTERPOLATION_REACH_DAYS
from aquagrowth.engine.history import learned_loss_rates
from aquagrowth.engine.scenario import StageTable, read_scenario, read_stages
from aquagrowth.engine.weight_fit import current_smoother_params
from aquagrowth.farm.models import Batch, FarmSettings, TransferStatus
from aquagrowth.farm.models.environment import VALID_TEMPERATURE_C
from aquagrowth.farm.models.events import SelectionMethod

_SELECTION = {
    SelectionMethod.AVERAGE: core.SELECTION_AVERAGE,
    SelectionMethod.LARGEST: core.SELECTION_LARGEST,
    SelectionMethod.SMALLEST: core.SELECTION_SMALLEST,
}

_DAY_EVENTS = {
    "mortality": (
        "SELECT assignment_id, {day}, SUM(count), CAST(0 AS DOUBLE PRECISION), MIN(id) "
        "FROM farm_mortalityevent WHERE batch_id = %s GROUP BY 1, 2",
        "event_date",
    ),
    "samples": (
        "SELECT assignment_id, {day}, SUM(sample_size), SUM(sample_size * avg_weight_g), "
        "MIN(id), "
        "CAST(COALESCE(SUM(sample_size * std_weight_g * std_weight_g), 0) AS DOUBLE PRECISION), "
        "CAST(COALESCE(SUM(CASE WHEN std_weight_g IS NULL "
        "THEN sample_size * avg_weight_g * avg_weight_g END), 0) AS DOUBLE PRECISION) "
        "FROM farm_growthsample WHERE batch_id = %s GROUP BY 1, 2",
        "sample_date",
    ),
    "weighings": (
        "SELECT assignment_id, {day}, SUM(fish_weighed), SUM(fish_weighed * avg_weight_g), "
        "MIN(id) FROM farm_weighing WHERE batch_id = %s GROUP BY 1, 2",
        "weighing_date",
    ),
    "harvests": (
        "SELECT assignment_id, {day}, SUM(count), SUM(live_weight_kg), MIN(id) "
        "FROM farm_harvest WHERE batch_id = %s GROUP BY 1, 2",
        "harvest_date",
    ),
}
"""Per-day sums of each event kind, by the ``BatchInputs`` field they fill: (SQL with
``{day}`` for the day index, the event's date column). Columns: assignment, day, fish,
amount (g weighed, or live kg), smallest record id; samples add the two sums of their
spread."""
_EVENT_TYPES = (np.int64, np.int64, np.int64, np.float64, np.int64)
_SPREAD_TYPES = (np.float64, np.float64)


@dataclass
class LoadedBatch:
    """A batch's arrays plus what the store needs to write rows back."""

    inputs: core.BatchInputs
    number: str
    start_date: dt.date
    stage_ids: np.ndarray
    species_id: int = 0
    geography_id: int | None = None
    """The batch's species and geography: whose harvests teach its history."""
    weight_model: str = "anchored"
    """The farm's setting ``weight_model`` when the batch was read (docs/settings.md)."""

    @property
    def batch_id(self) -> int:
        return self.inputs.batch_id


class Stay(NamedTuple):
    """One assignment of the batch as stored (its opening state is an egg input's)."""

    id: int
    container_id: int
    container__name: str
    stage_id: int
    assignment_date: dt.date
    departure_date: dt.date | None
    population_count: int
    avg_weight_g: float | None


class _Span(NamedTuple):
    """The days computed: ``n_days`` from the start, each stay's first and stop day."""

    n_days: int
    first: np.ndarray
    stop: np.ndarray


def _days(column: str) -> str:
    """SQL for the whole days from the batch start (parameter) to a DATE column."""
    if connection.vendor == "postgresql":
        return f"({column} - %s::date)"
    return f"CAST(julianday({column}) - julianday(%s) AS INTEGER)"


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each of ``wanted`` in the sorted-or-not ``ids``; ``OTHER`` if absent."""
    if len(ids) == 0:
        return np.full(len(wanted), core.OTHER, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    at = np.clip(np.searchsorted(ids[order], wanted), 0, len(ids) - 1)
    return np.where(ids[order][at] == wanted, order[at], core.OTHER).astype(np.int64)


def load_batch(
    batch_id: int,
    *,
    end: dt.date | None = None,
    today: dt.date | None = None,
    history_before: dt.date | None = None,
) -> LoadedBatch:
    """Read batch ``batch_id`` for the days from its start to ``end`` (default today).

    The computation never runs past the batch's last day (its latest departure minus one
    when every assignment has departed). The farm's history (the expected unrecorded loss
    of open stretches) is learned from stays a harvest closed before ``history_before``
    (default: after the last day computed).
    """
    today = today or dt.date.today()
    batch = Batch.objects.select_related("species").get(pk=batch_id)
    start = batch.start_date
    stays = [
        Stay(*row)
        for row in batch.assignments.order_by("assignment_date", "id").values_list(*Stay._fields)
    ]
    stages = read_stages(batch.species_id)
    scenario = read_scenario(batch, stages).scenario
    stage_of = _stage_positions(batch, stays, stages)
    span = _span(start, stays, end or today)
    assignment_ids = np.array([s.id for s in stays], dtype=np.int64)
    container_ids = np.array(sorted({s.container_id for s in stays}), dtype=np.int64)
    events = _day_events(start, batch_id, assignment_ids)
    feed, temperature = _container_days(start, batch_id, span, stays, container_ids)
    last_day = start + dt.timedelta(days=span.n_days)
    inputs = core.BatchInputs(
        batch_id=batch_id,
        n_days=span.n_days,
        today_day=(today - start).days,
        stage_names=stages.name,
        stage_max_weight_g=stages.max_weight_g,
        assignment_id=assignment_ids,
        assignment_container=_positions(container_ids, _column(stays, "container_id")),
        assignment_stage=stage_of,
        assignment_first_day=span.first,
        assignment_stop_day=span.stop,
        assignment_opening_population=_column(stays, "population_count"),
        assignment_opening_weight_g=np.array(
            [np.nan if s.avg_weight_g is None else s.avg_weight_g for s in stays],
            dtype=np.float64,
        ),
        container_ids=container_ids,
        scenario=scenario,
        transfers=_transfers(start, batch_id, assignment_ids),
        **events,
        feed=feed,
        temperature=temperature,
        start_date=start,
        valid_temp_range_c=VALID_TEMPERATURE_C,
        batch_number=batch.number,
        counts=_counts(start, batch_id, assignment_ids),
        container_names=_container_names(stays, container_ids),
        assignment_departed=np.array(
            [s.departure_date is not None and s.departure_date <= last_day for s in stays],
            dtype=bool,
        ),
        hidden_loss_rate_by_stage=learned_loss_rates(batch, stages, history_before or last_day),
        smoother_params=current_smoother_params(),
    )
    return LoadedBatch(
        inputs=inputs,
        number=batch.number,
        start_date=start,
        stage_ids=stages.id,
        species_id=batch.species_id,
        geography_id=batch.geography_id,
        weight_model=farm_weight_model(),
    )


def farm_weight_model() -> str:
    """The farm's ``weight_model`` setting, read without making the settings' row (a read
    is one query whether or not a manager ever saved the settings)."""
    stored = FarmSettings.objects.filter(pk=1).values_list("weight_model", flat=True).first()
    return stored or FarmSettings._meta.get_field("weight_model").default


def _container_names(stays: list[Stay], container_ids: np.ndarray) -> tuple[str, ...]:
    """Each container position's name, as findings name it."""
    name = {s.container_id: s.container__name for s in stays}
    return tuple(name[int(c)] for c in container_ids)


def _counts(start: dt.date, batch_id: int, assignment_ids: np.ndarray) -> core.Counts:
    """The batch's population counts, one per record (bad ones too: the core judges)."""
    rows = fetch(
        f"SELECT id, assignment_id, {_days('count_date')}, count, method, precision_pct "
        "FROM farm_populationcount WHERE batch_id = %s ORDER BY id",
        [start, batch_id],
    )
    ids, owner, day, count, method, precision_pct = columns(
        rows, np.int64, np.int64, np.int64, np.int64, object, np.float64
    )
    codes = {name: code for code, name in enumerate(core.COUNT_METHODS)}
    return core.Counts(
        id=ids,
        assignment=_positions(assignment_ids, owner),
        day=day,
        count=count,
        method=np.array([codes.get(m, codes["estimate"]) for m in method], dtype=np.int64),
        precision=precision_pct / 100.0,
        assignment_id=owner,
    )


def _column(stays: list[Stay], name: str) -> np.ndarray:
    return np.array([getattr(s, name) for s in stays], dtype=np.int64)


def _stage_positions(batch: Batch, stays: list[Stay], stages: StageTable) -> np.ndarray:
    """Each stay's stage position; a stage of another species cannot be computed at all."""
    position = stages.positions()
    foreign = [s.id for s in stays if s.stage_id not in position]
    if foreign:
        raise ValueError(
            f"batch {batch.number}: assignment(s) {', '.join(map(str, foreign))} name a "
            f"lifecycle stage that is not one of {batch.species}'s stages"
        )
    return np.array([position[s.stage_id] for s in stays], dtype=np.int64)


def _span(start: dt.date, stays: list[Stay], last_day: dt.date) -> _Span:
    """Days from ``start`` through ``last_day``, never past the batch's last day."""
    if stays and all(s.departure_date is not None for s in stays):
        last_day = min(last_day, max(s.departure_date for s in stays) - dt.timedelta(days=1))
    n_days = max((last_day - start).days + 1, 0)
    first = np.array([(s.assignment_date - start).days for s in stays], dtype=np.int64)
    stop = np.array(
        [
            min((s.departure_date - start).days, n_days) if s.departure_date else n_days
            for s in stays
        ],
        dtype=np.int64,
    )
    return _Span(n_days, first, stop)


def _day_events(
    start: dt.date, batch_id: int, assignment_ids: np.ndarray
) -> dict[str, core.DayEvents]:
    """Every event kind's per-day sums, all in one round trip (docs/engine.md, "Speed");
    a record naming another batch's assignment keeps that id, with position ``OTHER``."""
    read = read_column_sets(
        [
            (
                sql.format(day=_days(column)),
                [start, batch_id],
                _EVENT_TYPES + (_SPREAD_TYPES if name == "samples" else ()),
            )
            for name, (sql, column) in _DAY_EVENTS.items()
        ]
    )
    events = {}
    for name, (owner, day, count, amount, first_id, *spread) in zip(_DAY_EVENTS, read, strict=True):
        events[name] = core.DayEvents(
            assignment=_positions(assignment_ids, owner),
            day=day,
            count=count,
            amount=amount,
            first_id=first_id,
            assignment_id=owner,
            **(dict(zip(("sd_sq_sum", "no_sd_sq_sum"), spread, strict=True)) if spread else {}),
        )
    return events


def _container_days(
    start: dt.date, batch_id: int, span: _Span, stays: list[Stay], container_ids: np.ndarray
) -> tuple[core.ContainerDays, core.ContainerDays]:
    """Feed (kg, summed per day) and daily mean temperatures per container and day, in
    one query.

    Feed: every feeding of the batch; a container the batch never used has position
    ``OTHER``. Temperature: from the per-day table (``farm.daily_temperature`` keeps it
    in step with the readings), only the batch's containers during its stays, widened by
    the interpolation's reach each side and merged per container (joined as a VALUES
    list), so other batches' days are never read.
    """
    feed_sql = (
        f"SELECT container_id, {_days('feeding_date')}, SUM(amount_kg), COUNT(*) "
        "FROM farm_feedingevent WHERE batch_id = %s GROUP BY 1, 2"
    )
    reads = [(feed_sql, [start, batch_id], (np.int64, np.int64, np.float64, np.int64))]
    values: list = []
    params: list = []
    for container, (lo, hi) in _reading_windows(stays, span):
        values.append("(%s, %s, %s)")
        params += [container, _day_text(start, lo), _day_text(start, hi)]
    if values:
        if connection.vendor == "postgresql":
            lo_sql, hi_sql, container_sql = "w.lo::date", "w.hi::date", "w.c::bigint"
        else:
            lo_sql, hi_sql, container_sql = "w.lo", "w.hi", "w.c"
        temperature_sql = (
            f"WITH w(c, lo, hi) AS (VALUES {', '.join(values)}) "
            f"SELECT t.container_id, {_days('t.date')}, t.mean_c, t.readings, t.rejected "
            f"FROM farm_containerdaytemperature t JOIN w ON t.container_id = {container_sql} "
            f"AND t.date >= {lo_sql} AND t.date < {hi_sql}"
        )
        reads.append(
            (
                temperature_sql,
                [*params, start],
                (np.int64, np.int64, np.float64, np.int64, np.int64),
            )
        )
    read = read_column_sets(reads)
    container, day, feed_kg, events = read[0]
    feed = core.ContainerDays(
        container=_positions(container_ids, container),
        day=day,
        value=feed_kg,
        count=events,
        container_id=container,
    )
    if not values:
        return feed, core.ContainerDays()
    container, day, mean_c, valid_n, rejected_n = read[1]
    return feed, core.ContainerDays(
        container=_positions(container_ids, container),
        day=day,
        value=mean_c,
        count=valid_n,
        rejected=rejected_n,
    )


def _transfers(start: dt.date, batch_id: int, assignment_ids: np.ndarray) -> core.Transfers:
    """The completed transfers out of the batch's assignments, in id order."""
    if connection.vendor == "postgresql":
        # An index probe per assignment, where a join reads every transfer of the farm.
        ours, ours_param = "t.source_assignment_id = ANY(%s)", assignment_ids.tolist()
    else:
        ours = "t.source_assignment_id IN (SELECT id FROM farm_assignment WHERE batch_id = %s)"
        ours_param = batch_id
    rows = fetch(
        f"SELECT t.id, t.source_assignment_id, t.dest_assignment_id, {_days('t.execution_date')}, "
        "t.transferred_count, t.measured_avg_weight_g, t.selection_method "
        f"FROM farm_transferaction t WHERE {ours} AND t.status = %s ORDER BY t.id",
        [start, ours_param, TransferStatus.COMPLETED],
    )
    ids, source, dest, day, count, weight_g, method = columns(
        rows, np.int64, np.int64, np.int64, np.int64, np.int64, np.float64, object
    )
    return core.Transfers(
        id=ids,
        source=_positions(assignment_ids, source),
        dest=_positions(assignment_ids, dest),
        day=day,
        count=count,
        measured_weight_g=weight_g,
        selection=np.array([_SELECTION.get(m, 0) for m in method], dtype=np.int64),
    )


def _reading_windows(stays: list[Stay], span: _Span) -> list[tuple[int, tuple[int, int]]]:
    """(container, (first day, stop day)) of the readings to load: every stay with days,
    widened by ``INTERPOLATION_REACH_DAYS`` each side, overlapping ones merged."""
    windows: dict[int, list[tuple[int, int]]] = {}
    for stay, first, stop in zip(stays, span.first.tolist(), span.stop.tolist(), strict=True):
        if stop > first:
            windows.setdefault(stay.container_id, []).append(
                (first - INTERPOLATION_REACH_DAYS, stop + INTERPOLATION_REACH_DAYS)
            )
    merged: list[tuple[int, tuple[int, int]]] = []
    for container, spans in windows.items():
        spans.sort()
        lo, hi = spans[0]
        for next_lo, next_hi in spans[1:]:
            if next_lo <= hi:
                hi = max(hi, next_hi)
            else:
                merged.append((container, (lo, hi)))
                lo, hi = next_lo, next_hi
        merged.append((container, (lo, hi)))
    return merged


def _day_text(start: dt.date, day: int) -> str:
    return (start + dt.timedelta(days=day)).isoformat()

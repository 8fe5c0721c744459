"""Read one batch's records as the engine core's arrays, in a constant number of queries.

Every event kind is aggregated per day in SQL (one query each, whatever the number of
days or containers), so a batch of 800 days and 60 assignments costs the same dozen
queries as a batch of one week. The replaced engine made about 40,000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection

from aquagrowth.db.read import columns, fetch, read_columns
from aquagrowth.engine.core import inputs as core
from aquagrowth.engine.core.outputs import Finding
from aquagrowth.farm.models import Batch, ScenarioStage, TemperatureProfilePoint, TransferStatus
from aquagrowth.farm.models.events import SelectionMethod

READING_MARGIN_DAYS = 7
_SELECTION = {
    SelectionMethod.AVERAGE: core.SELECTION_AVERAGE,
    SelectionMethod.LARGEST: core.SELECTION_LARGEST,
    SelectionMethod.SMALLEST: core.SELECTION_SMALLEST,
}


@dataclass
class LoadedBatch:
    """A batch's arrays plus what the store needs to write rows back."""

    inputs: core.BatchInputs
    number: str
    start_date: dt.date
    stage_ids: np.ndarray
    findings: list[Finding]

    @property
    def batch_id(self) -> int:
        return self.inputs.batch_id


def _days(column: str) -> str:
    """SQL for the whole days from the batch start (parameter) to a DATE column."""
    if connection.vendor == "postgresql":
        return f"({column} - %s::date)"
    return f"CAST(julianday({column}) - julianday(%s) AS INTEGER)"


def _positions(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each of ``wanted`` in the sorted-or-not ``ids``, and which were found."""
    order = np.argsort(ids, kind="stable")
    at = np.searchsorted(ids[order], wanted)
    at = np.clip(at, 0, max(len(ids) - 1, 0))
    found = (ids[order][at] == wanted) if len(ids) else np.zeros(len(wanted), dtype=bool)
    return (order[at] if len(ids) else at), found


def load_batch(
    batch_id: int, *, end: dt.date | None = None, today: dt.date | None = None
) -> LoadedBatch:
    """Read batch ``batch_id`` for the days from its start to ``end`` (default today).

    The computation never runs past the batch's last day (its latest departure minus one
    when every assignment has departed).
    """
    today = today or dt.date.today()
    batch = Batch.objects.select_related("species").get(pk=batch_id)
    start = batch.start_date
    findings: list[Finding] = []

    stages = list(batch.species.stages.order_by("order").values_list("id", "name", "max_weight_g"))
    stage_pos = {sid: i for i, (sid, _, _) in enumerate(stages)}

    assignments = list(
        batch.assignments.order_by("assignment_date", "id").values_list(
            "id",
            "container_id",
            "stage_id",
            "assignment_date",
            "departure_date",
            "population_count",
            "avg_weight_g",
        )
    )
    last_day = end or today
    if assignments and all(a[4] is not None for a in assignments):
        last_day = min(last_day, max(a[4] for a in assignments) - dt.timedelta(days=1))
    n_days = max((last_day - start).days + 1, 0)

    foreign = [a[0] for a in assignments if a[2] not in stage_pos]
    if foreign:
        raise ValueError(
            f"batch {batch.number}: assignment(s) {', '.join(map(str, foreign))} name a "
            f"lifecycle stage that is not one of {batch.species}'s stages"
        )
    container_ids = np.array(sorted({a[1] for a in assignments}), dtype=np.int64)
    container_pos = {int(c): i for i, c in enumerate(container_ids)}
    first = np.array([(a[3] - start).days for a in assignments], dtype=np.int64)
    stop = np.array(
        [min((a[4] - start).days, n_days) if a[4] else n_days for a in assignments], dtype=np.int64
    )

    scenario = _load_scenario(batch, stage_pos, len(stages))

    assignment_ids = np.array([a[0] for a in assignments], dtype=np.int64)

    def day_events(sql: str, kind: str) -> core.DayEvents:
        owner, day, count, amount, first_id = read_columns(
            sql, [start, batch_id], np.int64, np.int64, np.int64, np.float64, np.int64
        )
        position, known = _positions(assignment_ids, owner)
        for i in np.flatnonzero(~known):
            findings.append(
                Finding(
                    "event_outside_assignment",
                    f"{kind} record {first_id[i]} of batch {batch.number} names assignment "
                    f"{owner[i]}, which belongs to another batch; ignored",
                    record_id=int(first_id[i]),
                    assignment_id=int(owner[i]),
                )
            )
        return core.DayEvents(
            assignment=position[known],
            day=day[known],
            count=count[known],
            amount=amount[known],
            first_id=first_id[known],
        )

    mortality = day_events(
        f"SELECT assignment_id, {_days('event_date')}, SUM(count), "
        "CAST(0 AS DOUBLE PRECISION), MIN(id) "
        "FROM farm_mortalityevent WHERE batch_id = %s GROUP BY 1, 2",
        "mortality",
    )
    samples = day_events(
        f"SELECT assignment_id, {_days('sample_date')}, SUM(sample_size), "
        "SUM(sample_size * avg_weight_g), MIN(id) FROM farm_growthsample WHERE batch_id = %s "
        "GROUP BY 1, 2",
        "growth sample",
    )
    weighings = day_events(
        f"SELECT assignment_id, {_days('weighing_date')}, SUM(fish_weighed), "
        "SUM(fish_weighed * avg_weight_g), MIN(id) FROM farm_weighing WHERE batch_id = %s "
        "GROUP BY 1, 2",
        "weighing",
    )
    harvests = day_events(
        f"SELECT assignment_id, {_days('harvest_date')}, SUM(count), SUM(live_weight_kg), MIN(id) "
        "FROM farm_harvest WHERE batch_id = %s GROUP BY 1, 2",
        "harvest",
    )

    feed_container, feed_day, feed_kg, feed_n = read_columns(
        f"SELECT container_id, {_days('feeding_date')}, SUM(amount_kg), COUNT(*) "
        "FROM farm_feedingevent WHERE batch_id = %s GROUP BY 1, 2",
        [start, batch_id],
        np.int64,
        np.int64,
        np.float64,
        np.int64,
    )
    feed_pos, in_batch = _positions(container_ids, feed_container)
    for i in np.flatnonzero(~in_batch):
        findings.append(
            Finding(
                "feed_outside_assignment",
                f"feeding of batch {batch.number} in container {feed_container[i]} on "
                f"{start + dt.timedelta(days=int(feed_day[i]))}: the batch was never in that "
                "container; ignored",
                day=int(feed_day[i]),
            )
        )
    feed = core.ContainerDays(
        container=feed_pos[in_batch],
        day=feed_day[in_batch],
        value=feed_kg[in_batch],
        count=feed_n[in_batch],
    )

    if connection.vendor == "postgresql":
        # An index probe per assignment, where a join reads every transfer of the farm.
        ours, ours_param = "t.source_assignment_id = ANY(%s)", assignment_ids.tolist()
    else:
        ours = "t.source_assignment_id IN (SELECT id FROM farm_assignment WHERE batch_id = %s)"
        ours_param = batch_id
    transfer_rows = fetch(
        f"SELECT t.id, t.source_assignment_id, t.dest_assignment_id, {_days('t.execution_date')}, "
        "t.transferred_count, t.measured_avg_weight_g, t.selection_method "
        f"FROM farm_transferaction t WHERE {ours} AND t.status = %s ORDER BY t.id",
        [start, ours_param, TransferStatus.COMPLETED],
    )
    t_id, t_source, t_dest, t_day, t_count, t_weight = columns(
        [r[:6] for r in transfer_rows],
        np.int64,
        np.int64,
        np.int64,
        np.int64,
        np.int64,
        np.float64,
    )
    dest_pos, dest_ours = _positions(assignment_ids, t_dest)
    transfers = core.Transfers(
        id=t_id,
        source=_positions(assignment_ids, t_source)[0],
        dest=np.where(dest_ours, dest_pos, -1),
        day=t_day,
        count=t_count,
        measured_weight_g=t_weight,
        selection=np.array([_SELECTION.get(r[6], 0) for r in transfer_rows], dtype=np.int64),
    )

    temperature = _load_temperature(start, first, stop, assignments, container_pos, n_days)

    loaded_inputs = core.BatchInputs(
        batch_id=batch_id,
        n_days=n_days,
        today_day=(today - start).days,
        stage_names=tuple(s[1] for s in stages),
        stage_max_weight_g=np.array([s[2] for s in stages], dtype=np.float64),
        assignment_id=np.array([a[0] for a in assignments], dtype=np.int64),
        assignment_container=np.array([container_pos[a[1]] for a in assignments], dtype=np.int64),
        assignment_stage=np.array([stage_pos[a[2]] for a in assignments], dtype=np.int64),
        assignment_first_day=first,
        assignment_stop_day=stop,
        assignment_opening_population=np.array([a[5] for a in assignments], dtype=np.int64),
        assignment_opening_weight_g=np.array(
            [np.nan if a[6] is None else a[6] for a in assignments], dtype=np.float64
        ),
        container_ids=container_ids,
        scenario=scenario,
        transfers=transfers,
        mortality=mortality,
        samples=samples,
        weighings=weighings,
        harvests=harvests,
        feed=feed,
        temperature=temperature,
        start_date=start,
    )
    return LoadedBatch(
        inputs=loaded_inputs,
        number=batch.number,
        start_date=start,
        stage_ids=np.array([s[0] for s in stages], dtype=np.int64),
        findings=findings,
    )


def _load_scenario(batch: Batch, stage_pos: dict[int, int], n_stages: int) -> core.Scenario | None:
    scenario = batch.scenario_in_force()
    if scenario is None:
        return None
    tgc, rate, fcr = (np.full(n_stages, np.nan) for _ in range(3))
    for stage_id, t, r, f in ScenarioStage.objects.filter(scenario=scenario).values_list(
        "stage_id", "tgc", "mortality_rate_per_day", "fcr"
    ):
        if stage_id in stage_pos:
            i = stage_pos[stage_id]
            tgc[i], rate[i], fcr[i] = t, r, f
    profile = list(
        TemperatureProfilePoint.objects.filter(scenario=scenario)
        .order_by("day_number")
        .values_list("day_number", "temp_c")
    )
    return core.Scenario(
        tgc_by_stage=tgc,
        mortality_rate_by_stage=rate,
        fcr_by_stage=fcr,
        profile_day_number=np.array([p[0] for p in profile], dtype=np.int64),
        profile_temp_c=np.array([p[1] for p in profile], dtype=np.float64),
        harvest_weight_g=scenario.harvest_weight_g,
        name=scenario.name,
    )


def _load_temperature(
    start: dt.date,
    first: np.ndarray,
    stop: np.ndarray,
    assignments: list[tuple],
    container_pos: dict[int, int],
    n_days: int,
) -> core.ContainerDays:
    """Daily mean temperatures of the batch's containers during its stays.

    One query on the per-day table (``farm.daily_temperature`` keeps it in step with the
    readings): the stays, widened by a week each side for interpolation and merged per
    container, are joined as a VALUES list, so other batches' days are never read.
    """
    windows: dict[int, list[list[int]]] = {}
    for (_, container, *_), lo, hi in zip(assignments, first, stop, strict=True):
        if hi <= lo:
            continue
        spans = windows.setdefault(container, [])
        spans.append([int(lo) - READING_MARGIN_DAYS, int(hi) + READING_MARGIN_DAYS])
    values: list = []
    params: list = []
    for container, spans in windows.items():
        spans.sort()
        merged = [spans[0]]
        for lo, hi in spans[1:]:
            if lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        for lo, hi in merged:
            values.append("(%s, %s, %s)")
            params += [container, _day_text(start, lo), _day_text(start, hi)]
    if not values:
        return core.ContainerDays()
    if connection.vendor == "postgresql":
        window_cast = "w.lo::date", "w.hi::date", "w.c::bigint"
    else:
        window_cast = "w.lo", "w.hi", "w.c"
    sql = (
        f"WITH w(c, lo, hi) AS (VALUES {', '.join(values)}) "
        f"SELECT t.container_id, {_days('t.date')}, t.mean_c, t.readings, t.rejected "
        f"FROM farm_containerdaytemperature t JOIN w ON t.container_id = {window_cast[2]} "
        f"AND t.date >= {window_cast[0]} AND t.date < {window_cast[1]}"
    )
    container, day, mean_c, valid_n, rejected_n = read_columns(
        sql,
        [*params, start],
        np.int64,
        np.int64,
        np.float64,
        np.int64,
        np.int64,
    )
    return core.ContainerDays(
        container=_positions(np.array(sorted(container_pos), dtype=np.int64), container)[0],
        day=day,
        value=mean_c,
        count=valid_n,
        rejected=rejected_n,
    )


def _day_text(start: dt.date, day: int) -> str:
    return (start + dt.timedelta(days=day)).isoformat()

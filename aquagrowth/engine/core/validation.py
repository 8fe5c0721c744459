"""Bad input: find it, name the record, leave it out, and let the rest be computed.

Every function returns a boolean mask of the records to use and appends a
:class:`~aquagrowth.engine.core.outputs.Finding` for each record left out.
"""

from __future__ import annotations

import numpy as np

from aquagrowth.engine.core.inputs import BatchInputs, ContainerDays, DayEvents, Transfers
from aquagrowth.engine.core.outputs import Finding


def _record(kind: str, first_id: int) -> str:
    return f"{kind} record {first_id}" if first_id > 0 else f"{kind} record"


def check_day_events(
    inputs: BatchInputs, events: DayEvents, kind: str, findings: list[Finding], *, weighed: bool
) -> np.ndarray:
    """Records of ``events`` to use: not in the future, not negative, inside their assignment.

    ``weighed`` marks samples and weighings, which need fish and a positive weight.
    Records after the computed range (but not in the future) are left out silently: a
    computation that ends early simply does not reach them.
    """
    n = len(events.day)
    keep = np.ones(n, dtype=bool)
    if n == 0:
        return keep
    a, day = events.assignment, events.day
    future = day > inputs.today_day
    if weighed:
        negative = (events.count <= 0) | (events.amount <= 0)
    else:
        negative = (events.count < 0) | (events.amount < 0)
    first = inputs.assignment_first_day[a]
    stop = inputs.assignment_stop_day[a]
    beyond = day >= inputs.n_days
    outside = ~beyond & ((day < first) | (day >= stop))
    for i in np.flatnonzero(future | negative | outside):
        record_id = int(events.first_id[i]) if len(events.first_id) else None
        record = _record(kind, record_id or 0)
        where = f"of assignment {inputs.assignment_id[a[i]]} on {inputs.describe_day(day[i])}"
        if future[i]:
            finding, what = "event_in_future", "is dated after today"
        elif negative[i]:
            finding, what = "negative_value", "has a negative or zero count or weight"
        else:
            finding, what = "event_outside_assignment", "lies outside the assignment's days"
        findings.append(
            Finding(
                finding,
                f"{record} {where} {what}; ignored",
                record_id,
                int(inputs.assignment_id[a[i]]),
                int(day[i]),
            )
        )
    keep &= ~(future | negative | outside | beyond)
    return keep


def assign_feed(inputs: BatchInputs, findings: list[Finding]) -> tuple[np.ndarray, np.ndarray]:
    """The assignment position of each feed record (container, day), and which to use.

    Feed is recorded per container; it belongs to the batch's assignment in that
    container on that day (a batch is never in one container twice at once).
    """
    feed: ContainerDays = inputs.feed
    n = len(feed.day)
    owner = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return owner, np.ones(0, dtype=bool)
    span = np.int64(inputs.n_days + 10_000)
    key_a = inputs.assignment_container * span + inputs.assignment_first_day
    order = np.argsort(key_a, kind="stable")
    key_f = feed.container * span + feed.day
    candidate = np.searchsorted(key_a[order], key_f, side="right") - 1
    found = candidate >= 0
    pos = order[np.clip(candidate, 0, None)]
    found &= (
        (inputs.assignment_container[pos] == feed.container)
        & (feed.day < inputs.assignment_stop_day[pos])
        & (feed.day >= inputs.assignment_first_day[pos])
    )
    owner[found] = pos[found]
    future = feed.day > inputs.today_day
    negative = feed.value < 0
    beyond = feed.day >= inputs.n_days
    bad = future | negative | (~found & ~beyond)
    for i in np.flatnonzero(bad):
        container = inputs.container_ids[feed.container[i]]
        where = f"feeding in container {container} on {inputs.describe_day(feed.day[i])}"
        if future[i]:
            findings.append(
                Finding(
                    "event_in_future",
                    f"{where} is dated after today; ignored",
                    day=int(feed.day[i]),
                )
            )
        elif negative[i]:
            findings.append(
                Finding(
                    "negative_value",
                    f"{where} has a negative amount; ignored",
                    day=int(feed.day[i]),
                )
            )
        else:
            findings.append(
                Finding(
                    "feed_outside_assignment",
                    f"{where}: the batch has no assignment there that day; ignored",
                    day=int(feed.day[i]),
                )
            )
    return owner, ~bad & found


def check_transfers(inputs: BatchInputs, findings: list[Finding]) -> np.ndarray:
    """Transfers to execute: to this batch, not in the future, within both sides' days.

    The source may give its fish on its departure day (``day == stop``), the usual
    stage transition; the destination must be present that day.
    """
    t: Transfers = inputs.transfers
    n = len(t.day)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        day = int(t.day[i])
        where = f"transfer {int(t.id[i])} on {inputs.describe_day(day)}"
        src, dst = int(t.source[i]), int(t.dest[i])
        if dst < 0:
            findings.append(
                Finding(
                    "transfer_other_batch",
                    f"{where}: its destination belongs to another batch; ignored",
                    int(t.id[i]),
                    int(inputs.assignment_id[src]),
                    day,
                )
            )
        elif day > inputs.today_day:
            findings.append(
                Finding(
                    "event_in_future",
                    f"{where} is dated after today; ignored",
                    int(t.id[i]),
                    int(inputs.assignment_id[src]),
                    day,
                )
            )
        elif t.count[i] < 0 or (
            not np.isnan(t.measured_weight_g[i]) and t.measured_weight_g[i] <= 0
        ):
            findings.append(
                Finding(
                    "negative_value",
                    f"{where} has a negative count or weight; ignored",
                    int(t.id[i]),
                    int(inputs.assignment_id[src]),
                    day,
                )
            )
        elif day >= inputs.n_days:
            pass
        elif not (
            inputs.assignment_first_day[src] <= day <= inputs.assignment_stop_day[src]
            and inputs.assignment_first_day[dst] <= day < inputs.assignment_stop_day[dst]
        ):
            findings.append(
                Finding(
                    "transfer_outside_assignment",
                    f"{where} lies outside the days of its source or destination; ignored",
                    int(t.id[i]),
                    int(inputs.assignment_id[src]),
                    day,
                )
            )
        else:
            continue
        keep[i] = False
    return keep


def report_sensor_faults(inputs: BatchInputs, findings: list[Finding]) -> None:
    """One finding per container whose temperature readings had faults (ignored readings)."""
    temp = inputs.temperature
    if len(temp.rejected) == 0:
        return
    totals = np.bincount(temp.container, weights=temp.rejected, minlength=len(inputs.container_ids))
    valid = inputs.valid_temp_range_c
    outside = f"outside {valid[0]:g}..{valid[1]:g} degC" if valid else "outside the valid range"
    for c in np.flatnonzero(totals):
        findings.append(
            Finding(
                "sensor_fault",
                f"container {inputs.container_ids[c]}: {int(totals[c])} temperature readings "
                f"{outside} ignored",
            )
        )


def report_scenario(inputs: BatchInputs, findings: list[Finding]) -> None:
    """Say what the batch's computation lacks when its scenario is missing or incomplete."""
    scenario = inputs.scenario
    if scenario is None:
        findings.append(
            Finding(
                "no_scenario",
                f"batch {inputs.batch_id} has no scenario: no temperature profile, TGC or "
                "mortality rate; weights are held after the last anchor, gaps in temperature "
                "use the container's mean, and days without recorded mortality lose no fish",
            )
        )
        return
    used = np.unique(inputs.assignment_stage)
    missing = [
        f"{what} for {inputs.stage_names[s]}"
        for s in used
        for what, values in (
            ("TGC", scenario.tgc_by_stage),
            ("mortality rate", scenario.mortality_rate_by_stage),
        )
        if np.isnan(values[s])
    ]
    if len(scenario.profile_day_number) == 0:
        missing.append("temperature profile")
    if missing:
        findings.append(
            Finding(
                "scenario_incomplete", f"scenario {scenario.name!r} lacks: " + ", ".join(missing)
            )
        )

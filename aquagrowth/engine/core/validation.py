"""Bad input: found once, up front, named, left out; the rest is computed.

:func:`validate` takes a batch's inputs as the loader read them (every record, bad ones
included) and returns, in one pass, the records to use (:class:`Checked`) and a
:class:`~aquagrowth.engine.core.outputs.Finding` for each record left out, naming the
record, its batch, assignment or container, and its date (docs/engine.md, "Bad input").
This is the one place that reports bad input; the loader reports none. Only counts that
exceed the fish present cannot be known from the records alone: the population walk
clamps and reports those.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace

import numpy as np

from aquagrowth.engine.core.inputs import (
    OTHER,
    BatchInputs,
    ContainerDays,
    Counts,
    DayEvents,
    IntArray,
    Transfers,
)
from aquagrowth.engine.core.outputs import Finding

EVENT_KINDS = (
    ("mortality", "mortality", False),
    ("harvests", "harvest", False),
    ("samples", "growth sample", True),
    ("weighings", "weighing", True),
)
"""(inputs field, name in findings, weighed) of each per-day event kind, in checking order."""


@dataclass(frozen=True)
class Checked:
    """A batch's inputs reduced to the records to use, and what was left out.

    inputs : events inside their assignment's computed days, transfers to execute (id
        order, none closing a cycle), feed that belongs to an assignment
    feed_assignment : assignment position of each row of ``inputs.feed``
    filled_by_transfer : per assignment, True when any transfer names it as destination,
        even one left out: it opens empty, so that no fish are counted twice
    order : assignment positions, every transfer's source before its destination
    findings : the bad input found, one finding per record (or per container)
    leaving_beyond : transfers on the day after the computed days that empty a stay
        departing that day: their counts measure the pen's last day (their destinations
        have no computed day)
    """

    inputs: BatchInputs
    feed_assignment: IntArray
    filled_by_transfer: np.ndarray
    order: list[int]
    findings: list[Finding]
    leaving_beyond: Transfers = field(default_factory=Transfers)


def validate(inputs: BatchInputs) -> Checked:
    """Check every record of ``inputs`` once; see the module docstring."""
    findings: list[Finding] = []
    report_scenario(inputs, findings)
    report_sensor_faults(inputs, findings)
    events = {
        name: _rows(
            getattr(inputs, name),
            check_day_events(inputs, getattr(inputs, name), kind, findings, weighed=weighed),
        )
        for name, kind, weighed in EVENT_KINDS
    }
    owner, use_feed = assign_feed(inputs, findings)
    use_counts = check_counts(inputs, findings)
    use_transfer = check_transfers(inputs, findings)
    beyond = _rows(inputs.transfers, leaving_beyond(inputs))
    order = processing_order(inputs, use_transfer, findings)
    filled = np.zeros(inputs.n_assignments, dtype=bool)
    filled[inputs.transfers.dest[inputs.transfers.dest >= 0]] = True
    report_ignored_openings(inputs, filled, findings)
    cleaned = replace(
        inputs,
        **events,
        feed=_rows(inputs.feed, use_feed),
        transfers=_rows(inputs.transfers, use_transfer),
        counts=_rows(inputs.counts, use_counts),
    )
    return Checked(cleaned, owner[use_feed], filled, order, findings, beyond)


def _rows(table, keep: np.ndarray):
    """The rows of a table of equal-length columns where ``keep`` holds (columns not
    given, left empty, stay empty)."""
    n = len(keep)
    picked = {
        f.name: column[keep] for f in fields(table) if len(column := getattr(table, f.name)) == n
    }
    return replace(table, **picked)


def _record(kind: str, first_id: int) -> str:
    return f"{kind} record {first_id}" if first_id > 0 else f"{kind} record"


def check_day_events(
    inputs: BatchInputs, events: DayEvents, kind: str, findings: list[Finding], *, weighed: bool
) -> np.ndarray:
    """Records of ``events`` to use: of this batch, not in the future, not negative, inside
    their assignment.

    ``weighed`` marks samples and weighings, which need fish and a positive weight.
    Records after the computed range (but not in the future) are left out silently: a
    computation that ends early simply does not reach them.
    """
    n = len(events.day)
    if n == 0:
        return np.ones(0, dtype=bool)
    day = events.day
    other = events.assignment == OTHER
    own = np.flatnonzero(~other)
    first, stop = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    first[own] = inputs.assignment_first_day[events.assignment[own]]
    stop[own] = inputs.assignment_stop_day[events.assignment[own]]
    future = day > inputs.today_day
    if weighed:
        negative = (events.count <= 0) | (events.amount <= 0)
    else:
        negative = (events.count < 0) | (events.amount < 0)
    # A stored Infinity or NaN (or a day's sum that overflowed) would poison every state
    # after it: reported as non-finite and left out like a negative value.
    negative |= ~np.isfinite(events.amount)
    beyond = day >= inputs.n_days
    outside = ~beyond & ((day < first) | (day >= stop))
    for i in np.flatnonzero(other | future | negative | outside):
        findings.append(_day_event_finding(inputs, events, kind, i, future[i], negative[i]))
    return ~(other | future | negative | outside | beyond)


def _day_event_finding(
    inputs: BatchInputs, events: DayEvents, kind: str, i: int, future: bool, negative: bool
) -> Finding:
    """The finding of record ``i`` of ``events``, which is left out."""
    record_id = int(events.first_id[i]) if len(events.first_id) else None
    record = _record(kind, record_id or 0)
    day = int(events.day[i])
    when = inputs.describe_day(day)
    if events.assignment[i] == OTHER:
        named = int(events.assignment_id[i]) if len(events.assignment_id) else None
        assignment = f"assignment {named}" if named is not None else "an assignment"
        message = (
            f"{record} of batch {inputs.batch_name} on {when} names {assignment}, which "
            "belongs to another batch; ignored"
        )
        return Finding("event_outside_assignment", message, record_id, named, day)
    where = f"of {inputs.describe_stay(int(events.assignment[i]))} on {when}"
    if future:
        finding, what = "event_in_future", "is dated after today"
    elif negative:
        if not np.isfinite(events.amount[i]):
            finding, what = "non_finite_value", "has a weight that is not a finite number"
        else:
            finding, what = "negative_value", "has a negative or zero count or weight"
    else:
        finding, what = "event_outside_assignment", "lies outside the assignment's days"
    assignment_id = int(inputs.assignment_id[events.assignment[i]])
    return Finding(finding, f"{record} {where} {what}; ignored", record_id, assignment_id, day)


def assign_feed(inputs: BatchInputs, findings: list[Finding]) -> tuple[IntArray, np.ndarray]:
    """The assignment position of each feed row (container, day), and which to use.

    Feed is recorded per container; it belongs to the batch's assignment in that
    container on that day (a batch is never in one container twice at once).
    """
    feed: ContainerDays = inputs.feed
    n = len(feed.day)
    owner = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return owner, np.ones(0, dtype=bool)
    other = feed.container == OTHER
    span = np.int64(inputs.n_days + 10_000)
    key_a = inputs.assignment_container * span + inputs.assignment_first_day
    order = np.argsort(key_a, kind="stable")
    key_f = feed.container * span + feed.day
    candidate = np.searchsorted(key_a[order], key_f, side="right") - 1
    found = ~other & (candidate >= 0)
    pos = order[np.clip(candidate, 0, None)] if len(order) else np.zeros(n, dtype=np.int64)
    if len(order):
        found &= (
            (inputs.assignment_container[pos] == feed.container)
            & (feed.day < inputs.assignment_stop_day[pos])
            & (feed.day >= inputs.assignment_first_day[pos])
        )
    owner[found] = pos[found]
    future = feed.day > inputs.today_day
    negative = (feed.value < 0) | ~np.isfinite(feed.value)
    beyond = feed.day >= inputs.n_days
    bad = other | future | negative | (~found & ~beyond)
    for i in np.flatnonzero(bad):
        findings.append(_feed_finding(inputs, feed, i, future[i], negative[i]))
    return owner, ~bad & found


def _feed_finding(
    inputs: BatchInputs, feed: ContainerDays, i: int, future: bool, negative: bool
) -> Finding:
    """The finding of feed row ``i`` (a container's feeding of one day), which is left out."""
    day = int(feed.day[i])
    when = inputs.describe_day(day)
    if feed.container[i] == OTHER:
        container = int(feed.container_id[i]) if len(feed.container_id) else None
        return Finding(
            "feed_outside_assignment",
            f"feeding of batch {inputs.batch_name} in container {container} on {when}: the "
            "batch was never in that container; ignored",
            day=day,
        )
    where = f"feeding in {inputs.container_name(int(feed.container[i]))} on {when}"
    if future:
        return Finding("event_in_future", f"{where} is dated after today; ignored", day=day)
    if not np.isfinite(feed.value[i]):
        return Finding(
            "non_finite_value",
            f"{where} has an amount that is not a finite number; ignored",
            day=day,
        )
    if negative:
        return Finding("negative_value", f"{where} has a negative amount; ignored", day=day)
    return Finding(
        "feed_outside_assignment",
        f"{where}: the batch has no assignment there that day; ignored",
        day=day,
    )


def check_transfers(inputs: BatchInputs, findings: list[Finding]) -> np.ndarray:
    """Transfers to execute: to this batch, not in the future, within both sides' days.

    The source may give its fish on its departure day (``day == stop``), the usual
    stage transition; the destination must be present that day.
    """
    t: Transfers = inputs.transfers
    keep = np.ones(len(t.day), dtype=bool)
    for i in range(len(t.day)):
        day, src, dst = int(t.day[i]), int(t.source[i]), int(t.dest[i])
        if dst < 0:
            kind, what = "transfer_other_batch", ": its destination belongs to another batch"
        elif day > inputs.today_day:
            kind, what = "event_in_future", " is dated after today"
        elif np.isinf(t.measured_weight_g[i]):
            kind, what = "non_finite_value", " has a weight that is not a finite number"
        elif t.count[i] < 0 or (
            not np.isnan(t.measured_weight_g[i]) and t.measured_weight_g[i] <= 0
        ):
            kind, what = "negative_value", " has a negative count or weight"
        elif day >= inputs.n_days:
            keep[i] = False
            continue
        elif not (
            inputs.assignment_first_day[src] <= day <= inputs.assignment_stop_day[src]
            and inputs.assignment_first_day[dst] <= day < inputs.assignment_stop_day[dst]
        ):
            kind = "transfer_outside_assignment"
            what = " lies outside the days of its source or destination"
        else:
            continue
        keep[i] = False
        where = f"transfer {int(t.id[i])} on {inputs.describe_day(day)}"
        findings.append(
            Finding(
                kind, f"{where}{what}; ignored", int(t.id[i]), int(inputs.assignment_id[src]), day
            )
        )
    return keep


def check_counts(inputs: BatchInputs, findings: list[Finding]) -> np.ndarray:
    """Population counts to use: of this batch, not in the future, not negative, inside
    their stay; of a stay's counts on one day the first (lowest id) only."""
    counts: Counts = inputs.counts
    n = len(counts.day)
    if n == 0:
        return np.ones(0, dtype=bool)
    as_events = DayEvents(
        assignment=counts.assignment,
        day=counts.day,
        count=counts.count,
        amount=np.nan_to_num(counts.precision, nan=0.0),
        first_id=counts.id,
        assignment_id=counts.assignment_id,
    )
    keep = check_day_events(inputs, as_events, "population count", findings, weighed=False)
    order = np.lexsort((counts.id, counts.day, counts.assignment))
    kept = order[keep[order]]
    repeated = np.zeros(n, dtype=bool)
    same = (counts.assignment[kept][1:] == counts.assignment[kept][:-1]) & (
        counts.day[kept][1:] == counts.day[kept][:-1]
    )
    repeated[kept[1:][same]] = True
    for i in np.flatnonzero(repeated):
        a, day = int(counts.assignment[i]), int(counts.day[i])
        findings.append(
            Finding(
                "two_counts",
                f"population count {int(counts.id[i])} of {inputs.describe_stay(a)} on "
                f"{inputs.describe_day(day)} is a second count of that stay that day; the "
                "first is used, this one ignored",
                int(counts.id[i]),
                int(inputs.assignment_id[a]),
                day,
            )
        )
    return keep & ~repeated


def leaving_beyond(inputs: BatchInputs) -> np.ndarray:
    """Transfers on day ``n_days`` out of a stay that departs that day, to this batch:
    they empty the stay's pen after its last computed day."""
    t: Transfers = inputs.transfers
    if not len(t.day):
        return np.zeros(0, dtype=bool)
    source_stop = inputs.assignment_stop_day[t.source]
    departed = inputs.departed[t.source]
    return (
        (t.day == inputs.n_days)
        & (source_stop == inputs.n_days)
        & departed
        & (t.dest >= 0)
        & (t.count >= 0)
        & (t.day <= inputs.today_day)
    )


def processing_order(
    inputs: BatchInputs, use_transfer: np.ndarray, findings: list[Finding]
) -> list[int]:
    """Assignment positions with every transfer's source before its destination.

    Chronological (the input order) wherever the transfers allow. A transfer that would
    close a cycle is reported and left out (``use_transfer`` is updated).
    """
    n = inputs.n_assignments
    transfers = inputs.transfers
    edges: dict[int, list[int]] = defaultdict(list)
    indegree = [0] * n
    for t in np.flatnonzero(use_transfer):
        edges[int(transfers.source[t])].append(int(t))
        indegree[int(transfers.dest[t])] += 1
    ready = [a for a in range(n) if indegree[a] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while True:
        while ready:
            a = heapq.heappop(ready)
            order.append(a)
            for t in edges.get(a, []):
                d = int(transfers.dest[t])
                indegree[d] -= 1
                if indegree[d] == 0:
                    heapq.heappush(ready, d)
        if len(order) == n:
            return order
        # A cycle: drop the incoming transfers of the earliest blocked assignment.
        blocked = min(a for a in range(n) if indegree[a] > 0)
        for t in np.flatnonzero(use_transfer & (transfers.dest == blocked)):
            if int(transfers.source[t]) not in order:
                use_transfer[t] = False
                edges[int(transfers.source[t])].remove(int(t))
                indegree[blocked] -= 1
                findings.append(
                    Finding(
                        "transfer_cycle",
                        f"transfer {int(transfers.id[t])} closes a cycle of transfers; ignored",
                        int(transfers.id[t]),
                        int(inputs.assignment_id[blocked]),
                        int(transfers.day[t]),
                    )
                )
        if indegree[blocked] == 0:
            heapq.heappush(ready, blocked)


def report_ignored_openings(
    inputs: BatchInputs, filled_by_transfer: np.ndarray, findings: list[Finding]
) -> None:
    """An assignment filled by transfers opens empty: a recorded opening population on one
    (with days to compute) is reported and ignored."""
    has_days = inputs.assignment_stop_day > inputs.assignment_first_day
    opening = inputs.assignment_opening_population
    for a in np.flatnonzero(filled_by_transfer & has_days & (opening > 0)):
        findings.append(
            Finding(
                "opening_population_ignored",
                f"{inputs.describe_stay(int(a))} is filled by transfers; its recorded "
                f"opening population of {opening[a]} is ignored so no fish are counted twice",
                assignment_id=int(inputs.assignment_id[a]),
            )
        )


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
                f"{inputs.container_name(int(c))}: {int(totals[c])} temperature readings "
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
                f"batch {inputs.batch_name} has no scenario: no temperature profile, TGC or "
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

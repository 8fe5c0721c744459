"""Each stay's population as the batch walk needs it, by either set of rules.

``reconciled`` (the default): the book reconciled to the counts, late records replacing
model deaths, the history's expected loss in open stretches (``reconcile``).
``book``: the rules before counts (``population.walk_population``): every count cut to
the fish present, model deaths on every day without a record; kept as the yardstick the
counts' gain is measured against.

Either way the result is a :class:`StayPopulation`: what the weight plan reads (fish at
each day's start and end, the fish each transfer moved) and what the rows store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from aquagrowth.engine.core import population, reconcile
from aquagrowth.engine.core.counts import COUNT_PRECISION, count_precision
from aquagrowth.engine.core.inputs import BatchInputs, Counts, FloatArray, IntArray
from aquagrowth.engine.core.outputs import Finding

RULES = ("reconciled", "book")
COUNTER_PRECISION = COUNT_PRECISION["counter"]
STOCKING_PRECISION = COUNT_PRECISION["stocking"]


@dataclass
class StayPopulation:
    """One stay's population walk, in the shape the weight plan and the rows read."""

    start_before_placement: IntArray
    start_after_placement: IntArray
    end: IntArray
    moved: list[int]
    deaths: IntArray
    mortality_source: IntArray
    unexplained: IntArray
    variance: FloatArray
    source: IntArray
    stocked: int
    closed_by: int = reconcile.OPEN
    closed_day: int = -1
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class StayInput:
    """One stay's records, as the batch walk hands them over (local days)."""

    position: int
    first_day: int
    n_days: int
    opening: int
    placed: IntArray
    placed_variance: FloatArray
    outgoing: list[tuple[int, int]]
    """(local day, counted fish) of each transfer out, in id order."""
    outgoing_ids: list[int]
    """The id of each transfer out, in the same order."""
    recorded: IntArray
    harvested: IntArray
    harvest_ids: IntArray
    """Per local day, the id of its first harvest record, -1 where none."""
    counts: Counts
    """The stay's population counts to use (local days), in day order."""
    departed: bool
    mortality_rate: float
    hidden_loss_rate: float


def walk(inputs: BatchInputs, stay: StayInput, rules: str) -> StayPopulation:
    """The stay's population by ``rules`` (``RULES``)."""
    if rules == "book":
        return _book(inputs, stay)
    return _reconciled(inputs, stay)


def _book(inputs: BatchInputs, stay: StayInput) -> StayPopulation:
    walked = population.walk_population(
        stay.n_days,
        stay.opening,
        stay.placed,
        stay.outgoing,
        stay.recorded,
        stay.harvested,
        stay.mortality_rate,
    )
    recorded = stay.recorded >= 0
    source = np.where(
        recorded, reconcile.RECORDED, np.where(walked.modelled, reconcile.MODEL, reconcile.MISSING)
    )
    findings = [
        _clamped(inputs, stay, day, kind, requested, available)
        for day, kind, requested, available in walked.clamped
    ]
    return StayPopulation(
        start_before_placement=walked.start_before_placement,
        start_after_placement=walked.start_after_placement,
        end=walked.end,
        moved=walked.moved,
        deaths=walked.deaths,
        mortality_source=source,
        unexplained=np.zeros(stay.n_days, dtype=np.int64),
        variance=np.zeros(stay.n_days),
        source=np.full(stay.n_days, reconcile.BOOK, dtype=np.int64),
        stocked=stay.opening + int(stay.placed.sum()),
        findings=findings,
    )


def _reconciled(inputs: BatchInputs, stay: StayInput) -> StayPopulation:
    counts = stay.counts
    precision = count_precision(counts.method, counts.precision)
    records = reconcile.StayRecords(
        n_days=stay.n_days,
        opening=stay.opening,
        opening_variance=(STOCKING_PRECISION * stay.opening) ** 2,
        placed=stay.placed,
        placed_variance=stay.placed_variance,
        moves=[
            reconcile.Move(day, fish, (COUNTER_PRECISION * fish) ** 2, record_id)
            for (day, fish), record_id in zip(stay.outgoing, stay.outgoing_ids, strict=True)
        ],
        recorded=stay.recorded,
        harvested=stay.harvested,
        harvest_ids=stay.harvest_ids,
        counts=[
            reconcile.Count(int(d), int(n), float(p * n) ** 2, int(i))
            for d, n, p, i in zip(counts.day, counts.count, precision, counts.id, strict=True)
        ],
        departed=stay.departed,
        mortality_rate=stay.mortality_rate,
        hidden_loss_rate=stay.hidden_loss_rate,
    )
    walked = reconcile.walk_stay(records)
    findings = [
        _clamped(inputs, stay, day, kind, requested, available)
        for day, kind, requested, available in walked.clamped
    ]
    findings += [_refused(inputs, stay, counts, index, kind) for index, kind in walked.refused]
    findings += [
        _reconciliation(inputs, stay, s) for s in walked.stretches if s.reconciled != s.book
    ]
    return StayPopulation(
        start_before_placement=walked.start_before_placement,
        start_after_placement=walked.start_after_placement,
        end=walked.end,
        moved=walked.moved,
        deaths=walked.deaths,
        mortality_source=walked.mortality_source,
        unexplained=walked.unexplained,
        variance=walked.variance,
        source=walked.source,
        stocked=stay.opening + int(stay.placed.sum()),
        closed_by=walked.closed_by,
        closed_day=walked.closed_day,
        findings=findings,
    )


def _where(inputs: BatchInputs, stay: StayInput, first: int, last: int | None = None) -> str:
    """The stay and its day (or days) as the farm names them."""
    when = inputs.describe_day(stay.first_day + first)
    if last is not None and last != first:
        when = f"{when} .. {inputs.describe_day(stay.first_day + last)}"
    return f"{inputs.describe_stay(stay.position)}, {when}"


def _clamped(
    inputs: BatchInputs, stay: StayInput, day: int, kind: str, requested: int, available: int
) -> Finding:
    return Finding(
        "count_clamped",
        f"{kind} of {requested} fish ({_where(inputs, stay, day)}) exceeds the {available} "
        f"present; clamped to {available}",
        assignment_id=int(inputs.assignment_id[stay.position]),
        day=stay.first_day + day,
    )


def _refused(
    inputs: BatchInputs, stay: StayInput, counts: Counts, index: int, kind: str
) -> Finding:
    what = {
        "count_without_fish": "counts fish in a stay that holds none and never had any",
        "count_beyond_stocked": "counts more fish than were ever put into the stay, beyond "
        "the counts' combined precision",
    }[kind]
    day = int(counts.day[index])
    return Finding(
        kind,
        f"population count {int(counts.id[index])} of {int(counts.count[index])} fish "
        f"({_where(inputs, stay, day)}) {what}; ignored",
        int(counts.id[index]),
        int(inputs.assignment_id[stay.position]),
        stay.first_day + day,
    )


def _reconciliation(inputs: BatchInputs, stay: StayInput, stretch: reconcile.Stretch) -> Finding:
    gained = stretch.reconciled - stretch.book
    share = abs(gained) / stretch.book * 100 if stretch.book else math.inf
    closer = {
        reconcile.BY_COUNT: "a population count",
        reconcile.BY_TRANSFER: "the counted transfers that emptied the pen",
        reconcile.BY_HARVEST: "the harvest that emptied the pen",
        reconcile.BY_DEPARTURE: "the stay's departure with no record of where they went",
    }[stretch.kind]
    if stretch.cause:
        kind = "count_above_book"
        what = (
            f"a {stretch.cause} took {gained} fish more than the book held; they were there: "
            "an unexplained gain"
        )
    elif stretch.kind == reconcile.BY_DEPARTURE:
        kind, what = "fish_left_at_departure", f"{-gained} fish left on the book went unrecorded"
    elif gained < 0:
        kind, what = "unexplained_loss", f"{-gained} fish lost without a record"
    else:
        kind, what = "unexplained_gain", f"{gained} fish found beyond the book"
    percent = (
        f"{share:.1f} % of the book's {stretch.book}" if stretch.book else "the book held none"
    )
    return Finding(
        kind,
        f"{_where(inputs, stay, stretch.first, stretch.last)}: {what} ({percent}), by {closer}",
        stretch.record_id,
        int(inputs.assignment_id[stay.position]),
        stay.first_day + stretch.last,
    )


def stay_counts(counts: Counts, position: int, first_day: int) -> Counts:
    """The counts of one stay, on its local days, in day order."""
    mine = np.flatnonzero(counts.assignment == position)
    mine = mine[np.argsort(counts.day[mine], kind="stable")]
    given = len(counts.precision) == len(counts.day)
    return Counts(
        id=counts.id[mine],
        assignment=counts.assignment[mine],
        day=counts.day[mine] - first_day,
        count=counts.count[mine],
        method=counts.method[mine],
        precision=counts.precision[mine] if given else np.full(len(mine), np.nan),
    )


def placement_variance(fish: int) -> float:
    """The variance fish placed into a stay bring: that of the count that moved them."""
    return (COUNTER_PRECISION * fish) ** 2


def hidden_loss_rate(inputs: BatchInputs, stage: int) -> float:
    """The history's expected unrecorded loss per fish-day for a stage (0: none)."""
    rates = inputs.hidden_loss_rate_by_stage
    if rates is None or stage >= len(rates) or math.isnan(rates[stage]):
        return 0.0
    return float(rates[stage])

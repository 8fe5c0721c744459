"""A slow, plain-Python reading of docs/engine.md: the oracle the fast engine is held to.

Everything here is per day and per assignment with Python ints and floats; numpy only
builds the output arrays. Clarity beats speed: a property test compares this file with
``aquagrowth.engine.core.assimilate`` on hundreds of random batches, so any shortcut
taken here would hide the very mistakes the comparison is meant to find.

How the order of computation follows the rules
----------------------------------------------
docs/engine.md walks day by day and brings every assignment to the start of the day
before any of them grows. Two facts let this file walk one assignment at a time instead,
all its days, in chronological order (``first_day``, id):

* Populations never depend on weights, and an assignment's population on day ``d``
  depends only on its own earlier days and on the fish its sources send on ``d``. The
  sources come earlier in the order, so their transfers out are already counted.
* A weight, though, may depend on the FUTURE: the curve up to a point is re-fitted to
  the next anchor, which can lie days later. A placement takes the source's
  start-of-day weight, which may sit inside such a segment. Walking the source's whole
  weight curve (all its segments, each closed at its end event) before the
  destination reads it gives every placement the re-fitted value.

So the walk is: (1) validate the records, (2) temperatures per container and day,
(3) for each assignment in order, the population walk (recording the fish each transfer
moves and the population at every break), then its weight segments (recording the
weight of the fish each transfer moves), (4) the rows. This needs transfers to go from
an earlier assignment to a later one; a transfer the other way raises ``ValueError``.

Interpretations where the rules leave a choice are marked "Choice:" below.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np

from aquagrowth.engine.core.inputs import COUNT_METHODS, SELECTION_AVERAGE, BatchInputs
from aquagrowth.engine.core.outputs import (
    ANCHOR_TYPES,
    ESTIMATED_METRICS,
    FEED_SOURCES,
    FLAGS,
    MORTALITY_SOURCES,
    NO_DAY,
    POPULATION_SOURCES,
    STAY_CLOSES,
    TEMP_SOURCES,
    WEIGHT_SOURCES,
    DailyStates,
    Finding,
    StaySummaries,
)

Rules = Literal["reconciled", "book"]

NAN = float("nan")
INTERPOLATION_REACH_DAYS = 7
HALF_LIFE_DAYS = 30.0
FCR_WINDOW_DAYS = 7
CARRY_TOLERANCE = 1e-9
MIN_DEGREE_DAYS = 1e-6
"""The rule's bound below which a temperature sum is rounding, not warmth (docs/engine.md)."""
"""Choice: ``floor(carry + 1e-9)``. In binary floating point ten days of 100 * 0.001
add up to 0.9999999999999999, and a plain floor would delay the death by a day."""
COUNT_PRECISION = {
    "stocking": 0.0125,
    "counter": 0.01,
    "treatment": 0.01,
    "harvest": 0.0,
    "estimate": 0.05,
}
"""Default relative standard deviation of a count by its method (docs/engine.md's table,
in % there, as a fraction here)."""
Q_PER_SQRT_DAY = 0.0005
"""The book's relative standard deviation gained per square root of a day."""
LATE_MORTALITY_CONFIDENCE = 0.8
"""docs/engine.md, Confidence: the dead fish were counted, only the day they died is
spread; between ``recorded`` (1.0) and ``model`` (0.4)."""
FCR_MIN_RECORDED_DAYS = 4


def _isnan(x: float) -> bool:
    return x != x


# ---------------------------------------------------------------------------
# 1. Validation: every record either feeds the computation or becomes a finding.


@dataclass
class _Anchor:
    """End-of-day measured weights of one (assignment, day), combined."""

    fish: int = 0
    grams: float = 0.0
    weighed: int = 0
    """Fish weighed in samples and weighings (drives the confidence)."""
    harvested: bool = False
    sampled: bool = False

    @property
    def weight(self) -> float:
        return self.grams / self.fish

    @property
    def confidence(self) -> float:
        # Choice: a harvest weighs every fish (1.0); samples and weighings of one day
        # pool their fish into one sample.
        if self.harvested:
            return 1.0
        return min(1.0, math.sqrt(self.weighed / 30.0))

    @property
    def code(self) -> int:
        # Choice: ANCHOR_TYPES has no "harvest"; a harvest is a weighing of the fish.
        return ANCHOR_TYPES.index("growth_sample" if self.sampled else "weighing")


@dataclass
class _Records:
    findings: list[Finding] = field(default_factory=list)
    mortality: dict[tuple[int, int], int] = field(default_factory=dict)
    harvest: dict[tuple[int, int], int] = field(default_factory=dict)
    anchors: dict[tuple[int, int], _Anchor] = field(default_factory=dict)
    feed: dict[tuple[int, int], float] = field(default_factory=dict)
    transfers_in: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    transfers_out: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    filled_by_transfer: set[int] = field(default_factory=set)
    harvest_id: dict[tuple[int, int], int | None] = field(default_factory=dict)
    """Record id of the first harvest of each (assignment, day), for findings."""
    departures_beyond: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Transfers on a departed stay's departure day beyond the computed days: not
    executed, but their counts still measure the pen it emptied."""
    counts: dict[int, dict[int, tuple[int, int, float]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    """Per assignment, day -> (record id, fish counted, variance): the counts to use."""


def _days_of(inputs: BatchInputs, a: int) -> range:
    return range(
        int(inputs.assignment_first_day[a]),
        min(int(inputs.assignment_stop_day[a]), inputs.n_days),
    )


def _validate(inputs: BatchInputs) -> _Records:
    rec = _Records()
    say = rec.findings.append
    aid = [int(x) for x in inputs.assignment_id]

    if inputs.scenario is None:
        say(
            Finding(
                "no_scenario",
                "batch has no scenario: TGC, temperature profile and mortality rates are "
                "missing; weights held, model mortality off",
            )
        )

    else:
        sc = inputs.scenario
        missing = [
            f"{what} of stage {inputs.stage_names[stage]}"
            for stage in sorted({int(x) for x in inputs.assignment_stage})
            for what, values in (
                ("TGC", sc.tgc_by_stage),
                ("mortality rate", sc.mortality_rate_by_stage),
            )
            if _isnan(float(values[stage]))
        ]
        if len(sc.profile_day_number) == 0:
            missing.append("temperature profile")
        if missing:
            # Choice (shared with the core): a scenario with gaps names them in one finding.
            say(Finding("scenario_incomplete", "scenario lacks: " + ", ".join(missing)))

    for kind, events in (
        ("mortality", inputs.mortality),
        ("sample", inputs.samples),
        ("weighing", inputs.weighings),
        ("harvest", inputs.harvests),
    ):
        for i in range(len(events.day)):
            a, d = int(events.assignment[i]), int(events.day[i])
            n, amount = int(events.count[i]), float(events.amount[i])
            rid = int(events.first_id[i]) if len(events.first_id) else None
            where = {"record_id": rid, "assignment_id": aid[a], "day": d}
            # Choice: one finding per record, checked in this order.
            if not math.isfinite(amount):
                say(Finding("non_finite_value", f"{kind} with a non-finite value ignored", **where))
            elif n < 0 or amount < 0:
                say(Finding("negative_value", f"{kind} with a negative value ignored", **where))
            elif d > inputs.today_day:
                say(Finding("event_in_future", f"{kind} after today ignored", **where))
            elif d >= inputs.n_days and int(inputs.assignment_stop_day[a]) >= inputs.n_days:
                # Choice: after the computed days of a stay still open there: not outside
                # the stay, just not computed this time; no finding.
                continue
            elif d not in _days_of(inputs, a):
                say(
                    Finding(
                        "event_outside_assignment",
                        f"{kind} outside its assignment's days ignored",
                        **where,
                    )
                )
            elif kind == "mortality":
                rec.mortality[a, d] = rec.mortality.get((a, d), 0) + n
            elif kind == "harvest":
                rec.harvest[a, d] = rec.harvest.get((a, d), 0) + n
                rec.harvest_id.setdefault((a, d), rid)
                if n > 0:
                    anchor = rec.anchors.setdefault((a, d), _Anchor())
                    anchor.fish += n
                    anchor.grams += amount * 1000.0
                    anchor.harvested = True
            elif n > 0:
                anchor = rec.anchors.setdefault((a, d), _Anchor())
                anchor.fish += n
                anchor.grams += amount
                anchor.weighed += n
                anchor.sampled = anchor.sampled or kind == "sample"

    tr = inputs.transfers
    for t in range(len(tr.id)):
        src, dst, d = int(tr.source[t]), int(tr.dest[t]), int(tr.day[t])
        if dst >= 0:
            # Choice: "no incoming completed transfer AT ALL" counts every transfer
            # record naming the assignment, even one rejected below.
            rec.filled_by_transfer.add(dst)
        where = {"record_id": int(tr.id[t]), "assignment_id": aid[src], "day": d}
        measured = float(tr.measured_weight_g[t])
        if int(tr.count[t]) < 0 or (not _isnan(measured) and measured < 0):
            say(Finding("negative_value", "transfer with a negative value ignored", **where))
        elif d > inputs.today_day:
            say(Finding("event_in_future", "transfer after today ignored", **where))
        elif dst < 0:
            say(
                Finding(
                    "transfer_other_batch",
                    "transfer to another batch's assignment ignored",
                    **where,
                )
            )
        elif d >= inputs.n_days:
            # Beyond the computed days: not executed, not an error. Choice: on a departed
            # stay's departure day its count still measures the pen it emptied.
            if d == int(inputs.assignment_stop_day[src]) and bool(inputs.departed[src]):
                rec.departures_beyond[src].append(t)
        elif not (
            int(inputs.assignment_first_day[src]) <= d <= int(inputs.assignment_stop_day[src])
        ) or d not in _days_of(inputs, dst):
            # The source may give its fish on its departure day (d == stop), the usual
            # stage transition; the destination must be present that day.
            say(
                Finding(
                    "transfer_outside_assignment",
                    "transfer outside its source's or destination's days ignored",
                    **where,
                )
            )
        else:
            if dst <= src:
                raise ValueError("the reference needs transfers from earlier to later assignments")
            rec.transfers_out[src].append(t)
            rec.transfers_in[dst].append(t)
    for lists in (rec.transfers_in, rec.transfers_out):
        for ts in lists.values():
            ts.sort(key=lambda t: int(tr.id[t]))

    for a in range(inputs.n_assignments):
        if a in rec.filled_by_transfer and int(inputs.assignment_opening_population[a]) != 0:
            say(
                Finding(
                    "opening_population_ignored",
                    "recorded opening population of an assignment filled by transfers ignored",
                    assignment_id=aid[a],
                    day=int(inputs.assignment_first_day[a]),
                )
            )
        elif a not in rec.filled_by_transfer and (
            int(inputs.assignment_opening_population[a]) < 0
            or float(inputs.assignment_opening_weight_g[a]) < 0
        ):
            say(
                Finding(
                    "negative_value",
                    "negative opening population or weight ignored",
                    assignment_id=aid[a],
                    day=int(inputs.assignment_first_day[a]),
                )
            )

    feed = inputs.feed
    for i in range(len(feed.day)):
        c, d, kg = int(feed.container[i]), int(feed.day[i]), float(feed.value[i])
        if int(feed.count[i]) <= 0:
            continue
        if not math.isfinite(kg):
            say(Finding("non_finite_value", "non-finite feed ignored", day=d))
            continue
        if kg < 0:
            say(Finding("negative_value", "negative feed ignored", day=d))
            continue
        if d > inputs.today_day:
            say(Finding("event_in_future", "feeding after today ignored", day=d))
            continue
        present = [
            a
            for a in range(inputs.n_assignments)
            if int(inputs.assignment_container[a]) == c and d in _days_of(inputs, a)
        ]
        if not present:
            say(
                Finding(
                    "feed_outside_assignment",
                    "feeding in a container without the batch that day ignored",
                    day=d,
                )
            )
        for a in present:
            rec.feed[a, d] = rec.feed.get((a, d), 0.0) + kg
    return rec


def _where(inputs: BatchInputs, a: int, day: int) -> str:
    """A record's place as the farm names it: batch number, container name, date."""
    container = inputs.container_name(int(inputs.assignment_container[a]))
    return f"batch {inputs.batch_name}, {container}, {inputs.describe_day(day)}"


def _validate_counts(inputs: BatchInputs, rec: _Records) -> None:
    """Population counts to use (``rec.counts``); the rest reported (real farm rules only).

    Checked here: the checks every record gets, then a stay's second count of a day.
    Whether a count can be the pen's at all (fish ever stocked) needs the fish placed,
    and is checked as the stay is walked.
    """
    counts = inputs.counts
    kept: dict[tuple[int, int], int] = {}
    for i in sorted(range(len(counts.id)), key=lambda i: int(counts.id[i])):
        a, d, n = int(counts.assignment[i]), int(counts.day[i]), int(counts.count[i])
        rid = int(counts.id[i])
        precision = float(counts.precision[i])
        where = {"record_id": rid, "assignment_id": int(inputs.assignment_id[a]), "day": d}
        # Choice: the same checks, in the same order, as every other event.
        if n < 0 or (not _isnan(precision) and precision < 0):
            message = f"population count {rid} with a negative value ignored"
            rec.findings.append(Finding("negative_value", message, **where))
        elif d > inputs.today_day:
            message = f"population count {rid} after today ignored"
            rec.findings.append(Finding("event_in_future", message, **where))
        elif d >= inputs.n_days and int(inputs.assignment_stop_day[a]) >= inputs.n_days:
            continue  # after the computed days of a stay still open: not computed this time
        elif d not in _days_of(inputs, a):
            message = f"population count {rid} outside its assignment's days ignored"
            rec.findings.append(Finding("event_outside_assignment", message, **where))
        elif (a, d) in kept:
            message = (
                f"{_where(inputs, a, d)}: population count {rid} of {n} fish is the stay's "
                f"second count of the day; count {kept[a, d]} used, this one ignored"
            )
            rec.findings.append(Finding("two_counts", message, **where))
        else:
            kept[a, d] = rid
            if _isnan(precision):
                precision = COUNT_PRECISION[COUNT_METHODS[int(counts.method[i])]]
            rec.counts[a][d] = (rid, n, (precision * n) ** 2)


# ---------------------------------------------------------------------------
# 2. Temperature of (container, day).


def _profile_temp(inputs: BatchInputs, day_number: int) -> float | None:
    sc = inputs.scenario
    if sc is None or len(sc.profile_day_number) == 0:
        return None
    pts = sorted(
        zip(
            (int(x) for x in sc.profile_day_number),
            (float(v) for v in sc.profile_temp_c),
            strict=True,
        )
    )
    if day_number <= pts[0][0]:
        return pts[0][1]
    if day_number >= pts[-1][0]:
        return pts[-1][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        # A profile day gives its own value exactly (a day after it is reached from it):
        # where the profile reaches 0 degC, a hair above 0 would grow fish that don't.
        if x0 <= day_number < x1:
            return y0 + (y1 - y0) / (x1 - x0) * (day_number - x0)
    raise AssertionError("unreachable")


def _temperatures(
    inputs: BatchInputs, rec: _Records
) -> dict[tuple[int, int], tuple[float, int, float]]:
    """(container, day) -> (temp_c, source code, confidence) for every computed day."""
    t = inputs.temperature
    sums: dict[int, dict[int, list[float]]] = defaultdict(dict)
    rejected: dict[int, int] = defaultdict(int)
    for i in range(len(t.day)):
        c, d, n = int(t.container[i]), int(t.day[i]), int(t.count[i])
        if len(t.rejected) and int(t.rejected[i]) > 0:
            rejected[c] += int(t.rejected[i])
        if n > 0:
            acc = sums[c].setdefault(d, [0.0, 0])
            acc[0] += float(t.value[i]) * n
            acc[1] += n
    for c, n in sorted(rejected.items()):
        # Choice: one finding per container, with the count of readings rejected.
        message = f"{n} temperature reading(s) outside -2..35 degC ignored (sensor fault)"
        container_id = int(inputs.container_ids[c])
        rec.findings.append(Finding("sensor_fault", message, record_id=container_id))

    out: dict[tuple[int, int], tuple[float, int, float]] = {}
    containers = {int(c) for c in inputs.assignment_container}
    for c in containers:
        measured = {d: s / n for d, (s, n) in sums.get(c, {}).items()}
        for d in range(inputs.n_days):
            if d in measured:
                out[c, d] = (measured[d], TEMP_SOURCES.index("measured"), 1.0)
                continue
            before = [k for k in measured if k < d]
            after = [k for k in measured if k > d]
            if before and after:
                a, b = max(before), min(after)
                if d - a <= INTERPOLATION_REACH_DAYS and b - d <= INTERPOLATION_REACH_DAYS:
                    value = measured[a] + (measured[b] - measured[a]) * (d - a) / (b - a)
                    conf = max(0.4, 0.9 - (b - a) / 30.0)
                    out[c, d] = (value, TEMP_SOURCES.index("interpolated"), conf)
                    continue
            profile = _profile_temp(inputs, d + 1)
            if profile is not None:
                out[c, d] = (profile, TEMP_SOURCES.index("profile"), 0.5)
            elif measured:
                mean = sum(measured.values()) / len(measured)
                out[c, d] = (mean, TEMP_SOURCES.index("container_mean"), 0.3)
            else:
                out[c, d] = (NAN, TEMP_SOURCES.index("missing"), 0.0)
    return out


# ---------------------------------------------------------------------------
# 3a. Population walk of one assignment.


@dataclass
class _Point:
    """Something that happens to an assignment's weight at a point, in processing order."""

    point: int
    kind: str
    """"anchor" (end of day), "placement", "average" (measured AVERAGE transfer out),
    "mass_balance" (measured LARGEST/SMALLEST leaving fish behind), "moved" (other
    transfer out: the fish leave at the current weight)."""
    weight: float = NAN
    confidence: float = NAN
    anchor_code: int = 0
    transfer: int = -1
    present: int = 0
    """Fish present before the event."""
    placed: list[tuple[int, int]] = field(default_factory=list)
    """Placements: (transfer, fish)."""
    moved: int = 0


@dataclass
class _Walk:
    population: dict[int, int] = field(default_factory=dict)
    died: dict[int, int] = field(default_factory=dict)
    mortality_source: dict[int, int] = field(default_factory=dict)
    points: list[_Point] = field(default_factory=list)
    unexplained: dict[int, int] = field(default_factory=dict)
    variance: dict[int, float] = field(default_factory=dict)
    source: dict[int, int] = field(default_factory=dict)
    """Population source code per day."""
    stocked: int = 0
    closed_by: int = STAY_CLOSES.index("open")
    closed_day: int = NO_DAY
    counts_through: int = NO_DAY


def _out_point(inputs: BatchInputs, t: int, d: int, present: int, n: int) -> _Point:
    """Transfer ``t`` moving ``n`` of ``present`` fish out at point ``d``, for the weights."""
    tr = inputs.transfers
    measured = float(tr.measured_weight_g[t])
    if _isnan(measured) or n == 0:
        # Choice: a transfer that moved no fish measured nothing of this tank.
        kind = "moved"
    elif int(tr.selection[t]) == SELECTION_AVERAGE:
        kind = "average"
    elif present - n > 0:
        kind = "mass_balance"
    else:
        kind = "moved"  # nobody stays: the source just empties
    return _Point(d, kind, weight=measured, transfer=t, present=present, moved=n, confidence=0.9)


def _walk_book(inputs: BatchInputs, rec: _Records, a: int, moved_fish: dict[int, int]) -> _Walk:
    """The book-only rules (before counts): every count cut to the fish present."""
    tr = inputs.transfers
    stage = int(inputs.assignment_stage[a])
    rate = NAN
    if inputs.scenario is not None:
        rate = float(inputs.scenario.mortality_rate_by_stage[stage])
    aid = int(inputs.assignment_id[a])
    days = _days_of(inputs, a)
    walk = _Walk()
    pop = 0 if a in rec.filled_by_transfer else max(0, int(inputs.assignment_opening_population[a]))

    def give(t: int, d: int, pop: int) -> int:
        """Move transfer ``t``'s fish out at the start of day ``d``; the fish left."""
        want = int(tr.count[t])
        n = min(want, pop)
        if want > pop:
            rec.findings.append(
                Finding(
                    "count_clamped",
                    f"transfer of {want} fish with {pop} present: {n} moved",
                    record_id=int(tr.id[t]),
                    assignment_id=aid,
                    day=d,
                )
            )
        moved_fish[t] = n
        walk.points.append(_out_point(inputs, t, d, pop, n))
        pop -= n
        return pop

    carry = 0.0
    for d in days:
        incoming = [(t, moved_fish[t]) for t in rec.transfers_in.get(a, []) if int(tr.day[t]) == d]
        placed = sum(n for _, n in incoming)
        if placed > 0:
            # Choice: placements that bring no fish (an emptied source) change nothing.
            walk.points.append(_Point(d, "placement", present=pop, placed=incoming))
            pop += placed
        for t in rec.transfers_out.get(a, []):
            if int(tr.day[t]) == d:
                pop = give(t, d, pop)
        if (a, d) in rec.mortality:
            r = rec.mortality[a, d]
            died = min(r, pop)
            if r > pop:
                rec.findings.append(
                    Finding(
                        "count_clamped",
                        f"mortality of {r} fish with {pop} present: {died} counted",
                        assignment_id=aid,
                        day=d,
                    )
                )
            walk.mortality_source[d] = MORTALITY_SOURCES.index("recorded")
        elif not _isnan(rate):
            carry += pop * rate
            k = math.floor(carry + CARRY_TOLERANCE)
            carry -= k
            died = min(k, pop)
            walk.mortality_source[d] = MORTALITY_SOURCES.index("model")
        else:
            died = 0
            walk.mortality_source[d] = MORTALITY_SOURCES.index("missing")
        pop -= died
        walk.died[d] = died
        if (a, d) in rec.harvest:
            h = rec.harvest[a, d]
            if h > pop:
                rec.findings.append(
                    Finding(
                        "count_clamped",
                        f"harvest of {h} fish with {pop} present: {pop} harvested",
                        assignment_id=aid,
                        day=d,
                    )
                )
            pop -= min(h, pop)
        walk.population[d] = pop
        if (a, d) in rec.anchors:
            anchor = rec.anchors[a, d]
            walk.points.append(
                _Point(
                    d + 1,
                    "anchor",
                    weight=anchor.weight,
                    confidence=anchor.confidence,
                    anchor_code=anchor.code,
                )
            )
    for t in rec.transfers_out.get(a, []):
        if int(tr.day[t]) == days.stop:
            pop = give(t, days.stop, pop)
    return walk


# ---------------------------------------------------------------------------
# 3a'. Population walk of one assignment under the real farm's rules: the book between
# counts, counts as measurements, every difference reconciled and reported.


def _record_shares(
    rec: _Records, a: int, days: range
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Each day's share of the mortality record that covers it: (fish, source, record day).

    A record on day ``d`` covers the days after the stay's previous record (or from its
    first day) through ``d``; day ``a + i`` of ``n`` gets
    ``round(r (i + 1) / n) - round(r i / n)`` (exact fractions, halves to even).
    """
    share: dict[int, int] = {}
    source: dict[int, int] = {}
    record_of: dict[int, int] = {}
    previous = days.start - 1
    for d in sorted(day for b, day in rec.mortality if b == a):
        r, n = rec.mortality[a, d], d - previous
        for i in range(n):
            day = previous + 1 + i
            share[day] = round(Fraction(r * (i + 1), n)) - round(Fraction(r * i, n))
            source[day] = MORTALITY_SOURCES.index("recorded_late")
            record_of[day] = d
        source[d] = MORTALITY_SOURCES.index("recorded")
        previous = d
    return share, source, record_of


class _Reconciled:
    """One stay's population, day by day, as docs/engine.md's "Population" states it.

    The walk keeps the **book** ``P`` (fish placed, moved, dead, harvested, and in an
    open stretch the history's expected loss) and its forward variance ``V``. ``B[d]``
    and ``Vf[d]`` are both at the end of day ``d``. A measurement at the end of day ``T``
    reconciles the stretch since the previous one: it adds whole fish to the book's days
    (``corr``), and the book continues from the reconciled number. A row's population is
    ``B[d] + corr[d]``.
    """

    def __init__(
        self, inputs: BatchInputs, rec: _Records, a: int, moved_fish: dict[int, int]
    ) -> None:
        self.inputs, self.rec, self.a, self.moved_fish = inputs, rec, a, moved_fish
        tr = inputs.transfers
        self.days = _days_of(inputs, a)
        stage = int(inputs.assignment_stage[a])
        sc = inputs.scenario
        self.rate = NAN if sc is None else float(sc.mortality_rate_by_stage[stage])
        h = NAN
        if inputs.hidden_loss_rate_by_stage is not None:
            h = float(inputs.hidden_loss_rate_by_stage[stage])
        # Choice: a history that teaches no loss (NaN, 0, or a net gain) takes none.
        self.hidden_rate = h if h > 0 else 0.0
        egg_input = a not in rec.filled_by_transfer
        self.opening = max(0, int(inputs.assignment_opening_population[a])) if egg_input else 0
        opening_variance = (COUNT_PRECISION["stocking"] * self.opening) ** 2

        self.incoming: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for t in rec.transfers_in.get(a, []):
            self.incoming[int(tr.day[t])].append((t, moved_fish[t]))
        self.outs: dict[int, list[int]] = defaultdict(list)
        self.departures: list[int] = []  # executed on the departure day (no row)
        for t in rec.transfers_out.get(a, []):
            if int(tr.day[t]) in self.days:
                self.outs[int(tr.day[t])].append(t)
            else:
                self.departures.append(t)
        # Choice: transfers executed on a stay's departure day empty it, whatever the
        # departed flag says (the flag matters for a stay left without them).
        self.departing = bool(inputs.departed[a]) or bool(self.departures)
        self.share, self.mortality_source, self.record_of = _record_shares(rec, a, self.days)
        self.counts = self._usable_counts(opening_variance)
        if self.departing:
            self.open_from = None
        else:
            self.open_from = max(self.counts) + 1 if self.counts else self.days.start

        self.P, self.V = self.opening, opening_variance
        self.since = self.days.start
        self.after_last = (self.opening, opening_variance)
        """Book and variance right after the last measurement (the opening before any)."""
        self.B: dict[int, int] = {}
        self.Vf: dict[int, float] = {}
        self.corr: dict[int, int] = defaultdict(int)
        self.gain_at_start: dict[int, int] = defaultdict(int)
        self.stretches: list[tuple[int, int, float]] = []
        self.var_at: dict[int, float] = {}
        self.v_today = 0.0
        self.carry = self.carry_hidden = 0.0
        self.died: dict[int, int] = {}
        self.cut: dict[int, int] = defaultdict(int)
        self.last_close = ("open", NO_DAY)
        self.counts_through = NO_DAY

    # -- the records -------------------------------------------------------------

    def _say(self, kind: str, message: str, record_id: int | None, day: int) -> None:
        aid = int(self.inputs.assignment_id[self.a])
        self.rec.findings.append(Finding(kind, message, record_id, aid, day))

    def _usable_counts(self, opening_variance: float) -> dict[int, tuple[int, int, float]]:
        """The stay's counts that can be its pen's (docs/engine.md, item 7)."""
        usable = {}
        stocked, variance = self.opening, opening_variance
        for d in self.days:
            for _, n in self.incoming[d]:
                stocked += n
                variance += (COUNT_PRECISION["counter"] * n) ** 2
            if d not in self.rec.counts[self.a]:
                continue
            rid, m, vm = self.rec.counts[self.a][d]
            where = _where(self.inputs, self.a, d)
            # Choice: "the fish ever put into the stay" are those put in by the count's
            # day: fish placed later cannot have been counted.
            if stocked == 0:
                message = (
                    f"{where}: population count {rid} of {m} fish in a stay that never held "
                    "fish; ignored"
                )
                self._say("count_without_fish", message, rid, d)
            elif m - stocked > 3 * math.sqrt(variance + vm):
                message = (
                    f"{where}: population count {rid} of {m} fish is beyond the {stocked} "
                    f"fish ever put into the stay (3 standard deviations: "
                    f"{3 * math.sqrt(variance + vm):.0f}); ignored"
                )
                self._say("count_beyond_stocked", message, rid, d)
            else:
                usable[d] = (rid, m, vm)
        return usable

    # -- one day -----------------------------------------------------------------

    def _add_variance(self, sd: float) -> None:
        self.V += sd**2
        self.v_today += sd**2

    def day(self, d: int) -> None:
        rec, tr, a = self.rec, self.inputs.transfers, self.a
        self.v_today = 0.0
        if self.incoming[d]:
            # The day's placements bring the variances of their counts, summed.
            self.P += sum(n for _, n in self.incoming[d])
            placed_variance = sum(
                (COUNT_PRECISION["counter"] * n) ** 2 for _, n in self.incoming[d]
            )
            self.V += placed_variance
            self.v_today += placed_variance
        for t in self.outs[d]:
            n = int(tr.count[t])
            if n > self.P:
                self._above_book(d, n, int(tr.id[t]), f"transfer {int(tr.id[t])} of {n} fish")
            self.P -= n
            self._add_variance(COUNT_PRECISION["counter"] * n)
            self.moved_fish[t] = n
        if d in self.share:
            k = self.share[d]
            if k > self.P:
                self.cut[self.record_of[d]] += k - self.P
        elif not _isnan(self.rate):
            self.carry += self.P * self.rate
            k = math.floor(self.carry + CARRY_TOLERANCE)
            self.carry -= k
            self.mortality_source[d] = MORTALITY_SOURCES.index("model")
        else:
            k = 0
            self.mortality_source[d] = MORTALITY_SOURCES.index("missing")
        self.died[d] = min(k, self.P)
        self.P -= self.died[d]
        if self.open_from is not None and d >= self.open_from and self.hidden_rate > 0:
            self.carry_hidden += self.P * self.hidden_rate
            k = math.floor(self.carry_hidden + CARRY_TOLERANCE)
            self.carry_hidden -= k
            self.P -= min(k, self.P)
        if (a, d) in rec.harvest:
            n = rec.harvest[a, d]
            if n > self.P:
                self._above_book(d, n, rec.harvest_id[a, d], f"harvest of {n} fish")
            self.P -= n
        self.V += (Q_PER_SQRT_DAY * self.P) ** 2
        self.B[d], self.Vf[d] = self.P, self.V
        if d in self.counts:
            rid, m, vm = self.counts[d]
            self._measure(d, m, vm, "count", rid, f"population count {rid} of {m} fish")

    def _above_book(self, d: int, n: int, record_id: int | None, what: str) -> None:
        """A removal of more fish than the book holds: the fish were there.

        Choice: the day's other flows (deaths, expected loss) stay as they were, so the
        book at the removal is exactly its count after the stretch is reconciled.
        """
        shortfall = n - self.P
        book, _ = self._book_at(d - 1)
        what = f"{what} with {self.P} on the book"
        self._reconcile(d - 1, book + shortfall, 0.0, "count", record_id, what, "count_above_book")
        self.P += shortfall
        self.V = self.v_today  # the stretch was reconciled exactly: only today's flows

    def _measure(
        self,
        until: int,
        m: int,
        vm: float,
        close: str,
        record_id: int | None,
        what: str,
        kind: str | None = None,
    ) -> int:
        self.P, self.V = self._reconcile(until, m, vm, close, record_id, what, kind)
        return self.P

    def _book_at(self, until: int) -> tuple[int, float]:
        """The book and its variance at the end of day ``T``, before a measurement there."""
        if self.since <= until:
            return self.B[until], self.Vf[until]
        return self.after_last  # a second measurement at the same point

    def _reconcile(
        self,
        until: int,
        m: int,
        vm: float,
        close: str,
        record_id: int | None,
        what: str,
        kind: str | None,
    ) -> tuple[int, float]:
        """Reconcile the stretch ``S .. T`` to a measurement ``m`` of variance ``vm``."""
        since = self.since
        book, vb = self._book_at(until)
        gain = 1.0 if vm == 0 else vb / (vb + vm)
        D = gain * (m - book)
        whole = round(D)
        posterior = 0.0 if vb == 0 or vm == 0 else vb * vm / (vb + vm)
        if since <= until:
            total = sum(self.B[t] for t in range(since, until + 1))
            fish_days = 0
            for t in range(since, until):
                fish_days += self.B[t]
                self.corr[t] += round(D * fish_days / total) if total > 0 else 0
            self.corr[until] += whole
            self.stretches.append((since, until, vm))
        elif until >= self.days.start:
            # Choice: a measurement at the point of the previous one (nothing between
            # them) changes that day alone.
            self.corr[until] += whole
            self.var_at[until] = posterior
        else:
            # Choice: a removal above the book on the stay's first day has no day before
            # it to reconcile: the fish it proves are found at the start of that day.
            self.gain_at_start[until + 1] += whole
        self.since = until + 1
        self.after_last = (book + whole, posterior)
        if until >= self.days.start:
            self.last_close = (close, until)
            self.counts_through = until
        if whole != 0:
            self._report(min(since, until), until, book, whole, what, record_id, kind)
        return book + whole, posterior

    def _report(
        self,
        since: int,
        until: int,
        book: int,
        whole: int,
        what: str,
        rid: int | None,
        kind: str | None,
    ) -> None:
        inputs = self.inputs
        kind = kind or ("unexplained_gain" if whole > 0 else "unexplained_loss")
        container = inputs.container_name(int(inputs.assignment_container[self.a]))
        stretch = inputs.describe_day(max(since, self.days.start))
        if since < until:
            stretch += f" to {inputs.describe_day(until)}"
        share = (
            f"{100.0 * abs(whole) / book:.2f} % of the book's {book}"
            if book
            else "no fish on the book"
        )
        message = (
            f"batch {inputs.batch_name}, {container}, {stretch}: {abs(whole)} fish "
            f"{'found' if whole > 0 else 'lost'} without a record ({share}), reconciled to "
            f"{what}"
        )
        self._say(kind, message, rid, until)

    # -- the departure -----------------------------------------------------------

    def depart(self) -> None:
        """A departing stay's pen is measured at the end of its last day, and emptied."""
        if not self.departing:
            return
        tr, rec = self.inputs.transfers, self.rec
        moves = sorted(
            self.departures + rec.departures_beyond.get(self.a, []), key=lambda t: int(tr.id[t])
        )
        counted = [int(tr.count[t]) for t in moves]
        if not self.days:
            fish = self.P  # no day computed: nothing to reconcile
        elif moves:
            ids = ", ".join(str(int(tr.id[t])) for t in moves)
            fish = self._measure(
                self.days.stop - 1,
                sum(counted),
                sum((COUNT_PRECISION["counter"] * c) ** 2 for c in counted),
                "transfer",
                int(tr.id[moves[0]]),
                f"the {sum(counted)} fish counted out by transfer(s) {ids}",
            )
        else:
            until = self.days.stop - 1
            harvested = (self.a, until) in rec.harvest
            fish = self._measure(
                until,
                0,
                0.0,
                "harvest" if harvested else "departure",
                rec.harvest_id.get((self.a, until)),
                "the harvest that emptied the pen" if harvested else "the empty pen at departure",
                None if harvested else "fish_left_at_departure",
            )
        total = sum(counted)
        given = 0
        for t, cumulative in zip(moves, itertools.accumulate(counted), strict=True):
            upto = round(Fraction(fish * cumulative, total)) if total > 0 else 0
            self.moved_fish[t] = upto - given
            given = upto

    # -- the rows ----------------------------------------------------------------

    def run(self) -> _Walk:
        for d in self.days:
            self.day(d)
        self.depart()
        for record_day, cut in sorted(self.cut.items()):
            message = (
                f"{_where(self.inputs, self.a, record_day)}: mortality record of "
                f"{self.rec.mortality[self.a, record_day]} fish with fewer present: {cut} "
                "not counted"
            )
            self._say("count_clamped", message, None, record_day)
        return self._rows()

    def _rows(self) -> _Walk:
        walk = _Walk()
        tr, rec, a = self.inputs.transfers, self.rec, self.a
        variance = dict(self.Vf)
        closed: set[int] = set(self.var_at)
        for since, until, vm in self.stretches:
            vt = self.Vf[until]
            for t in range(since, until + 1):
                closed.add(t)
                vf = self.Vf[t]
                # V(t) - V(t)^2 / (V(T) + V_M), in a form exactly 0 at T when V_M = 0
                variance[t] = vf * ((vt - vf) + vm) / (vt + vm) if vt + vm > 0 else 0.0
        variance.update(self.var_at)
        estimated = False
        before = self.opening
        for d in self.days:
            pop = max(0, self.B[d] + self.corr[d])  # Choice: never below 0 (see docs)
            placed = sum(n for _, n in self.incoming[d])
            moved = sum(int(tr.count[t]) for t in self.outs[d])
            harvested = rec.harvest.get((a, d), 0)
            walk.population[d] = pop
            walk.unexplained[d] = before + placed - moved - self.died[d] - harvested - pop
            walk.died[d] = self.died[d]
            walk.mortality_source[d] = self.mortality_source[d]
            walk.variance[d] = variance[d]
            if d in closed:
                walk.source[d] = POPULATION_SOURCES.index("reconciled")
            else:
                # Deaths the records do not give (the scenario's, or none for want of a
                # rate) make the population an estimate from that day on.
                unrecorded = self.mortality_source[d] in (
                    MORTALITY_SOURCES.index("model"),
                    MORTALITY_SOURCES.index("missing"),
                )
                estimated = estimated or unrecorded or self.hidden_rate > 0
                walk.source[d] = POPULATION_SOURCES.index("estimated" if estimated else "book")
            before = pop
        walk.stocked = self.opening + sum(n for ns in self.incoming.values() for _, n in ns)
        walk.counts_through = self.counts_through
        if self.days and self.since > self.days.stop - 1:
            walk.closed_by = STAY_CLOSES.index(self.last_close[0])
            walk.closed_day = self.last_close[1]
        walk.points = self._points(walk)
        return walk

    def _points(self, walk: _Walk) -> list[_Point]:
        """The weight's events, with the fish present as the rows give them."""
        tr, rec, a = self.inputs.transfers, self.rec, self.a
        points = []
        before = self.opening
        for d in self.days:
            # Fish found on a stay's first day take the weight of the fish they are
            # found among: they do not dilute the day's mix (docs/engine.md, rule 4).
            present = before
            placed = sum(n for _, n in self.incoming[d])
            if placed > 0:
                points.append(_Point(d, "placement", present=present, placed=self.incoming[d]))
            present += placed
            for t in self.outs[d]:
                n = int(tr.count[t])
                points.append(_out_point(self.inputs, t, d, present, n))
                present -= n
            if (a, d) in rec.anchors:
                anchor = rec.anchors[a, d]
                points.append(
                    _Point(
                        d + 1,
                        "anchor",
                        weight=anchor.weight,
                        confidence=anchor.confidence,
                        anchor_code=anchor.code,
                    )
                )
            before = walk.population[d]
        present = walk.population[self.days.stop - 1] if self.days else self.P
        for t in sorted(self.departures, key=lambda t: int(tr.id[t])):
            points.append(_out_point(self.inputs, t, self.days.stop, present, self.moved_fish[t]))
            present -= self.moved_fish[t]
        return points


# ---------------------------------------------------------------------------
# 3b. Weight segments of one assignment.


@dataclass
class _Weights:
    start: dict[int, float] = field(default_factory=dict)
    end: dict[int, float] = field(default_factory=dict)
    source: dict[int, int] = field(default_factory=dict)
    tgc: dict[int, float] = field(default_factory=dict)
    anchor: dict[int, int] = field(default_factory=dict)
    references: list[tuple[int, float]] = field(default_factory=list)
    """(point, confidence) of every reference point."""


def _weigh(
    inputs: BatchInputs,
    rec: _Records,
    a: int,
    walk: _Walk,
    t_eff: dict[int, float],
    moved_weight: dict[int, float],
) -> _Weights:
    """Walk the segments, closing each at its end event, so re-fits see the next anchor."""
    tr = inputs.transfers
    stage = int(inputs.assignment_stage[a])
    scenario_tgc = NAN
    if inputs.scenario is not None:
        scenario_tgc = float(inputs.scenario.tgc_by_stage[stage])
    days = _days_of(inputs, a)
    out = _Weights()

    seg_start = days.start
    seg_weight = NAN
    if a not in rec.filled_by_transfer:
        w0 = float(inputs.assignment_opening_weight_g[a])
        if w0 > 0:
            seg_weight = w0
            out.references.append((seg_start, 0.9))
    pending: list[_Point] = []  # "moved" events inside the open segment

    def close(end: int, anchor_weight: float | None) -> float:
        """Fill rows seg_start .. end-1; return the weight arriving at point ``end``."""
        s, ws = seg_start, seg_weight
        if _isnan(ws):
            for d in range(s, end):
                out.start[d] = out.end[d] = NAN
                out.source[d] = WEIGHT_SOURCES.index("missing")
                out.tgc[d] = NAN
            arrive = NAN
            if anchor_weight is not None:  # on an anchor day the weight is the measured one
                out.end[end - 1] = arrive = anchor_weight
                out.source[end - 1] = WEIGHT_SOURCES.index("measured")
        else:
            root = math.cbrt(ws)
            if anchor_weight is not None:
                degree_days = sum(t_eff[d] for d in range(s, end))
                if degree_days > MIN_DEGREE_DAYS:
                    tgc = 1000.0 * (math.cbrt(anchor_weight) - root) / degree_days
                    steps = [tgc / 1000.0 * t_eff[d] for d in range(s, end)]
                else:
                    tgc = NAN
                    per_day = (math.cbrt(anchor_weight) - root) / (end - s)
                    steps = [per_day] * (end - s)
                source = WEIGHT_SOURCES.index("assimilated")
            elif not _isnan(scenario_tgc):
                tgc = scenario_tgc
                steps = [tgc / 1000.0 * t_eff[d] for d in range(s, end)]
                source = WEIGHT_SOURCES.index("scenario_tgc")
            else:
                tgc = NAN
                steps = [0.0] * (end - s)
                source = WEIGHT_SOURCES.index("held")
            weight = ws
            held = source == WEIGHT_SOURCES.index("held")
            for d, step in zip(range(s, end), steps, strict=True):
                out.start[d] = weight
                root += step
                # A held weight stays exactly what it was (no cube-root round trip).
                weight = ws if held else root**3
                out.end[d] = weight
                out.source[d] = source
                out.tgc[d] = tgc
            if anchor_weight is not None:
                out.end[end - 1] = anchor_weight
                out.source[end - 1] = WEIGHT_SOURCES.index("measured")
            arrive = out.end[end - 1]
        for ev in pending:
            moved_weight[ev.transfer] = arrive if ev.point == end else out.start[ev.point]
        pending.clear()
        return arrive

    def current(point: int) -> float:
        """The weight at ``point``, closing the open segment there (a break)."""
        nonlocal seg_start, seg_weight
        if point > seg_start:
            seg_weight = close(point, None)
            seg_start = point
        return seg_weight

    for ev in walk.points:
        if ev.kind in ("anchor", "average"):
            if ev.kind == "average":
                moved_weight[ev.transfer] = ev.weight
            if ev.point > seg_start:
                close(ev.point, ev.weight)
                out.anchor[ev.point - 1] = (
                    ev.anchor_code if ev.kind == "anchor" else ANCHOR_TYPES.index("transfer")
                )
            seg_start, seg_weight = ev.point, ev.weight
            out.references.append((ev.point, ev.confidence))
        elif ev.kind == "placement":
            w_here = current(ev.point)
            # Only fish of known weight make the mean: fish found in an empty pen, or
            # from a pen whose weight is unknown, take the mean of the others.
            known = [(t, n) for t, n in ev.placed if n > 0 and not _isnan(moved_weight[t])]
            if not known:
                continue
            present = ev.present if ev.present > 0 and not _isnan(w_here) else 0
            mass = present * w_here if present else 0.0
            fish = present
            all_measured = True
            for t, n in known:
                mass += n * moved_weight[t]
                fish += n
                all_measured = all_measured and not _isnan(float(tr.measured_weight_g[t]))
            seg_weight = mass / fish
            out.references.append((ev.point, 0.9 if all_measured else 0.7))
        elif ev.kind == "mass_balance":
            moved_weight[ev.transfer] = ev.weight
            w_here = current(ev.point)
            stay = ev.present - ev.moved
            balance = (w_here * ev.present - ev.weight * ev.moved) / stay
            if balance > 0:
                seg_weight = balance
                out.references.append((ev.point, 0.7))
            # Choice: an unknown weight (no opening weight, nothing measured yet) gives
            # no balance to report; the weight stays unknown.
            elif not _isnan(balance):
                # Choice: still a segment break (so nothing before it is re-fitted
                # through it), restarting at the kept weight; not a reference point.
                rec.findings.append(
                    Finding(
                        "mass_balance_invalid",
                        f"weight of the fish left behind would be {balance} g: weight kept",
                        record_id=int(tr.id[ev.transfer]),
                        assignment_id=int(inputs.assignment_id[a]),
                        day=ev.point,
                    )
                )
        else:  # moved: the fish leave at the weight of the curve at this point
            if not _isnan(ev.weight) and ev.moved > 0:
                # Weighed fish arrive at their measured weight, even when nobody stays.
                moved_weight[ev.transfer] = ev.weight
            elif ev.point == seg_start:
                moved_weight[ev.transfer] = seg_weight
            else:
                pending.append(ev)
    if days.stop > seg_start:
        close(days.stop, None)
    for ev in pending:  # only when the assignment has no days left
        moved_weight[ev.transfer] = seg_weight
    return out


def _confidence(refs: list[tuple[int, float]], t: int) -> float:
    """Weight confidence at point ``t``: the nearest reference on each side, halved per 30 d."""
    before = [p for p, _ in refs if p <= t]
    after = [p for p, _ in refs if p >= t]
    best = 0.0
    if before:
        p = max(before)
        c = max(conf for q, conf in refs if q == p)
        best = max(best, c * 0.5 ** ((t - p) / HALF_LIFE_DAYS))
    if after:
        p = min(after)
        c = max(conf for q, conf in refs if q == p)
        best = max(best, c * 0.5 ** ((p - t) / HALF_LIFE_DAYS))
    return best if refs else 0.1


# ---------------------------------------------------------------------------
# 4. Rows.


def _fcr_book(window: list[tuple[bool, float, float]]) -> float:
    """The book-only rules' FCR: every day's feed (0 kg without a record) and growth."""
    feed_sum = sum(feed for _, feed, _ in window)
    growth_sum = sum(growth for _, _, growth in window)
    # Choice: growth sums below a microgram (1e-12 kg) are rounding noise, not
    # growth; dividing by them would give absurd ratios.
    return feed_sum / growth_sum if growth_sum > 1e-12 and feed_sum > 0 else NAN


def _fcr_recorded(window: list[tuple[bool, float, float]]) -> float:
    """FCR over the window's days with feed records only (at least 4 of the 7)."""
    recorded = [(feed, growth) for fed, feed, growth in window if fed]
    if len(recorded) < FCR_MIN_RECORDED_DAYS:
        return NAN
    feed_sum = sum(feed for feed, _ in recorded)
    growth_sum = sum(growth for _, growth in recorded)
    return feed_sum / growth_sum if growth_sum > 1e-12 and feed_sum > 0 else NAN


def _last(days: list[int]) -> int:
    return max(days) if days else NO_DAY


def reference_assimilate(inputs: BatchInputs, rules: Rules = "reconciled") -> DailyStates:
    """Daily states of one batch, computed the slow and obvious way.

    ``rules="reconciled"`` (the default) follows docs/engine.md for a real farm's records;
    ``rules="book"`` the book-only rules before counts (the yardstick of the benchmark):
    the previous engine's rows column for column (counts and the history ignored, every
    count cut to the fish present, a mortality record on its own day, a day without a
    feeding record 0 kg of confidence 0.5, FCR over every day), and the new columns as a
    farm whose book is exact would have them: population source ``book``, variance 0,
    confidence 1, no unexplained fish, nothing estimated; no stay summaries.
    """
    if rules not in ("reconciled", "book"):
        raise ValueError(f"unknown rules {rules!r}")
    book = rules == "book"
    rec = _validate(inputs)
    if not book:
        _validate_counts(inputs, rec)
    temps = _temperatures(inputs, rec)
    moved_fish: dict[int, int] = {}
    moved_weight: dict[int, float] = {}
    cols: dict[str, list] = defaultdict(list)
    stays: dict[str, list] = defaultdict(list)

    for a in range(inputs.n_assignments):
        days = _days_of(inputs, a)
        c = int(inputs.assignment_container[a])
        stage = int(inputs.assignment_stage[a])
        stage_max = float(inputs.stage_max_weight_g[stage])
        t_eff = {}
        for d in days:
            temp = temps[c, d][0]
            t_eff[d] = 0.0 if _isnan(temp) else max(temp, 0.0)
        if book:
            walk = _walk_book(inputs, rec, a, moved_fish)
        else:
            walk = _Reconciled(inputs, rec, a, moved_fish).run()
        w = _weigh(inputs, rec, a, walk, t_eff, moved_weight)

        fed_days = [d for d in days if (a, d) in rec.feed]
        sampled = [d for d in days if (a, d) in rec.anchors and rec.anchors[a, d].weighed > 0]
        measured = TEMP_SOURCES.index("measured")
        if not book:
            stays["feed_through"].append(_last(fed_days))
            stays["mortality_through"].append(_last([d for d in days if (a, d) in rec.mortality]))
            stays["samples_through"].append(_last(sampled))
            stays["temperature_through"].append(
                _last([d for d in days if temps[c, d][1] == measured])
            )
            stays["counts_through"].append(walk.counts_through)
            stays["stocked_fish"].append(walk.stocked)
            stays["fish_days"].append(float(sum(walk.population[d] for d in days)))
            stays["unexplained_fish"].append(sum(walk.unexplained[d] for d in days))
            stays["closed_by"].append(walk.closed_by)
            stays["closed_day"].append(walk.closed_day)

        window: list[tuple[bool, float, float]] = []
        for d in days:
            pop = walk.population[d]
            w_end, w_start = w.end[d], w.start[d]
            # No fish, or fish of unknown weight, grow nothing that can be counted (0 kg):
            # docs/engine.md, "One day of one assignment".
            gain = w_end - w_start
            growth = pop * gain / 1000.0 if pop > 0 and not _isnan(gain) else 0.0
            recorded_feed = (a, d) in rec.feed
            if recorded_feed:
                feed_kg, feed_src, feed_conf = rec.feed[a, d], "recorded", 1.0
            elif book:
                feed_kg, feed_src, feed_conf = 0.0, "none", 0.5
            elif fed_days and d > fed_days[0]:
                feed_kg, feed_src, feed_conf = NAN, "unknown", 0.0
            else:
                feed_kg, feed_src, feed_conf = 0.0, "none", 1.0
            # Choice: a growth unknown (weight missing) adds nothing to the window's sum.
            window = [
                *window,
                (recorded_feed, rec.feed.get((a, d), 0.0), 0.0 if _isnan(growth) else growth),
            ]
            window = window[-FCR_WINDOW_DAYS:]
            fcr = _fcr_book(window) if book else _fcr_recorded(window)
            temp, temp_src, temp_conf = temps[c, d]
            tgc = w.tgc[d]
            row_flags = []
            if w_end > stage_max * (1 + 1e-9):  # docs/engine.md: rounding is not above
                row_flags.append("above_stage_max")
            if tgc < -1e-9:  # docs/engine.md: rounding around 0 is no loss of weight
                row_flags.append("negative_tgc")
            mort_src = walk.mortality_source[d]

            cols["assignment"].append(a)
            cols["day"].append(d)
            cols["population"].append(pop)
            cols["avg_weight_g"].append(w_end)
            # An unknown weight gives no biomass figure to add up: 0 kg, as the docs say.
            cols["biomass_kg"].append(0.0 if _isnan(w_end) else pop * w_end / 1000.0)
            cols["temp_c"].append(temp)
            cols["mortality_count"].append(walk.died[d])
            cols["feed_kg"].append(feed_kg)
            cols["growth_kg"].append(growth)
            cols["fcr"].append(fcr)
            cols["tgc"].append(tgc)
            cols["anchor_type"].append(w.anchor.get(d, ANCHOR_TYPES.index("none")))
            cols["weight_source"].append(w.source[d])
            # Choice: a weight that is not known at all has no confidence.
            cols["weight_confidence"].append(
                0.0 if _isnan(w_end) else _confidence(w.references, d + 1)
            )
            cols["temp_source"].append(temp_src)
            cols["temp_confidence"].append(temp_conf)
            cols["mortality_source"].append(mort_src)
            cols["mortality_confidence"].append(
                {
                    "recorded": 1.0,
                    "recorded_late": LATE_MORTALITY_CONFIDENCE,
                    "model": 0.4,
                    "missing": 0.0,
                }[MORTALITY_SOURCES[mort_src]]
            )
            cols["feed_source"].append(FEED_SOURCES.index(feed_src))
            cols["feed_confidence"].append(feed_conf)
            cols["flags"].append(FLAGS.index(",".join(sorted(row_flags))))
            if book:
                cols["population_source"].append(POPULATION_SOURCES.index("book"))
                cols["population_variance"].append(0.0)
                cols["population_confidence"].append(1.0)
                cols["unexplained_fish"].append(0)
                cols["estimated"].append(0)
                continue
            variance = walk.variance[d]
            cols["population_source"].append(walk.source[d])
            cols["population_variance"].append(variance)
            cols["population_confidence"].append(_population_confidence(pop, variance))
            cols["unexplained_fish"].append(walk.unexplained[d])
            estimated = {
                "population": walk.source[d] == POPULATION_SOURCES.index("estimated"),
                "weight": not sampled or d > sampled[-1],
                "feed": feed_src == "unknown",
                "temperature": TEMP_SOURCES[temp_src] in ("profile", "container_mean", "missing"),
            }
            cols["estimated"].append(
                sum(1 << bit for bit, name in enumerate(ESTIMATED_METRICS) if estimated[name])
            )

    # The anchored model states no band (docs/engine.md, the smoother).
    for name in BAND_COLUMNS:
        cols[name] = [math.nan] * len(cols["day"])
    floats = {name for name in DailyStates.columns() if name in _FLOAT_COLUMNS}
    arrays = {
        name: np.asarray(cols[name], dtype=np.float64 if name in floats else np.int64)
        for name in DailyStates.columns()
    }
    summaries = None
    if not book:
        summaries = StaySummaries(
            **{
                f.name: np.asarray(
                    stays[f.name], dtype=np.float64 if f.name == "fish_days" else np.int64
                )
                for f in dataclasses.fields(StaySummaries)
                if f.name in stays  # the anchored model's: no smoothed state
            }
        )
    return DailyStates(**arrays, findings=rec.findings, stays=summaries)


BAND_COLUMNS = ("weight_low_g", "weight_high_g", "biomass_low_kg", "biomass_high_kg")
_FLOAT_COLUMNS = {
    *BAND_COLUMNS,
    "avg_weight_g",
    "biomass_kg",
    "temp_c",
    "feed_kg",
    "growth_kg",
    "fcr",
    "tgc",
    "weight_confidence",
    "temp_confidence",
    "mortality_confidence",
    "feed_confidence",
    "population_variance",
    "population_confidence",
}


def _population_confidence(population: int, variance: float) -> float:
    """``1 - min(1, sd / (5 % of the population))``; an empty pen: 1 if known exactly."""
    if population == 0:
        # Choice: no fish and no doubt is certain; no fish with a doubt is not.
        return 1.0 if variance == 0 else 0.0
    return 1.0 - min(1.0, math.sqrt(variance) / (0.05 * population))

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

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from aquagrowth.engine.core.inputs import SELECTION_AVERAGE, BatchInputs
from aquagrowth.engine.core.outputs import (
    ANCHOR_TYPES,
    FEED_SOURCES,
    FLAGS,
    MORTALITY_SOURCES,
    TEMP_SOURCES,
    WEIGHT_SOURCES,
    DailyStates,
    Finding,
)

NAN = float("nan")
INTERPOLATION_REACH_DAYS = 7
HALF_LIFE_DAYS = 30.0
FCR_WINDOW_DAYS = 7
CARRY_TOLERANCE = 1e-9
MIN_DEGREE_DAYS = 1e-6
"""The rule's bound below which a temperature sum is rounding, not warmth (docs/engine.md)."""
"""Choice: ``floor(carry + 1e-9)``. In binary floating point ten days of 100 * 0.001
add up to 0.9999999999999999, and a plain floor would delay the death by a day."""


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
            if n < 0 or amount < 0:
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
            pass  # beyond the computed days: not executed, not an error
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


def _walk_population(
    inputs: BatchInputs, rec: _Records, a: int, moved_fish: dict[int, int]
) -> _Walk:
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
        measured = float(tr.measured_weight_g[t])
        if _isnan(measured) or n == 0:
            # Choice: a transfer that moved no fish measured nothing of this tank.
            kind = "moved"
        elif int(tr.selection[t]) == SELECTION_AVERAGE:
            kind = "average"
        elif pop - n > 0:
            kind = "mass_balance"
        else:
            kind = "moved"  # nobody stays: the source just empties
        walk.points.append(
            _Point(d, kind, weight=measured, transfer=t, present=pop, moved=n, confidence=0.9)
        )
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
            mass = ev.present * w_here if ev.present > 0 else 0.0
            fish = max(ev.present, 0)
            all_measured = True
            for t, n in ev.placed:
                if n == 0:
                    continue
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
            else:
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


def reference_assimilate(inputs: BatchInputs) -> DailyStates:
    """Daily states of one batch, computed the slow and obvious way."""
    rec = _validate(inputs)
    temps = _temperatures(inputs, rec)
    moved_fish: dict[int, int] = {}
    moved_weight: dict[int, float] = {}
    cols: dict[str, list] = defaultdict(list)
    flags: list[int] = []

    for a in range(inputs.n_assignments):
        days = _days_of(inputs, a)
        c = int(inputs.assignment_container[a])
        stage = int(inputs.assignment_stage[a])
        stage_max = float(inputs.stage_max_weight_g[stage])
        t_eff = {}
        for d in days:
            temp = temps[c, d][0]
            t_eff[d] = 0.0 if _isnan(temp) else max(temp, 0.0)
        walk = _walk_population(inputs, rec, a, moved_fish)
        w = _weigh(inputs, rec, a, walk, t_eff, moved_weight)

        feed_window: list[float] = []
        growth_window: list[float] = []
        for d in days:
            pop = walk.population[d]
            w_end, w_start = w.end[d], w.start[d]
            # Choice: no fish, no growth (0 kg), even while their weight is unknown.
            growth = pop * (w_end - w_start) / 1000.0 if pop > 0 else 0.0
            feed = rec.feed.get((a, d), 0.0)
            feed_window = [*feed_window, feed][-FCR_WINDOW_DAYS:]
            # Choice: a growth unknown (weight missing) adds nothing to the window's sum.
            growth_window = [*growth_window, 0.0 if _isnan(growth) else growth]
            growth_window = growth_window[-FCR_WINDOW_DAYS:]
            feed_sum, growth_sum = sum(feed_window), sum(growth_window)
            # Choice: growth sums below a microgram (1e-12 kg) are rounding noise, not
            # growth; dividing by them would give absurd ratios.
            fcr = feed_sum / growth_sum if growth_sum > 1e-12 and feed_sum > 0 else NAN
            temp, temp_src, temp_conf = temps[c, d]
            tgc = w.tgc[d]
            row_flags = []
            if w_end > stage_max * (1 + 1e-9):  # docs/engine.md: rounding is not above
                row_flags.append("above_stage_max")
            if tgc < -1e-9:  # docs/engine.md: rounding around 0 is no loss of weight
                row_flags.append("negative_tgc")
            recorded_feed = (a, d) in rec.feed
            mort_src = walk.mortality_source[d]

            cols["assignment"].append(a)
            cols["day"].append(d)
            cols["population"].append(pop)
            cols["avg_weight_g"].append(w_end)
            # An unknown weight gives no biomass figure to add up: 0 kg, as the docs say.
            cols["biomass_kg"].append(0.0 if _isnan(w_end) else pop * w_end / 1000.0)
            cols["temp_c"].append(temp)
            cols["mortality_count"].append(walk.died[d])
            cols["feed_kg"].append(feed)
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
                {"recorded": 1.0, "model": 0.4, "missing": 0.0}[MORTALITY_SOURCES[mort_src]]
            )
            cols["feed_source"].append(FEED_SOURCES.index("recorded" if recorded_feed else "none"))
            cols["feed_confidence"].append(1.0 if recorded_feed else 0.5)
            flags.append(FLAGS.index(",".join(sorted(row_flags))))

    int_cols = {
        "assignment",
        "day",
        "population",
        "mortality_count",
        "anchor_type",
        "weight_source",
        "temp_source",
        "mortality_source",
        "feed_source",
    }
    arrays = {
        name: np.asarray(cols[name], dtype=np.int64 if name in int_cols else np.float64)
        for name in DailyStates.columns()
        if name != "flags"
    }
    return DailyStates(**arrays, flags=np.array(flags, dtype=np.int64), findings=rec.findings)

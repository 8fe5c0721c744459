"""A stay's population from its records and its counts: the book, reconciled.

The book runs from the stay's opening through its records (placements, counted moves,
recorded deaths, harvests); past its last mortality record the scenario's rate gives
expected deaths, and in its open stretch the farm's history an expected unrecorded loss.
Every measurement of the population (a count, the counted transfers that empty the pen,
the harvest that empties it, a departure) closes the stretch since the previous one: the
difference between book and measurement, weighted by their variances, is the stretch's
unexplained loss or gain, spread over its days per fish-day so that the population
meets the measurement without a jump. docs/engine.md ("Population") states every rule;
this module follows its "Exactly, in the order of a day".

A Kalman filter of one state (the fish present) observed at the measurements, with the
smoother's correction spread per fish-day: Kalman, R. E. (1960). A new approach to
linear filtering and prediction problems. Journal of Basic Engineering 82(1), 35-45.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from aquagrowth.engine.core.counts import combined
from aquagrowth.engine.core.inputs import FloatArray, IntArray
from aquagrowth.engine.core.mortality import record_shares
from aquagrowth.engine.core.outputs import MORTALITY_SOURCES, POPULATION_SOURCES, STAY_CLOSES

DRIFT_PER_SQRT_DAY = 0.0005
"""The book's relative drift (q): its standard deviation grows by q x fish per root day."""
CARRY_TOLERANCE = 1e-9
RECORDED, MODEL, MISSING, RECORDED_LATE = (
    MORTALITY_SOURCES.index(name) for name in ("recorded", "model", "missing", "recorded_late")
)
BOOK, RECONCILED, ESTIMATED = (
    POPULATION_SOURCES.index(name) for name in ("book", "reconciled", "estimated")
)
OPEN, BY_COUNT, BY_TRANSFER, BY_HARVEST, BY_DEPARTURE = range(len(STAY_CLOSES))


@dataclass(frozen=True)
class Move:
    """A transfer out of the stay: its local day (``n_days``: the departure day), the fish
    it counted, that count's variance and the transfer's id."""

    day: int
    fish: int
    variance: float
    record_id: int | None = None


@dataclass(frozen=True)
class Count:
    """A population count of the end of a local day, its variance and record id."""

    day: int
    fish: int
    variance: float
    record_id: int


@dataclass(frozen=True)
class StayRecords:
    """What one stay's population is computed from (local days 0 .. n_days - 1).

    opening, opening_variance : fish at the start of day 0 (an egg input) and the
        variance of their count
    placed, placed_variance : fish placed at the start of each day, and their variance
    moves : transfers out, in id order (those on day ``n_days`` empty the pen)
    recorded : recorded deaths per day, ``mortality.NO_RECORD`` where none
    harvested : fish harvested per day (exact counts)
    harvest_ids : per day, the id of its (first) harvest record, -1 where none
    counts : population counts to use, at most one per day, in day order
    departed : the stay departs after its last day (its pen is then empty)
    mortality_rate : the scenario's expected deaths per fish per day, NaN when unknown
    hidden_loss_rate : the history's expected unrecorded loss per fish-day (0: none)
    """

    n_days: int
    opening: int
    opening_variance: float
    placed: IntArray
    placed_variance: FloatArray
    moves: list[Move]
    recorded: IntArray
    harvested: IntArray
    harvest_ids: IntArray
    counts: list[Count]
    departed: bool
    mortality_rate: float
    hidden_loss_rate: float


@dataclass(frozen=True)
class Stretch:
    """A reconciliation: days ``first .. last`` closed by a measurement of ``kind``
    (``STAY_CLOSES``), the book there, the measurement and what the pen held.
    ``cause`` names a removal the book could not cover ("transfer", "harvest"), "" else;
    ``record_id`` the count that closed it, where one did."""

    first: int
    last: int
    book: int
    measured: float
    reconciled: int
    kind: int
    cause: str = ""
    record_id: int | None = None


@dataclass
class StayWalk:
    """The population of one stay, day by day, and how it was reconciled.

    start_before_placement, start_after_placement, end : fish at the start of each day
        before and after its placements, and at its end
    deaths, mortality_source : deaths per day and where they come from
    unexplained : fish lost without a record each day (a gain negative)
    variance, source : the population's variance and source code per day
    moved : fish moved by each transfer out, in the order given
    stretches : the reconciliations, in day order
    clamped : (day, kind, requested, available) where deaths were cut to the fish present
    refused : (count index, kind) of counts that cannot be the pen's
    closed_by, closed_day : how the last stretch closed (``OPEN``, ...) and on which day
    """

    start_before_placement: IntArray
    start_after_placement: IntArray
    end: IntArray
    deaths: IntArray
    mortality_source: IntArray
    unexplained: IntArray
    variance: FloatArray
    source: IntArray
    moved: list[int]
    stretches: list[Stretch] = field(default_factory=list)
    clamped: list[tuple[int, str, int, int]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    closed_by: int = OPEN
    closed_day: int = -1


def walk_stay(records: StayRecords) -> StayWalk:
    """The stay's population from its records and counts (see the module docstring)."""
    return _Walker(records).run()


class _Walker:
    """The per-day walk: the book forward, each measurement reconciling its stretch."""

    def __init__(self, records: StayRecords) -> None:
        self.r = records
        n = records.n_days
        self.shares = record_shares(records.recorded)
        self.moves_on: dict[int, list[int]] = defaultdict(list)
        for index, move in enumerate(records.moves):
            self.moves_on[move.day].append(index)
        self.refused = _refusals(records)
        self.count_on = {c.day: i for i, c in enumerate(records.counts) if i not in self.refused}
        last_count = max(self.count_on, default=-1)
        self.open_from = n if records.departed else last_count + 1
        self.out = StayWalk(
            start_before_placement=np.zeros(n, dtype=np.int64),
            start_after_placement=np.zeros(n, dtype=np.int64),
            end=np.zeros(n, dtype=np.int64),
            deaths=np.zeros(n, dtype=np.int64),
            mortality_source=np.zeros(n, dtype=np.int64),
            unexplained=np.zeros(n, dtype=np.int64),
            variance=np.zeros(n),
            source=np.full(n, BOOK, dtype=np.int64),
            moved=[0] * len(records.moves),
            refused=sorted(self.refused.items()),
        )
        # Plain lists for the per-day walk: indexing numpy arrays one value at a time costs
        # several times more than a list.
        self.placed = records.placed.tolist()
        self.placed_variance = records.placed_variance.tolist()
        self.harvested = records.harvested.tolist()
        self.share = self.shares.deaths.tolist()
        self.own = self.shares.own.tolist()
        self.book = [0] * n  # end-of-day book, continuing from each reconciliation
        self.forward_variance = [0.0] * n
        self.population = records.opening
        self.variance = records.opening_variance
        self.stocked = records.opening
        self.stocked_variance = records.opening_variance
        self.stretch_start = 0
        self.carry_model = 0.0
        self.carry_loss = 0.0
        self.variance_today = 0.0
        self.cut: dict[int, int] = {}
        self.prepare_sums()

    def prepare_sums(self) -> None:
        """Per-day arrays for the days done by cumulative sums (``run_by_sums``): every day
        before the first model death (past the last record, with a rate) and before the
        open stretch's expected loss."""
        r, n = self.r, self.r.n_days
        self.placed_array = np.asarray(r.placed, dtype=np.int64)
        self.placed_variance_array = np.asarray(r.placed_variance, dtype=np.float64)
        self.harvested_array = np.asarray(r.harvested, dtype=np.int64)
        self.partial_out = np.zeros(n, dtype=np.int64)
        partial = [(move.day, i) for i, move in enumerate(r.moves) if move.day < n]
        partial.sort()
        self.partial_days = np.array([day for day, _ in partial], dtype=np.int64)
        self.partial_order = [i for _, i in partial]
        for day, i in partial:
            self.partial_out[day] += r.moves[i].fish
        self.flow = self.placed_array - self.partial_out - self.shares.deaths - self.harvested_array
        modelled = n if math.isnan(r.mortality_rate) else self.shares.last_record + 1
        losing = self.open_from if r.hidden_loss_rate > 0 else n
        self.plain_until = min(modelled, losing)
        self.plain_source = np.where(
            self.shares.own,
            RECORDED,
            np.where(self.shares.covered, RECORDED_LATE, MISSING),
        )

    def run(self) -> StayWalk:
        r, out = self.r, self.out
        day = 0
        while day < r.n_days:
            done = self.run_by_sums(day)
            if done > day:
                day = done
                continue
            self.day_flows(day)
            if day in self.count_on:
                self.count(day, self.count_on[day])
            day += 1
        if r.departed and r.n_days:
            self.departure()
        self.finish()
        return out

    def run_by_sums(self, first: int) -> int:
        """The days from ``first`` whose flows are all known in advance (record shares,
        no model deaths, no expected loss, nothing taken above the book), by cumulative
        sums rather than one step a day, up to and including a count's day. Returns the
        day after the last one done (``first`` when none could be)."""
        r = self.r
        last = min(self.plain_until, r.n_days) - 1
        if self.count_on:
            later = [d for d in self.count_on if d >= first]
            if later:
                last = min(last, min(later))
        if last < first:
            return first
        days = slice(first, last + 1)
        out_fish = self.partial_out[days]
        start = self.population + np.concatenate(([0], np.cumsum(self.flow[days])[:-1]))
        after_moves = start + self.placed_array[days] - out_fish
        after_deaths = after_moves - self.shares.deaths[days]
        end = after_deaths - self.harvested_array[days]
        fine = (after_moves >= 0) & (after_deaths >= 0) & (end >= 0)
        if not fine.all():
            last = first + int(np.argmin(fine)) - 1
            if last < first:
                return first
            days, end = slice(first, last + 1), end[: last + 1 - first]
        variance = self.accrue(first, last, end)
        self.book[days] = end.tolist()
        self.forward_variance[days] = variance.tolist()
        self.out.deaths[days] = self.shares.deaths[days]
        self.out.mortality_source[days] = self.plain_source[days]
        for index in self.partial_moves_in(first, last):
            self.out.moved[index] = r.moves[index].fish
        self.population, self.variance = int(end[-1]), float(variance[-1])
        if last in self.count_on:
            self.count(last, self.count_on[last])
        return last + 1

    def accrue(self, first: int, last: int, end: np.ndarray) -> np.ndarray:
        """The book's variance at the end of each day ``first`` .. ``last``: added in the
        order the day-by-day walk adds it (the day's placements, each transfer out, the
        day's drift), so that both ways give the same number to the last bit."""
        moves = self.partial_moves_in(first, last)
        if not moves:
            # Each day adds its placements' variance, then its drift.
            steps = np.empty(2 * (last + 1 - first) + 1)
            steps[0] = self.variance
            steps[1::2] = self.placed_variance_array[first : last + 1]
            steps[2::2] = (DRIFT_PER_SQRT_DAY * end) ** 2
            return np.cumsum(steps)[2::2]
        move_day = np.array([self.r.moves[i].day for i in moves], dtype=np.int64) - first
        per_day = np.bincount(move_day, minlength=last + 1 - first) + 2
        at = np.cumsum(per_day) - per_day + 1  # each day's placements; 0 is the start
        steps = np.zeros(int(per_day.sum()) + 1)
        steps[0] = self.variance
        steps[at] = self.placed_variance_array[first : last + 1]
        if moves:
            within = np.arange(len(moves)) - np.searchsorted(move_day, move_day)
            steps[at[move_day] + 1 + within] = [self.r.moves[i].variance for i in moves]
        steps[at + per_day - 1] = (DRIFT_PER_SQRT_DAY * end) ** 2
        return np.cumsum(steps)[at + per_day - 1]

    def partial_moves_in(self, first: int, last: int) -> list[int]:
        """Indices of the transfers out on days ``first`` .. ``last``, by day, then id."""
        lo, hi = np.searchsorted(self.partial_days, (first, last + 1))
        return self.partial_order[lo:hi]

    def day_flows(self, day: int) -> None:
        """Placements, transfers out, deaths, expected loss, harvest of one day."""
        r, out = self.r, self.out
        out.start_before_placement[day] = self.population
        self.variance_today = 0.0
        placed, placed_variance = self.placed[day], self.placed_variance[day]
        if placed:
            self.population += placed
            self.add_variance(placed_variance)
            self.stocked += placed
            self.stocked_variance += placed_variance
        out.start_after_placement[day] = self.population
        for index in self.moves_on.get(day, ()):
            move = r.moves[index]
            out.moved[index] = move.fish
            if move.fish > self.population:
                self.removal_above_book(day, move.fish, "transfer", move.record_id)
            self.population -= move.fish
            self.add_variance(move.variance)
        self.deaths(day)
        if day >= self.open_from and r.hidden_loss_rate > 0:
            self.carry_loss += self.population * r.hidden_loss_rate
            lost = min(math.floor(self.carry_loss + CARRY_TOLERANCE), self.population)
            self.carry_loss -= math.floor(self.carry_loss + CARRY_TOLERANCE)
            self.population -= lost
        harvested = self.harvested[day]
        if harvested > self.population:
            self.removal_above_book(day, harvested, "harvest", self.harvest_id(day))
        self.population -= harvested
        self.book[day] = self.population
        self.variance += (DRIFT_PER_SQRT_DAY * self.population) ** 2
        self.forward_variance[day] = self.variance

    def add_variance(self, variance: float) -> None:
        """A flow of the day brings the variance of its count."""
        self.variance += variance
        self.variance_today += variance

    def deaths(self, day: int) -> None:
        """The day's deaths: a record's share, model deaths past the last record, or none."""
        r, out, shares = self.r, self.out, self.shares
        if day <= shares.last_record:
            wanted = self.share[day]
            out.mortality_source[day] = RECORDED if self.own[day] else RECORDED_LATE
        elif not math.isnan(r.mortality_rate):
            self.carry_model += self.population * r.mortality_rate
            whole = math.floor(self.carry_model + CARRY_TOLERANCE)
            self.carry_model -= whole
            wanted = min(whole, self.population)
            out.mortality_source[day] = MODEL
        else:
            wanted = 0
            out.mortality_source[day] = MISSING
        if wanted > self.population:
            record_day = self.record_day(day)
            self.cut[record_day] = self.cut.get(record_day, 0) + wanted - self.population
            wanted = self.population
        out.deaths[day] = wanted
        self.population -= wanted

    def record_day(self, day: int) -> int:
        """The day of the mortality record whose deaths fall on ``day`` (asked only when
        they exceed the fish present, which is rare: not worked out for every day)."""
        own_days = np.flatnonzero(self.shares.own)
        return int(own_days[min(int(np.searchsorted(own_days, day)), len(own_days) - 1)])

    def harvest_id(self, day: int) -> int | None:
        """The id of the day's harvest record, None when unknown."""
        record = int(self.r.harvest_ids[day]) if len(self.r.harvest_ids) else -1
        return record if record >= 0 else None

    def removal_above_book(self, day: int, removed: int, what: str, record_id: int | None) -> None:
        """A move or harvest takes more fish than the book holds: they were there. The
        stretch up to the day before gains the shortfall exactly and the day goes on with
        it, the book's variance only that of the day's flows so far; the stay's first day
        takes it on the day itself (docs/engine.md, rule 4)."""
        shortfall = removed - self.population
        population = self.population
        last = day - 1
        if last >= 0:
            self.reconcile(
                last, shortfall, 0.0, BY_COUNT, self.book[last], cause=what, record_id=record_id
            )
        else:
            self.out.stretches.append(
                Stretch(day, day, 0, shortfall, shortfall, BY_COUNT, what, record_id)
            )
        self.population = population + shortfall
        self.variance = self.variance_today

    def count(self, day: int, index: int) -> None:
        """A usable population count measures the end of ``day``."""
        count = self.r.counts[index]
        self.measure(day, count.fish, count.variance, BY_COUNT, count.record_id)

    def departure(self) -> None:
        """The pen is empty after its last day: the counted moves of the departure day
        hold what it had, or nothing left (exactly) without them."""
        r, last = self.r, self.r.n_days - 1
        leaving = self.moves_on.get(r.n_days, [])
        if leaving:
            fish = sum(r.moves[i].fish for i in leaving)
            variance = sum(r.moves[i].variance for i in leaving)
            held = self.measure(last, fish, variance, BY_TRANSFER, r.moves[leaving[0]].record_id)
            self.share_out(leaving, held)
        elif r.harvested[last] > 0:
            self.measure(last, 0, 0.0, BY_HARVEST, self.harvest_id(last))
        else:
            self.measure(last, 0, 0.0, BY_DEPARTURE)

    def share_out(self, leaving: list[int], held: int) -> None:
        """The fish the emptied pen held go out in proportion to the moves' counts."""
        counts = [self.r.moves[i].fish for i in leaving]
        total = sum(counts)
        given = 0
        running = 0
        for index, fish in zip(leaving, counts, strict=True):
            running += fish
            upto = round(held * running / total) if total else 0
            self.out.moved[index] = upto - given
            given = upto

    def measure(
        self, day: int, fish: float, variance: float, kind: int, record_id: int | None = None
    ) -> int:
        """Reconcile the stretch ending on ``day`` to a measurement; the fish it held."""
        book = self.book[day]
        weight, _ = combined(self.forward_variance[day], variance)
        gained = weight * (fish - book)
        self.reconcile(day, gained, variance, kind, book, measured=fish, record_id=record_id)
        return book + round(gained)

    def reconcile(
        self,
        last: int,
        gained: float,
        variance: float,
        kind: int,
        book: int,
        measured: float | None = None,
        cause: str = "",
        record_id: int | None = None,
    ) -> None:
        """Spread ``gained`` fish over the stretch ``stretch_start .. last`` per fish-day:
        day ``t`` gets ``round(gained F(t) / F(T))``, the measurement's day
        ``round(gained)``; a stretch with no day of its own corrects ``last`` again."""
        first = min(self.stretch_start, last)
        books = np.array(self.book[first : last + 1], dtype=np.float64)
        fish_days = np.cumsum(books)
        shift = np.zeros(len(books), dtype=np.int64)
        if fish_days[-1] > 0:
            shift[:-1] = np.rint(gained * fish_days[:-1] / fish_days[-1])
        whole = round(gained)
        shift[-1] = whole
        self.book[first : last + 1] = (books.astype(np.int64) + shift).tolist()
        end_variance = self.forward_variance[last]
        total = end_variance + variance
        accrued = np.array(self.forward_variance[first : last + 1])
        if total > 0:
            # V(t) - V(t)^2 / (V(T) + V_M), in a form exactly 0 at T when V_M = 0.
            smoothed = accrued * ((end_variance - accrued) + variance) / total
        else:
            smoothed = np.zeros(len(accrued))
        self.forward_variance[first : last + 1] = smoothed.tolist()
        self.out.source[first : last + 1] = RECONCILED
        _, after = combined(end_variance, variance)
        held = book + whole
        self.out.stretches.append(
            Stretch(
                first,
                last,
                book,
                held if measured is None else measured,
                held,
                kind,
                cause,
                record_id,
            )
        )
        self.out.closed_by, self.out.closed_day = kind, last
        self.population += whole
        self.variance = after
        self.stretch_start = last + 1

    def finish(self) -> None:
        """End-of-day populations (never below 0), each day's start from the day before,
        the fish lost without a record from the day's balance, variances, the open
        stretch's sources, and one note per mortality record cut to the fish present."""
        r, out = self.r, self.out
        out.clamped = [
            (day, "mortality", int(r.recorded[day]), int(r.recorded[day]) - cut)
            for day, cut in sorted(self.cut.items())
        ]
        end = np.maximum(np.array(self.book, dtype=np.int64), 0)
        start = np.concatenate(([r.opening], end[:-1])).astype(np.int64)
        placed = np.asarray(r.placed, dtype=np.int64)
        moved_out = np.zeros(r.n_days + 1, dtype=np.int64)
        for move, fish in zip(r.moves, out.moved, strict=True):
            moved_out[move.day] += fish
        out.end = end
        out.start_before_placement = start
        out.start_after_placement = start + placed
        out.unexplained = (
            start + placed - moved_out[: r.n_days] - out.deaths - np.asarray(r.harvested) - end
        )
        out.variance = np.array(self.forward_variance)
        open_days = np.arange(self.stretch_start, r.n_days)
        if len(open_days):
            out.closed_by = OPEN
            mortality = out.mortality_source[open_days]
            took = (mortality == MODEL) | (mortality == MISSING)
            if r.hidden_loss_rate > 0:
                took |= open_days >= self.open_from
            estimated = np.cumsum(took) > 0
            out.source[open_days] = np.where(estimated, ESTIMATED, BOOK)


def _refusals(records: StayRecords) -> dict[int, str]:
    """The counts that cannot be the pen's (docs/engine.md, rule 7), by index: one on a
    day nothing had yet been put into the stay, one beyond the fish put in through its
    day by more than three standard deviations of their counts and its own."""
    if not records.counts:
        return {}
    placed = np.cumsum(records.placed)
    placed_variance = np.cumsum(records.placed_variance)
    refused = {}
    for index, count in enumerate(records.counts):
        stocked = records.opening + int(placed[count.day])
        variance = records.opening_variance + float(placed_variance[count.day])
        if stocked == 0:
            refused[index] = "count_without_fish"
        elif count.fish > stocked + 3.0 * math.sqrt(variance + count.variance):
            refused[index] = "count_beyond_stocked"
    return refused

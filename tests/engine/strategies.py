"""Building BatchInputs for the engine tests: a terse builder and hypothesis strategies.

The builder keeps hand-computed cases readable (a tuple per record). The strategy draws
small batches shaped like real ones (egg inputs, then stage transitions with splits,
merges and partial transfers, sparse events and temperatures) plus occasional bad input,
so that the fast engine and the reference meet every rule, including the awkward ones.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st

from aquagrowth.engine.core.inputs import (
    COUNT_METHODS,
    SELECTION_AVERAGE,
    BatchInputs,
    ContainerDays,
    Counts,
    DayEvents,
    Scenario,
    Transfers,
    floats,
    ints,
)

NAN = float("nan")


class Stay(NamedTuple):
    """One assignment: days ``first_day <= d < stop_day`` in container ``container``."""

    first_day: int
    stop_day: int
    population: int = 0
    weight_g: float = NAN
    stage: int = 0
    container: int | None = None
    """Container position; defaults to the assignment's own position."""


def scenario(
    tgc: Sequence[float] = (2.5,),
    rate: Sequence[float] = (0.0,),
    profile: Sequence[tuple[int, float]] = ((1, 10.0),),
) -> Scenario:
    """A scenario with the given per-stage TGC and mortality rate and (day number, degC).

    The default profile plans a flat 10 degC, so that the scenario is complete.
    """
    return Scenario(
        tgc_by_stage=floats(tgc),
        mortality_rate_by_stage=floats(rate),
        fcr_by_stage=floats([1.1] * len(tgc)),
        profile_day_number=ints([p[0] for p in profile]),
        profile_temp_c=floats([p[1] for p in profile]),
    )


def _events(rows: Sequence[tuple], first_id: int) -> DayEvents:
    """(assignment, day, count[, amount]) rows, one record id each."""
    return DayEvents(
        assignment=ints([r[0] for r in rows]),
        day=ints([r[1] for r in rows]),
        count=ints([r[2] for r in rows]),
        amount=floats([r[3] if len(r) > 3 else 0.0 for r in rows]),
        first_id=ints(range(first_id, first_id + len(rows))),
    )


def build(
    n_days: int,
    stays: Sequence[Stay],
    *,
    scenario: Scenario | None,
    today_day: int | None = None,
    stage_max_g: Sequence[float] = (7000.0,),
    transfers: Sequence[tuple] = (),
    mortality: Sequence[tuple] = (),
    samples: Sequence[tuple] = (),
    weighings: Sequence[tuple] = (),
    harvests: Sequence[tuple] = (),
    feed: Sequence[tuple] = (),
    temperature: Sequence[tuple] = (),
    n_containers: int | None = None,
    counts: Sequence[tuple] = (),
    departed: Sequence[bool] | None = None,
    hidden_loss: Sequence[float] | None = None,
    batch_number: str = "",
    start_date: datetime.date | None = None,
    container_names: Sequence[str] = (),
) -> BatchInputs:
    """BatchInputs from plain tuples.

    transfers : (source, dest, day, count[, measured_g[, selection]]), ids 501, 502, ...
    mortality : (assignment, day, count), ids 1001, ...
    samples, weighings : (assignment, day, fish weighed, sum of their weights g)
    harvests : (assignment, day, fish, live kg), ids 4001, ...
    feed : (container, day, kg[, events])
    temperature : (container, day, mean degC[, valid readings[, rejected readings]])
    counts : population counts (assignment, day, fish[, method name[, precision as a
        fraction]]), method "counter" and its precision unless given, ids 6001, ...
    departed : per assignment, whether the stay has departed (None: the core's default)
    hidden_loss : per stage, the history's expected loss per fish-day (None: none)
    batch_number, start_date, container_names : how findings name batch, day, container
    """
    containers = [s.container if s.container is not None else i for i, s in enumerate(stays)]
    n_containers = n_containers or max([*containers, *(t[0] for t in (*feed, *temperature))]) + 1
    defaults = (NAN, SELECTION_AVERAGE)  # not weighed, selection AVERAGE
    tr = [tuple(t) + defaults[len(t) - 4 :] for t in transfers]
    return BatchInputs(
        batch_id=1,
        n_days=n_days,
        today_day=n_days - 1 if today_day is None else today_day,
        stage_names=tuple(f"stage{i}" for i in range(len(stage_max_g))),
        stage_max_weight_g=floats(stage_max_g),
        assignment_id=ints(range(101, 101 + len(stays))),
        assignment_container=ints(containers),
        assignment_stage=ints([s.stage for s in stays]),
        assignment_first_day=ints([s.first_day for s in stays]),
        assignment_stop_day=ints([s.stop_day for s in stays]),
        assignment_opening_population=ints([s.population for s in stays]),
        assignment_opening_weight_g=floats([s.weight_g for s in stays]),
        container_ids=ints(range(11, 11 + n_containers)),
        scenario=scenario,
        transfers=Transfers(
            id=ints(range(501, 501 + len(tr))),
            source=ints([t[0] for t in tr]),
            dest=ints([t[1] for t in tr]),
            day=ints([t[2] for t in tr]),
            count=ints([t[3] for t in tr]),
            measured_weight_g=floats([t[4] for t in tr]),
            selection=ints([t[5] for t in tr]),
        ),
        mortality=_events(mortality, 1001),
        samples=_events(samples, 2001),
        weighings=_events(weighings, 3001),
        harvests=_events(harvests, 4001),
        feed=ContainerDays(
            container=ints([f[0] for f in feed]),
            day=ints([f[1] for f in feed]),
            value=floats([f[2] for f in feed]),
            count=ints([f[3] if len(f) > 3 else 1 for f in feed]),
            rejected=ints([0] * len(feed)),
        ),
        temperature=ContainerDays(
            container=ints([t[0] for t in temperature]),
            day=ints([t[1] for t in temperature]),
            value=floats([t[2] for t in temperature]),
            count=ints([t[3] if len(t) > 3 else 1 for t in temperature]),
            rejected=ints([t[4] if len(t) > 4 else 0 for t in temperature]),
        ),
        counts=Counts(
            id=ints(range(6001, 6001 + len(counts))),
            assignment=ints([c[0] for c in counts]),
            day=ints([c[1] for c in counts]),
            count=ints([c[2] for c in counts]),
            method=ints([COUNT_METHODS.index(c[3] if len(c) > 3 else "counter") for c in counts]),
            precision=floats([c[4] if len(c) > 4 else NAN for c in counts]),
        ),
        assignment_departed=None if departed is None else np.asarray(departed, dtype=bool),
        hidden_loss_rate_by_stage=None if hidden_loss is None else floats(hidden_loss),
        batch_number=batch_number,
        start_date=start_date,
        container_names=tuple(container_names),
    )


# ---------------------------------------------------------------------------
# Hypothesis strategies.

weights_g = st.floats(0.02, 400.0).map(lambda w: round(w, 3))
temps_c = st.floats(-2.0, 18.0).map(lambda t: round(t, 1))
rates = st.sampled_from([NAN, 0.0, 0.0005, 0.001, 0.003, 0.01, 0.05])
tgcs = st.one_of(st.sampled_from([NAN, 2.5]), st.floats(1.5, 3.5).map(lambda x: round(x, 2)))


@st.composite
def scenarios(draw, n_stages: int, n_days: int) -> Scenario | None:
    if draw(st.integers(0, 6)) == 0:
        return None
    profile_days = draw(st.lists(st.integers(1, n_days + 10), unique=True, max_size=3))
    return scenario(
        tgc=draw(st.lists(tgcs, min_size=n_stages, max_size=n_stages)),
        rate=draw(st.lists(rates, min_size=n_stages, max_size=n_stages)),
        profile=[
            (d, draw(st.floats(0.0, 15.0).map(lambda t: round(t, 1)))) for d in sorted(profile_days)
        ],
    )


def _day_in(draw, first: int, stop: int) -> int:
    return draw(st.integers(first, stop - 1))


def _departures(draw, transfers: list[tuple], firsts: list[int]) -> dict[int, int]:
    """Sources whose last transfers out empty them: position -> departure day.

    A source can depart on the day of its last transfers out when it received all its
    fish before that day and has a day of its own before it; those transfers then move
    the reconciled pen (docs/engine.md), the others their counts.
    """
    departing = {}
    for j in sorted({t[0] for t in transfers}):
        day = max(t[2] for t in transfers if t[0] == j)
        incoming = [t[2] for t in transfers if t[1] == j]
        if day > firsts[j] and all(d < day for d in incoming) and draw(st.booleans()):
            departing[j] = day
    return departing


def _plausible(stay: Stay, i: int, transfers: list[tuple]) -> int:
    """About the fish a stay holds: its stocking, or what its sources sent it."""
    return stay.population + sum(t[3] for t in transfers if t[1] == i)


count_methods = st.sampled_from(COUNT_METHODS)
precisions = st.sampled_from([NAN, NAN, 0.0, 0.002, 0.01, 0.03])
hidden_rates = st.sampled_from([NAN, 0.0, 0.0002, 0.001, 0.01, -0.001])


@st.composite
def batch_inputs(draw, bad_input: bool = True) -> BatchInputs:
    """A random batch: <= 60 days, <= 8 assignments, transfers from earlier to later.

    Besides the events of every farm it draws what a real farm's records hold:
    population counts of every method (with or without their own precision, near the
    fish present or far off, two on a day), sparse mortality records (a record then
    covers the days since the previous one), fasting days (0 kg), stays emptied by
    their transfers, stays that departed (with or without a harvest on their last day),
    and the history's expected loss per stage.
    """
    n_days = draw(st.integers(3, 60))
    today = n_days - 1 + draw(st.integers(0, 3))
    n_stages = draw(st.integers(1, 4))
    stage_max = draw(
        st.lists(
            st.sampled_from([0.5, 2.0, 6.0, 20.0, 60.0, 180.0]),
            min_size=n_stages,
            max_size=n_stages,
        )
    )
    n_assign = draw(st.integers(1, 8))
    n_egg = draw(st.integers(1, min(2, n_assign)))
    egg_days = sorted(draw(st.integers(0, min(3, n_days - 1))) for _ in range(n_egg))
    other_days = sorted(
        draw(st.integers(egg_days[-1], n_days - 1)) for _ in range(n_assign - n_egg)
    )
    firsts = egg_days + other_days  # positions in chronological order (first_day, id)

    transfers: list[tuple] = []
    stage = [0] * n_assign
    for i in range(n_egg, n_assign):
        sources = draw(st.lists(st.integers(0, i - 1), min_size=1, max_size=min(2, i), unique=True))
        for j in sources:
            day = min(firsts[i] + draw(st.sampled_from([0, 0, 0, 1, 2])), n_days - 1)
            measured = draw(st.one_of(st.just(NAN), weights_g))
            transfers.append(
                (j, i, day, draw(st.integers(1, 3000)), measured, draw(st.integers(0, 2)))
            )
        stage[i] = min(max(stage[j] for j in sources) + draw(st.integers(0, 1)), n_stages - 1)

    departing = _departures(draw, transfers, firsts)
    stops = []
    for i in range(n_assign):
        if i in departing:
            stops.append(departing[i])
            continue
        need = max([firsts[i]] + [t[2] for t in transfers if i in (t[0], t[1])]) + 1
        stops.append(draw(st.one_of(st.just(n_days), st.integers(need, n_days))))
    # A stay that left before the computed days end has departed; one that ends with
    # them may have departed on the day after (its pen then empty).
    departed = [stop < n_days or draw(st.booleans()) for stop in stops]

    containers: list[int] = []
    for i in range(n_assign):
        free = [
            containers[j]
            for j in range(i)
            if all(stops[k] <= firsts[i] for k in range(i) if containers[k] == containers[j])
        ]
        reuse = free and draw(st.booleans())
        containers.append(draw(st.sampled_from(free)) if reuse else i)

    stays = []
    for i in range(n_assign):
        if i < n_egg:
            pop = draw(st.one_of(st.integers(0, 200), st.integers(200, 5000)))
            stays.append(
                Stay(firsts[i], stops[i], pop, draw(st.floats(0.05, 5.0)), 0, containers[i])
            )
        else:
            stays.append(Stay(firsts[i], stops[i], 0, NAN, stage[i], containers[i]))

    def per_assignment(max_size: int, row) -> list[tuple]:
        rows = []
        for i, s in enumerate(stays):
            days = draw(
                st.lists(st.integers(s.first_day, s.stop_day - 1), unique=True, max_size=max_size)
            )
            rows += [row(i, d) for d in days]
        return rows

    def weighed(i: int, d: int) -> tuple:
        n = draw(st.integers(1, 60))
        return (i, d, n, n * draw(weights_g))

    def harvested(i: int, d: int) -> tuple:
        n = draw(st.integers(1, 500))
        return (i, d, n, n * draw(weights_g) / 1000.0)

    def counted(i: int, d: int) -> tuple:
        near = _plausible(stays[i], i, transfers)
        fish = draw(
            st.one_of(
                st.just(near),
                st.integers(int(near * 0.95), int(near * 1.05) + 1),
                st.integers(0, 6000),
            )
        )
        return (i, d, fish, draw(count_methods), draw(precisions))

    mortality = per_assignment(
        draw(st.sampled_from([1, 4, 8])), lambda i, d: (i, d, draw(st.integers(0, 40)))
    )
    samples = per_assignment(3, weighed)
    weighings = per_assignment(1, weighed)
    harvests = per_assignment(1, harvested)
    counts = per_assignment(3, counted)
    if counts and draw(st.booleans()):
        counts.append(counted(*draw(st.sampled_from(counts))[:2]))  # two on one day
    for i, s in enumerate(stays):
        last = s.stop_day - 1
        if departed[i] and i not in departing and last >= s.first_day and draw(st.booleans()):
            # a harvest that empties the pen on its last day, about as many as it holds
            fish = max(1, _plausible(s, i, transfers) + draw(st.integers(-50, 50)))
            harvests = [h for h in harvests if h[:2] != (i, last)]
            harvests.append((i, last, fish, fish * draw(weights_g) / 1000.0))
        if (
            s.stop_day == n_days
            and departed[i]
            and max(i + 1, n_egg) < n_assign
            and draw(st.integers(0, 4)) == 0
        ):
            # its fish counted out on the day after the computed ones, into a later stay
            k = draw(st.integers(max(i + 1, n_egg), n_assign - 1))
            transfers.append((i, k, n_days, draw(st.integers(0, 3000)), NAN, 0))

    used = sorted(set(containers))
    feed_keys = draw(
        st.lists(
            st.tuples(st.sampled_from(used), st.integers(0, n_days - 1)), unique=True, max_size=20
        )
    )
    kilograms = st.one_of(st.just(0.0), st.floats(0.0, 40.0).map(lambda kg: round(kg, 2)))
    feed = [(c, d, draw(kilograms), draw(st.integers(1, 3))) for c, d in feed_keys]
    temperature = []
    for c in used:
        days = draw(
            st.lists(st.integers(-7, n_days + 6), unique=True, max_size=max(1, n_days // 3))
        )
        for d in days:
            if draw(st.integers(0, 9)) == 0:  # only a faulty sensor that day
                temperature.append((c, d, NAN, 0, draw(st.integers(1, 3))))
            else:
                rejected = draw(st.sampled_from([0, 0, 0, 0, 1]))
                temperature.append((c, d, draw(temps_c), draw(st.integers(1, 4)), rejected))

    opening_pop = [s.population for s in stays]
    if bad_input and draw(st.booleans()):
        filled = list(range(n_egg, n_assign))
        for _ in range(draw(st.integers(1, 3))):
            case = draw(st.integers(0, 10))
            i = draw(st.integers(0, n_assign - 1))
            s = stays[i]
            outside = [d for d in range(-2, n_days) if not s.first_day <= d < s.stop_day]
            if case == 0 and outside:
                mortality.append((i, draw(st.sampled_from(outside)), draw(st.integers(1, 9))))
            elif case == 1:
                samples.append((i, today + draw(st.integers(1, 5)), 5, 5 * draw(weights_g)))
            elif case == 2:
                mortality.append(
                    (i, _day_in(draw, s.first_day, s.stop_day), -draw(st.integers(1, 9)))
                )
            elif case == 3:
                transfers.append((i, -1, _day_in(draw, s.first_day, s.stop_day), 10, NAN, 0))
            elif case == 4 and filled:
                k = draw(st.sampled_from(filled))
                j = draw(st.integers(0, k - 1))
                bad_days = [
                    d for d in range(0, n_days) if not stays[k].first_day <= d < stays[k].stop_day
                ]
                if bad_days:
                    transfers.append((j, k, draw(st.sampled_from(bad_days)), 10, NAN, 0))
            elif case == 5 and filled:
                k = draw(st.sampled_from(filled))
                opening_pop[k] = draw(st.integers(1, 1000))
            elif case == 6:
                spare = max(containers) + 1
                feed.append((spare, draw(st.integers(0, n_days - 1)), 5.0, 1))
            elif case == 7:
                harvests.append((i, _day_in(draw, s.first_day, s.stop_day), 10**6, 1000.0))
            elif case == 8 and filled:
                k = draw(st.sampled_from(filled))
                j = draw(st.integers(0, k - 1))
                transfers.append((j, k, today + draw(st.integers(1, 4)), 10, NAN, 0))
            elif case == 9:
                # a count outside the stay, after today, or beyond anything stocked
                day = draw(st.sampled_from([*outside, today + 1]))
                counts.append((i, day, draw(st.integers(0, 100)), "counter", NAN))
            elif case == 10:
                counts.append((i, _day_in(draw, s.first_day, s.stop_day), 10**6, "estimate", NAN))
        stays = [s._replace(population=p) for s, p in zip(stays, opening_pop, strict=True)]

    transfers.sort(key=lambda t: t[2])  # ids follow execution order, as in the farm's data
    n_containers = max(containers) + 2
    named = draw(st.booleans())
    return build(
        n_days,
        stays,
        scenario=draw(scenarios(n_stages, n_days)),
        today_day=today,
        stage_max_g=stage_max,
        transfers=transfers,
        mortality=mortality,
        samples=samples,
        weighings=weighings,
        harvests=harvests,
        feed=feed,
        temperature=temperature,
        n_containers=n_containers,
        counts=counts,
        departed=draw(st.one_of(st.just(departed), st.just(None))),
        hidden_loss=draw(
            st.one_of(st.none(), st.lists(hidden_rates, min_size=n_stages, max_size=n_stages))
        ),
        batch_number="B-1" if named else "",
        start_date=datetime.date(2024, 1, 1) if named else None,
        container_names=[f"Pen {c}" for c in range(n_containers)] if named else (),
    )

"""Building BatchInputs for the engine tests: a terse builder and hypothesis strategies.

The builder keeps hand-computed cases readable (a tuple per record). The strategy draws
small batches shaped like real ones (egg inputs, then stage transitions with splits,
merges and partial transfers, sparse events and temperatures) plus occasional bad input,
so that the fast engine and the reference meet every rule, including the awkward ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from hypothesis import strategies as st

from aquagrowth.engine.core.inputs import (
    SELECTION_AVERAGE,
    BatchInputs,
    ContainerDays,
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
) -> BatchInputs:
    """BatchInputs from plain tuples.

    transfers : (source, dest, day, count[, measured_g[, selection]]), ids 501, 502, ...
    mortality : (assignment, day, count)
    samples, weighings : (assignment, day, fish weighed, sum of their weights g)
    harvests : (assignment, day, fish, live kg)
    feed : (container, day, kg[, events])
    temperature : (container, day, mean degC[, valid readings[, rejected readings]])
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


@st.composite
def batch_inputs(draw, bad_input: bool = True) -> BatchInputs:
    """A random batch: <= 60 days, <= 8 assignments, transfers from earlier to later."""
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

    stops = []
    for i in range(n_assign):
        need = max([firsts[i]] + [t[2] for t in transfers if i in (t[0], t[1])]) + 1
        stops.append(draw(st.one_of(st.just(n_days), st.integers(need, n_days))))

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

    mortality = per_assignment(4, lambda i, d: (i, d, draw(st.integers(0, 40))))
    samples = per_assignment(3, weighed)
    weighings = per_assignment(1, weighed)
    harvests = per_assignment(1, harvested)

    used = sorted(set(containers))
    feed_keys = draw(
        st.lists(
            st.tuples(st.sampled_from(used), st.integers(0, n_days - 1)), unique=True, max_size=20
        )
    )
    feed = [
        (c, d, round(draw(st.floats(0.0, 40.0)), 2), draw(st.integers(1, 3))) for c, d in feed_keys
    ]
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
            case = draw(st.integers(0, 8))
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
        stays = [s._replace(population=p) for s, p in zip(stays, opening_pop, strict=True)]

    transfers.sort(key=lambda t: t[2])  # ids follow execution order, as in the farm's data
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
        n_containers=max(containers) + 2,
    )

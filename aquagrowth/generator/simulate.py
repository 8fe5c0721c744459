"""The true life of one batch: population and weight per container per day (numpy only).

The day follows the engine's rules (docs/engine.md) exactly, so the engine can be
measured against it:

1. transfers at the START of the execution day: the destination receives the fish at
   the source's end-of-previous-day weight; a destination filled from several sources
   takes their population-weighted mean; the source departs that day;
2. growth over the day by the TGC model (Iwama and Tautz 1981),
   ``W_end^(1/3) = W_start^(1/3) + TGC / 1000 * max(T, 0)``, with the container's true
   daily mean temperature ``T``;
3. mortality (daily Poisson deaths, and on the transfer day the fish lost in handling);
4. harvest (a ring is emptied on its harvest day).

The state of a day is the state at its END. Day indices count from the batch start.

References
----------
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in hatcheries.
Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aquagrowth.generator.layout import Layout
from aquagrowth.generator.profile import STAGES
from aquagrowth.generator.schedule import BatchPlan

CAUSE_NATURAL, CAUSE_EPISODE, CAUSE_TRANSFER = 0, 1, 2
CAUSES: tuple[str, ...] = ("natural", "episode", "transfer")
ADULT = len(STAGES) - 1


@dataclass(frozen=True)
class StageStay:
    """One stage of a plan in simulation terms."""

    stage: int
    first_day: int
    days: int
    containers: np.ndarray


@dataclass(frozen=True)
class ResolvedBatch:
    """A batch plan with days counted from the batch start and container positions.

    ``start_offset`` is the batch start in days from the temperature grid's origin.
    """

    index: int
    start_offset: int
    eggs: int
    egg_weight_g: float
    harvest_weight_g: float
    stays: tuple[StageStay, ...]


def resolve_batch(plan: BatchPlan, index: int, origin: dt.date, layout: Layout) -> ResolvedBatch:
    """A schedule's batch in simulation terms: days from its start, container positions.

    ``index`` numbers the batch in its schedule and selects its random stream.
    """
    return ResolvedBatch(
        index=index,
        start_offset=(plan.start_date - origin).days,
        eggs=plan.eggs,
        egg_weight_g=plan.egg_weight_g,
        harvest_weight_g=plan.harvest_weight_g,
        stays=tuple(
            StageStay(
                stage=STAGES.index(s.stage),
                first_day=(s.start - plan.start_date).days,
                days=s.days,
                containers=np.array([layout.index[c] for c in s.containers], dtype=np.int64),
            )
            for s in plan.stages
        ),
    )


def _i(values=()) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _f(values=()) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


@dataclass
class BatchTruth:
    """Everything that really happened to one batch up to the as-of day.

    Assignments (``a_*``) are in chronological order; ``a_stop`` is the first day no
    longer in the container; ``a_departed`` says whether that day is on or before
    as-of (else the assignment is still open). Rows (``r_*``) are end-of-day states,
    grouped by assignment in day order: population (fish), weight (g), true daily mean
    temperature (degC), recorded deaths (fish) and their cause (index into ``CAUSES``).
    """

    a_stage: np.ndarray = field(default_factory=_i)
    a_container: np.ndarray = field(default_factory=_i)
    a_first: np.ndarray = field(default_factory=_i)
    a_stop: np.ndarray = field(default_factory=_i)
    a_departed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    a_pop0: np.ndarray = field(default_factory=_i)
    a_w0: np.ndarray = field(default_factory=_f)
    r_assign: np.ndarray = field(default_factory=_i)
    r_day: np.ndarray = field(default_factory=_i)
    r_pop: np.ndarray = field(default_factory=_i)
    r_weight: np.ndarray = field(default_factory=_f)
    r_temp: np.ndarray = field(default_factory=_f)
    r_mort: np.ndarray = field(default_factory=_i)
    r_cause: np.ndarray = field(default_factory=_i)
    h_assign: np.ndarray = field(default_factory=_i)
    h_day: np.ndarray = field(default_factory=_i)
    h_count: np.ndarray = field(default_factory=_i)
    h_live_kg: np.ndarray = field(default_factory=_f)
    t_src: np.ndarray = field(default_factory=_i)
    t_dst: np.ndarray = field(default_factory=_i)
    t_day: np.ndarray = field(default_factory=_i)
    t_count: np.ndarray = field(default_factory=_i)
    t_measured_g: np.ndarray = field(default_factory=_f)
    stage_tgc: np.ndarray = field(default_factory=lambda: np.full(len(STAGES), np.nan))
    stage_mortality_rate: np.ndarray = field(default_factory=_f)
    last_day: int = -1
    finished: bool = False


def flow_pairs(
    n_src: int, n_dst: int, rng: np.random.Generator, snap: float = 0.2
) -> list[tuple[int, int, float]]:
    """Which source container sends which share of its fish to which destination.

    Sources are unit intervals laid end to end; destinations are intervals of random
    width (0.75..1.25 of an even share) over the same span. Each overlap is one transfer
    (source, destination, share of the source's fish). Destination edges close to a
    source edge snap onto it, so most moves are one to one and some are splits (a
    source edge inside a destination) or merges (a destination edge inside a source).
    """
    widths = rng.uniform(0.75, 1.25, size=n_dst)
    edges = np.concatenate([[0.0], np.cumsum(widths / widths.sum() * n_src)])
    nearest = np.round(edges)
    edges = np.where(np.abs(edges - nearest) < snap, nearest, edges)
    edges[0], edges[-1] = 0.0, float(n_src)
    pairs: list[tuple[int, int, float]] = []
    for j in range(n_dst):
        lo, hi = edges[j], edges[j + 1]
        if hi <= lo:
            continue
        for i in range(int(np.floor(lo)), int(np.ceil(hi))):
            overlap = min(hi, i + 1) - max(lo, i)
            if overlap > 1e-9:
                pairs.append((i, j, overlap))
    return pairs


def _split(population: int, shares: np.ndarray) -> np.ndarray:
    """Whole fish per share; the last share takes the remainder so none is lost."""
    cuts = np.floor(population * np.cumsum(shares)[:-1] / shares.sum()).astype(np.int64)
    return np.diff(np.concatenate([[0], cuts, [population]]))


def _stage_tgc(w_start_g: np.ndarray, p_start: np.ndarray, target_g: float, degree_days: float):
    """TGC that brings the population-weighted start weight to ``target_g``."""
    w_mean = float(np.sum(w_start_g * p_start) / max(np.sum(p_start), 1))
    return 1000.0 * (target_g ** (1 / 3) - w_mean ** (1 / 3)) / max(degree_days, 1e-9)


def _daily_deaths(
    p_open: np.ndarray,
    rate: float,
    handling_loss: np.ndarray,
    valid: np.ndarray,
    settings: dict[str, Any],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Deaths per container and day of a stay, and which days are in an episode.

    Poisson at ``rate`` (fraction per day) of the opening population, raised in an
    occasional episode; the first day adds the fish lost in handling at the transfer.
    Days outside ``valid`` have none and no container loses more fish than it has.
    """
    k, length = valid.shape
    multiplier = np.ones((k, length))
    episode = np.zeros((k, length), dtype=bool)
    hit = rng.random(k) < float(settings["episode_probability"])
    for c in np.flatnonzero(hit):
        span = int(rng.integers(settings["episode_days"][0], settings["episode_days"][1] + 1))
        begin = int(rng.integers(0, max(length - span, 1)))
        multiplier[c, begin : begin + span] = rng.uniform(*settings["episode_multiplier"])
        episode[c, begin : begin + span] = True
    deaths = rng.poisson(p_open[:, None] * rate * multiplier)
    deaths[:, 0] += handling_loss
    deaths = np.where(valid, deaths, 0)
    lost = np.minimum(np.cumsum(deaths, axis=1), p_open[:, None])
    return np.diff(lost, axis=1, prepend=0), episode


def _move_all_fish(
    src_pop: np.ndarray,
    src_weight_g: np.ndarray,
    n_dst: int,
    settings: dict[str, Any],
    rng: np.random.Generator,
) -> list[tuple[int, int, int, float]]:
    """Every fish of the sources to the destinations: (source, destination, fish,
    measured weight g or NaN) per transfer, in source order.

    A weighed transfer records the true weight of the moved fish (the source's end of
    the previous day) with a relative error of ``transfer_weight_noise``.
    """
    by_source: dict[int, list[tuple[int, float]]] = {}
    for i, j, share in flow_pairs(len(src_pop), n_dst, rng):
        by_source.setdefault(i, []).append((j, share))
    measure = float(settings["measured_transfer_share"])
    noise = float(settings["transfer_weight_noise"])
    moves: list[tuple[int, int, int, float]] = []
    for i, dests in sorted(by_source.items()):
        moved = _split(int(src_pop[i]), _f([share for _, share in dests]))
        for (j, _), n in zip(dests, moved, strict=True):
            if n <= 0:
                continue
            weighed = rng.random() < measure
            measured = src_weight_g[i] * (1 + rng.normal(0, noise)) if weighed else np.nan
            moves.append((i, j, int(n), float(measured)))
    return moves


def simulate_batch(
    batch: ResolvedBatch,
    temperature_c: np.ndarray,
    as_of_day: int,
    settings: dict[str, Any],
    seed: int,
) -> BatchTruth:
    """Simulate one batch from egg input to harvest or to ``as_of_day`` (batch days).

    Parameters
    ----------
    batch : the plan, days from the batch start, container positions
    temperature_c : true daily mean temperature (degC), (containers, grid days)
    as_of_day : last day simulated, counted from the batch start
    settings : the profile's settings (rates, target weights, jitters)
    seed : the farm seed; the batch's random stream is ``(seed, batch.index)``
    """
    rng = np.random.default_rng([seed, batch.index, 7003])
    rates = _f(settings["mortality_rate_per_day"])
    targets = [*settings["stage_end_weight_g"], batch.harvest_weight_g]
    truth = BatchTruth(stage_mortality_rate=rates.copy())
    a_parts: dict[str, list] = {
        k: [] for k in ("stage", "cont", "first", "stop", "dep", "p0", "w0")
    }
    r_parts: dict[str, list] = {k: [] for k in ("a", "day", "pop", "w", "t", "m", "c")}
    h_parts: dict[str, list] = {k: [] for k in ("a", "day", "n", "kg")}
    t_parts: dict[str, list] = {k: [] for k in ("s", "d", "day", "n", "w")}
    n_assign = 0

    containers0 = batch.stays[0].containers
    p_open = _split(batch.eggs, rng.uniform(0.9, 1.1, size=len(containers0)))
    w_open = np.full(len(containers0), batch.egg_weight_g)
    handling_loss = np.zeros(len(containers0), dtype=np.int64)
    for position, stay in enumerate(batch.stays):
        if stay.first_day > as_of_day:
            break
        s, k = stay.stage, len(stay.containers)
        planned_stop = np.full(k, stay.first_day + stay.days, dtype=np.int64)
        if s == ADULT:
            # Rings are emptied one a day over the last k days of the stay.
            planned_stop = stay.first_day + stay.days - k + 1 + np.arange(k)
        stop = np.minimum(planned_stop, as_of_day + 1)
        n_days = stop - stay.first_day
        length = int(planned_stop.max() - stay.first_day)
        grid_days = batch.start_offset + stay.first_day + np.arange(length)
        temps = temperature_c[stay.containers][:, grid_days]
        in_stay = np.arange(length)[None, :] < (planned_stop - stay.first_day)[:, None]
        warm = np.where(in_stay, np.maximum(temps, 0.0), 0.0)
        degree_days = float(np.mean(warm.sum(axis=1)))
        tgc = _stage_tgc(w_open, p_open, targets[s], degree_days)
        jitter = rng.normal(0.0, float(settings["tgc_jitter"]))
        if s != ADULT:
            # At sea the farm harvests when the fish reach the target, so only the
            # freshwater stages end away from their nominal weights.
            tgc *= 1.0 + jitter
        truth.stage_tgc[s] = tgc
        tgc_c = tgc * (1.0 + rng.normal(0.0, float(settings["container_tgc_jitter"]), size=k))
        cube = np.cbrt(w_open)[:, None] + np.cumsum(tgc_c[:, None] / 1000.0 * warm, axis=1)
        weight = cube**3

        valid = np.arange(length)[None, :] < n_days[:, None]
        deaths, episode = _daily_deaths(p_open, rates[s], handling_loss, valid, settings, rng)
        population = p_open[:, None] - np.cumsum(deaths, axis=1)

        cause = np.where(episode, CAUSE_EPISODE, CAUSE_NATURAL)
        cause[:, 0] = np.where(handling_loss > 0, CAUSE_TRANSFER, cause[:, 0])
        ids = n_assign + np.arange(k)
        if s == ADULT:
            harvested = stop == planned_stop
            for c in np.flatnonzero(harvested):
                last = int(n_days[c] - 1)
                count = int(population[c, last])
                h_parts["a"].append(ids[c])
                h_parts["day"].append(stay.first_day + last)
                h_parts["n"].append(count)
                h_parts["kg"].append(count * weight[c, last] / 1000.0)
                population[c, last] = 0
        departed = planned_stop <= as_of_day if s != ADULT else planned_stop <= as_of_day + 1
        a_parts["stage"].append(np.full(k, s))
        a_parts["cont"].append(stay.containers)
        a_parts["first"].append(np.full(k, stay.first_day))
        a_parts["stop"].append(planned_stop)
        a_parts["dep"].append(departed)
        a_parts["p0"].append(p_open if position == 0 else np.zeros(k, dtype=np.int64))
        a_parts["w0"].append(w_open if position == 0 else np.full(k, np.nan))
        rows_c, rows_d = np.nonzero(valid)
        r_parts["a"].append(ids[rows_c])
        r_parts["day"].append(stay.first_day + rows_d)
        r_parts["pop"].append(population[rows_c, rows_d])
        r_parts["w"].append(weight[rows_c, rows_d])
        r_parts["t"].append(temps[rows_c, rows_d])
        r_parts["m"].append(deaths[rows_c, rows_d])
        r_parts["c"].append(cause[rows_c, rows_d])
        truth.last_day = max(truth.last_day, int(stop.max()) - 1)

        nxt = batch.stays[position + 1] if position + 1 < len(batch.stays) else None
        if nxt is None or nxt.first_day > as_of_day:
            truth.finished = nxt is None and bool(np.all(stop == planned_stop))
            break
        moves = _move_all_fish(population[:, -1], weight[:, -1], len(nxt.containers), settings, rng)
        for i, j, n, measured in moves:
            t_parts["s"].append(ids[i])
            t_parts["d"].append(n_assign + k + j)
            t_parts["day"].append(nxt.first_day)
            t_parts["n"].append(n)
            t_parts["w"].append(measured)
        p_next = np.zeros(len(nxt.containers), dtype=np.int64)
        mass = np.zeros(len(nxt.containers))
        for i, j, n, _ in moves:
            p_next[j] += n
            mass[j] += n * weight[i, -1]
        w_open = mass / np.maximum(p_next, 1)
        p_open = p_next
        loss_rate = rng.uniform(*settings["transfer_mortality"], size=len(nxt.containers))
        handling_loss = rng.binomial(p_open, loss_rate)
        n_assign += k

    truth.a_stage = np.concatenate(a_parts["stage"]).astype(np.int64)
    truth.a_container = np.concatenate(a_parts["cont"]).astype(np.int64)
    truth.a_first = np.concatenate(a_parts["first"]).astype(np.int64)
    truth.a_stop = np.concatenate(a_parts["stop"]).astype(np.int64)
    truth.a_departed = np.concatenate(a_parts["dep"]).astype(bool)
    truth.a_pop0 = np.concatenate(a_parts["p0"]).astype(np.int64)
    truth.a_w0 = np.concatenate(a_parts["w0"]).astype(np.float64)
    truth.r_assign = np.concatenate(r_parts["a"]).astype(np.int64)
    truth.r_day = np.concatenate(r_parts["day"]).astype(np.int64)
    truth.r_pop = np.concatenate(r_parts["pop"]).astype(np.int64)
    truth.r_weight = np.concatenate(r_parts["w"]).astype(np.float64)
    truth.r_temp = np.concatenate(r_parts["t"]).astype(np.float64)
    truth.r_mort = np.concatenate(r_parts["m"]).astype(np.int64)
    truth.r_cause = np.concatenate(r_parts["c"]).astype(np.int64)
    truth.h_assign, truth.h_day = _i(h_parts["a"]), _i(h_parts["day"])
    truth.h_count, truth.h_live_kg = _i(h_parts["n"]), _f(h_parts["kg"])
    truth.t_src, truth.t_dst, truth.t_day = _i(t_parts["s"]), _i(t_parts["d"]), _i(t_parts["day"])
    truth.t_count, truth.t_measured_g = _i(t_parts["n"]), _f(t_parts["w"])
    return truth

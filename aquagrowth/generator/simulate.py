"""The true life of one batch: population and weight per container per day (numpy only).

The day follows the engine's rules (docs/engine.md) exactly, so the engine can be
measured against it:

1. transfers at the START of the execution day: the destination receives the fish at
   the source's end-of-previous-day weight; a destination filled from several sources
   takes their population-weighted mean; the source departs that day;
2. growth over the day by the TGC model (Iwama and Tautz 1981),
   ``W_end^(1/3) = W_start^(1/3) + TGC / 1000 * max(T, 0)``, with the container's true
   daily mean temperature ``T``;
3. mortality (daily Poisson deaths, and on the transfer day the fish lost in handling;
   at sea the deaths of delousing treatments), then the fish lost without a record
   (non-registered losses, ``losses``);
4. harvest (a ring is emptied on its harvest day).

The state of a day is the state at its END. Day indices count from the batch start.

References
----------
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in hatcheries.
Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from aquagrowth.generator import losses
from aquagrowth.generator.layout import Layout
from aquagrowth.generator.profile import STAGES
from aquagrowth.generator.schedule import BatchPlan

CAUSE_NATURAL, CAUSE_EPISODE, CAUSE_TRANSFER, CAUSE_TREATMENT = 0, 1, 2, 3
CAUSES: tuple[str, ...] = ("natural", "episode", "transfer", "treatment")
ADULT = len(STAGES) - 1
WORLD_STREAM = 7005
"""Purpose of the random streams of the real farm's hidden losses and treatments, one per
stay: ``(seed, batch index, WORLD_STREAM, stay position)``. New streams, so the perfect
farm's draws stay as they were."""


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
    temperature (degC), deaths (fish; what mortality records report, on time or late)
    and their cause (index into ``CAUSES``), and the fish lost without any record
    (``r_hidden``). Harvests (``h_*``): assignment, day, fish and live weight (kg).
    Transfers (``t_*``): source and destination assignment, execution day, true fish
    moved, measured weight (g; NaN where not weighed). Treatments (``tr_*``): assignment
    and day of each delousing whose counter counted the fish at the end of that day.
    Assignments are numbered by position; days count from the start.
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
    r_hidden: np.ndarray = field(default_factory=_i)
    h_assign: np.ndarray = field(default_factory=_i)
    h_day: np.ndarray = field(default_factory=_i)
    h_count: np.ndarray = field(default_factory=_i)
    h_live_kg: np.ndarray = field(default_factory=_f)
    t_src: np.ndarray = field(default_factory=_i)
    t_dst: np.ndarray = field(default_factory=_i)
    t_day: np.ndarray = field(default_factory=_i)
    t_count: np.ndarray = field(default_factory=_i)
    t_measured_g: np.ndarray = field(default_factory=_f)
    tr_assign: np.ndarray = field(default_factory=_i)
    tr_day: np.ndarray = field(default_factory=_i)
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


@dataclass(frozen=True)
class _Opening:
    """What a stay's containers open with, per container: fish, their mean weight (g),
    and the fish lost in handling on the first day (the transfer's mortality)."""

    population: np.ndarray
    weight_g: np.ndarray
    handling_loss: np.ndarray


@dataclass(frozen=True)
class _StayLife:
    """One stay lived, per container (rows) and day of the stay (columns), end of day.

    ``planned_stop`` is each container's first day (batch days) no longer in it;
    ``stop`` the same, cut at the day after as-of; ``lived`` marks the days before
    ``stop``. ``tgc`` is the stage's true TGC, before each container's own jitter.
    ``hidden`` are the fish lost without a record, ``treated`` the treatment days.
    """

    planned_stop: np.ndarray
    stop: np.ndarray
    lived: np.ndarray
    tgc: float
    temp_c: np.ndarray
    weight_g: np.ndarray
    deaths: np.ndarray
    population: np.ndarray
    cause: np.ndarray
    hidden: np.ndarray
    treated: np.ndarray


@dataclass(frozen=True)
class _Moves:
    """The transfers of one move between stages, in source order: source and destination
    container positions, fish moved, measured weight (g; NaN where not weighed)."""

    source: np.ndarray
    destination: np.ndarray
    fish: np.ndarray
    measured_g: np.ndarray


@dataclass
class _TruthParts:
    """:class:`BatchTruth`'s columns in pieces (one per stay, or per move between stages
    for the transfers), joined once at the end."""

    a_stage: list[np.ndarray] = field(default_factory=list)
    a_container: list[np.ndarray] = field(default_factory=list)
    a_first: list[np.ndarray] = field(default_factory=list)
    a_stop: list[np.ndarray] = field(default_factory=list)
    a_departed: list[np.ndarray] = field(default_factory=list)
    a_pop0: list[np.ndarray] = field(default_factory=list)
    a_w0: list[np.ndarray] = field(default_factory=list)
    r_assign: list[np.ndarray] = field(default_factory=list)
    r_day: list[np.ndarray] = field(default_factory=list)
    r_pop: list[np.ndarray] = field(default_factory=list)
    r_weight: list[np.ndarray] = field(default_factory=list)
    r_temp: list[np.ndarray] = field(default_factory=list)
    r_mort: list[np.ndarray] = field(default_factory=list)
    r_cause: list[np.ndarray] = field(default_factory=list)
    r_hidden: list[np.ndarray] = field(default_factory=list)
    h_assign: list[np.ndarray] = field(default_factory=list)
    h_day: list[np.ndarray] = field(default_factory=list)
    h_count: list[np.ndarray] = field(default_factory=list)
    h_live_kg: list[np.ndarray] = field(default_factory=list)
    t_src: list[np.ndarray] = field(default_factory=list)
    t_dst: list[np.ndarray] = field(default_factory=list)
    t_day: list[np.ndarray] = field(default_factory=list)
    t_count: list[np.ndarray] = field(default_factory=list)
    t_measured_g: list[np.ndarray] = field(default_factory=list)
    tr_assign: list[np.ndarray] = field(default_factory=list)
    tr_day: list[np.ndarray] = field(default_factory=list)

    def join_into(self, truth: BatchTruth) -> None:
        """Each column's pieces as one array of the dtype :class:`BatchTruth` declares."""
        declared = BatchTruth()
        for column in fields(self):
            dtype = getattr(declared, column.name).dtype
            pieces = getattr(self, column.name)
            joined = np.concatenate(pieces).astype(dtype) if pieces else np.zeros(0, dtype)
            setattr(truth, column.name, joined)


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
) -> _Moves:
    """Every fish of the sources to the destinations, one transfer per (source,
    destination) pair that receives fish, in source order.

    A weighed transfer records the true weight of the moved fish (the source's end of
    the previous day) with a relative error of ``transfer_weight_noise``.
    """
    by_source: dict[int, list[tuple[int, float]]] = {}
    for i, j, share in flow_pairs(len(src_pop), n_dst, rng):
        by_source.setdefault(i, []).append((j, share))
    measure = float(settings["measured_transfer_share"])
    noise = float(settings["transfer_weight_noise"])
    source, destination, fish, measured_g = [], [], [], []
    for i, dests in sorted(by_source.items()):
        moved = _split(int(src_pop[i]), _f([share for _, share in dests]))
        for (j, _), n in zip(dests, moved, strict=True):
            if n <= 0:
                continue
            weighed = rng.random() < measure
            measured = src_weight_g[i] * (1 + rng.normal(0, noise)) if weighed else np.nan
            source.append(i)
            destination.append(j)
            fish.append(int(n))
            measured_g.append(float(measured))
    return _Moves(_i(source), _i(destination), _i(fish), _f(measured_g))


def simulate_batch(
    batch: ResolvedBatch,
    temperature_c: np.ndarray,
    as_of_day: int,
    settings: dict[str, Any],
    seed: int,
) -> BatchTruth:
    """Simulate one batch from egg input to harvest or to ``as_of_day`` (batch days).

    Stage by stage: the stay's growth and deaths, the harvest of the rings at sea, then
    the move of every fish into the next stage's containers, which open with them.

    Parameters
    ----------
    batch : the plan, days from the batch start, container positions
    temperature_c : true daily mean temperature (degC), (containers, grid days)
    as_of_day : last day simulated, counted from the batch start
    settings : the profile's settings (rates, target weights, jitters)
    seed : the farm seed; the batch's random stream is ``(seed, batch.index)``
    """
    rng = np.random.default_rng([seed, batch.index, 7003])
    truth = BatchTruth(stage_mortality_rate=_f(settings["mortality_rate_per_day"]))
    parts = _TruthParts()
    opening = _egg_input(batch, rng)
    first_id = 0
    for position, stay in enumerate(batch.stays):
        if stay.first_day > as_of_day:
            break
        world = np.random.default_rng([seed, batch.index, WORLD_STREAM, position])
        life = _live_stay(batch, stay, opening, temperature_c, as_of_day, settings, (rng, world))
        truth.stage_tgc[stay.stage] = life.tgc
        ids = first_id + np.arange(len(stay.containers))
        if stay.stage == ADULT:
            _harvest(life, stay.first_day, ids, parts)
        _record_stay(parts, stay, life, ids, opening if position == 0 else None, as_of_day)
        truth.last_day = max(truth.last_day, int(life.stop.max()) - 1)
        nxt = batch.stays[position + 1] if position + 1 < len(batch.stays) else None
        if nxt is None or nxt.first_day > as_of_day:
            truth.finished = nxt is None and bool(np.all(life.stop == life.planned_stop))
            break
        first_id += len(stay.containers)
        opening = _transfer(life, ids, first_id, nxt, parts, settings, rng)
    parts.join_into(truth)
    return truth


def _egg_input(batch: ResolvedBatch, rng: np.random.Generator) -> _Opening:
    """The eggs shared out over the first stage's containers (0.9..1.1 of an even share
    each), at the egg weight (g)."""
    k = len(batch.stays[0].containers)
    return _Opening(
        population=_split(batch.eggs, rng.uniform(0.9, 1.1, size=k)),
        weight_g=np.full(k, batch.egg_weight_g),
        handling_loss=np.zeros(k, dtype=np.int64),
    )


def _live_stay(
    batch: ResolvedBatch,
    stay: StageStay,
    opening: _Opening,
    temperature_c: np.ndarray,
    as_of_day: int,
    settings: dict[str, Any],
    streams: tuple[np.random.Generator, np.random.Generator],
) -> _StayLife:
    """Growth and deaths of one stay of ``batch``, from its opening to its stop or as-of.

    The stage ends at its ``stage_end_weight_g`` (the last at the batch's harvest
    weight) and loses its ``mortality_rate_per_day``; the real farm's treatments and
    hidden losses (``losses``) draw from the stay's own stream, the second of
    ``streams``, so the first (the batch's) draws what it drew without them.
    """
    rng, world = streams
    k = len(stay.containers)
    planned_stop = np.full(k, stay.first_day + stay.days, dtype=np.int64)
    if stay.stage == ADULT:
        # Rings are emptied one a day over the last k days of the stay.
        planned_stop = stay.first_day + stay.days - k + 1 + np.arange(k)
    stop = np.minimum(planned_stop, as_of_day + 1)
    length = int(planned_stop.max() - stay.first_day)
    grid_days = batch.start_offset + stay.first_day + np.arange(length)
    temp_c = temperature_c[stay.containers][:, grid_days]
    in_stay = np.arange(length)[None, :] < (planned_stop - stay.first_day)[:, None]
    target_g = [*settings["stage_end_weight_g"], batch.harvest_weight_g][stay.stage]
    tgc, weight_g = _grow(stay.stage, opening, temp_c, in_stay, target_g, settings, rng)

    lived = np.arange(length)[None, :] < (stop - stay.first_day)[:, None]
    rate = _f(settings["mortality_rate_per_day"])[stay.stage]
    deaths, episode = _daily_deaths(
        opening.population, rate, opening.handling_loss, lived, settings, rng
    )
    real = losses.stay_losses(
        stay.stage == ADULT,
        opening.population,
        planned_stop - stay.first_day,
        lived,
        deaths,
        settings["records"],
        world,
    )
    cause = np.where(episode, CAUSE_EPISODE, CAUSE_NATURAL)
    cause = np.where(real.treated & (real.deaths > deaths), CAUSE_TREATMENT, cause)
    cause[:, 0] = np.where(opening.handling_loss > 0, CAUSE_TRANSFER, cause[:, 0])
    return _StayLife(
        planned_stop=planned_stop,
        stop=stop,
        lived=lived,
        tgc=tgc,
        temp_c=temp_c,
        weight_g=weight_g,
        deaths=real.deaths,
        population=opening.population[:, None] - np.cumsum(real.deaths + real.hidden, axis=1),
        cause=cause,
        hidden=real.hidden,
        treated=real.treated,
    )


def _grow(
    stage: int,
    opening: _Opening,
    temp_c: np.ndarray,
    in_stay: np.ndarray,
    target_g: float,
    settings: dict[str, Any],
    rng: np.random.Generator,
) -> tuple[float, np.ndarray]:
    """The stage's true TGC and each container's end-of-day weight (g) over the stay.

    The TGC takes the opening weight to ``target_g`` over the stay's mean degree-days
    (``in_stay`` marks each container's days), then varies by ``tgc_jitter`` per batch
    and ``container_tgc_jitter`` per container.
    """
    # The truth keeps its own TGC arithmetic on purpose (not engine/core/growth.py): the
    # engine is scored against it, and one bug on both sides would hide in the comparison.
    warm = np.where(in_stay, np.maximum(temp_c, 0.0), 0.0)
    degree_days = float(np.mean(warm.sum(axis=1)))
    tgc = _stage_tgc(opening.weight_g, opening.population, target_g, degree_days)
    jitter = rng.normal(0.0, float(settings["tgc_jitter"]))
    if stage != ADULT:
        # At sea the farm harvests when the fish reach the target, so only the
        # freshwater stages end away from their nominal weights.
        tgc *= 1.0 + jitter
    k = len(opening.population)
    tgc_c = tgc * (1.0 + rng.normal(0.0, float(settings["container_tgc_jitter"]), size=k))
    cube = np.cbrt(opening.weight_g)[:, None] + np.cumsum(tgc_c[:, None] / 1000.0 * warm, axis=1)
    return tgc, cube**3


def _harvest(life: _StayLife, first_day: int, ids: np.ndarray, parts: _TruthParts) -> None:
    """Empty every ring whose harvest day is on or before as-of: its fish and live weight
    (kg) on that day go to the harvest, and the day ends with none."""
    rings = np.flatnonzero(life.stop == life.planned_stop)
    last = life.stop[rings] - first_day - 1
    count = life.population[rings, last]
    parts.h_assign.append(ids[rings])
    parts.h_day.append(first_day + last)
    parts.h_count.append(count)
    parts.h_live_kg.append(count * life.weight_g[rings, last] / 1000.0)
    life.population[rings, last] = 0


def _record_stay(
    parts: _TruthParts,
    stay: StageStay,
    life: _StayLife,
    ids: np.ndarray,
    egg_input: _Opening | None,
    as_of_day: int,
) -> None:
    """The stay's assignments and their lived days as truth columns.

    Only the egg input (``egg_input``) opens with fish and a weight; the other stages'
    assignments open empty and receive their fish by transfer.
    """
    k = len(stay.containers)
    if stay.stage == ADULT:
        # A ring is emptied on its last day in the stay, so by as-of when that day is.
        departed = life.planned_stop <= as_of_day + 1
    else:
        departed = life.planned_stop <= as_of_day
    parts.a_stage.append(np.full(k, stay.stage))
    parts.a_container.append(stay.containers)
    parts.a_first.append(np.full(k, stay.first_day))
    parts.a_stop.append(life.planned_stop)
    parts.a_departed.append(departed)
    parts.a_pop0.append(egg_input.population if egg_input else np.zeros(k, dtype=np.int64))
    parts.a_w0.append(egg_input.weight_g if egg_input else np.full(k, np.nan))
    container, day = np.nonzero(life.lived)
    parts.r_assign.append(ids[container])
    parts.r_day.append(stay.first_day + day)
    parts.r_pop.append(life.population[container, day])
    parts.r_weight.append(life.weight_g[container, day])
    parts.r_temp.append(life.temp_c[container, day])
    parts.r_mort.append(life.deaths[container, day])
    parts.r_cause.append(life.cause[container, day])
    parts.r_hidden.append(life.hidden[container, day])
    treated, treated_day = np.nonzero(life.treated)
    parts.tr_assign.append(ids[treated])
    parts.tr_day.append(stay.first_day + treated_day)


def _transfer(
    life: _StayLife,
    ids: np.ndarray,
    next_first_id: int,
    nxt: StageStay,
    parts: _TruthParts,
    settings: dict[str, Any],
    rng: np.random.Generator,
) -> _Opening:
    """Move every fish at the end of the stay into the next stage's containers.

    A destination opens with the fish it received at their population-weighted mean
    weight (g) and loses a ``transfer_mortality`` share of them in handling on day one.
    ``next_first_id`` numbers the next stage's first assignment.
    """
    src_weight_g = life.weight_g[:, -1]
    moves = _move_all_fish(life.population[:, -1], src_weight_g, len(nxt.containers), settings, rng)
    parts.t_src.append(ids[moves.source])
    parts.t_dst.append(next_first_id + moves.destination)
    parts.t_day.append(np.full(moves.fish.size, nxt.first_day))
    parts.t_count.append(moves.fish)
    parts.t_measured_g.append(moves.measured_g)
    population = np.zeros(len(nxt.containers), dtype=np.int64)
    mass = np.zeros(len(nxt.containers))
    pairs = zip(moves.source.tolist(), moves.destination.tolist(), moves.fish.tolist(), strict=True)
    for i, j, n in pairs:
        population[j] += n
        mass[j] += n * src_weight_g[i]
    loss_rate = rng.uniform(*settings["transfer_mortality"], size=len(nxt.containers))
    return _Opening(
        population=population,
        weight_g=mass / np.maximum(population, 1),
        handling_loss=rng.binomial(population, loss_rate),
    )

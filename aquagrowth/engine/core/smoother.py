"""Weight with its uncertainty: a Kalman filter and Rauch-Tung-Striebel smoother per stay.

The state at a point (the start of a day) is the cube root of the pen's mean weight
``u`` (g^(1/3)) and ``g`` = TGC / 1000. A day grows ``u`` by ``g`` times its effective
temperature (the growth rule of ``growth``) and ``g`` drifts as a random walk. Samples,
weighings, harvests and measured transfer weights observe ``u`` with the variance of
their mean; fish placed into a pen and the fish a graded transfer leaves behind are
breaks that move the state (docs/engine.md, "Weight with its uncertainty").

Each stay is walked over its *event points* only (a short Python loop on floats: the
opening, the observations, the breaks, the end), filtered forward and smoothed back;
the days between are filled afterwards for the whole batch at once (:func:`fill_days`)
from closed forms, so the cost grows with the records, not with the days.

References
----------
Kalman, R. E. (1960). A new approach to linear filtering and prediction problems.
Journal of Basic Engineering 82(1), 35-45.
Rauch, H. E., Tung, F. and Striebel, C. T. (1965). Maximum likelihood estimates of
linear dynamic systems. AIAA Journal 3(8), 1445-1450.
Iwama, G. K. and Tautz, A. F. (1981). A simple growth model for salmonids in
hatcheries. Canadian Journal of Fisheries and Aquatic Sciences 38(6), 649-656.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray

Z90 = 1.6448536269514722
"""The standard normal's 95th percentile: a central 90 % band is mean +- Z90 sd."""
OPENING_WEIGHT_CV = 0.005
"""Relative SD of an egg input's recorded mean weight: a hatchery weighs a counted
subsample of some hundreds of eggs (about 10 % CV from egg to egg: 500 eggs give 0.45 %).
Not the stocking count's 1.25 % (``counts.COUNT_PRECISION['stocking']``): that error is
the count's, whether a counter's or a volume's; only where a lot is counted by weight do
the two share one weighing. Not fitted: the first measurement after the egg stage sees
it only summed with the stage's TGC spread (docs/engine.md, "Egg&Alevin")."""
TRANSFER_WEIGHT_CV = 0.01
"""Default relative SD of a transfer's measured weight: kilograms over a counter's count,
whose precision (1 %, ``counts.COUNT_PRECISION['counter']``) is the weight's at best."""


@dataclass(frozen=True)
class SmootherParams:
    """The model's farm-level parameters (fitted by ``fit``; these are the defaults).

    sample_cv : the SD of fish weights over their mean, for samples without a recorded
        SD, weighings and harvests
    tgc_drift_sd : SD of the TGC's change per day, customary TGC units per sqrt(day)
    scenario_tgc_cv : relative SD of a stay's TGC around its scenario's, the prior
    transfer_weight_cv : relative SD of a transfer's measured weight
    opening_weight_cv : relative SD of an egg input's recorded weight (not fitted: the
        records after it cannot tell it from the TGC's spread, docs/engine.md)
    unsampled_stages : names of the stages no stay of which has a measured weight on
        the farm (its records say so: ``weight_fit``)
    unsampled_tgc_cv : relative SD of the TGC around its scenario's for stays of those
        stages, fitted by the first measurement after them; None: ``scenario_tgc_cv``
    """

    sample_cv: float = 0.20
    tgc_drift_sd: float = 0.02
    scenario_tgc_cv: float = 0.10
    transfer_weight_cv: float = TRANSFER_WEIGHT_CV
    opening_weight_cv: float = OPENING_WEIGHT_CV
    unsampled_stages: tuple[str, ...] = ()
    unsampled_tgc_cv: float | None = None
    exact_measurements: bool = False
    """Every measured weight taken as exact (the anchored model's view)."""

    @property
    def drift_var(self) -> float:
        """sigma_g^2: the variance of g = TGC / 1000 gained per day."""
        return (self.tgc_drift_sd / 1000.0) ** 2

    def in_stage(self, stage_name: str) -> SmootherParams:
        """The parameters a stay of ``stage_name`` grows under: no drift in an unsampled
        stage (its TGC's uncertainty is all in its prior, the one part of it its records
        can size); the farm's elsewhere."""
        if stage_name in self.unsampled_stages and self.tgc_drift_sd:
            return replace(self, tgc_drift_sd=0.0)
        return self

    def tgc_cv(self, stage_name: str) -> float:
        """The relative SD of a stay's TGC around its scenario's, for a stay of
        ``stage_name``: the unsampled stages' own where fitted, else the farm's."""
        if stage_name in self.unsampled_stages and self.unsampled_tgc_cv is not None:
            return self.unsampled_tgc_cv
        return self.scenario_tgc_cv


ANCHORED_REALTIME = SmootherParams(
    sample_cv=0.0,
    tgc_drift_sd=0.0,
    scenario_tgc_cv=0.0,
    unsampled_tgc_cv=0.0,
    exact_measurements=True,
)
"""The filter with exact observations, no drift and the scenario's TGC taken as exact:
the anchored model as a manager saw it each day (the curve from the last measured
weight at the scenario's TGC), the yardstick of the real-time figure."""


class Gauss(NamedTuple):
    """A state (u, g) with its covariance (puu, pug, pgg); u NaN while unknown."""

    u: float
    g: float
    puu: float
    pug: float
    pgg: float

    @property
    def known(self) -> bool:
        return not math.isnan(self.u)

    def weight_g(self) -> float:
        return self.u**3 if self.u > 0 else 0.0

    def weight_var(self) -> float:
        """var(W) by the delta method: (3 u^2)^2 var(u)."""
        return (3.0 * self.u * self.u) ** 2 * self.puu


UNKNOWN = Gauss(math.nan, math.nan, 0.0, 0.0, 0.0)


def root_variance(weight_g: FloatArray, weight_var: FloatArray) -> FloatArray:
    """var(W^(1/3)) from var(W) (g^2) at ``weight_g``: the delta method, d(W^(1/3))/dW =
    1 / (3 W^(2/3))."""
    w = np.asarray(weight_g, dtype=np.float64)
    return np.asarray(weight_var, dtype=np.float64) / (3.0 * np.cbrt(w) ** 2) ** 2


class Observe(NamedTuple):
    """A measured mean weight (g) with the variance of the measurement (g^2)."""

    point: int
    weight_g: float
    weight_var: float


class Mix(NamedTuple):
    """Fish placed at ``point`` into ``present`` fish: (fish, weight g, var g^2, g, var g)
    per group; g NaN where the group brings no TGC of its own stage."""

    point: int
    present: int
    groups: tuple


class MassBalance(NamedTuple):
    """A weighed LARGEST or SMALLEST transfer of ``moved`` of ``present`` fish at
    ``weight_g`` (var ``weight_var``): the fish that stay have the rest of the mass."""

    point: int
    present: int
    moved: int
    weight_g: float
    weight_var: float


class Leave(NamedTuple):
    """Fish leaving at ``point`` at the weight of that moment: ``key`` names them."""

    point: int
    key: int


@dataclass
class StayChain:
    """One stay's event points, filtered and smoothed.

    Node ``k`` is the state at ``point[k]`` after the events applied so far. ``grow`` lists
    each growth step as (node before, node after); the days between are filled from them.
    """

    cumulative_temp: FloatArray
    prefix: _Prefix | None = None
    """The cumulative temperatures and their prefix sums as floats (the drift's noise of
    a step in O(1), as :func:`fill_days` does for the days)."""
    point: list[int] = field(default_factory=list)
    filtered: list[Gauss] = field(default_factory=list)
    """Each node's filtered state after the observations at its point."""
    predicted: list[Gauss] = field(default_factory=list)
    """Each node's state before them (what the step into it predicted)."""
    smoothed: list[Gauss] = field(default_factory=list)
    steps: list[tuple] = field(default_factory=list)
    """(node before, node after, a, b, h, noise, c): u' = a u + b + h g, g' = c g (+
    noise); c = 0 where a pen's opening takes the TGC its fish bring."""
    grow: list[tuple[int, int]] = field(default_factory=list)
    loglik: float = 0.0
    """Log-likelihood of the stay's observations given the ones before (the filter's
    innovations): what the drift's maximum-likelihood fit sums over a farm's stays."""
    observations: int = 0
    drift_var: float = 0.0
    """The drift's variance per day in this stay (0 in an unsampled stage's: its TGC's
    uncertainty is all in its prior, the one thing its records can size)."""
    first_innovation: tuple[float, float] | None = None
    """The first counted observation's innovation ``y - u_pred`` and its predicted
    variance ``P_pred + R`` (cube-root space): what the unsampled stages' band is
    calibrated on (``weight_fit.calibrated_cv``)."""
    leaving: dict[int, tuple[Gauss, Gauss]] = field(default_factory=dict)
    """By ``Leave.key``, the (smoothed, filtered) state the fish left with."""
    leave_node: dict[int, int] = field(default_factory=dict)


def _predict(x: Gauss, h: float, a: float, b: float, q_uu: float, q_ug: float, q_gg: float):
    """u' = a u + b + h g, g' = g, plus noise (q_uu, q_ug, q_gg)."""
    u = a * x.u + b + h * x.g
    puu = a * a * x.puu + 2 * a * h * x.pug + h * h * x.pgg + q_uu
    pug = a * x.pug + h * x.pgg + q_ug
    return Gauss(u, x.g, puu, pug, x.pgg + q_gg)


def _update(x: Gauss, y: float, r: float) -> Gauss:
    """The Kalman update of a measurement ``y`` of u with variance ``r``."""
    if not x.known:
        return Gauss(y, x.g, r, 0.0, x.pgg)
    s = x.puu + r
    if s <= 0.0:  # an exact measurement of an exactly known state: take the measurement
        return Gauss(y, x.g, 0.0, 0.0, x.pgg)
    ku, kg = x.puu / s, x.pug / s
    innovation = y - x.u
    return Gauss(
        x.u + ku * innovation,
        x.g + kg * innovation,
        x.puu - ku * x.puu,
        x.pug - ku * x.pug,
        x.pgg - kg * x.pug,
    )


def drift_noise(c: FloatArray, s: int, e: int, q: float) -> tuple[float, float, float]:
    """The drift's noise gained over the days s .. e - 1 (``c`` the cumulative
    temperature by point): q sum D_k^2, q sum D_k, q (e - s), D_k = c[e] - c[k], k in
    s+1 .. e."""
    if q == 0.0 or e <= s:
        return 0.0, 0.0, 0.0
    d = c[e] - c[s + 1 : e + 1]
    return q * float(d @ d), q * float(d.sum()), q * (e - s)


class _Prefix(NamedTuple):
    """``c[p]``, ``sum_{k<p} c[k]`` and ``sum_{k<p} c[k]^2`` as Python floats."""

    c: list
    c1: list
    c2: list

    @classmethod
    def of(cls, c: FloatArray) -> _Prefix:
        c = np.asarray(c, dtype=np.float64)
        c1 = np.concatenate(([0.0], np.cumsum(c)))
        c2 = np.concatenate(([0.0], np.cumsum(c * c)))
        return cls(c.tolist(), c1.tolist(), c2.tolist())

    def drift_noise(self, s: int, e: int, q: float) -> tuple[float, float, float]:
        """:func:`drift_noise` from the prefix sums: ``sum D_k^2 = n C_e^2 - 2 C_e S1 +
        S2`` and ``sum D_k = n C_e - S1`` over k in s+1 .. e."""
        if q == 0.0 or e <= s:
            return 0.0, 0.0, 0.0
        n, ce = e - s, self.c[e]
        s1 = self.c1[e + 1] - self.c1[s + 1]
        s2 = self.c2[e + 1] - self.c2[s + 1]
        return q * max(n * ce * ce - 2.0 * ce * s1 + s2, 0.0), q * (n * ce - s1), q * n


def _pinv_sym(a: float, b: float, c: float) -> tuple[float, float, float]:
    """The (pseudo-)inverse of the symmetric [[a, b], [b, c]]: a variance may be 0 (a
    TGC taken as exact), where the inverse does not exist."""
    det, trace = a * c - b * b, a + c
    if det > 1e-12 * trace * trace:
        return c / det, -b / det, a / det
    if trace <= 0.0:
        return 0.0, 0.0, 0.0
    # rank one, M = t v v^T (t its trace): its pseudo-inverse is v v^T / t = M / t^2
    return a / trace**2, b / trace**2, c / trace**2


def smooth_stay(
    cumulative_temp: FloatArray,
    prior: Gauss,
    actions: list,
    params: SmootherParams,
) -> StayChain:
    """Filter and smooth one stay over its event points.

    Parameters
    ----------
    cumulative_temp : C(p), the effective temperature sum (degC day) before point p,
        p = 0 .. L
    prior : the state at point 0 (``UNKNOWN`` when the stay opens empty; its g and pgg
        are the TGC prior all the same)
    actions : ``Observe``, ``Mix``, ``MassBalance``, ``Leave``, in the order they apply
        (by point; at one point: end-of-day observations, placements, transfers out)
    params : the farm's parameters (the drift)
    """
    chain = StayChain(cumulative_temp, _Prefix.of(cumulative_temp))
    q = chain.drift_var = params.drift_var
    chain.point.append(0)
    chain.predicted.append(prior)
    chain.filtered.append(prior)
    for action in actions:
        p = action.point
        if p > chain.point[-1]:
            _step_grow(chain, p, q)
        x = chain.filtered[-1]
        if isinstance(action, Observe):
            y = math.cbrt(action.weight_g)
            scale = (3.0 * y * y) ** 2  # root_variance, on floats
            r = action.weight_var / scale if scale > 0.0 else math.inf
            if x.known and x.puu + r > 0:
                s = x.puu + r
                chain.loglik -= 0.5 * (math.log(2 * math.pi * s) + (y - x.u) ** 2 / s)
                if chain.observations == 0:
                    chain.first_innovation = (y - x.u, s)
                chain.observations += 1
            chain.filtered[-1] = _update(x, y, r)
        elif isinstance(action, Mix):
            _step_mix(chain, x, action)
        elif isinstance(action, MassBalance):
            _step_mass_balance(chain, x, action)
        else:
            chain.leave_node[action.key] = len(chain.point) - 1
    last = len(cumulative_temp) - 1
    if last > chain.point[-1]:
        _step_grow(chain, last, q)
    _smooth(chain)
    for key, node in chain.leave_node.items():
        chain.leaving[key] = (chain.smoothed[node], chain.filtered[node])
    return chain


def _add_node(chain: StayChain, p: int, before: int, x: Gauss, step: tuple) -> None:
    chain.point.append(p)
    chain.predicted.append(x)
    chain.filtered.append(x)
    chain.steps.append((before, len(chain.point) - 1, *step))
    if len(step) == 4:
        chain.steps[-1] += (1.0,)


def _step_grow(chain: StayChain, p: int, q: float) -> None:
    before = len(chain.point) - 1
    s = chain.point[before]
    c = chain.prefix.c
    h = c[p] - c[s]
    noise = chain.prefix.drift_noise(s, p, q)
    x = chain.filtered[before]
    y = _predict(x, h, 1.0, 0.0, *noise) if x.known else x._replace(pgg=x.pgg + noise[2])
    _add_node(chain, p, before, y, (1.0, 0.0, h, noise))
    chain.grow.append((before, len(chain.point) - 1))


def _step_break(chain: StayChain, p: int, x: Gauss, u_new: float, a: float, r: float, g=None):
    """A break at ``p``: u' = a u + (u_new - a u_mean) linearised at the filter's mean."""
    before = len(chain.point) - 1
    b = u_new - a * (x.u if x.known else 0.0)
    y = _predict(x, 0.0, a, b, r, 0.0, 0.0) if x.known else Gauss(u_new, x.g, r, 0.0, x.pgg)
    link = 1.0
    if g is not None:  # a stay's opening: the TGC the placed fish bring
        y = y._replace(g=g[0], pug=0.0, pgg=g[1])
        link = 0.0
    _add_node(chain, p, before, y, (a, b, 0.0, (r, 0.0, 0.0), link))


def _step_mix(chain: StayChain, x: Gauss, mix: Mix) -> None:
    groups = [grp for grp in mix.groups if grp[0] > 0 and not math.isnan(grp[1])]
    if not groups:
        return
    present = mix.present if x.known and mix.present > 0 else 0
    fish = present + sum(grp[0] for grp in groups)
    w_present = x.weight_g() if present else 0.0
    mass = present * w_present + sum(grp[0] * grp[1] for grp in groups)
    w_new = mass / fish
    var_placed = sum((grp[0] / fish) ** 2 * grp[2] for grp in groups)
    u_new = math.cbrt(w_new)
    scale = 3.0 * u_new * u_new
    r = var_placed / scale**2
    a = (present / fish) * (x.u * x.u) / (u_new * u_new) if present else 0.0
    g = None
    if not present:
        g = _placed_tgc(groups, x)
    _step_break(chain, mix.point, x, u_new, a, r, g)


def _placed_tgc(groups: list, x: Gauss) -> tuple[float, float] | None:
    """The TGC fish placed into an empty pen bring: their sources' (fish-weighted), when
    every group came from a stay of the same stage; else the stay's own prior."""
    if any(math.isnan(grp[3]) for grp in groups):
        return None if x.g == x.g else (0.0, 0.0)
    fish = sum(grp[0] for grp in groups)
    g = sum(grp[0] * grp[3] for grp in groups) / fish
    var = sum((grp[0] / fish) ** 2 * grp[4] for grp in groups)
    return g, var


def _step_mass_balance(chain: StayChain, x: Gauss, move: MassBalance) -> None:
    if not x.known or move.present <= move.moved:
        return
    w = x.weight_g()
    rest = move.present - move.moved
    w_new = (w * move.present - move.weight_g * move.moved) / rest
    if w_new <= 0:
        return
    u_new = math.cbrt(w_new)
    a = (move.present / rest) * (x.u * x.u) / (u_new * u_new)
    r = (move.moved / rest) ** 2 * move.weight_var / (3.0 * u_new * u_new) ** 2
    _step_break(chain, move.point, x, u_new, a, r)


def _smooth(chain: StayChain) -> None:
    """Rauch-Tung-Striebel, back over the steps: each node's state given every
    observation of the stay."""
    smoothed = list(chain.filtered)
    for before, after, a, _b, h, _noise, link in reversed(chain.steps):
        xf, xp, xs = chain.filtered[before], chain.predicted[after], smoothed[after]
        if not xf.known or not xp.known:
            continue
        # J = Pf F^T Pp^-1, F = [[a, h], [0, link]]
        m11, m12 = a * xf.puu + h * xf.pug, link * xf.pug
        m21, m22 = a * xf.pug + h * xf.pgg, link * xf.pgg
        i11, i12, i22 = _pinv_sym(xp.puu, xp.pug, xp.pgg)
        j11, j12 = m11 * i11 + m12 * i12, m11 * i12 + m12 * i22
        j21, j22 = m21 * i11 + m22 * i12, m21 * i12 + m22 * i22
        du, dg = xs.u - xp.u, xs.g - xp.g
        d11, d12, d22 = xs.puu - xp.puu, xs.pug - xp.pug, xs.pgg - xp.pgg
        # J D J^T
        t11, t12 = j11 * d11 + j12 * d12, j11 * d12 + j12 * d22
        t21, t22 = j21 * d11 + j22 * d12, j21 * d12 + j22 * d22
        smoothed[before] = Gauss(
            xf.u + j11 * du + j12 * dg,
            xf.g + j21 * du + j22 * dg,
            max(xf.puu + t11 * j11 + t12 * j12, 0.0),
            xf.pug + t11 * j21 + t12 * j22,
            max(xf.pgg + t21 * j21 + t22 * j22, 0.0),
        )
    chain.smoothed = smoothed


@dataclass
class SmoothedDays:
    """Per row (end of its day): the smoothed and the filtered cube root with variance,
    the smoothed g, and the smoothed cube root at the start of the day."""

    u: FloatArray
    var_u: FloatArray
    g: FloatArray
    u_filtered: FloatArray
    var_filtered: FloatArray
    u_start: FloatArray

    def weight_g(self, realtime: bool = False) -> FloatArray:
        u = self.u_filtered if realtime else self.u
        return np.where(u > 0, u, 0.0) ** 3

    def band_g(self, realtime: bool = False) -> tuple[FloatArray, FloatArray]:
        """The 90 % band of the weight (g): (u -+ Z90 sd(u))^3, never below 0."""
        u, var = (self.u_filtered, self.var_filtered) if realtime else (self.u, self.var_u)
        sd = np.sqrt(np.maximum(var, 0.0))
        return np.maximum(u - Z90 * sd, 0.0) ** 3, np.maximum(u + Z90 * sd, 0.0) ** 3

    def weight_var(self) -> FloatArray:
        """var(W) (g^2) of the smoothed weight, by the delta method."""
        return (3.0 * self.u**2) ** 2 * np.maximum(self.var_u, 0.0)


_FIELDS = ("u", "g", "puu", "pug", "pgg")


@dataclass(frozen=True)
class _GrowSteps:
    """Every growth step of a batch's stays, concatenated: its stay, start and end
    points, the stay's base in the concatenated cumulative temperatures, and the
    filtered, predicted, smoothed and end states (5 columns each) of its nodes."""

    c_all: FloatArray
    a_of: IntArray
    s: IntArray
    e: IntArray
    stay_base: IntArray
    xf: FloatArray
    xp: FloatArray
    xs: FloatArray
    xe: FloatArray
    xs0: FloatArray
    q: FloatArray
    """Each step's stay's drift variance per day."""


def _grow_steps(chains: dict[int, StayChain]) -> _GrowSteps | None:
    """The growth steps of ``chains`` as columns (None: no stay grows)."""
    cols: dict[str, list] = {k: [] for k in ("a", "s", "e", "i", "j", "pf", "pp", "ps", "pe", "q")}
    cumulative = []
    base = 0
    for a, chain in chains.items():
        cumulative.append(chain.cumulative_temp)
        for i, j in chain.grow:
            cols["a"].append(a)
            cols["s"].append(chain.point[i])
            cols["e"].append(chain.point[j])
            cols["i"].append(base)  # the stay's base in the concatenated points
            cols["pf"].append(chain.filtered[i])
            cols["pp"].append(chain.predicted[j])
            cols["ps"].append(chain.smoothed[j])
            cols["pe"].append(chain.filtered[j])
            cols["j"].append(chain.smoothed[i])
            cols["q"].append(chain.drift_var)
        base += len(chain.cumulative_temp)
    if not cols["a"]:
        return None
    xf, xp, xs, xe, xs0 = (
        np.array(cols[k], dtype=np.float64).reshape(-1, 5) for k in ("pf", "pp", "ps", "pe", "j")
    )
    return _GrowSteps(
        np.concatenate(cumulative),
        np.array(cols["a"], dtype=np.int64),
        np.array(cols["s"], dtype=np.int64),
        np.array(cols["e"], dtype=np.int64),
        np.array(cols["i"], dtype=np.int64),
        xf,
        xp,
        xs,
        xe,
        xs0,
        np.array(cols["q"], dtype=np.float64),
    )


def _smoother_gain(
    puu: FloatArray, pug: FloatArray, pgg: FloatArray, he: FloatArray, predicted: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``J = P_t F(t, e)^T Pp^-1`` per day, ``F(t, e) = [[1, he], [0, 1]]``; a singular
    ``Pp`` of rank one by its pseudo-inverse ``M / trace^2`` (see ``_pinv_sym``), of rank
    zero by 0."""
    m11, m12 = puu + he * pug, pug
    m21, m22 = pug + he * pgg, pgg
    A, B, C = predicted[:, 2], predicted[:, 3], predicted[:, 4]
    det, trace = A * C - B * B, A + C
    regular = det > 1e-12 * trace * trace
    with np.errstate(divide="ignore", invalid="ignore"):
        rank1 = np.where(trace > 0, 1.0 / (trace * trace), 0.0)
        i11 = np.where(regular, C / det, A * rank1)
        i12 = np.where(regular, -B / det, B * rank1)
        i22 = np.where(regular, A / det, C * rank1)
    return (
        m11 * i11 + m12 * i12,
        m11 * i12 + m12 * i22,
        m21 * i11 + m22 * i12,
        m21 * i12 + m22 * i22,
    )


def fill_days(chains: dict[int, StayChain], row_offset: IntArray) -> SmoothedDays:
    """Every row's smoothed and filtered state, for the whole batch at once.

    A row of day ``t - 1`` (end point ``t``) inside the growth step from node ``i``
    (point ``s``) to node ``j`` (point ``e``), ``s < t <= e``: filtered
    ``F(s, t) x_i`` with covariance ``F P_i F^T + Q(s, t)`` (the node's own, after its
    observations, at ``t = e``); smoothed ``x_t + J (xs_j - xp_j)``,
    ``J = P_t F(t, e)^T Pp_j^-1``. Rows outside every growth step (an empty pen) are NaN.
    """
    n_rows = int(row_offset[-1])
    out = SmoothedDays(*(np.full(n_rows, np.nan) for _ in range(6)))
    steps = _grow_steps(chains)
    if steps is None:
        return out
    c_all, s, e = steps.c_all, steps.s, steps.e
    c1 = np.concatenate(([0.0], np.cumsum(c_all)))  # prefix sums of C and C^2
    c2 = np.concatenate(([0.0], np.cumsum(c_all * c_all)))
    lengths = e - s
    step = np.repeat(np.arange(len(s)), lengths)
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    q = steps.q[step]
    t = s[step] + 1 + within
    row = row_offset[steps.a_of[step]] + t - 1
    base_t = steps.stay_base[step]
    ct = c_all[base_t + t]
    h = ct - c_all[base_t + s[step]]
    n = (t - s[step]).astype(np.float64)
    # sum over k = s+1 .. t of (C_t - C_k)^2 and (C_t - C_k)
    sum_c = c1[base_t + t + 1] - c1[base_t + s[step] + 1]
    sum_c2 = c2[base_t + t + 1] - c2[base_t + s[step] + 1]
    xf, xe, xs, xp = steps.xf[step], steps.xe[step], steps.xs[step], steps.xp[step]
    u0, g0, puu0, pug0, pgg0 = (xf[:, k] for k in range(5))
    known = ~np.isnan(u0)
    u_t = u0 + h * g0
    puu = (
        puu0
        + 2 * h * pug0
        + h * h * pgg0
        + q * np.maximum(n * ct * ct - 2.0 * ct * sum_c + sum_c2, 0.0)
    )
    pug = pug0 + h * pgg0 + q * (n * ct - sum_c)
    pgg = pgg0 + q * n
    at_end = t == e[step]
    u_f = np.where(at_end, xe[:, 0], u_t)
    var_f = np.where(at_end, xe[:, 2], puu)
    j11, j12, j21, j22 = _smoother_gain(puu, pug, pgg, c_all[base_t + e[step]] - ct, xp)
    du, dg = xs[:, 0] - xp[:, 0], xs[:, 1] - xp[:, 1]
    d11, d12, d22 = xs[:, 2] - xp[:, 2], xs[:, 3] - xp[:, 3], xs[:, 4] - xp[:, 4]
    t11, t12 = j11 * d11 + j12 * d12, j11 * d12 + j12 * d22
    u_s = np.where(at_end, xs[:, 0], u_t + j11 * du + j12 * dg)
    var_s = np.where(at_end, xs[:, 2], np.maximum(puu + t11 * j11 + t12 * j12, 0.0))
    g_s = np.where(at_end, xs[:, 1], g0 + j21 * du + j22 * dg)
    # a stay that opens empty is known from its first observation on (that day's end)
    known = np.where(at_end, ~np.isnan(xe[:, 0]), known)
    out.u[row] = np.where(known, u_s, np.nan)
    out.var_u[row] = np.where(known, var_s, np.nan)
    out.g[row] = np.where(known, g_s, np.nan)
    out.u_filtered[row] = np.where(known, u_f, np.nan)
    out.var_filtered[row] = np.where(known, var_f, np.nan)
    # the start of day t - 1: the previous row's end, or the step's own start (after
    # the breaks at s) on the step's first day
    start = np.empty_like(u_s)
    start[1:] = u_s[:-1]
    first = t == s[step] + 1
    start[first] = steps.xs0[step[first], 0]
    out.u_start[row] = np.where(known, start, np.nan)
    return out

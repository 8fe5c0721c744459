"""The weight smoother the slow and obvious way: one Kalman step per day, 2x2 matrices.

An oracle for ``aquagrowth.engine.core.smoother``, which walks only a stay's event points
and fills the days between in closed form. Here every day is its own step,
``x(i + 1) = [[1, T_i], [0, 1]] x(i) + [0, w_i]``, filtered forward and smoothed back by
the textbook Rauch-Tung-Striebel recursion; breaks (placements, graded transfers) are
linearised at the filter's mean as docs/engine.md says. It shares no code with the core
but the action tuples it reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aquagrowth.engine.core.smoother import MassBalance, Mix, Observe, SmootherParams


@dataclass
class ReferenceDays:
    """Per day of the stay (end of day = point d + 1)."""

    u: np.ndarray
    var_u: np.ndarray
    g: np.ndarray
    u_filtered: np.ndarray
    var_filtered: np.ndarray
    u_start: np.ndarray


def _inv(m: np.ndarray) -> np.ndarray:
    return np.linalg.pinv(m, rcond=1e-12, hermitian=True)


def reference_smooth(
    temps: list[float],
    prior: tuple[float, float, float, float, float],
    actions: list,
    params: SmootherParams,
) -> ReferenceDays:
    """Smooth one stay of ``len(temps)`` days (effective degC) from ``prior`` (u, g, puu,
    pug, pgg; u NaN when unknown) through ``actions`` (``Observe``, ``Mix``,
    ``MassBalance``; others ignored)."""
    q = (params.tgc_drift_sd / 1000.0) ** 2
    n_days = len(temps)
    u, g, puu, pug, pgg = prior
    m = np.array([u, g])
    p = np.array([[puu, pug], [pug, pgg]])
    known = not math.isnan(u)
    # the chain of states: each entry (mean, cov, predicted mean, predicted cov, F) of a
    # step into it; F None for the first
    filtered_m, filtered_p, pred_m, pred_p, trans = [m.copy()], [p.copy()], [m], [p], [None]
    end_index = {}  # point -> index of the state at the end of day point - 1
    start_index = {0: 0}
    by_point: dict[int, list] = {}
    for action in actions:
        by_point.setdefault(action.point, []).append(action)

    def push(m_new, p_new, f):
        filtered_m.append(m_new.copy())
        filtered_p.append(p_new.copy())
        pred_m.append(m_new.copy())
        pred_p.append(p_new.copy())
        trans.append(f)

    for point in range(n_days + 1):
        if point > 0:
            t = temps[point - 1]
            f = np.array([[1.0, t], [0.0, 1.0]])
            m, p = filtered_m[-1], filtered_p[-1]
            if known:
                push(f @ m, f @ p @ f.T + np.array([[0.0, 0.0], [0.0, q]]), (f, True))
            else:
                push(m, p + np.array([[0.0, 0.0], [0.0, q]]), (f, False))
        end_index[point] = len(filtered_m) - 1
        for action in by_point.get(point, []):
            m, p = filtered_m[-1], filtered_p[-1]
            if isinstance(action, Observe):
                y = math.cbrt(action.weight_g)
                r = action.weight_var / (3.0 * math.cbrt(action.weight_g) ** 2) ** 2
                if not known:
                    m, p = np.array([y, m[1]]), np.array([[r, 0.0], [0.0, p[1, 1]]])
                    known = True
                else:
                    s = p[0, 0] + r
                    if s <= 0:
                        m, p = np.array([y, m[1]]), np.array([[0.0, 0.0], [0.0, p[1, 1]]])
                    else:
                        k = p[:, 0] / s
                        m = m + k * (y - m[0])
                        p = p - np.outer(k, p[0, :])
                filtered_m[-1], filtered_p[-1] = m, p
            elif isinstance(action, Mix):
                groups = [g_ for g_ in action.groups if g_[0] > 0 and not math.isnan(g_[1])]
                if not groups:
                    continue
                present = action.present if known and action.present > 0 else 0
                fish = present + sum(g_[0] for g_ in groups)
                # a cube root driven below 0 is no fish weight: 0 g
                w_present = max(m[0], 0.0) ** 3 if present else 0.0
                w_new = (present * w_present + sum(g_[0] * g_[1] for g_ in groups)) / fish
                u_new = math.cbrt(w_new)
                r = sum((g_[0] / fish) ** 2 * g_[2] for g_ in groups) / (3 * u_new**2) ** 2
                a = (present / fish) * m[0] ** 2 / u_new**2 if present else 0.0
                if present:
                    f = np.array([[a, 0.0], [0.0, 1.0]])
                    m_new = np.array([u_new, m[1]])
                    p_new = f @ p @ f.T + np.array([[r, 0.0], [0.0, 0.0]])
                    push(m_new, p_new, (f, True))
                else:
                    # the TGC carried on (g' = g), or the one the fish bring (no link)
                    g_new, pgg_new = m[1], p[1, 1]
                    f = np.array([[0.0, 0.0], [0.0, 1.0]])
                    if all(not math.isnan(g_[3]) for g_ in groups):
                        g_new = sum(g_[0] * g_[3] for g_ in groups) / (fish)
                        pgg_new = sum((g_[0] / fish) ** 2 * g_[4] for g_ in groups)
                        f = np.zeros((2, 2))
                    elif math.isnan(m[1]):
                        g_new, pgg_new = 0.0, 0.0
                    p_new = np.array([[r, 0.0], [0.0, pgg_new]])
                    push(np.array([u_new, g_new]), p_new, (f, known))
                    known = True
            elif isinstance(action, MassBalance):
                if not known or action.present <= action.moved:
                    continue
                rest = action.present - action.moved
                mass = max(m[0], 0.0) ** 3 * action.present - action.weight_g * action.moved
                w_new = mass / rest
                if w_new <= 0:
                    continue
                u_new = math.cbrt(w_new)
                a = (action.present / rest) * m[0] ** 2 / u_new**2
                r = (action.moved / rest) ** 2 * action.weight_var / (3 * u_new**2) ** 2
                f = np.array([[a, 0.0], [0.0, 1.0]])
                p_new = f @ p @ f.T + np.array([[r, 0.0], [0.0, 0.0]])
                push(np.array([u_new, m[1]]), p_new, (f, True))
        start_index[point] = len(filtered_m) - 1

    # Rauch-Tung-Striebel, one step at a time
    n = len(filtered_m)
    sm, sp = list(filtered_m), list(filtered_p)
    for k in range(n - 1, 0, -1):
        f, linked = trans[k]
        if not linked or math.isnan(filtered_m[k - 1][0]):
            continue
        j = filtered_p[k - 1] @ f.T @ _inv(pred_p[k])
        sm[k - 1] = filtered_m[k - 1] + j @ (sm[k] - pred_m[k])
        sp[k - 1] = filtered_p[k - 1] + j @ (sp[k] - pred_p[k]) @ j.T
    out = ReferenceDays(*(np.full(n_days, np.nan) for _ in range(6)))
    for d in range(n_days):
        e = end_index[d + 1]
        if math.isnan(filtered_m[e][0]):
            continue
        out.u[d], out.var_u[d], out.g[d] = sm[e][0], sp[e][0, 0], sm[e][1]
        out.u_filtered[d], out.var_filtered[d] = filtered_m[e][0], filtered_p[e][0, 0]
        out.u_start[d] = sm[start_index[d]][0]
    return out

"""Fit the weight smoother's parameters from the farm's records, store and read them.

The arithmetic is the core's (``engine/core/weight_fit.py``); here the batches are read
one at a time (``load_batch``, as a recompute reads them) and the fit is stored as a
``WeightModelFit`` row. The engine reads the newest (:func:`current_smoother_params`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.utils import timezone

from aquagrowth.engine.core import weight_fit
from aquagrowth.engine.core.smoother import SmootherParams
from aquagrowth.engine.models import WeightModelFit
from aquagrowth.farm.models import Batch


def farm_sums(batch_ids: list[int] | None = None, *, end: dt.date | None = None):
    """The sums of every batch (or of ``batch_ids``), read one batch at a time."""
    from aquagrowth.engine.load import load_batch  # the loader reads the fit itself

    ids = batch_ids or list(Batch.objects.order_by("id").values_list("id", flat=True))
    total = weight_fit.FitSums()
    for batch_id in ids:
        total = total + weight_fit.batch_sums(load_batch(batch_id, end=end).inputs)
    return total


def fit_farm(batch_ids: list[int] | None = None, *, end: dt.date | None = None):
    """The farm's fit (not stored): the sample CV, the scenario TGC's CV and the
    unsampled stages from one pass over the batches, then the transfer weight's
    precision, the drift, and where the farm has unsampled stages their TGC's CV, by
    maximum likelihood (``weight_fit.fit_by_likelihood``: one pass over the batches
    per parameter fitted); then that CV sized to hold 90 % of the first measurements
    after those stages (``weight_fit.calibrate_unsampled``: two more passes)."""
    from aquagrowth.engine.core.assimilate import unsampled_innovations
    from aquagrowth.engine.load import load_batch

    ids = batch_ids or list(Batch.objects.order_by("id").values_list("id", flat=True))

    def farm_logliks(name: str, params):
        total, observations = np.zeros(len(weight_fit.LIKELIHOOD_GRIDS[name])), 0
        for batch_id in ids:
            inputs = load_batch(batch_id, end=end).inputs
            values, count = weight_fit.grid_logliks(inputs, params, name)
            total += values
            observations += count
        return total, observations

    def farm_innovations(params) -> list[tuple[float, float]]:
        found: list[tuple[float, float]] = []
        for batch_id in ids:
            found += unsampled_innovations(load_batch(batch_id, end=end).inputs, params)
        return found

    return weight_fit.fit_records(farm_sums(ids, end=end), farm_logliks, farm_innovations)


def store_fit(fit: weight_fit.Fit) -> WeightModelFit:
    """Keep ``fit`` as the farm's newest."""
    p = fit.params
    return WeightModelFit.objects.create(
        fitted_at=timezone.now(),
        sample_cv=p.sample_cv,
        sample_cv_samples=fit.samples_with_sd,
        tgc_drift_sd=p.tgc_drift_sd,
        tgc_drift_triples=fit.triples,
        scenario_tgc_cv=p.scenario_tgc_cv,
        scenario_tgc_stays=fit.stays,
        transfer_weight_cv=p.transfer_weight_cv,
        unsampled_stages=list(p.unsampled_stages),
        unsampled_tgc_cv=p.unsampled_tgc_cv,
        unsampled_stays=fit.unsampled_stays,
    )


def current_smoother_params() -> SmootherParams | None:
    """The newest fit's parameters; None without a fit (the defaults apply)."""
    names = (
        "sample_cv",
        "tgc_drift_sd",
        "scenario_tgc_cv",
        "transfer_weight_cv",
        "unsampled_stages",
        "unsampled_tgc_cv",
    )
    row = WeightModelFit.objects.values_list(*names).first()
    if row is None:
        return None
    values = dict(zip(names, row, strict=True))
    values["unsampled_stages"] = tuple(values["unsampled_stages"] or ())
    return SmootherParams(**values)

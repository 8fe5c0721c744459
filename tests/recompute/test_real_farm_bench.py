"""The real-farm bench scores with verify's own code: on a stored farm its reconciled
figures, computed in memory, are verify's, and the book-only rules are scored alike."""

from __future__ import annotations

import datetime as dt

import pytest

from aquagrowth.engine.runner import recompute_batches
from aquagrowth.engine.verify import verify
from aquagrowth.farm import models as m
from aquagrowth.generator.service import build_farm
from bench import real_farm_bench


def test_the_bench_gives_verify_figures_for_the_reconciled_rules(db):
    summary = build_farm("tiny", seed=2, progress=False, perfect_records=False)
    end = dt.date.fromisoformat(summary.as_of)
    assert real_farm_bench.farm_end() == end
    ids = list(m.Batch.objects.values_list("id", flat=True))
    assert all(r.ok for r in recompute_batches(ids, end=end))
    stored = verify(end=end).as_json()

    runs, context = real_farm_bench.measure(end)
    assert context["batches"] == len(ids)
    reconciled, book = runs["reconciled"].figures, runs["book"].figures
    assert reconciled.keys() == book.keys()
    flat = [key for key in reconciled if key != "by_stage"]
    assert {k: reconciled[k] for k in flat} == {k: pytest.approx(stored[k]) for k in flat}
    assert reconciled["by_stage"].keys() == stored["by_stage"].keys()
    for stage, stage_figures in reconciled["by_stage"].items():
        assert stage_figures == pytest.approx(stored["by_stage"][stage])
    assert reconciled["harvest_pens"] == book["harvest_pens"] > 0
    # Counts and the history are what the reconciled rules add: the book knows neither.
    assert book["population_error_median_pct"] != reconciled["population_error_median_pct"]
    report = real_farm_bench.as_json(runs, {"database": "test", **context})
    assert report["ratio"]["harvest_pens"] == 1.0
    assert report["rules"]["book"]["holdout_rows"] > 0

"""The main job on a fresh machine, end to end: build -> fit -> recompute -> verify.

:func:`run_demo` builds the demo farm (with its ground truth) when the database holds no
batch, fits the weight smoother's parameters from its records when the farm has no fit
yet (as a farm does once it has records: the bands and the pens' forecasts rest on
them), recomputes every batch, and verifies the stored daily states against the
generator's truth. It calls each part through its service (the generator's
:func:`build_farm`, :func:`fit_farm`, the runner, :func:`verify`), never through another
command, and
tells a :class:`DemoReport` what happens as it happens: the farm takes seconds to
build, and the user should see why they wait.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Protocol

from aquagrowth.engine.core.weight_fit import Fit
from aquagrowth.engine.models import WeightModelFit
from aquagrowth.engine.runner import BatchResult, RecomputeOptions, recompute_batches
from aquagrowth.engine.verify import Verification, verify
from aquagrowth.engine.weight_fit import fit_farm, store_fit
from aquagrowth.farm.models import Batch
from aquagrowth.generator.schedule import ScheduleError
from aquagrowth.generator.service import FarmNotEmpty, FarmSummary, build_farm

DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
"""Recompute processes: the demo farm's 6 batches gain little from more than 2."""


class DemoError(Exception):
    """The demo farm could not be built (an unknown profile, a profile that fails)."""


class DemoReport(Protocol):
    """Whoever shows the demo's progress (the ``demo`` command prints it)."""

    def building(self, profile: str, seed: int) -> None:
        """The database holds no batch: the farm of ``profile`` is about to be built."""

    def built(self, summary: FarmSummary) -> None:
        """The farm is built: rows per table and where the time went."""

    def fitted(self, fit: Fit) -> None:
        """The weight smoother's parameters are fitted from the farm's records and stored."""

    def recomputed(self, recompute: Recompute) -> None:
        """Every batch is recomputed (some may have failed)."""

    def verified(self, verification: Verification) -> None:
        """The stored states are checked and scored against the ground truth."""


@dataclass
class Recompute:
    """Every batch's recompute: the results, and the wall-clock time of them all (s)."""

    results: list[BatchResult]
    seconds: float

    @property
    def failed(self) -> list[BatchResult]:
        """The batches that failed: each is named to the user, and the demo fails."""
        return [result for result in self.results if not result.ok]

    def summary(self) -> str:
        """One line a user reads: batches, states, rows written, speed, queries."""
        rows = sum(result.rows for result in self.results)
        written = sum(result.written for result in self.results)
        return (
            f"recomputed {len(self.results) - len(self.failed)} of {len(self.results)} "
            f"batches: {rows:,} daily states ({written:,} rows written) in "
            f"{self.seconds:.1f} s ({rows / max(self.seconds, 1e-9):,.0f} states/s, "
            f"{max(result.queries for result in self.results)} queries per batch at most)"
        )


@dataclass
class DemoOutcome:
    """What the demo did: the build (``None``: the farm was there), the recompute, the
    verification."""

    built: FarmSummary | None
    recompute: Recompute
    verification: Verification

    @property
    def ok(self) -> bool:
        """Every batch recomputed and every check passed: what ``bin/demo`` exits 0 on."""
        return not self.recompute.failed and self.verification.ok


def run_demo(
    report: DemoReport, *, profile: str = "demo", seed: int = 1, workers: int = DEFAULT_WORKERS
) -> DemoOutcome:
    """Build the farm of ``profile`` (planned with ``seed``) if the database holds no
    batch, fit the weight model if none is stored, recompute every batch in ``workers``
    processes, verify; report each step.

    Raises :class:`DemoError` when the farm cannot be built. A failed batch or check
    does not raise: it is in the outcome (and was reported), and the other steps ran.
    """
    built = build_if_empty(report, profile=profile, seed=seed)
    if not WeightModelFit.objects.exists():
        report.fitted(fit := fit_farm())
        store_fit(fit)
    ids = list(Batch.objects.order_by("number").values_list("id", flat=True))
    started = time.perf_counter()
    results = list(recompute_batches(ids, RecomputeOptions(), workers=workers))
    recompute = Recompute(results, time.perf_counter() - started)
    report.recomputed(recompute)
    verification = verify(ids)
    report.verified(verification)
    return DemoOutcome(built, recompute, verification)


def build_if_empty(report: DemoReport, *, profile: str, seed: int) -> FarmSummary | None:
    """Build the farm (with its ground truth) unless the database holds a batch: the demo
    must never overwrite a farm someone imported or built."""
    if Batch.objects.exists():
        return None
    report.building(profile, seed)
    try:
        summary = build_farm(profile, seed=seed)
    except (FarmNotEmpty, ScheduleError, FileNotFoundError, ValueError) as exc:
        raise DemoError(str(exc)) from exc
    report.built(summary)
    return summary

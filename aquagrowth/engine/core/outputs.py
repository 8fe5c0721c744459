"""The engine core's result: one batch's daily states as arrays, and its findings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray

ANCHOR_TYPES = ("none", "growth_sample", "transfer", "weighing")
WEIGHT_SOURCES = ("measured", "assimilated", "scenario_tgc", "held", "missing")
TEMP_SOURCES = ("measured", "interpolated", "profile", "container_mean", "missing")
MORTALITY_SOURCES = ("recorded", "model", "missing")
FEED_SOURCES = ("recorded", "none")
FLAGS = ("", "above_stage_max", "negative_tgc", "above_stage_max,negative_tgc")
"""Per-row findings, as stored: sorted comma-separated names, "" when none."""


@dataclass(frozen=True)
class Finding:
    """One piece of bad input: what kind, which record, and what the engine did."""

    kind: str
    message: str
    record_id: int | None = None
    assignment_id: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass
class DailyStates:
    """Rows ordered by assignment position, then day.

    Codes index the tuples above (``anchor_type`` into ``ANCHOR_TYPES`` and so on).
    Units: population in fish, weights in g, biomass, feed and growth in kg, degC.
    """

    assignment: IntArray
    day: IntArray
    population: IntArray
    avg_weight_g: FloatArray
    biomass_kg: FloatArray
    temp_c: FloatArray
    mortality_count: IntArray
    feed_kg: FloatArray
    growth_kg: FloatArray
    fcr: FloatArray
    tgc: FloatArray
    anchor_type: IntArray
    weight_source: IntArray
    weight_confidence: FloatArray
    temp_source: IntArray
    temp_confidence: FloatArray
    mortality_source: IntArray
    mortality_confidence: FloatArray
    feed_source: IntArray
    feed_confidence: FloatArray
    flags: IntArray
    findings: list[Finding] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.day)

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return tuple(n for n in cls.__dataclass_fields__ if n != "findings")

    def take(self, mask: np.ndarray) -> DailyStates:
        """The rows where ``mask`` holds (for writing a window)."""
        picked = {name: getattr(self, name)[mask] for name in self.columns()}
        return DailyStates(**picked, findings=self.findings)

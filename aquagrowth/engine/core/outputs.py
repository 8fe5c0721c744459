"""The engine core's result: one batch's daily states as arrays, and its findings.

The daily-state row is declared here once: each field of :class:`DailyStates` after the
row key carries a :class:`StateColumn` (kind, unit, meaning, the digits worth showing),
and the database table, the store's COPY layout, the API's serializer and the page's
reader all follow :data:`STATE_COLUMNS`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from aquagrowth.engine.core.inputs import FloatArray, IntArray

# Each code column stores the position of its name in one of these tuples. A code's
# meaning is stored in a million rows: append, never reorder.
ANCHOR_TYPES = ("none", "growth_sample", "transfer", "weighing")
WEIGHT_SOURCES = ("measured", "assimilated", "scenario_tgc", "held", "missing")
TEMP_SOURCES = ("measured", "interpolated", "profile", "container_mean", "missing")
MORTALITY_SOURCES = ("recorded", "model", "missing")
FEED_SOURCES = ("recorded", "none")
FLAGS = ("", "above_stage_max", "negative_tgc", "above_stage_max,negative_tgc")
"""Per-row findings, as stored: sorted comma-separated names, "" when none."""

ColumnKind = Literal["count", "quantity", "code"]


@dataclass(frozen=True)
class StateColumn:
    """One measured column of the daily state.

    kind : ``count`` (whole fish), ``quantity`` (a float in ``unit``) or ``code`` (the
        position of a name in ``codes``)
    unit : the unit of the values ("" for codes and confidences)
    doc : what the number means, as the API documents it
    nullable : a quantity that may be unknown (NaN in the core, NULL when stored)
    codes : the names of a code column's values
    decimals : digits the API sends (the engine keeps full precision)
    default : the value a row has unless told otherwise (flags: no finding)
    """

    kind: ColumnKind
    unit: str
    doc: str
    nullable: bool = False
    codes: tuple[str, ...] = ()
    decimals: int | None = None
    default: int | None = None
    name: str = ""


def _column(kind: ColumnKind, unit: str, doc: str, **details) -> dataclasses.Field:
    return field(metadata={"column": StateColumn(kind, unit, doc, **details)})


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
    """Rows ordered by assignment position, then day: the state at the END of each day.

    ``assignment`` (position) and ``day`` (from the batch start) key the rows; the store
    turns them into ids and dates. Every other array is a column of :data:`STATE_COLUMNS`.
    """

    assignment: IntArray
    day: IntArray
    population: IntArray = _column("count", "fish", "Fish at the end of the day.", decimals=0)
    avg_weight_g: FloatArray = _column(
        "quantity",
        "g",
        "Average weight at the end of the day; null while the stay holds no fish of known "
        "weight yet.",
        nullable=True,
        decimals=4,
    )
    biomass_kg: FloatArray = _column("quantity", "kg", "Population x average weight.", decimals=2)
    temp_c: FloatArray = _column(
        "quantity", "degC", "Water temperature of the day.", nullable=True, decimals=2
    )
    mortality_count: IntArray = _column("count", "fish", "Fish that died that day.", decimals=1)
    feed_kg: FloatArray = _column("quantity", "kg", "Feed given that day.", decimals=3)
    growth_kg: FloatArray = _column(
        "quantity", "kg", "Biomass produced by growth that day.", decimals=3
    )
    fcr: FloatArray = _column(
        "quantity",
        "kg/kg",
        "Feed / growth over the trailing 7 days; null without feed or growth.",
        nullable=True,
        decimals=3,
    )
    tgc: FloatArray = _column(
        "quantity",
        "",
        "TGC in force that day (observed between anchors, else the scenario's).",
        nullable=True,
        decimals=3,
    )
    anchor_type: IntArray = _column(
        "code", "", "What fixed this day's weight, if anything.", codes=ANCHOR_TYPES
    )
    weight_source: IntArray = _column(
        "code", "", "Where the day's weight comes from.", codes=WEIGHT_SOURCES
    )
    weight_confidence: FloatArray = _column(
        "quantity", "", "Confidence of the weight, 0 to 1.", decimals=2
    )
    temp_source: IntArray = _column(
        "code", "", "Where the day's temperature comes from.", codes=TEMP_SOURCES
    )
    temp_confidence: FloatArray = _column(
        "quantity", "", "Confidence of the temperature, 0 to 1.", decimals=2
    )
    mortality_source: IntArray = _column(
        "code", "", "Where the day's deaths come from.", codes=MORTALITY_SOURCES
    )
    mortality_confidence: FloatArray = _column(
        "quantity", "", "Confidence of the deaths, 0 to 1.", decimals=2
    )
    feed_source: IntArray = _column(
        "code", "", "Where the day's feed comes from.", codes=FEED_SOURCES
    )
    feed_confidence: FloatArray = _column(
        "quantity", "", "Confidence of the feed, 0 to 1.", decimals=2
    )
    flags: IntArray = _column(
        "code",
        "",
        "Comma-separated findings of the day, e.g. negative_tgc; empty: none.",
        codes=FLAGS,
        default=FLAGS.index(""),
    )
    findings: list[Finding] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.day)

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The row key and every state column, in declaration order."""
        return tuple(n for n in cls.__dataclass_fields__ if n != "findings")

    def take(self, mask: np.ndarray) -> DailyStates:
        """The rows where ``mask`` holds (for writing a window)."""
        picked = {name: getattr(self, name)[mask] for name in self.columns()}
        return DailyStates(**picked, findings=self.findings)


STATE_COLUMNS: tuple[StateColumn, ...] = tuple(
    dataclasses.replace(f.metadata["column"], name=f.name)
    for f in dataclasses.fields(DailyStates)
    if "column" in f.metadata
)
"""The measured columns of a daily state, in the table's order."""

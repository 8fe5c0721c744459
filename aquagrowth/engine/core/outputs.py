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
MORTALITY_SOURCES = ("recorded", "model", "missing", "recorded_late")
FEED_SOURCES = ("recorded", "none", "unknown")
FLAGS = ("", "above_stage_max", "negative_tgc", "above_stage_max,negative_tgc")
"""Per-row findings, as stored: sorted comma-separated names, "" when none."""
POPULATION_SOURCES = ("book", "reconciled", "estimated")
ESTIMATED_METRICS = ("population", "weight", "feed", "temperature")
ESTIMATED = tuple(
    ",".join(name for bit, name in enumerate(ESTIMATED_METRICS) if code >> bit & 1)
    for code in range(1 << len(ESTIMATED_METRICS))
)
"""The metrics of a row estimated past their records: code = a bit per metric, in the
order of ``ESTIMATED_METRICS``; its name the comma-separated metrics, "" when none."""
STAY_CLOSES = ("open", "count", "transfer", "harvest", "departure")
"""How a stay's last stretch closed: not yet, by a population count, by the counted
transfers that emptied it, by the harvest that emptied it, by a departure without either."""

ColumnKind = Literal["count", "quantity", "code"]
NO_DAY = -1
"""A day index meaning "none" (a stream without records, a stay still open)."""


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
    signed : a count that may be negative (a gain where a loss is positive)
    """

    kind: ColumnKind
    unit: str
    doc: str
    nullable: bool = False
    codes: tuple[str, ...] = ()
    decimals: int | None = None
    default: int | None = None
    signed: bool = False
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
class StaySummaries:
    """Per assignment position: what its records reach and how its population closed.

    ``*_through`` : the last day with a record of the stream (``NO_DAY``: none)
    stocked_fish : fish put in (the egg input, or the fish placed into it)
    fish_days : the sum of the fish present at the end of each of its days
    unexplained_fish : fish lost without a record over the stay (negative: a gain)
    closed_by : how its last stretch closed, a position in ``STAY_CLOSES``
    closed_day : the day of the measurement that closed it (``NO_DAY`` when open)
    tgc_end, tgc_var_end, root_tgc_cov_end : the smoothed model's state at the stay's
        last point (the end of its last day): g, var(g) and cov(u, g), ``g`` = TGC / 1000
        and ``u`` the cube root of the weight (NaN where unknown; None in the anchored
        model). The forward projection grows a pen at its ``g`` and its band starts
        from them (``projection_band``).
    """

    feed_through: IntArray
    mortality_through: IntArray
    samples_through: IntArray
    temperature_through: IntArray
    counts_through: IntArray
    stocked_fish: IntArray
    fish_days: FloatArray
    unexplained_fish: IntArray
    closed_by: IntArray
    closed_day: IntArray
    tgc_end: FloatArray | None = None
    tgc_var_end: FloatArray | None = None
    root_tgc_cov_end: FloatArray | None = None


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
    feed_kg: FloatArray = _column(
        "quantity",
        "kg",
        "Feed given that day; null where feed is unknown (no record in a fed stretch).",
        nullable=True,
        decimals=3,
    )
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
    population_source: IntArray = _column(
        "code", "", "What the day's population rests on.", codes=POPULATION_SOURCES
    )
    population_variance: FloatArray = _column(
        "quantity", "fish^2", "Variance of the population estimate.", decimals=0
    )
    population_confidence: FloatArray = _column(
        "quantity", "", "Confidence of the population, 0 to 1.", decimals=2
    )
    unexplained_fish: IntArray = _column(
        "count",
        "fish",
        "Fish lost that day without a record (expected, or reconciled to a count); a gain "
        "is negative.",
        decimals=0,
        signed=True,
    )
    estimated: IntArray = _column(
        "code",
        "",
        "Metrics estimated past their records that day, comma-separated; empty: none.",
        codes=ESTIMATED,
        default=ESTIMATED.index(""),
    )
    weight_low_g: FloatArray = _column(
        "quantity",
        "g",
        "Lower end of the weight's 90 % band (smoothed model; null in the anchored model).",
        nullable=True,
        decimals=4,
    )
    weight_high_g: FloatArray = _column(
        "quantity",
        "g",
        "Upper end of the weight's 90 % band (smoothed model; null in the anchored model).",
        nullable=True,
        decimals=4,
    )
    biomass_low_kg: FloatArray = _column(
        "quantity",
        "kg",
        "Lower end of the biomass's 90 % band, from the weight's and the population's "
        "variance (smoothed model; null in the anchored model).",
        nullable=True,
        decimals=2,
    )
    biomass_high_kg: FloatArray = _column(
        "quantity",
        "kg",
        "Upper end of the biomass's 90 % band (smoothed model; null in the anchored model).",
        nullable=True,
        decimals=2,
    )
    findings: list[Finding] = field(default_factory=list)
    stays: StaySummaries | None = None

    def __len__(self) -> int:
        return len(self.day)

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The row key and every state column, in declaration order."""
        return tuple(n for n in cls.__dataclass_fields__ if n not in ("findings", "stays"))

    def take(self, mask: np.ndarray) -> DailyStates:
        """The rows where ``mask`` holds (for writing a window)."""
        picked = {name: getattr(self, name)[mask] for name in self.columns()}
        return DailyStates(**picked, findings=self.findings, stays=self.stays)


STATE_COLUMNS: tuple[StateColumn, ...] = tuple(
    dataclasses.replace(f.metadata["column"], name=f.name)
    for f in dataclasses.fields(DailyStates)
    if "column" in f.metadata
)
"""The measured columns of a daily state, in the table's order."""

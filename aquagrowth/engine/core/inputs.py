"""One batch's recorded data as arrays, the engine core's only input.

Days are integers from the batch start (0 = start date). Assignments are referred to by
their position in the assignment arrays (chronological order), containers by their
position in ``container_ids``. Event arrays are aggregated per day by the loader (sums
of counts and kilograms; samples as fish weighed and the sum of their weights), and
keep the smallest record id of each group so reports can name a record.

The loader passes every record of the batch, bad ones included: a record naming an
assignment of another batch has assignment position ``OTHER`` (-1), a feeding in a
container the batch never used container position ``OTHER``; they carry the database id
they name so that the core's validation, the one place that reports bad input, can name
them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

SELECTION_AVERAGE, SELECTION_LARGEST, SELECTION_SMALLEST = 0, 1, 2
COUNT_METHODS = ("stocking", "counter", "treatment", "harvest", "estimate")
"""How a population count was made; ``Counts.method`` holds the position of its name."""
OTHER = -1
"""Position of an assignment or container that is not the batch's (a record to report)."""


def ints(values=()) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def floats(values=()) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


@dataclass(frozen=True)
class Scenario:
    """The planning model, per stage position; NaN where the scenario gives nothing.

    tgc_by_stage : TGC (customary units, g^(1/3) / (degC day) x 1000)
    mortality_rate_by_stage : expected deaths per fish per day (fraction)
    fcr_by_stage : planned feed conversion ratio (kg feed / kg growth)
    profile_day_number, profile_temp_c : planned temperature (degC) by day number (1 = start)
    harvest_weight_g : target harvest weight (g)
    name, id : the scenario's name and database id (for reports and the API)
    """

    tgc_by_stage: FloatArray
    mortality_rate_by_stage: FloatArray
    fcr_by_stage: FloatArray
    profile_day_number: IntArray = field(default_factory=ints)
    profile_temp_c: FloatArray = field(default_factory=floats)
    harvest_weight_g: float = float("nan")
    name: str = ""
    id: int | None = None


@dataclass(frozen=True)
class DayEvents:
    """Per (assignment position, day) sums of one kind of event."""

    assignment: IntArray = field(default_factory=ints)
    day: IntArray = field(default_factory=ints)
    count: IntArray = field(default_factory=ints)
    """Fish (dead, weighed or harvested)."""
    amount: FloatArray = field(default_factory=floats)
    """Sum of weights of the fish weighed (g) for samples and weighings; live kg for harvests."""
    first_id: IntArray = field(default_factory=ints)
    assignment_id: IntArray = field(default_factory=ints)
    """Database id of the assignment each record names (empty when not given): names
    the assignment of a record whose position is ``OTHER``."""
    sd_sq_sum: FloatArray = field(default_factory=floats)
    """Samples: sum of n x SD^2 (g^2) over the day's samples that record an SD (empty
    when not given: no sample records one)."""
    no_sd_sq_sum: FloatArray = field(default_factory=floats)
    """Samples: sum of n x mean^2 (g^2) over the day's samples without an SD (empty when
    not given: taken as amount^2 / count, one sample)."""


@dataclass(frozen=True)
class Transfers:
    """Completed transfer actions of the batch, in id order."""

    id: IntArray = field(default_factory=ints)
    source: IntArray = field(default_factory=ints)
    dest: IntArray = field(default_factory=ints)
    """Assignment position, or -1 when the destination belongs to another batch."""
    day: IntArray = field(default_factory=ints)
    count: IntArray = field(default_factory=ints)
    measured_weight_g: FloatArray = field(default_factory=floats)
    """Weight of the fish moved (g), NaN when not weighed."""
    selection: IntArray = field(default_factory=ints)


@dataclass(frozen=True)
class ContainerDays:
    """Per (container position, day) values: feed kg, or mean temperature degC."""

    container: IntArray = field(default_factory=ints)
    day: IntArray = field(default_factory=ints)
    value: FloatArray = field(default_factory=floats)
    count: IntArray = field(default_factory=ints)
    """Records behind the value (feeding events, valid readings)."""
    rejected: IntArray = field(default_factory=ints)
    """Readings outside the valid range that day (temperature only)."""
    container_id: IntArray = field(default_factory=ints)
    """Database id of each row's container (empty when not given): names the container
    of a row whose position is ``OTHER``."""


@dataclass(frozen=True)
class Counts:
    """Population counts: the fish of a stay counted at the END of a day, one per record.

    ``precision`` is the count's own relative standard deviation (a fraction of the
    count), NaN where the record leaves it to its method (docs/engine.md).
    """

    id: IntArray = field(default_factory=ints)
    assignment: IntArray = field(default_factory=ints)
    day: IntArray = field(default_factory=ints)
    count: IntArray = field(default_factory=ints)
    method: IntArray = field(default_factory=ints)
    """Position of the method's name in ``COUNT_METHODS``."""
    precision: FloatArray = field(default_factory=floats)
    assignment_id: IntArray = field(default_factory=ints)
    """Database id of the assignment each record names (for a record marked ``OTHER``)."""


@dataclass(frozen=True)
class BatchInputs:
    """Everything the engine needs to compute one batch's daily states.

    Attributes
    ----------
    batch_id : the batch's database id (for reports; ``batch_number`` when given)
    n_days : days computed, 0 .. n_days - 1
    today_day : the day index of today; events after it are bad input
    stage_names, stage_max_weight_g : per stage position, the stage's name and upper
        expected weight (g)
    assignment_* : per assignment position, in chronological order (first day, id)
    container_ids : database id of each container position
    """

    batch_id: int
    n_days: int
    today_day: int
    stage_names: tuple[str, ...]
    stage_max_weight_g: FloatArray
    assignment_id: IntArray
    assignment_container: IntArray
    assignment_stage: IntArray
    assignment_first_day: IntArray
    assignment_stop_day: IntArray
    """Exclusive; the departure day, or n_days for an open stay."""
    assignment_opening_population: IntArray
    assignment_opening_weight_g: FloatArray
    container_ids: IntArray
    scenario: Scenario | None
    transfers: Transfers = field(default_factory=Transfers)
    mortality: DayEvents = field(default_factory=DayEvents)
    samples: DayEvents = field(default_factory=DayEvents)
    weighings: DayEvents = field(default_factory=DayEvents)
    harvests: DayEvents = field(default_factory=DayEvents)
    feed: ContainerDays = field(default_factory=ContainerDays)
    temperature: ContainerDays = field(default_factory=ContainerDays)
    start_date: datetime.date | None = None
    """The batch's first day, so that findings can name dates."""
    valid_temp_range_c: tuple[float, float] | None = None
    """Readings outside this range (degC) were sensor faults (the farm's rule, applied
    where the daily means are made), so that findings can name it; None when unknown."""
    batch_number: str = ""
    """The batch's number, as users name it in findings ("" when not known)."""
    counts: Counts = field(default_factory=Counts)
    container_names: tuple[str, ...] = ()
    """Name of each container position, as findings name it (empty: ids are used)."""
    assignment_departed: np.ndarray | None = None
    """Per assignment position, whether the stay has departed by the end of the computed
    days (its pen is then empty after ``assignment_stop_day - 1``); None: those whose
    stop day is before ``n_days``."""
    smoother_params: object | None = None
    """The weight smoother's farm parameters (``smoother.SmootherParams``, the farm's
    newest fit); None: the defaults."""
    hidden_loss_rate_by_stage: FloatArray | None = None
    """Per stage position, the expected unrecorded loss (fish lost per fish-day) the
    farm's history teaches, for open stretches; None or NaN: none learned (0)."""

    @property
    def n_assignments(self) -> int:
        return len(self.assignment_id)

    @property
    def departed(self) -> np.ndarray:
        """Whether each stay has departed (see ``assignment_departed``)."""
        if self.assignment_departed is not None:
            return np.asarray(self.assignment_departed, dtype=bool)
        return self.assignment_stop_day < self.n_days

    @property
    def batch_name(self) -> str:
        """The batch as findings name it: its number, else its database id."""
        return self.batch_number or str(self.batch_id)

    def container_name(self, position: int) -> str:
        """A container as findings name it: its name, else its database id."""
        if self.container_names:
            return self.container_names[position]
        return f"container {int(self.container_ids[position])}"

    def describe_stay(self, position: int) -> str:
        """A stay as the farm names it: its batch and its container."""
        container = self.container_name(int(self.assignment_container[position]))
        return f"batch {self.batch_name} in {container}"

    def describe_day(self, day: int) -> str:
        """A day as a user reads it: the date when known, else the day number."""
        if self.start_date is not None:
            return (self.start_date + datetime.timedelta(days=int(day))).isoformat()
        return f"day {int(day) + 1}"

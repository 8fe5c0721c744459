"""The files of the format in the order they load: every file refers only to earlier ones."""

from __future__ import annotations

from aquagrowth.farm.csvio.kinds.base import Kind
from aquagrowth.farm.csvio.kinds.batches import (
    AssignmentKind,
    BatchKind,
    ProfilePointKind,
    ScenarioKind,
    ScenarioStageKind,
)
from aquagrowth.farm.csvio.kinds.events import (
    FeedingKind,
    HarvestKind,
    MortalityKind,
    PopulationCountKind,
    ReadingKind,
    TransferKind,
    WeighingKind,
)
from aquagrowth.farm.csvio.kinds.reference import (
    ContainerKind,
    GeographyKind,
    HallKind,
    ParameterKind,
    SeaAreaKind,
    SensorKind,
    SpeciesKind,
    StageKind,
    StationKind,
)
from aquagrowth.farm.csvio.kinds.samples import FishKind, SampleKind

KIND_CLASSES: tuple[type[Kind], ...] = (
    SpeciesKind,
    StageKind,
    GeographyKind,
    StationKind,
    HallKind,
    SeaAreaKind,
    ContainerKind,
    ParameterKind,
    SensorKind,
    BatchKind,
    AssignmentKind,
    ScenarioKind,
    ScenarioStageKind,
    ProfilePointKind,
    TransferKind,
    FeedingKind,
    MortalityKind,
    SampleKind,
    FishKind,
    WeighingKind,
    HarvestKind,
    PopulationCountKind,
    ReadingKind,
)


def all_kinds() -> list[Kind]:
    """Fresh kinds for one import or export (some remember rows between passes)."""
    return [kind_class() for kind_class in KIND_CLASSES]


FILE_NAMES: tuple[str, ...] = tuple(kind.spec.file_name for kind in KIND_CLASSES)

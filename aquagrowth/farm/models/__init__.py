"""The farm's data model, one module per concept."""

from aquagrowth.farm.models.batch import Assignment, Batch, BatchStatus
from aquagrowth.farm.models.environment import (
    ContainerDayTemperature,
    EnvironmentalParameter,
    EnvironmentalReading,
    Sensor,
)
from aquagrowth.farm.models.events import (
    CountMethod,
    FeedingEvent,
    FishObservation,
    GrowthSample,
    Harvest,
    MortalityEvent,
    PopulationCount,
    SelectionMethod,
    TransferAction,
    TransferStatus,
    Weighing,
)
from aquagrowth.farm.models.infrastructure import (
    Container,
    ContainerKind,
    FreshwaterStation,
    Geography,
    Hall,
    SeaArea,
)
from aquagrowth.farm.models.scenario import Scenario, ScenarioStage, TemperatureProfilePoint
from aquagrowth.farm.models.species import LifecycleStage, Species

__all__ = [
    "Assignment",
    "Batch",
    "BatchStatus",
    "Container",
    "ContainerDayTemperature",
    "ContainerKind",
    "CountMethod",
    "EnvironmentalParameter",
    "EnvironmentalReading",
    "FeedingEvent",
    "FishObservation",
    "FreshwaterStation",
    "Geography",
    "GrowthSample",
    "Hall",
    "Harvest",
    "LifecycleStage",
    "MortalityEvent",
    "PopulationCount",
    "Scenario",
    "ScenarioStage",
    "SeaArea",
    "SelectionMethod",
    "Sensor",
    "Species",
    "TemperatureProfilePoint",
    "TransferAction",
    "TransferStatus",
    "Weighing",
]

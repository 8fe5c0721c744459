"""The farm's data model, one module per concept."""

from aquagrowth.farm.models.batch import Assignment, Batch, BatchStatus
from aquagrowth.farm.models.environment import (
    ContainerDayTemperature,
    EnvironmentalParameter,
    EnvironmentalReading,
    Sensor,
)
from aquagrowth.farm.models.events import (
    EVENT_DAY_FIELDS,
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
from aquagrowth.farm.models.provenance import (
    ChangeAction,
    EventChange,
    FarmIdentity,
    ImportedRecord,
    ImportRun,
    ImportRunState,
    Via,
)
from aquagrowth.farm.models.scenario import (
    Scenario,
    ScenarioPinChange,
    ScenarioStage,
    TemperatureProfilePoint,
)
from aquagrowth.farm.models.settings import (
    FarmSettings,
    SettingsChange,
    WeightModel,
    save_settings,
)
from aquagrowth.farm.models.species import LifecycleStage, Species

__all__ = [
    "EVENT_DAY_FIELDS",
    "Assignment",
    "Batch",
    "BatchStatus",
    "ChangeAction",
    "Container",
    "ContainerDayTemperature",
    "ContainerKind",
    "CountMethod",
    "EnvironmentalParameter",
    "EnvironmentalReading",
    "EventChange",
    "FarmIdentity",
    "FarmSettings",
    "FeedingEvent",
    "FishObservation",
    "FreshwaterStation",
    "Geography",
    "GrowthSample",
    "Hall",
    "Harvest",
    "ImportRun",
    "ImportRunState",
    "ImportedRecord",
    "LifecycleStage",
    "MortalityEvent",
    "PopulationCount",
    "Scenario",
    "ScenarioPinChange",
    "ScenarioStage",
    "SeaArea",
    "SelectionMethod",
    "Sensor",
    "SettingsChange",
    "Species",
    "TemperatureProfilePoint",
    "TransferAction",
    "TransferStatus",
    "Via",
    "Weighing",
    "WeightModel",
    "save_settings",
]

"""A batch, its stays in containers (assignments) and its planning scenarios."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, F, Value, When

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.catalogue import STORED, Catalogue, Stay
from aquagrowth.farm.csvio.cells import Choice, Date, Integer, Number, Text, Timestamp, YesNo
from aquagrowth.farm.csvio.format import Column, FileSpec
from aquagrowth.farm.csvio.kinds.base import Bad, Kind, Row, find

PIN_WRITER = "CSV import"


def _in_batches(queryset, batch_ids: set[int] | None, field: str = "batch_id"):
    return queryset if batch_ids is None else queryset.filter(**{f"{field}__in": batch_ids})


def batch_start(catalogue: Catalogue, number: str) -> dt.date:
    return catalogue.of("batches")[(number,)].row["start_date"]


def batch_species(catalogue: Catalogue, number: str) -> str:
    return catalogue.of("batches")[(number,)].row["species"]


class BatchKind(Kind):
    spec = FileSpec(
        "batches",
        (
            Column("number", Text(max_length=50), "Batch number (key), e.g. FO-2024-01."),
            Column("species", Text(), "Species name."),
            Column("geography", Text(required=False), "Geography name (optional)."),
            Column("start_date", Date(), "Day 1 of the batch (egg input)."),
            Column(
                "status",
                Choice(
                    required=False, empty=m.BatchStatus.ACTIVE, choices=tuple(m.BatchStatus.values)
                ),
                "planned, active (default), harvested or closed.",
            ),
        ),
        key=("number",),
    )
    model = m.Batch
    referenced = True

    def stored(self, batch_ids):
        return _in_batches(m.Batch.objects.order_by("number"), batch_ids, "pk").values_list(
            "pk", "number", "species__name", "geography__name", "start_date", "status"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        find(catalogue, "species", (row["species"],), "species", "species", bad)
        if row["geography"]:
            find(catalogue, "geographies", (row["geography"],), "geography", "geography", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.Batch:
        geography = row["geography"]
        return m.Batch(
            number=row["number"],
            species_id=catalogue.id_of("species", (row["species"],)),
            geography_id=catalogue.id_of("geographies", (geography,)) if geography else None,
            start_date=row["start_date"],
            status=row["status"],
        )

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["number"], row["start_date"]


class AssignmentKind(Kind):
    spec = FileSpec(
        "assignments",
        (
            Column("batch", Text(max_length=50), "Batch number."),
            Column("container", Text(), "Container name."),
            Column(
                "assignment_date",
                Date(),
                "First day in the container; key with batch and container.",
            ),
            Column(
                "departure_date",
                Date(required=False),
                "First day no longer there (exclusive); empty while the fish are still there.",
            ),
            Column("stage", Text(), "Lifecycle stage name (of the batch's species)."),
            Column(
                "population_count",
                Integer(required=False, empty=0, unit="fish"),
                "Opening population of an egg input; 0 (default) when filled by transfers.",
            ),
            Column(
                "avg_weight_g",
                Number(required=False, above=0, unit="g"),
                "Opening average weight of an egg input.",
            ),
        ),
        key=("batch", "container", "assignment_date"),
    )
    model = m.Assignment
    referenced = True
    weight_columns = ("avg_weight_g",)

    def stored(self, batch_ids):
        queryset = m.Assignment.objects.order_by(
            "batch__number", "assignment_date", "container__name"
        )
        return _in_batches(queryset, batch_ids).values_list(
            "pk",
            "batch__number",
            "container__name",
            "assignment_date",
            "departure_date",
            "stage__name",
            "population_count",
            "avg_weight_g",
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        batch = find(catalogue, "batches", (row["batch"],), "batch", "batch", bad)
        container = find(
            catalogue, "containers", (row["container"],), "container", "container", bad
        )
        arrival, departure = row["assignment_date"], row["departure_date"]
        if departure is not None and departure <= arrival:
            bad("departure_date", "must be after assignment_date")
            return
        if batch is None:
            return
        if arrival < batch.row["start_date"]:
            bad("assignment_date", f"before the batch's start {batch.row['start_date']}")
        stage = (batch.row["species"], row["stage"])
        find(catalogue, "stages", stage, "stage", "stage", bad)
        if container is None:
            return
        stay = Stay(arrival, departure, 0)
        for other in catalogue.stays_of(row["batch"], row["container"]):
            if other.overlaps(stay) and other.arrival != arrival:
                bad(
                    "assignment_date", f"the batch is already in this container: {other.describe()}"
                )
                break

    def hold_bad(self, row: Row, catalogue: Catalogue) -> None:
        super().hold_bad(row, catalogue)
        if "batch" not in row or "container" not in row:
            return
        arrival, departure = row.get("assignment_date"), row.get("departure_date")
        if arrival is None:
            stay = None
        else:
            ends = departure is not None and departure > arrival
            stay = Stay(arrival, departure if ends else None, 0)
        catalogue.broken_stays.setdefault((row["batch"], row["container"]), []).append(stay)

    def accept(self, line: int, row: Row, catalogue: Catalogue) -> None:
        stay = Stay(row["assignment_date"], row["departure_date"], line)
        catalogue.add_stay(row["batch"], row["container"], stay)

    def build(self, row: Row, catalogue: Catalogue) -> m.Assignment:
        return m.Assignment(
            batch_id=catalogue.id_of("batches", (row["batch"],)),
            container_id=catalogue.id_of("containers", (row["container"],)),
            stage_id=catalogue.id_of(
                "stages", (batch_species(catalogue, row["batch"]), row["stage"])
            ),
            assignment_date=row["assignment_date"],
            departure_date=row["departure_date"],
            population_count=row["population_count"],
            avg_weight_g=row["avg_weight_g"],
        )

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["batch"], row["assignment_date"]


class ScenarioKind(Kind):
    spec = FileSpec(
        "scenarios",
        (
            Column("batch", Text(max_length=50), "Batch number."),
            Column("name", Text(), "Scenario name; key with batch."),
            Column("harvest_weight_g", Number(above=0, unit="g"), "Target harvest weight."),
            Column(
                "created_at",
                Timestamp(required=False),
                "When it was made (UTC); the newest "
                "is in force when none is pinned. Empty: the time of the import (or, "
                "for a stored scenario, as stored).",
                empty_keeps_stored=True,
            ),
            Column(
                "pinned",
                YesNo(required=False),
                "yes: the scenario the batch is planned with (at most one per batch).",
            ),
        ),
        key=("batch", "name"),
    )
    model = m.Scenario
    referenced = True
    weight_columns = ("harvest_weight_g",)

    def __init__(self) -> None:
        self.pinned_line: dict[str, int] = {}
        self.loaded: list[Row] = []

    def stored(self, batch_ids):
        pinned = Case(
            When(batch__pinned_scenario_id=F("pk"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        queryset = m.Scenario.objects.annotate(is_pinned=pinned).order_by(
            "batch__number", "created_at", "pk"
        )
        return _in_batches(queryset, batch_ids).values_list(
            "pk", "batch__number", "name", "harvest_weight_g", "created_at", "is_pinned"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        batch = find(catalogue, "batches", (row["batch"],), "batch", "batch", bad)
        if batch and row["pinned"] and row["batch"] in self.pinned_line:
            line = self.pinned_line[row["batch"]]
            where = "a stored scenario" if line == STORED else f"line {line}"
            bad("pinned", f"the batch already has a pinned scenario ({where})")

    def accept(self, line: int, row: Row, catalogue: Catalogue) -> None:
        if row["pinned"]:
            self.pinned_line[row["batch"]] = line

    def build(self, row: Row, catalogue: Catalogue) -> m.Scenario:
        self.loaded.append(row)
        return m.Scenario(
            batch_id=catalogue.id_of("batches", (row["batch"],)),
            name=row["name"],
            harvest_weight_g=row["harvest_weight_g"],
        )

    def after_load(self, catalogue: Catalogue) -> None:
        # created_at is set by the database on insert; the file's value is written after,
        # which matters because the newest scenario is the one in force.
        for row in self.loaded:
            scenario_id = catalogue.id_of("scenarios", self.key(row))
            if row["created_at"] is not None:
                m.Scenario.objects.filter(pk=scenario_id).update(created_at=row["created_at"])
            if row["pinned"]:
                _pin(catalogue.id_of("batches", (row["batch"],)), scenario_id)

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["batch"], batch_start(catalogue, row["batch"])


def _pin(batch_id: int, scenario_id: int) -> None:
    """Pin the scenario on its batch as the file says, recorded like a manager's pin
    (``ScenarioPinChange``, by "CSV import") when it changes the pin; the import's
    recompute of the batch follows as for any row it stored."""
    batch = m.Batch.objects.select_for_update().get(pk=batch_id)
    if batch.pinned_scenario_id == scenario_id:
        return
    before = batch.pinned_scenario  # read after the lock: the pin it replaces
    after = m.Scenario.objects.get(pk=scenario_id)
    m.Batch.objects.filter(pk=batch_id).update(pinned_scenario_id=scenario_id)
    m.ScenarioPinChange.record(batch_id, before, after, who_name=PIN_WRITER)


class ScenarioStageKind(Kind):
    spec = FileSpec(
        "scenario_stages",
        (
            Column("batch", Text(max_length=50), "Batch number."),
            Column("scenario", Text(), "Scenario name."),
            Column("stage", Text(), "Stage name; key with batch and scenario."),
            Column(
                "tgc",
                Number(above=0, at_most=100),
                "Thermal growth coefficient (customary units, x1000).",
            ),
            Column(
                "fcr", Number(above=0, at_most=10), "Feed conversion ratio (kg feed per kg growth)."
            ),
            Column(
                "mortality_rate_per_day",
                Number(at_least=0, below=1, unit="1/day"),
                "Expected daily mortality as a fraction, e.g. 0.0005.",
            ),
        ),
        key=("batch", "scenario", "stage"),
    )
    model = m.ScenarioStage

    def stored(self, batch_ids):
        queryset = m.ScenarioStage.objects.order_by(
            "scenario__batch__number", "scenario__name", "scenario_id", "stage__order"
        )
        return _in_batches(queryset, batch_ids, "scenario__batch_id").values_list(
            "pk",
            "scenario__batch__number",
            "scenario__name",
            "stage__name",
            "tgc",
            "fcr",
            "mortality_rate_per_day",
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        scenario = (row["batch"], row["scenario"])
        if find(catalogue, "scenarios", scenario, "scenario", "scenario of batch", bad):
            stage = (batch_species(catalogue, row["batch"]), row["stage"])
            find(catalogue, "stages", stage, "stage", "stage", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.ScenarioStage:
        stage = (batch_species(catalogue, row["batch"]), row["stage"])
        return m.ScenarioStage(
            scenario_id=catalogue.id_of("scenarios", (row["batch"], row["scenario"])),
            stage_id=catalogue.id_of("stages", stage),
            tgc=row["tgc"],
            fcr=row["fcr"],
            mortality_rate_per_day=row["mortality_rate_per_day"],
        )

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["batch"], batch_start(catalogue, row["batch"])


class ProfilePointKind(Kind):
    spec = FileSpec(
        "temperature_profile",
        (
            Column("batch", Text(max_length=50), "Batch number."),
            Column("scenario", Text(), "Scenario name."),
            Column(
                "day_number",
                Integer(minimum=1, maximum=36500),
                "Day counted from the batch start (1); key with batch and scenario.",
            ),
            Column(
                "temp_c", Number(at_least=-2, at_most=35, unit="degC"), "Planned water temperature."
            ),
        ),
        key=("batch", "scenario", "day_number"),
    )
    model = m.TemperatureProfilePoint

    def stored(self, batch_ids):
        queryset = m.TemperatureProfilePoint.objects.order_by(
            "scenario__batch__number", "scenario__name", "scenario_id", "day_number"
        )
        return _in_batches(queryset, batch_ids, "scenario__batch_id").values_list(
            "pk", "scenario__batch__number", "scenario__name", "day_number", "temp_c"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        scenario = (row["batch"], row["scenario"])
        find(catalogue, "scenarios", scenario, "scenario", "scenario of batch", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.TemperatureProfilePoint:
        return m.TemperatureProfilePoint(
            scenario_id=catalogue.id_of("scenarios", (row["batch"], row["scenario"])),
            day_number=row["day_number"],
            temp_c=row["temp_c"],
        )

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["batch"], batch_start(catalogue, row["batch"])

"""Records shared by all batches: species and stages, infrastructure, parameters, sensors."""

from __future__ import annotations

import re

from django.db.models import F
from django.db.models.functions import Coalesce

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.catalogue import Catalogue
from aquagrowth.farm.csvio.cells import Choice, Integer, Number, Text
from aquagrowth.farm.csvio.format import Column, FileSpec
from aquagrowth.farm.csvio.kinds.base import Bad, Kind, Row, check_weight, find

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class SpeciesKind(Kind):
    spec = FileSpec(
        "species",
        (
            Column("name", Text(), "Common name, e.g. Atlantic salmon (key)."),
            Column("scientific_name", Text(required=False, max_length=200), "e.g. Salmo salar."),
        ),
        key=("name",),
    )
    model = m.Species
    shared = referenced = True

    def stored(self, batch_ids):
        return m.Species.objects.order_by("name").values_list("pk", "name", "scientific_name")

    def build(self, row: Row, catalogue: Catalogue) -> m.Species:
        return m.Species(name=row["name"], scientific_name=row["scientific_name"])


class StageKind(Kind):
    spec = FileSpec(
        "stages",
        (
            Column("species", Text(), "Species name (species.csv)."),
            Column("name", Text(), "Stage name, e.g. Smolt; key with species."),
            Column(
                "order", Integer(minimum=1, maximum=1000), "Position in the life cycle, 1 = first."
            ),
            Column("min_weight_g", Number(at_least=0, unit="g"), "Expected lower weight bound."),
            Column("max_weight_g", Number(above=0, unit="g"), "Expected upper weight bound."),
        ),
        key=("species", "name"),
        also_unique=(("species", "order"),),
    )
    model = m.LifecycleStage
    shared = referenced = True

    def stored(self, batch_ids):
        return m.LifecycleStage.objects.order_by("species__name", "order").values_list(
            "pk", "species__name", "name", "order", "min_weight_g", "max_weight_g"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        find(catalogue, "species", (row["species"],), "species", "species", bad)
        if row["max_weight_g"] <= row["min_weight_g"]:
            bad("max_weight_g", "must be greater than min_weight_g")
        for column in ("min_weight_g", "max_weight_g"):
            check_weight(row[column], column, row["species"], bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.LifecycleStage:
        return m.LifecycleStage(
            species_id=catalogue.id_of("species", (row["species"],)),
            name=row["name"],
            order=row["order"],
            min_weight_g=row["min_weight_g"],
            max_weight_g=row["max_weight_g"],
        )


class GeographyKind(Kind):
    spec = FileSpec(
        "geographies", (Column("name", Text(), "e.g. Faroe Islands (key)."),), key=("name",)
    )
    model = m.Geography
    shared = referenced = True

    def stored(self, batch_ids):
        return m.Geography.objects.order_by("name").values_list("pk", "name")

    def build(self, row: Row, catalogue: Catalogue) -> m.Geography:
        return m.Geography(name=row["name"])


class StationKind(Kind):
    spec = FileSpec(
        "stations",
        (
            Column("geography", Text(), "Geography name."),
            Column("name", Text(), "Freshwater station name; key with geography."),
        ),
        key=("geography", "name"),
    )
    model = m.FreshwaterStation
    shared = referenced = True

    def stored(self, batch_ids):
        return m.FreshwaterStation.objects.order_by("geography__name", "name").values_list(
            "pk", "geography__name", "name"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        find(catalogue, "geographies", (row["geography"],), "geography", "geography", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.FreshwaterStation:
        return m.FreshwaterStation(
            geography_id=catalogue.id_of("geographies", (row["geography"],)), name=row["name"]
        )


class HallKind(Kind):
    spec = FileSpec(
        "halls",
        (
            Column("geography", Text(), "Geography of the station."),
            Column("station", Text(), "Station name."),
            Column("name", Text(), "Hall name, e.g. A; key with geography and station."),
            Column("species", Text(required=False), "Species of the hall's stage (or empty)."),
            Column("stage", Text(required=False), "Stage the hall is dedicated to (or empty)."),
        ),
        key=("geography", "station", "name"),
    )
    model = m.Hall
    shared = referenced = True

    def stored(self, batch_ids):
        return m.Hall.objects.order_by(
            "station__geography__name", "station__name", "name"
        ).values_list(
            "pk",
            "station__geography__name",
            "station__name",
            "name",
            "stage__species__name",
            "stage__name",
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        station = (row["geography"], row["station"])
        find(catalogue, "stations", station, "station", "station", bad)
        if bool(row["species"]) != bool(row["stage"]):
            bad("stage", "give both species and stage, or neither")
        elif row["stage"]:
            find(catalogue, "stages", (row["species"], row["stage"]), "stage", "stage", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.Hall:
        stage = (row["species"], row["stage"])
        return m.Hall(
            station_id=catalogue.id_of("stations", (row["geography"], row["station"])),
            name=row["name"],
            stage_id=catalogue.id_of("stages", stage) if row["stage"] else None,
        )


class SeaAreaKind(Kind):
    spec = FileSpec(
        "sea_areas",
        (
            Column("geography", Text(), "Geography name."),
            Column("name", Text(), "Sea area name; key with geography."),
        ),
        key=("geography", "name"),
    )
    model = m.SeaArea
    shared = referenced = True

    def stored(self, batch_ids):
        return m.SeaArea.objects.order_by("geography__name", "name").values_list(
            "pk", "geography__name", "name"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        find(catalogue, "geographies", (row["geography"],), "geography", "geography", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.SeaArea:
        return m.SeaArea(
            geography_id=catalogue.id_of("geographies", (row["geography"],)), name=row["name"]
        )


class ContainerKind(Kind):
    spec = FileSpec(
        "containers",
        (
            Column("name", Text(), "Unique container name (key), e.g. S01-A-01."),
            Column("kind", Choice(choices=tuple(m.ContainerKind.values)), "tray, tank or pen."),
            Column(
                "volume_m3",
                Number(above=0, unit="m3", at_most_setting="AQUAGROWTH_MAX_CONTAINER_VOLUME_M3"),
                "Water volume.",
            ),
            Column("geography", Text(), "Geography of its station or sea area."),
            Column("station", Text(required=False), "Station of its hall (freshwater)."),
            Column("hall", Text(required=False), "Hall (freshwater)."),
            Column("sea_area", Text(required=False), "Sea area (pens at sea)."),
        ),
        key=("name",),
    )
    model = m.Container
    shared = referenced = True

    def stored(self, batch_ids):
        return (
            m.Container.objects.annotate(
                geo=Coalesce(F("hall__station__geography__name"), F("sea_area__geography__name"))
            )
            .order_by("name")
            .values_list(
                "pk",
                "name",
                "kind",
                "volume_m3",
                "geo",
                "hall__station__name",
                "hall__name",
                "sea_area__name",
            )
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        geography = row["geography"]
        if not find(catalogue, "geographies", (geography,), "geography", "geography", bad):
            return
        in_hall = bool(row["station"] or row["hall"])
        if in_hall == bool(row["sea_area"]):
            bad("sea_area", "give either station and hall, or sea_area")
        elif in_hall:
            if not row["station"] or not row["hall"]:
                bad("hall", "a freshwater container needs both station and hall")
            else:
                hall = (geography, row["station"], row["hall"])
                find(catalogue, "halls", hall, "hall", "hall", bad)
        else:
            find(catalogue, "sea_areas", (geography, row["sea_area"]), "sea_area", "sea area", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.Container:
        hall = (row["geography"], row["station"], row["hall"])
        sea_area = (row["geography"], row["sea_area"])
        return m.Container(
            name=row["name"],
            kind=row["kind"],
            volume_m3=row["volume_m3"],
            hall_id=catalogue.id_of("halls", hall) if row["hall"] else None,
            sea_area_id=catalogue.id_of("sea_areas", sea_area) if row["sea_area"] else None,
        )


class ParameterKind(Kind):
    spec = FileSpec(
        "parameters",
        (
            Column(
                "code",
                Text(max_length=32),
                "Stable code (key): letters, digits, - and _; water temperature is 'temperature'.",
            ),
            Column("name", Text(), "Display name."),
            Column("unit", Text(max_length=20), "Unit of the readings, e.g. degC."),
        ),
        key=("code",),
    )
    model = m.EnvironmentalParameter
    shared = referenced = True

    def stored(self, batch_ids):
        return m.EnvironmentalParameter.objects.order_by("code").values_list(
            "pk", "code", "name", "unit"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        if not SLUG.match(row["code"]):
            bad("code", "only letters, digits, - and _ are allowed")

    def build(self, row: Row, catalogue: Catalogue) -> m.EnvironmentalParameter:
        return m.EnvironmentalParameter(code=row["code"], name=row["name"], unit=row["unit"])


class SensorKind(Kind):
    spec = FileSpec(
        "sensors",
        (
            Column("serial", Text(max_length=64), "Serial number (key)."),
            Column("container", Text(), "Container it is installed in."),
            Column("parameter", Text(max_length=32), "Parameter code it measures."),
        ),
        key=("serial",),
    )
    model = m.Sensor
    shared = referenced = True

    def stored(self, batch_ids):
        return m.Sensor.objects.order_by("serial").values_list(
            "pk", "serial", "container__name", "parameter__code"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        find(catalogue, "containers", (row["container"],), "container", "container", bad)
        find(catalogue, "parameters", (row["parameter"],), "parameter", "parameter", bad)

    def build(self, row: Row, catalogue: Catalogue) -> m.Sensor:
        return m.Sensor(
            serial=row["serial"],
            container_id=catalogue.id_of("containers", (row["container"],)),
            parameter_id=catalogue.id_of("parameters", (row["parameter"],)),
        )

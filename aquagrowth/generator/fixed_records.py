"""The farm's fixed records: species, stages, parameters, infrastructure and sensors.

Created through the ORM (a few thousand rows) and reused when they already exist, so a
farm can be rebuilt into a database that keeps its infrastructure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aquagrowth.farm import models as m
from aquagrowth.generator.events import FRESH_PARAMETERS, PARAMETERS, SEA_PARAMETERS
from aquagrowth.generator.layout import Layout, sea_area_name, station_name
from aquagrowth.generator.profile import (
    GEOGRAPHIES,
    HALL_NAMES,
    STAGE_WEIGHT_RANGES_G,
    STAGES,
)

SPECIES = ("Atlantic salmon", "Salmo salar")


@dataclass(frozen=True)
class FixedRecordIds:
    """Database ids by the generator's positions (stage, geography, container, parameter).

    ``sensor_id[container, parameter]`` is -1 where the container has no such sensor.
    """

    species_id: int
    stage_id: np.ndarray
    geography_id: np.ndarray
    container_id: np.ndarray
    parameter_id: np.ndarray
    sensor_id: np.ndarray


def ensure_fixed_records(layout: Layout) -> FixedRecordIds:
    """Create what is missing of the fixed records and return their ids.

    Parameters
    ----------
    layout : the farm's infrastructure as arrays (container positions and names)

    Returns
    -------
    FixedRecordIds
        The database id of every stage, geography, container, parameter and sensor, at
        the generator's position of each.
    """
    species, _ = m.Species.objects.get_or_create(
        name=SPECIES[0], defaults={"scientific_name": SPECIES[1]}
    )
    stages = _stages(species)
    parameters = [
        m.EnvironmentalParameter.objects.get_or_create(
            code=p["code"], defaults={"name": p["name"], "unit": p["unit"]}
        )[0]
        for p in PARAMETERS
    ]
    geographies = [m.Geography.objects.get_or_create(name=g["name"])[0] for g in GEOGRAPHIES]
    container_id = _containers(layout, geographies, stages)
    parameter_id = np.array([p.id for p in parameters], dtype=np.int64)
    return FixedRecordIds(
        species_id=species.id,
        stage_id=np.array([s.id for s in stages], dtype=np.int64),
        geography_id=np.array([g.id for g in geographies], dtype=np.int64),
        container_id=container_id,
        parameter_id=parameter_id,
        sensor_id=_sensors(layout, container_id, parameter_id),
    )


def _stages(species: m.Species) -> list[m.LifecycleStage]:
    """The species' lifecycle stages in ``STAGES`` order, with their weight ranges (g)."""
    stages = []
    for order, name in enumerate(STAGES, start=1):
        low, high = STAGE_WEIGHT_RANGES_G[name]
        stage, _ = m.LifecycleStage.objects.get_or_create(
            species=species,
            name=name,
            defaults={"order": order, "min_weight_g": low, "max_weight_g": high},
        )
        stages.append(stage)
    return stages


def _sites(
    layout: Layout, geographies: list[m.Geography], stages: list[m.LifecycleStage]
) -> tuple[dict[tuple[int, int, int], m.Hall], dict[tuple[int, int], m.SeaArea]]:
    """Halls by (geography, station, hall) and sea areas by (geography, area) position;
    each hall holds the stage of its position in ``HALL_NAMES``."""
    halls: dict[tuple[int, int, int], m.Hall] = {}
    areas: dict[tuple[int, int], m.SeaArea] = {}
    for g, geography in enumerate(geographies):
        for s in range(layout.stations_per_geography):
            station, _ = m.FreshwaterStation.objects.get_or_create(
                geography=geography, name=station_name(g, s)
            )
            for h, hall_name in enumerate(HALL_NAMES):
                halls[g, s, h] = m.Hall.objects.get_or_create(
                    station=station, name=hall_name, defaults={"stage": stages[h]}
                )[0]
        for a in range(layout.sea_areas_per_geography):
            areas[g, a] = m.SeaArea.objects.get_or_create(
                geography=geography, name=sea_area_name(g, a)
            )[0]
    return halls, areas


def _containers(
    layout: Layout, geographies: list[m.Geography], stages: list[m.LifecycleStage]
) -> np.ndarray:
    """Database id of every container of ``layout`` (by position), creating the missing
    ones in their hall or sea area."""
    halls, areas = _sites(layout, geographies, stages)
    existing = dict(m.Container.objects.filter(name__in=layout.names).values_list("name", "id"))
    missing = []
    for i, name in enumerate(layout.names):
        if name in existing:
            continue
        g = int(layout.geography[i])
        missing.append(
            m.Container(
                name=name,
                kind=layout.kind(i),
                volume_m3=layout.volume_m3(i),
                hall=halls[g, int(layout.station[i]), int(layout.hall[i])]
                if layout.sea_area[i] < 0
                else None,
                sea_area=areas[g, int(layout.sea_area[i])] if layout.sea_area[i] >= 0 else None,
            )
        )
    m.Container.objects.bulk_create(missing, batch_size=2000)
    by_name = dict(m.Container.objects.filter(name__in=layout.names).values_list("name", "id"))
    return np.array([by_name[n] for n in layout.names], dtype=np.int64)


def _sensors(layout: Layout, container_id: np.ndarray, parameter_id: np.ndarray) -> np.ndarray:
    """Sensor id by (container position, parameter position), -1 where there is none.

    A hall's container measures the fresh-water parameters, a ring the sea ones; the
    serial ``<container>-<parameter code>`` names each sensor, so existing ones are kept.
    """
    wanted: dict[str, tuple[int, int]] = {}
    for i, name in enumerate(layout.names):
        codes = SEA_PARAMETERS if layout.sea_area[i] >= 0 else FRESH_PARAMETERS
        for p in codes:
            wanted[f"{name}-{PARAMETERS[p]['code']}"] = (i, p)
    have = set(m.Sensor.objects.filter(serial__in=list(wanted)).values_list("serial", flat=True))
    m.Sensor.objects.bulk_create(
        [
            m.Sensor(
                serial=serial,
                container_id=int(container_id[i]),
                parameter_id=int(parameter_id[p]),
            )
            for serial, (i, p) in wanted.items()
            if serial not in have
        ],
        batch_size=5000,
    )
    sensor_id = np.full((layout.size, len(PARAMETERS)), -1, dtype=np.int64)
    for serial, sid in m.Sensor.objects.filter(serial__in=list(wanted)).values_list("serial", "id"):
        i, p = wanted[serial]
        sensor_id[i, p] = sid
    return sensor_id

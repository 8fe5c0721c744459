"""The farm's infrastructure as plain data: geographies, stations, halls, sea areas, containers.

Containers are numbered 0..n-1 in one list so that the simulation can index arrays
(temperatures, occupancy) by container position; names are stable and human readable
(``FO-S01-A-03`` is tray 3 of hall A of station 1 in the Faroe Islands, ``SC-A07-R12``
ring 12 of sea area 7 in Scotland).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from aquagrowth.generator.profile import GEOGRAPHIES, HALL_NAMES, HALL_VOLUMES_M3, RING_VOLUME_M3


@dataclass(frozen=True)
class Layout:
    """Every container of the farm and where it is.

    ``station`` and ``hall`` are -1 for sea rings, ``sea_area`` is -1 for freshwater
    containers; station and sea area numbers count within the geography from 0.
    """

    stations_per_geography: int
    sea_areas_per_geography: int
    rings_per_area: int
    containers_per_hall: int
    names: tuple[str, ...]
    geography: np.ndarray
    station: np.ndarray
    hall: np.ndarray
    sea_area: np.ndarray
    index: dict[str, int]

    @property
    def size(self) -> int:
        return len(self.names)

    @property
    def is_sea(self) -> np.ndarray:
        return self.sea_area >= 0

    def hall_containers(self, geography: int, station: int, hall: int) -> list[int]:
        """Container positions of one hall, in name order."""
        mask = (self.geography == geography) & (self.station == station) & (self.hall == hall)
        return np.flatnonzero(mask).tolist()

    def area_rings(self, geography: int, area: int) -> list[int]:
        mask = (self.geography == geography) & (self.sea_area == area)
        return np.flatnonzero(mask).tolist()

    def kind(self, position: int) -> str:
        if self.sea_area[position] >= 0:
            return "pen"
        return "tray" if self.hall[position] == 0 else "tank"

    def volume_m3(self, position: int) -> float:
        if self.sea_area[position] >= 0:
            return RING_VOLUME_M3
        return HALL_VOLUMES_M3[self.hall[position]]


def station_name(geography: int, station: int) -> str:
    return f"{GEOGRAPHIES[geography]['code']} Station {station + 1:02d}"


def sea_area_name(geography: int, area: int) -> str:
    return f"{GEOGRAPHIES[geography]['code']} Sea Area {area + 1:02d}"


def build_layout(settings: dict[str, Any]) -> Layout:
    """The containers of a layout section (``stations_per_geography`` and so on)."""
    stations = int(settings["stations_per_geography"])
    areas = int(settings["sea_areas_per_geography"])
    rings = int(settings["rings_per_area"])
    per_hall = int(settings["containers_per_hall"])
    names: list[str] = []
    geo, sta, hall, area = [], [], [], []
    for g, geography in enumerate(GEOGRAPHIES):
        code = geography["code"]
        for s in range(stations):
            for h, hall_name in enumerate(HALL_NAMES):
                for c in range(per_hall):
                    names.append(f"{code}-S{s + 1:02d}-{hall_name}-{c + 1:02d}")
                    geo.append(g)
                    sta.append(s)
                    hall.append(h)
                    area.append(-1)
        for a in range(areas):
            for r in range(rings):
                names.append(f"{code}-A{a + 1:02d}-R{r + 1:02d}")
                geo.append(g)
                sta.append(-1)
                hall.append(-1)
                area.append(a)
    return Layout(
        stations_per_geography=stations,
        sea_areas_per_geography=areas,
        rings_per_area=rings,
        containers_per_hall=per_hall,
        names=tuple(names),
        geography=np.asarray(geo, dtype=np.int64),
        station=np.asarray(sta, dtype=np.int64),
        hall=np.asarray(hall, dtype=np.int64),
        sea_area=np.asarray(area, dtype=np.int64),
        index={name: i for i, name in enumerate(names)},
    )

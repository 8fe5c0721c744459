"""What a farm records day by day: feeding, mortality, weighings, transfers, harvests,
population counts and environmental readings (growth samples are in ``samples``). Events
have no natural key; each row is one event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import Q

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio import limits
from aquagrowth.farm.csvio.catalogue import Catalogue, Entry
from aquagrowth.farm.csvio.cells import Choice, Date, Integer, Number, Text, TimeOfDay, Timestamp
from aquagrowth.farm.csvio.format import Column, FileSpec
from aquagrowth.farm.csvio.kinds.base import Bad, Kind, Row, find, species_of, today
from aquagrowth.farm.models.environment import TEMPERATURE_CODE
from aquagrowth.farm.models.provenance import EXTERNAL_ID_MAX, SOURCE_MAX

FEED_DAYS_KEPT = 100_000
"""Container-days whose feed the check sums at once (a few MB)."""

READING_WINDOW_DAYS = 7
"""Readings this many days either side of a batch's stays go with the batch on export:
the engine interpolates temperature from measured days up to this far away. It is the
engine core's ``INTERPOLATION_REACH_DAYS``, which the farm may not import (the farm knows
nothing of the engine); ``tests/farm/test_reading_window.py`` holds the two equal."""


def _in_batches(queryset, batch_ids: set[int] | None):
    return queryset if batch_ids is None else queryset.filter(batch_id__in=batch_ids)


def stored_ids(catalogue: Catalogue, kind: str) -> dict:
    """Key -> id of every stored (or just loaded) record of ``kind`` in the catalogue."""
    return {key: entry.id for key, entry in catalogue.of(kind).items() if entry.id is not None}


def ids_of(ids: dict, keys) -> list[int]:
    return [ids[key] for key in keys]


_REQUIRED = object()


def ids_by_name(ids: dict, names: list[str], empty: Any = _REQUIRED) -> list:
    """The id of each name of a column (keys of one name), each distinct name looked up
    once; an empty name is ``empty`` when given (an optional reference)."""
    optional = empty is not _REQUIRED
    known = {name: empty if optional and not name else ids[(name,)] for name in set(names)}
    return list(map(known.__getitem__, names))


def assignment_columns(prefix: str = "", what: str = "the assignment") -> tuple[Column, ...]:
    return (
        Column(f"{prefix}container", Text(), f"Container of {what}."),
        Column(
            f"{prefix}assignment_date",
            Date(),
            f"Arrival day of {what} (with batch and container it names the assignment).",
        ),
    )


BATCH = Column("batch", Text(max_length=50), "Batch number.")

IDENTITY = (
    Column(
        "source",
        Text(required=False, max_length=SOURCE_MAX),
        "The system the event came from (docs/data-in.md), optional.",
    ),
    Column(
        "external_id",
        Text(required=False, max_length=EXTERNAL_ID_MAX),
        "The event's id in that system, unique within it; with source, the event's "
        "identity: sent again, it is unchanged or updated, never stored twice.",
    ),
)
"""The two columns every event file ends with (readings are keyed by sensor and time)."""


def find_assignment(row: Row, catalogue: Catalogue, bad: Bad, prefix: str = "") -> Entry | None:
    """The assignment the row names by batch, container and arrival day, or None (reported)."""
    container = row[f"{prefix}container"]
    batch = find(catalogue, "batches", (row["batch"],), "batch", "batch", bad)
    if not find(catalogue, "containers", (container,), f"{prefix}container", "container", bad):
        return None
    if batch is None:
        return None
    key = (row["batch"], container, row[f"{prefix}assignment_date"])
    entry = catalogue.get("assignments", key)
    if entry is None and not _held_bad(catalogue, key):
        bad(
            f"{prefix}assignment_date",
            f"batch {row['batch']} has no stay in {container} arriving on {key[2]}",
        )
    return entry


def _held_bad(catalogue: Catalogue, key) -> bool:
    """The stay was given on a row reported bad (its events are not judged again)."""
    if ("assignments", key) in catalogue.broken:
        return True
    return None in catalogue.broken_stays.get(key[:2], ())


def check_not_future(day: dt.date, column: str, bad: Bad) -> None:
    """What a farm records has happened: a day after today is a typing error."""
    if day > today():
        bad(column, f"{day} is in the future")


def check_in_stay(
    day: dt.date,
    column: str,
    stay: Entry | None,
    bad: Bad,
    whose: str = "",
    departure_day_too: bool = False,
) -> None:
    """An event of an assignment falls on one of its days (arrival .. departure - 1).

    ``departure_day_too``: fish may also leave on the departure day itself, the usual
    stage transition (moved at the start of the day the source stay ends).
    """
    if stay is None:
        return
    arrival, departure = stay.row["assignment_date"], stay.row["departure_date"]
    after_end = departure is not None and (
        day > departure if departure_day_too else day >= departure
    )
    if day < arrival or after_end:
        end = f"departure {departure}" if departure else "still there"
        bad(column, f"{day} is outside the days of the {whose}assignment ({arrival}, {end})")


class AssignmentEventKind(Kind):
    """An event of one assignment on one day; subclasses name the date column and values."""

    identified = True

    def stored_query(self):
        raise NotImplementedError

    def value_fields(self) -> tuple[str, ...]:
        return self.spec.column_names[4:]

    def stored(self, batch_ids, where=None):
        queryset = _in_batches(self.stored_query().order_by("pk"), batch_ids)
        if where is not None:
            queryset = queryset.filter(where)
        return queryset.values_list(
            "pk",
            "batch__number",
            "assignment__container__name",
            "assignment__assignment_date",
            self.date_column,
            *self.value_fields(),
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        stay = find_assignment(row, catalogue, bad)
        check_not_future(row[self.date_column], self.date_column, bad)
        check_in_stay(row[self.date_column], self.date_column, stay, bad)

    columnar = True

    def check_columns(self, block, catalogue: Catalogue) -> list[int]:
        """Rows naming a stay the catalogue lacks, a day after today or outside the stay,
        or a weight above the species' limit: the rows :meth:`check` may report."""
        batches, containers = catalogue.of("batches"), catalogue.of("containers")
        stays = catalogue.of("assignments")
        last = today()
        columns = block.columns
        weights = [columns[column] for column in self.weight_columns]
        highest_by_batch: dict[str, float] = {}
        flagged = []
        keys = zip(
            columns["batch"],
            columns["container"],
            columns["assignment_date"],
            columns[self.date_column],
            strict=True,
        )
        for i, (number, container, arrival, day) in enumerate(keys):
            stay = stays.get((number, container, arrival))
            if (
                stay is None
                or (number,) not in batches
                or (container,) not in containers
                or day > last
                or day < arrival
            ):
                flagged.append(i)
                continue
            departure = stay.row["departure_date"]
            if departure is not None and day >= departure:
                flagged.append(i)
                continue
            if weights:
                highest = highest_by_batch.get(number)
                if highest is None:
                    species = batches[(number,)].row["species"]
                    highest = highest_by_batch[number] = limits.max_fish_weight_g(species)
                if any(w[i] is not None and w[i] > highest for w in weights):
                    flagged.append(i)
        return flagged

    def load_columns(self, block, catalogue: Catalogue) -> dict[str, list]:
        columns = block.columns
        stays = zip(columns["batch"], columns["container"], columns["assignment_date"], strict=True)
        loaded = {
            "batch_id": ids_of(self._ids(catalogue, "batches"), ((b,) for b in columns["batch"])),
            "assignment_id": ids_of(self._ids(catalogue, "assignments"), stays),
        }
        for name in (self.date_column, *self.value_fields()):
            loaded[name] = columns[name]
        return loaded

    def _ids(self, catalogue: Catalogue, kind: str) -> dict:
        cache = self.__dict__.setdefault("_id_cache", {})
        if kind not in cache:
            cache[kind] = stored_ids(catalogue, kind)
        return cache[kind]

    def build(self, row: Row, catalogue: Catalogue):
        key = (row["batch"], row["container"], row["assignment_date"])
        values = {name: row[name] for name in (self.date_column, *self.value_fields())}
        return self.model(
            batch_id=catalogue.id_of("batches", (row["batch"],)),
            assignment_id=catalogue.id_of("assignments", key),
            **values,
        )

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["batch"], row[self.date_column]


class MortalityKind(AssignmentEventKind):
    spec = FileSpec(
        "mortality",
        (
            BATCH,
            *assignment_columns(),
            Column("event_date", Date(), "Day the fish died."),
            Column("count", Integer(unit="fish"), "Dead fish."),
            Column("cause", Text(required=False, max_length=50), "Cause, if known."),
            *IDENTITY,
        ),
    )
    model = m.MortalityEvent
    date_column = "event_date"

    def stored_query(self):
        return m.MortalityEvent.objects


class WeighingKind(AssignmentEventKind):
    spec = FileSpec(
        "weighings",
        (
            BATCH,
            *assignment_columns(),
            Column("weighing_date", Date(), "Day of the weighing."),
            Column("reason", Text(required=False, max_length=50), "e.g. delousing."),
            Column("fish_weighed", Integer(minimum=1, unit="fish"), "Fish weighed."),
            Column("avg_weight_g", Number(above=0, unit="g"), "Mean weight of the fish weighed."),
            *IDENTITY,
        ),
    )
    model = m.Weighing
    date_column = "weighing_date"
    weight_columns = ("avg_weight_g",)

    def stored_query(self):
        return m.Weighing.objects


class HarvestKind(AssignmentEventKind):
    spec = FileSpec(
        "harvests",
        (
            BATCH,
            *assignment_columns(),
            Column("harvest_date", Date(), "Day of the harvest."),
            Column("count", Integer(unit="fish"), "Fish harvested."),
            Column("live_weight_kg", Number(at_least=0, unit="kg"), "Their live weight in total."),
            *IDENTITY,
        ),
    )
    model = m.Harvest
    date_column = "harvest_date"

    def check_columns(self, block, catalogue: Catalogue) -> list[int]:
        return list(range(len(block)))  # few rows; its own range check per row

    def check_ranges(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        species = species_of(catalogue, row["batch"])
        if species is None:
            return
        highest = row["count"] * limits.max_fish_weight_g(species) / 1000
        if row["live_weight_kg"] > highest:
            bad(
                "live_weight_kg",
                f"{row['live_weight_kg']:g} kg is more than {row['count']} fish of {species} "
                f"weigh ({highest:g} kg at most)",
            )

    def stored_query(self):
        return m.Harvest.objects


class PopulationCountKind(AssignmentEventKind):
    """The fish of a stay counted at the end of a day, by a method with its precision.

    Two counts of one stay on one day are accepted: the engine reports them (it names
    the records), as the table does not refuse them either.
    """

    spec = FileSpec(
        "population_counts",
        (
            BATCH,
            *assignment_columns(),
            Column("count_date", Date(), "Day counted; the count is of the fish at its end."),
            Column("count", Integer(unit="fish"), "Fish counted."),
            Column(
                "method",
                Choice(choices=tuple(m.CountMethod.values)),
                "stocking, counter, treatment, harvest or estimate: how the fish were "
                "counted (docs/engine.md gives each method's precision).",
            ),
            Column(
                "precision_pct",
                Number(required=False, at_least=0, at_most=100, unit="%"),
                "One standard deviation of the count, in % of it (0: exact); empty: the "
                "method's default.",
            ),
            Column("note", Text(required=False, max_length=200), "Free text, optional."),
            *IDENTITY,
        ),
    )
    model = m.PopulationCount
    date_column = "count_date"

    def stored_query(self):
        return m.PopulationCount.objects


class FeedingKind(Kind):
    spec = FileSpec(
        "feeding",
        (
            BATCH,
            Column("container", Text(), "Container fed."),
            Column("feeding_date", Date(), "Day of the feeding."),
            Column("feeding_time", TimeOfDay(required=False), "Time of day (UTC), optional."),
            Column("amount_kg", Number(at_least=0, unit="kg"), "Feed given."),
            Column("feed_type", Text(required=False, max_length=50), "Feed product."),
            *IDENTITY,
        ),
    )
    model = m.FeedingEvent
    identified = True
    date_column = "feeding_date"

    columnar = True

    def __init__(self) -> None:
        self._day_totals: dict[tuple[str, dt.date], float] = {}
        self._block_totals: dict[int, float] = {}
        self._id_cache: dict[str, dict] = {}

    def stored(self, batch_ids, where=None):
        queryset = _in_batches(m.FeedingEvent.objects.order_by("pk"), batch_ids)
        if where is not None:
            queryset = queryset.filter(where)
        return queryset.values_list(
            "pk",
            "batch__number",
            "container__name",
            "feeding_date",
            "feeding_time",
            "amount_kg",
            "feed_type",
            "source",
            "external_id",
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        self._check(row, catalogue, bad, None)

    def check_flagged(self, index: int, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        """:meth:`check` of a row :meth:`check_columns` flagged, whose day total it summed."""
        self._check(row, catalogue, bad, self._block_totals.get(index))
        self.check_ranges(row, catalogue, bad)

    def check_columns(self, block, catalogue: Catalogue) -> list[int]:
        """Rows of an unknown batch or container, a day after today, a day total above
        the container's bound or a day the batch is not in the container; every row's
        feed is added to its container's day (as :meth:`check` adds it)."""
        batches, containers = catalogue.of("batches"), catalogue.of("containers")
        last = today()
        columns = block.columns
        totals = self._day_totals
        highest_of: dict[str, float] = {}
        covered: dict[tuple, bool] = {}
        flagged = []
        self._block_totals = {}
        rows = zip(
            columns["batch"],
            columns["container"],
            columns["feeding_date"],
            columns["amount_kg"],
            strict=True,
        )
        for i, (number, name, day, kg) in enumerate(rows):
            container = containers.get((name,))
            wrong = container is None or (number,) not in batches or day > last
            if container is not None:
                key = (name, day)
                total = totals.pop(key, 0.0) + kg
                totals[key] = total
                if len(totals) > FEED_DAYS_KEPT:
                    del totals[next(iter(totals))]
                highest = highest_of.get(name)
                if highest is None:
                    highest = highest_of[name] = limits.max_feed_kg(container.row["volume_m3"])
                if total > highest:
                    wrong = True
                self._block_totals[i] = total
            if not wrong:
                place = (number, name, day)
                inside = covered.get(place)
                if inside is None:
                    stays = catalogue.stays_of(number, name)
                    inside = covered[place] = any(stay.covers(day) for stay in stays)
                wrong = not inside
            if wrong:
                flagged.append(i)
        return flagged

    def load_columns(self, block, catalogue: Catalogue) -> dict[str, list]:
        columns = block.columns
        if not self._id_cache:
            self._id_cache = {k: stored_ids(catalogue, k) for k in ("batches", "containers")}
        batches, containers = self._id_cache["batches"], self._id_cache["containers"]
        return {
            "batch_id": ids_of(batches, ((b,) for b in columns["batch"])),
            "container_id": ids_of(containers, ((c,) for c in columns["container"])),
            **{
                name: columns[name]
                for name in (
                    "feeding_date",
                    "feeding_time",
                    "amount_kg",
                    "feed_type",
                    "source",
                    "external_id",
                )
            },
        }

    def _check(self, row: Row, catalogue: Catalogue, bad: Bad, total: float | None) -> None:
        batch = find(catalogue, "batches", (row["batch"],), "batch", "batch", bad)
        container = find(
            catalogue, "containers", (row["container"],), "container", "container", bad
        )
        day = row["feeding_date"]
        check_not_future(day, "feeding_date", bad)
        if container:
            self._check_day_total(row, container.row["volume_m3"], bad, total)
        if batch and container:
            stays = catalogue.stays_of(row["batch"], row["container"])
            held = catalogue.held_bad(row["batch"], row["container"], day)
            if not held and not any(stay.covers(day) for stay in stays):
                bad("feeding_date", f"batch {row['batch']} is not in {row['container']} on {day}")

    def _check_day_total(
        self, row: Row, volume: float, bad: Bad, total: float | None = None
    ) -> None:
        """A container's feed of one day, summed over the rows given for that day, stays
        below what it can take (``limits.max_feed_kg``); the row that crosses the bound
        is reported. The sums are kept for the most recent ``FEED_DAYS_KEPT``
        container-days, so memory stays bounded in a file of millions of rows (exports
        and feed systems write a container's day together)."""
        if total is None:  # else summed already, by check_columns
            key = (row["container"], row["feeding_date"])
            total = self._day_totals.pop(key, 0.0) + row["amount_kg"]
            self._day_totals[key] = total  # re-inserted: the most recent at the end
            if len(self._day_totals) > FEED_DAYS_KEPT:
                del self._day_totals[next(iter(self._day_totals))]
        highest = limits.max_feed_kg(volume)
        if total > highest:
            given = f"{row['amount_kg']:g} kg"
            if total != row["amount_kg"]:
                given += f" makes {total:g} kg on {row['feeding_date']}, which"
            bad(
                "amount_kg",
                f"{given} is more than {row['container']} ({volume:g} m3) "
                f"can take in a day ({highest:g} kg at most: volume x "
                "AQUAGROWTH_MAX_DENSITY_KG_M3 x AQUAGROWTH_MAX_FEED_RATION_PCT)",
            )

    def build(self, row: Row, catalogue: Catalogue) -> m.FeedingEvent:
        return m.FeedingEvent(
            batch_id=catalogue.id_of("batches", (row["batch"],)),
            container_id=catalogue.id_of("containers", (row["container"],)),
            feeding_date=row["feeding_date"],
            feeding_time=row["feeding_time"],
            amount_kg=row["amount_kg"],
            feed_type=row["feed_type"],
            source=row["source"],
            external_id=row["external_id"],
        )

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["batch"], row["feeding_date"]


class TransferKind(Kind):
    spec = FileSpec(
        "transfers",
        (
            BATCH,
            *assignment_columns("source_", "the assignment the fish leave"),
            *assignment_columns("dest_", "the assignment the fish enter"),
            Column("execution_date", Date(), "Day of the move (at the start of the day)."),
            Column("transferred_count", Integer(unit="fish"), "Fish moved."),
            Column(
                "measured_avg_weight_g",
                Number(required=False, above=0, unit="g"),
                "Mean weight of the fish moved, when weighed.",
            ),
            Column(
                "selection_method",
                Choice(
                    required=False,
                    empty=m.SelectionMethod.AVERAGE,
                    choices=tuple(m.SelectionMethod.values),
                ),
                "AVERAGE (default), LARGEST or SMALLEST: which fish were moved.",
            ),
            Column(
                "status",
                Choice(
                    required=False,
                    empty=m.TransferStatus.COMPLETED,
                    choices=tuple(m.TransferStatus.values),
                ),
                "PLANNED, IN_PROGRESS, COMPLETED (default) or CANCELLED.",
            ),
            *IDENTITY,
        ),
    )
    model = m.TransferAction
    weight_columns = ("measured_avg_weight_g",)
    identified = True
    date_column = "execution_date"

    def stored(self, batch_ids, where=None):
        queryset = _in_batches(m.TransferAction.objects.order_by("pk"), batch_ids)
        if where is not None:
            queryset = queryset.filter(where)
        return queryset.values_list(
            "pk",
            "batch__number",
            "source_assignment__container__name",
            "source_assignment__assignment_date",
            "dest_assignment__container__name",
            "dest_assignment__assignment_date",
            "execution_date",
            "transferred_count",
            "measured_avg_weight_g",
            "selection_method",
            "status",
            "source",
            "external_id",
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        source = find_assignment(row, catalogue, bad, "source_")
        dest = find_assignment(row, catalogue, bad, "dest_")
        if source is not None and source is dest:
            bad("dest_container", "the destination is the source itself")
            return
        if row["status"] in (m.TransferStatus.PLANNED, m.TransferStatus.CANCELLED):
            return  # a plan may lie ahead and need not fit the stays yet
        day = row["execution_date"]
        check_not_future(day, "execution_date", bad)
        check_in_stay(day, "execution_date", source, bad, "source ", departure_day_too=True)
        check_in_stay(day, "execution_date", dest, bad, "destination ")

    def build(self, row: Row, catalogue: Catalogue) -> m.TransferAction:
        batch = row["batch"]
        source = (batch, row["source_container"], row["source_assignment_date"])
        dest = (batch, row["dest_container"], row["dest_assignment_date"])
        return m.TransferAction(
            batch_id=catalogue.id_of("batches", (batch,)),
            source_assignment_id=catalogue.id_of("assignments", source),
            dest_assignment_id=catalogue.id_of("assignments", dest),
            execution_date=row["execution_date"],
            transferred_count=row["transferred_count"],
            measured_avg_weight_g=row["measured_avg_weight_g"],
            selection_method=row["selection_method"],
            status=row["status"],
            source=row["source"],
            external_id=row["external_id"],
        )

    def touched(self, row: Row, catalogue: Catalogue) -> tuple[str, dt.date]:
        return row["batch"], row["execution_date"]


class ReadingKind(Kind):
    spec = FileSpec(
        "readings",
        (
            Column("container", Text(), "Container measured."),
            Column("parameter", Text(max_length=32), "Parameter code, e.g. temperature."),
            Column("reading_time", Timestamp(), "When (UTC), e.g. 2024-03-31T06:00:00Z."),
            Column(
                "value",
                Number(),
                "The reading, in the parameter's unit; kept as read "
                "(sensor faults are the engine's to recognise).",
            ),
            Column(
                "sensor", Text(required=False, max_length=64), "Serial of the sensor, optional."
            ),
        ),
    )
    model = m.EnvironmentalReading
    date_column = "reading_time"
    columnar = True

    def __init__(self) -> None:
        self._id_cache: dict[str, dict] = {}

    def check_columns(self, block, catalogue: Catalogue) -> list[int]:
        """Rows of an unknown container, parameter or sensor (or a sensor elsewhere), a
        time after today or a value outside its parameter's range."""
        containers, parameters = catalogue.of("containers"), catalogue.of("parameters")
        sensors = catalogue.of("sensors")
        end = _utc_midnight(today() + dt.timedelta(days=1))
        low, high = limits.setting("AQUAGROWTH_READING_TEMPERATURE_C")
        highest = float(limits.setting("AQUAGROWTH_MAX_READING_ABS"))
        columns = block.columns
        flagged: set[int] = set()
        # A block names a few containers, parameters and sensors: each combination is
        # judged once, and rows are visited only for a combination found wrong.
        places = list(
            zip(columns["container"], columns["parameter"], columns["sensor"], strict=True)
        )
        wrong = set()
        for container, parameter, sensor in set(places):
            if (container,) not in containers or (parameter,) not in parameters:
                wrong.add((container, parameter, sensor))
            elif sensor:
                entry = sensors.get((sensor,))
                if entry is None or (entry.row["container"], entry.row["parameter"]) != (
                    container,
                    parameter,
                ):
                    wrong.add((container, parameter, sensor))
        if wrong:
            flagged.update(i for i, place in enumerate(places) if place in wrong)
        moments = columns["reading_time"]
        if moments and max(moments) >= end:
            flagged.update(i for i, moment in enumerate(moments) if moment >= end)
        values = np.asarray(columns["value"], dtype=np.float64)
        temperature = np.asarray(columns["parameter"], dtype=object) == TEMPERATURE_CODE
        with np.errstate(invalid="ignore"):
            # NaN fails both comparisons, as it fails them one row at a time.
            fits = np.where(
                temperature, (values >= low) & (values <= high), np.abs(values) <= highest
            )
        flagged.update(np.flatnonzero(~fits).tolist())
        return sorted(flagged)

    def load_columns(self, block, catalogue: Catalogue) -> dict[str, list]:
        columns = block.columns
        if not self._id_cache:
            self._id_cache = {
                k: stored_ids(catalogue, k) for k in ("containers", "parameters", "sensors")
            }
        ids = self._id_cache
        return {
            "container_id": ids_by_name(ids["containers"], columns["container"]),
            "parameter_id": ids_by_name(ids["parameters"], columns["parameter"]),
            "sensor_id": ids_by_name(ids["sensors"], columns["sensor"], empty=None),
            "reading_time": columns["reading_time"],
            "value": columns["value"],
        }

    def touched_columns(self, block) -> dict[str, dt.date]:
        """The first day of ``block`` per container (readings touch containers)."""
        first: dict[str, dt.datetime] = {}
        for container, moment in zip(
            block.columns["container"], block.columns["reading_time"], strict=True
        ):
            if container not in first or moment < first[container]:
                first[container] = moment
        return {container: moment.date() for container, moment in first.items()}

    def stored(self, batch_ids, where=None):
        queryset = m.EnvironmentalReading.objects.order_by("pk")
        if batch_ids is not None:
            queryset = queryset.filter(_readings_near_stays(batch_ids))
        if where is not None:
            queryset = queryset.filter(where)
        return queryset.values_list(
            "pk", "container__name", "parameter__code", "reading_time", "value", "sensor__serial"
        )

    def check(self, row: Row, catalogue: Catalogue, bad: Bad) -> None:
        find(catalogue, "containers", (row["container"],), "container", "container", bad)
        find(catalogue, "parameters", (row["parameter"],), "parameter", "parameter", bad)
        check_not_future(row["reading_time"].date(), "reading_time", bad)
        check_reading_value(row["parameter"], row["value"], bad)
        if row["sensor"]:
            sensor = find(catalogue, "sensors", (row["sensor"],), "sensor", "sensor", bad)
            if sensor and (sensor.row["container"], sensor.row["parameter"]) != (
                row["container"],
                row["parameter"],
            ):
                bad(
                    "sensor",
                    f"sensor {row['sensor']} measures {sensor.row['parameter']} in "
                    f"{sensor.row['container']}",
                )

    def build(self, row: Row, catalogue: Catalogue) -> m.EnvironmentalReading:
        sensor = row["sensor"]
        return m.EnvironmentalReading(
            container_id=catalogue.id_of("containers", (row["container"],)),
            parameter_id=catalogue.id_of("parameters", (row["parameter"],)),
            sensor_id=catalogue.id_of("sensors", (sensor,)) if sensor else None,
            reading_time=row["reading_time"],
            value=row["value"],
        )

    def touched_container(self, row: Row) -> tuple[str, dt.date]:
        return row["container"], row["reading_time"].date()


def check_reading_value(parameter: str, value: float, bad: Bad) -> None:
    """A water temperature within ``AQUAGROWTH_READING_TEMPERATURE_C`` (wider than the
    engine's valid range, so sensor faults still reach it); any other reading's size
    below ``AQUAGROWTH_MAX_READING_ABS``."""
    if parameter == TEMPERATURE_CODE:
        low, high = limits.setting("AQUAGROWTH_READING_TEMPERATURE_C")
        if not low <= value <= high:
            bad("value", f"{value:g} degC is not a water temperature ({low:g} .. {high:g})")
    else:
        highest = float(limits.setting("AQUAGROWTH_MAX_READING_ABS"))
        if abs(value) > highest:
            bad("value", f"{value:g} is beyond any plausible reading ({highest:g} at most)")


def _readings_near_stays(batch_ids: set[int]) -> Q:
    """Readings of the containers the batches were in, during their stays and a window
    either side, so the exported batch's temperatures are the ones the engine used."""
    window = dt.timedelta(days=READING_WINDOW_DAYS)
    condition = Q(pk__in=[])
    stays = m.Assignment.objects.filter(batch_id__in=batch_ids).values_list(
        "container_id", "assignment_date", "departure_date"
    )
    for container_id, arrival, departure in stays:
        near = Q(container_id=container_id, reading_time__gte=_utc_midnight(arrival - window))
        if departure is not None:
            near &= Q(reading_time__lt=_utc_midnight(departure + window))
        condition |= near
    return condition


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)

"""The import by columns (blocks of rows, COPY) stores exactly what the per-row import
stores for the same files, and reports exactly the same findings for bad rows.

Each example writes event files of random rows, good and bad (cells that do not parse,
unknown batches and containers, days outside the stays or after today, values out of
range, repeated identities the database refuses, rows of the wrong width), imports them
once by each path inside a savepoint that is rolled back, and compares the findings, the
counts and every stored value. Half the examples first empty the event tables: a farm's
first import, where the fast path drops and rebuilds the tables' indexes.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.importing import ImportOptions, import_farm
from tests.farm.conftest import farm_content

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

BATCHES = st.sampled_from(["FO-2024-01", "FO-2024-01", "FO-2024-01", "NOPE"])
CONTAINERS = st.sampled_from(["S01-B-01", "S01-B-01", "S01-A-01", "VM-01", "X-99"])
DAYS = st.sampled_from(["2024-04-02", "2024-04-03", "2024-03-01", "2023-12-31", TOMORROW, "x"])
AMOUNTS = st.sampled_from(["1.5", "2", " 3.25 ", "-1", "abc", "1e308", "", "nan", "4000", "0"])
TEXTS = st.sampled_from(["", "Fry 0.5 mm", "=cmd", "x" * 60, "a\x00b", "tab\there"])
SOURCES = st.sampled_from(["", "", "feeder"])
EXTERNAL_IDS = st.sampled_from(["", "", "1", "2", "3"])


def feeding_rows():
    row = st.tuples(BATCHES, CONTAINERS, DAYS, st.sampled_from(["", "08:00", "25:00"]))
    row = st.tuples(row, AMOUNTS, TEXTS, SOURCES, EXTERNAL_IDS).map(lambda r: [*r[0], *r[1:]])
    return st.lists(_maybe_short(row), max_size=40)


def mortality_rows():
    arrivals = st.sampled_from(["2024-03-31", "2024-03-31", "2024-01-01", "2024-02-02"])
    counts = st.sampled_from(["3", "1", "-1", "99999999999", "x", "", "0"])
    row = st.tuples(BATCHES, CONTAINERS, arrivals, DAYS, counts, TEXTS, SOURCES, EXTERNAL_IDS)
    return st.lists(_maybe_short(row.map(list)), max_size=40)


def reading_rows():
    times = st.sampled_from(
        [
            "2024-04-02T06:00:00Z",
            "2024-04-02T07:00:00Z",
            "2024-04-02T06:00:00+02:00",
            "2024-04-02 25:00",
            "9999-12-31T23:00:00-05:00",
            f"{TOMORROW}T01:00:00Z",
        ]
    )
    values = st.sampled_from(["8.1", "7", "200", "abc", "-3", "1e10", ""])
    parameters = st.sampled_from(["temperature", "temperature", "oxygen", "salinity"])
    sensors = st.sampled_from(["", "", "T-A01", "O-B01", "nope"])
    row = st.tuples(CONTAINERS, parameters, times, values, sensors)
    return st.lists(_maybe_short(row.map(list)), max_size=40)


def _maybe_short(rows):
    """Now and then a row with its last cell missing (the wrong width)."""
    return st.tuples(rows, st.integers(0, 19)).map(lambda p: p[0][:-1] if p[1] == 0 else p[0])


HEADERS = {
    "feeding": [
        "batch",
        "container",
        "feeding_date",
        "feeding_time",
        "amount_kg",
        "feed_type",
        "source",
        "external_id",
    ],
    "mortality": [
        "batch",
        "container",
        "assignment_date",
        "event_date",
        "count",
        "cause",
        "source",
        "external_id",
    ],
    "readings": ["container", "parameter", "reading_time", "value", "sensor"],
}


def write(files: dict[str, list[list[str]]]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="blocks-"))
    for name, rows in files.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(HEADERS[name])
            writer.writerows(rows)
    return folder


def stored_events() -> dict[str, list[tuple]]:
    """The event tables with what ``farm_content`` leaves out: identity and run."""
    return {
        model.__name__: sorted(
            (source, external_id, run is None)
            for source, external_id, run in model.objects.values_list(
                "source", "external_id", "import_run"
            )
        )
        for model in (m.FeedingEvent, m.MortalityEvent)
    } | {
        "readings": sorted(
            (*values, run is None)
            for *values, run in m.EnvironmentalReading.objects.values_list(
                "container__name", "reading_time", "value", "sensor__serial", "import_run"
            )
        )
    }


class _RolledBack(Exception):
    def __init__(self, outcome) -> None:
        self.outcome = outcome


def imported(folder: Path, by_columns: bool, empty_first: bool):
    """Findings, counts and the stored farm of one import, then rolled back."""
    try:
        with transaction.atomic():
            if empty_first:
                for model in (m.FeedingEvent, m.MortalityEvent, m.EnvironmentalReading):
                    model.objects.all().delete()
            result = import_farm(
                folder, options=ImportOptions(by_columns=by_columns, origin=str(folder))
            )
            raise _RolledBack(
                (
                    [str(error) for error in result.errors],
                    result.errors.total,
                    result.stored,
                    result.already_stored,
                    result.recompute_since,
                    farm_content(),
                    stored_events(),
                )
            )
    except _RolledBack as rolled_back:
        return rolled_back.outcome


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    feeding=feeding_rows(),
    mortality=mortality_rows(),
    readings=reading_rows(),
    empty_first=st.booleans(),
)
def test_by_columns_stores_and_reports_what_the_per_row_import_does(
    farm, feeding, mortality, readings, empty_first
):
    folder = write({"feeding": feeding, "mortality": mortality, "readings": readings})

    per_row = imported(folder, by_columns=False, empty_first=empty_first)
    by_columns = imported(folder, by_columns=True, empty_first=empty_first)

    findings, total, *stored = per_row
    fast_findings, fast_total, *fast_stored = by_columns
    assert fast_total == total
    assert sorted(fast_findings) == sorted(findings)
    assert fast_stored == stored


def test_a_file_of_several_blocks_stores_every_row_as_the_per_row_import(farm, tmp_path):
    """10,000 readings (three blocks of rows) into an empty table: the same rows stored
    by both paths, every one."""
    start = dt.datetime(2024, 4, 2, tzinfo=dt.UTC)
    rows = [
        ["S01-B-01", "temperature", (start + dt.timedelta(minutes=i)).isoformat(), str(i % 20)]
        for i in range(10_000)
    ]
    folder = tmp_path / "many"
    folder.mkdir()
    with (folder / "readings.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["container", "parameter", "reading_time", "value"])
        writer.writerows(rows)

    per_row = imported(folder, by_columns=False, empty_first=True)
    by_columns = imported(folder, by_columns=True, empty_first=True)

    assert by_columns == per_row
    assert per_row[2]["readings"] == 10_000

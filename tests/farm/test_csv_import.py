"""Importing into a farm that already holds data adds to it, and refuses conflicts."""

from __future__ import annotations

import datetime as dt

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio import import_farm
from aquagrowth.farm.csvio.importing import CHUNK_ROWS
from tests.farm.conftest import farm_content, table_counts, write_csv

UTC = dt.UTC


def test_new_records_are_added_and_the_batches_to_recompute_named(farm, tmp_path):
    before = farm_content()
    folder = write_csv(
        tmp_path / "more",
        {
            # Identical to the stored species: accepted, not stored twice.
            "species": "name,scientific_name\nAtlantic salmon,Salmo salar\n",
            "batches": "number,species,start_date\nFO-2025-01,Atlantic salmon,2025-01-01\n",
            "assignments": (
                "batch,container,assignment_date,stage,population_count,avg_weight_g\n"
                "FO-2025-01,S01-A-01,2025-01-01,Egg&Alevin,250000,0.11\n"
            ),
            "mortality": (
                "batch,container,assignment_date,event_date,count\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-04-10,12\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-05-01,3\n"
            ),
            "readings": (
                "container,parameter,reading_time,value\n"
                "VM-01,temperature,2024-03-10T07:00:00+01:00,7.5\n"
                "S01-B-01,temperature,2024-05-20 12:00,11.0\n"
            ),
        },
    )

    result = import_farm(folder)

    assert result.ok, [str(error) for error in result.errors]
    assert result.stored["mortality"] == 2 and result.stored["readings"] == 2
    assert result.already_stored["species"] == 1 and m.Species.objects.count() == 1
    after = farm_content()
    for table, rows in before.items():
        assert set(rows) <= set(after[table]), f"{table} lost rows"
    new_egg_input = m.Assignment.objects.get(batch__number="FO-2025-01")
    assert (new_egg_input.population_count, new_egg_input.avg_weight_g) == (250_000, 0.11)
    # Timestamps are UTC: an offset is converted, a timestamp without one is taken as UTC.
    times = set(m.EnvironmentalReading.objects.values_list("reading_time", flat=True))
    assert dt.datetime(2024, 3, 10, 6, tzinfo=UTC) in times
    assert dt.datetime(2024, 5, 20, 12, tzinfo=UTC) in times

    by_number = {result.batch_numbers[pk]: day for pk, day in result.recompute_since.items()}
    assert by_number == {
        # earliest new mortality (the tank's reading a week before 20 May is later)
        "FO-2024-01": dt.date(2024, 4, 10),
        # the pen's reading can change temperatures interpolated up to a week before it
        "FO-2023-07": dt.date(2024, 3, 3),
        # a new batch is computed from its start
        "FO-2025-01": dt.date(2025, 1, 1),
    }


def test_rows_that_conflict_with_stored_data_are_refused_and_nothing_stored(farm, tmp_path):
    counts, content = table_counts(), farm_content()
    folder = write_csv(
        tmp_path / "conflicts",
        {
            "stages": (
                "species,name,order,min_weight_g,max_weight_g\nAtlantic salmon,Grilse,4,1000,3000\n"
            ),
            "containers": (
                "name,kind,volume_m3,geography,station,hall\n"
                "S01-A-01,tray,12,Faroe Islands,S01,A\n"
                "S01-A-09,tray,10,Faroe Islands,S01,A\n"
            ),
            "batches": "number,species,start_date\nFO-2024-01,Atlantic salmon,2024-01-01\n",
            "assignments": (
                "batch,container,assignment_date,stage\n"
                "FO-2024-01,S01-A-01,2024-03-01,Fry\n"
                "FO-2024-01,S01-A-02,2024-01-01,Egg&Alevin\n"
                "FO-2024-01,S01-A-09,2024-01-01,Egg&Alevin\n"
            ),
            "scenarios": "batch,name,harvest_weight_g,pinned\nFO-2024-01,Cold,4500,yes\n",
        },
    )

    result = import_farm(folder)

    assert sorted((e.file, e.line, e.column) for e in result.errors) == [
        ("assignments.csv", 2, "assignment_date"),
        ("assignments.csv", 3, "departure_date"),
        ("batches.csv", 2, "geography"),
        ("containers.csv", 2, "volume_m3"),
        ("scenarios.csv", 2, "pinned"),
        ("stages.csv", 2, "order"),
    ]
    reasons = {(e.file, e.line): e.reason for e in result.errors}
    assert "the stay from 2024-01-01 (until 2024-04-01, stored)" in reasons["assignments.csv", 2]
    assert "already stored with departure_date '2024-04-01'" in reasons["assignments.csv", 3]
    assert "already stored with volume_m3 '10.0'" in reasons["containers.csv", 2]
    assert "already has a pinned scenario (a stored scenario)" in reasons["scenarios.csv", 2]
    assert table_counts() == counts
    assert farm_content() == content


def test_a_large_file_is_streamed_in_chunks_and_a_bad_row_deep_inside_is_found(farm, tmp_path):
    rows = 2 * CHUNK_ROWS + 123
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)

    def readings(bad_line: int | None) -> str:
        lines = ["container,parameter,reading_time,value"]
        for line in range(2, rows + 2):
            moment = (start + dt.timedelta(minutes=10 * line)).isoformat()
            value = "n/a" if line == bad_line else f"{8 + line % 50 / 10}"
            lines.append(f"S01-A-01,temperature,{moment},{value}")
        return "\n".join(lines) + "\n"

    result = import_farm(write_csv(tmp_path / "bad", {"readings": readings(bad_line=9001)}))
    assert [str(error) for error in result.errors] == [
        "readings.csv:9001:value: 'n/a' is not a number"
    ]
    assert m.EnvironmentalReading.objects.count() == 4

    result = import_farm(write_csv(tmp_path / "good", {"readings": readings(bad_line=None)}))
    assert result.ok
    assert result.stored["readings"] == rows
    assert m.EnvironmentalReading.objects.filter(container__name="S01-A-01").count() == rows + 1


def test_imported_counts_name_their_batches_to_recompute_from_the_earliest_count(farm, tmp_path):
    folder = write_csv(
        tmp_path / "counts",
        {
            "population_counts": (
                "batch,container,assignment_date,count_date,count,method,precision_pct\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-05-12,185400,treatment,\n"
                "FO-2024-01,S01-A-02,2024-01-01,2024-02-20,89500,estimate,4\n"
                "FO-2023-07,VM-01,2024-02-01,2024-05-30,4910,counter,0.5\n"
                # Two counts of one stay on one day are stored: the engine reports them.
                "FO-2023-07,VM-01,2024-02-01,2024-05-30,4920,counter,0.5\n"
            )
        },
    )

    result = import_farm(folder)

    assert result.ok, [str(error) for error in result.errors]
    assert result.stored["population_counts"] == 4
    by_number = {result.batch_numbers[pk]: day for pk, day in result.recompute_since.items()}
    assert by_number == {"FO-2024-01": dt.date(2024, 2, 20), "FO-2023-07": dt.date(2024, 5, 30)}
    stored = m.PopulationCount.objects.filter(assignment__container__name="S01-A-02").get()
    assert (stored.count, stored.method, stored.precision_pct, stored.note) == (
        89_500,
        m.CountMethod.ESTIMATE,
        4.0,
        "",
    )
    assert m.PopulationCount.objects.filter(count_date=dt.date(2024, 5, 30)).count() == 2


def test_a_pin_set_by_the_import_is_recorded_like_a_managers_and_once(farm, tmp_path):
    batch = m.Batch.objects.get(number="FO-2024-01")
    stored_plan = batch.pinned_scenario
    m.Batch.objects.filter(pk=batch.pk).update(pinned_scenario=None)
    folder = write_csv(
        tmp_path / "pin",
        {"scenarios": "batch,name,harvest_weight_g,pinned\nFO-2024-01,Cold,4500,yes\n"},
    )

    assert not import_farm(folder).errors
    assert not import_farm(folder).errors  # sent again: the pin is the same, no record

    batch.refresh_from_db()
    assert batch.pinned_scenario.name == "Cold"
    changes = list(m.ScenarioPinChange.objects.filter(batch=batch))
    assert [(c.before_id, c.after_name, c.who_name) for c in changes] == [
        (None, "Cold", "CSV import")
    ]
    assert stored_plan is not None and stored_plan.name != "Cold"

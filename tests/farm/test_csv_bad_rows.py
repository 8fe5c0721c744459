"""Bad rows are each reported as file:line:column: reason, and then nothing is stored."""

from __future__ import annotations

import datetime as dt

from aquagrowth.farm.csvio import import_farm
from tests.farm.conftest import farm_content, table_counts, write_csv

BAD_FARM = {
    "containers": """
name,kind,volume_m3,geography,station,hall,sea_area
S01-C-01,tank,500,Faroe Islands,S01,B,
S01-C-02,tank,-5,Faroe Islands,S01,B,
S01-C-03,bucket,5,Faroe Islands,S01,B,
S01-C-04,tank,5,Faroe Islands,S01,B,Vestmanna
""",
    "batches": """
number,species,start_date
FO-2025-01,Atlantic salmon,2025-01-01
FO-2025-02,Atlantic cod,2025-01-01
FO-2025-01,Atlantic salmon,2025-01-02
""",
    "assignments": """
batch,container,assignment_date,departure_date,stage,population_count,avg_weight_g
FO-2025-01,S01-C-01,2025-01-01,2025-03-01,Fry,1000,0.3
FO-2025-01,S01-C-01,2025-02-01,,Fry,0,
FO-2025-01,S01-C-01,2025-05-01,2025-04-01,Fry,0,
FO-2025-01,NOPE,2025-01-01,,Fry,0,
FO-2025-01,S01-A-01,2025-01-01,,Smolt,-3,
""",
    "mortality": """
batch,container,assignment_date,event_date,count,cause
FO-2025-01,S01-C-01,2025-01-01,2025-01-05,3,
FO-2025-01,S01-C-01,2025-01-01,2025-03-01,2,
FO-2025-01,S01-C-01,2025-01-01,2025-01-06,-1,
FO-2025-01,S01-C-01,2025-01-09,2025-01-10,1,
""",
    "samples": """
batch,container,assignment_date,sample_date,sample_size,weight
FO-2025-01,S01-C-01,2025-01-01,2025-01-08,30,0.4
""",
    "readings": """
container,parameter,reading_time,value
S01-C-01,temperature,2025-01-01T06:00:00Z,abc
S01-C-01,salinity,2025-01-01T06:00:00Z,34
S01-C-01,temperature,2025-01-01 25:00,8
S01-C-01,temperature,2025-01-01T07:00:00Z,8.1
""",
    "mortalities": "batch\n",
}

EXPECTED = {
    ("containers.csv", 3, "volume_m3", "greater than 0"),
    ("containers.csv", 4, "kind", "not one of tray, tank, pen"),
    ("containers.csv", 5, "sea_area", "either station and hall, or sea_area"),
    ("batches.csv", 3, "species", "no species 'Atlantic cod'"),
    ("batches.csv", 4, "number", "given on line 2"),
    ("assignments.csv", 3, "assignment_date", "already in this container"),
    ("assignments.csv", 4, "departure_date", "after assignment_date"),
    ("assignments.csv", 5, "container", "no container 'NOPE'"),
    ("assignments.csv", 6, "population_count", "at least 0"),
    ("mortality.csv", 3, "event_date", "outside the days"),
    ("mortality.csv", 4, "count", "at least 0"),
    ("mortality.csv", 5, "assignment_date", "no stay in S01-C-01 arriving on 2025-01-09"),
    ("samples.csv", 1, "weight", "unknown column"),
    ("samples.csv", 1, "avg_weight_g", "missing column"),
    ("readings.csv", 2, "value", "not a number"),
    ("readings.csv", 3, "parameter", "no parameter 'salinity'"),
    ("readings.csv", 4, "reading_time", "not a timestamp"),
    ("mortalities.csv", 1, "-", "not a file of the format"),
}


def test_every_bad_row_is_reported_and_nothing_is_stored(farm, tmp_path):
    counts, content = table_counts(), farm_content()

    result = import_farm(write_csv(tmp_path / "bad", BAD_FARM))

    assert not result.ok
    found = {(e.file, e.line, e.column) for e in result.errors}
    assert found == {expected[:3] for expected in EXPECTED}
    reasons = {(e.file, e.line, e.column): e.reason for e in result.errors}
    for file, line, column, words in EXPECTED:
        assert words in reasons[file, line, column], (
            file,
            line,
            column,
            reasons[file, line, column],
        )
    assert str(result.errors.kept[0]).count(":") >= 3
    assert table_counts() == counts
    assert farm_content() == content
    assert result.stored == {} and result.recompute_since == {}


def test_lines_are_counted_as_a_spreadsheet_shows_rows(farm, tmp_path):
    # A quoted cause spanning two physical lines is still one row (line 2), so the bad
    # count below it is on line 3 in the spreadsheet, not on physical line 4.
    folder = write_csv(
        tmp_path / "multiline",
        {
            "mortality": (
                "batch,container,assignment_date,event_date,count,cause\n"
                'FO-2024-01,S01-A-01,2024-01-01,2024-01-11,4,"fungus,\nthen bacteria"\n'
                "FO-2024-01,S01-A-01,2024-01-01,2024-01-12,many,\n"
            )
        },
    )
    result = import_farm(folder)
    assert [str(error) for error in result.errors] == [
        "mortality.csv:3:count: 'many' is not a whole number"
    ]


def test_events_in_the_future_are_refused(farm, tmp_path):
    next_year = dt.date.today() + dt.timedelta(days=365)
    folder = write_csv(
        tmp_path / "future",
        {
            "feeding": (
                f"batch,container,feeding_date,amount_kg\nFO-2024-01,S01-B-01,{next_year},2.0\n"
            )
        },
    )
    result = import_farm(folder)
    assert [(e.file, e.line, e.column) for e in result.errors] == [
        ("feeding.csv", 2, "feeding_date")
    ]
    assert "in the future" in result.errors.kept[0].reason


def test_a_row_of_the_wrong_width_and_an_empty_file_are_reported(db, tmp_path):
    folder = write_csv(
        tmp_path / "ragged",
        {"species": "name,scientific_name\nAtlantic salmon\n", "geographies": ""},
    )
    result = import_farm(folder)
    assert sorted(str(error) for error in result.errors) == [
        "geographies.csv:1:-: the file is empty; a header line is required",
        "species.csv:2:-: 1 cells, but the header has 2",
    ]


def test_feeding_where_the_batch_is_not_that_day_is_refused(farm, tmp_path):
    folder = write_csv(
        tmp_path / "feeding",
        {"feeding": "batch,container,feeding_date,amount_kg\nFO-2024-01,S01-B-01,2024-03-30,2\n"},
    )
    result = import_farm(folder)
    assert [str(error) for error in result.errors] == [
        "feeding.csv:2:feeding_date: batch FO-2024-01 is not in S01-B-01 on 2024-03-30"
    ]


def test_fish_must_name_exactly_one_sample_and_a_new_fish_number(farm, tmp_path):
    counts = table_counts()
    folder = write_csv(
        tmp_path / "fish",
        {
            "samples": (
                "batch,container,assignment_date,sample_date,sample_size,avg_weight_g\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-04-22,20,0.31\n"
            ),
            "fish": (
                "batch,container,assignment_date,sample_date,fish_number,weight_g\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-04-15,1,0.5\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-04-16,1,0.5\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-04-15,3,0.62\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-04-22,1,0.3\n"
            ),
        },
    )
    result = import_farm(folder)
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "weight_g"),
        (3, "sample_date"),
        (5, "sample_date"),
    ]
    reasons = [e.reason for e in result.errors]
    assert "already stored with weight_g" in reasons[0]
    assert "no growth sample" in reasons[1]
    assert "2 growth samples of that assignment on 2024-04-22" in reasons[2]
    assert table_counts() == counts


def test_one_bad_row_is_reported_once_not_again_by_every_row_naming_it(farm, tmp_path):
    folder = write_csv(
        tmp_path / "cascade",
        {
            "containers": (
                "name,kind,volume_m3,geography,station,hall\n"
                "S01-B-02,tank,lots,Faroe Islands,S01,B\n"
            ),
            "batches": "number,species,start_date\nFO-2025-01,Atlantic cod,2025-01-01\n",
            "assignments": (
                "batch,container,assignment_date,stage\n"
                "FO-2025-01,S01-B-02,2025-01-01,Fry\n"
                "FO-2024-01,S01-B-02,2024-06-01,Fry\n"
            ),
        },
    )
    result = import_farm(folder)
    assert [str(error) for error in result.errors] == [
        "containers.csv:2:volume_m3: 'lots' is not a number",
        "batches.csv:2:species: no species 'Atlantic cod' in the files or the database",
    ]


def test_a_transfer_may_leave_on_the_source_departure_day_but_not_after(farm, tmp_path):
    # The trays depart on 1 April: fish moved at the start of that day is the usual stage
    # transition; a day later the trays are no longer the batch's.
    header = (
        "batch,source_container,source_assignment_date,dest_container,dest_assignment_date,"
        "execution_date,transferred_count\n"
    )
    folder = write_csv(
        tmp_path / "transfers",
        {
            "transfers": header
            + "FO-2024-01,S01-A-01,2024-01-01,S01-B-01,2024-03-31,2024-04-01,100\n"
            + "FO-2024-01,S01-A-01,2024-01-01,S01-B-01,2024-03-31,2024-04-02,100\n"
            + "FO-2024-01,S01-A-02,2024-01-01,S01-B-01,2024-03-31,2024-03-30,100\n"
        },
    )
    result = import_farm(folder)
    assert [str(error) for error in result.errors] == [
        "transfers.csv:3:execution_date: 2024-04-02 is outside the days of the source "
        "assignment (2024-01-01, departure 2024-04-01)",
        "transfers.csv:4:execution_date: 2024-03-30 is outside the days of the destination "
        "assignment (2024-03-31, still there)",
    ]


def test_bad_population_counts_are_named_by_file_line_and_column(farm, tmp_path):
    # The fry tank's stay arrived on 31 March and is still there; the trays left on 1 April.
    counts, content = table_counts(), farm_content()
    next_year = dt.date.today() + dt.timedelta(days=365)
    header = "batch,container,assignment_date,count_date,count,method,precision_pct,note\n"
    folder = write_csv(
        tmp_path / "counts",
        {
            "population_counts": header
            + "FO-2024-01,S01-B-01,2024-03-31,2024-05-02,185000,counter,,fine\n"
            + "FO-2024-01,S01-B-01,2024-03-31,2024-05-03,-5,counter,,\n"
            + "FO-2024-01,S01-B-01,2024-03-31,2024-05-04,185000,guess,,\n"
            + "FO-2024-01,S01-B-01,2024-03-31,2024-05-05,185000,counter,-1,\n"
            + "FO-2024-01,S01-B-01,2024-04-01,2024-05-06,185000,counter,,\n"
            + "FO-2024-01,S01-A-01,2024-01-01,2024-04-01,98000,counter,,\n"
            + "FO-2024-01,S01-A-01,2024-01-01,2023-12-31,100000,stocking,,\n"
            + "FO-2024-01,S01-B-01,2024-03-31,2024-05-07,185000,,,\n"
            + f"FO-2024-01,S01-B-01,2024-03-31,{next_year},185000,estimate,,\n"
        },
    )

    result = import_farm(folder)

    assert [str(error) for error in result.errors] == [
        "population_counts.csv:3:count: must be at least 0, not -5",
        "population_counts.csv:4:method: 'guess' is not one of stocking, counter, treatment, "
        "harvest, estimate",
        "population_counts.csv:5:precision_pct: must be at least 0, not -1",
        "population_counts.csv:6:assignment_date: batch FO-2024-01 has no stay in S01-B-01 "
        "arriving on 2024-04-01",
        "population_counts.csv:7:count_date: 2024-04-01 is outside the days of the "
        "assignment (2024-01-01, departure 2024-04-01)",
        "population_counts.csv:8:count_date: 2023-12-31 is outside the days of the "
        "assignment (2024-01-01, departure 2024-04-01)",
        "population_counts.csv:9:method: a value is required",
        f"population_counts.csv:10:count_date: {next_year} is in the future",
    ]
    # All or nothing: the good count on line 2 is not stored either.
    assert table_counts() == counts
    assert farm_content() == content

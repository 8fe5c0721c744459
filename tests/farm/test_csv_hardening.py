"""Bad input of issue 13 through the CSV import: each gives its finding at the exact
file:line:column, nothing is stored, nothing hangs and nothing ends in a traceback."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio import export_farm, import_farm, limits
from tests.farm.conftest import write_csv

MORTALITY = "batch,container,assignment_date,event_date,count,cause\n"
STAY = "FO-2024-01,S01-A-01,2024-01-01"


def every_table() -> dict[str, int]:
    """Row count of every table of every app."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def findings(folder: Path) -> list[str]:
    """The import's findings as the command prints them; asserts nothing was stored."""
    before = every_table()
    result = import_farm(folder)
    assert every_table() == before
    assert not result.ok and result.stored == {}
    return [str(error) for error in result.errors]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {
                "samples": "batch,container,assignment_date,sample_date,sample_size,avg_weight_g\n"
                f"{STAY},2024-01-20,30,1e306\n"
            },
            "samples.csv:2:avg_weight_g: 1e+306 g is more than a fish of Atlantic salmon weighs "
            "(50000 g at most)",
            id="sample of 1e306 g",
        ),
        pytest.param(
            {
                "feeding": "batch,container,feeding_date,amount_kg\n"
                "FO-2024-01,S01-B-01,2024-04-05,1.5\nFO-2024-01,S01-B-01,2024-04-06,1e308\n"
            },
            "feeding.csv:3:amount_kg: 1e+308 kg is more than S01-B-01 (100 m3) can take in a day "
            "(500 kg at most: volume x AQUAGROWTH_MAX_DENSITY_KG_M3 x "
            "AQUAGROWTH_MAX_FEED_RATION_PCT)",
            id="feeding of 1e308 kg",
        ),
        pytest.param(
            {
                "feeding": "batch,container,feeding_date,amount_kg\n"
                "FO-2024-01,S01-B-01,2024-04-05,300\nFO-2024-01,S01-B-01,2024-04-06,300\n"
                "FO-2024-01,S01-B-01,2024-04-05,250\n"
            },
            "feeding.csv:4:amount_kg: 250 kg makes 550 kg on 2024-04-05, which is more than "
            "S01-B-01 (100 m3) can take in a day (500 kg at most: volume x "
            "AQUAGROWTH_MAX_DENSITY_KG_M3 x AQUAGROWTH_MAX_FEED_RATION_PCT)",
            id="a day's feed summed over its rows",
        ),
        pytest.param(
            {"batches": "number,species,start_date\nFO-0001-01,Atlantic salmon,0001-01-01\n"},
            "batches.csv:2:start_date: 0001-01-01 is before the farm's era "
            "(from 1970-01-01, AQUAGROWTH_ERA_START)",
            id="batch starting on 0001-01-01",
        ),
        pytest.param(
            {
                "readings": "container,parameter,reading_time,value\n"
                "S01-A-01,temperature,9999-12-31T23:00:00-05:00,8\n"
            },
            "readings.csv:2:reading_time: '9999-12-31T23:00:00-05:00' is outside the farm's era",
            id="timestamp beyond year 9999",
        ),
        pytest.param(
            {"mortality": f"{MORTALITY}{STAY},2024-01-05,3,\n{STAY},2024-01-06,{10**20},\n"},
            "mortality.csv:3:count: must be at most 50000000, not 100000000000000000000",
            id="count of 10^20",
        ),
        pytest.param(
            {"mortality": f"{MORTALITY}{STAY},2024-01-05,3,fun\x00gus\n"},
            "mortality.csv:2:cause: contains a NUL character, which the database cannot store",
            id="NUL byte",
        ),
        pytest.param(
            {
                "readings": "container,parameter,reading_time,value\n"
                "S01-A-01,temperature,2024-01-02T06:00:00Z,1e306\n"
            },
            "readings.csv:2:value: 1e+306 degC is not a water temperature (-50 .. 150)",
            id="temperature of 1e306",
        ),
    ],
)
def test_implausible_values_are_reported_at_their_cell(farm, tmp_path, files, expected):
    assert findings(write_csv(tmp_path / "in", files)) == [expected]


def test_a_folder_named_like_a_file_is_refused(farm, tmp_path):
    folder = tmp_path / "in"
    (folder / "mortality.csv").mkdir(parents=True)
    assert findings(folder) == [
        "mortality.csv:1:-: not a regular file (a folder); only regular CSV files are read"
    ]


def test_one_endless_line_is_refused_at_its_line_in_bounded_memory(farm, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "feeding.csv").open("wb") as handle:
        handle.write(b"batch,container,feeding_date,amount_kg\n")
        for _ in range(200):
            handle.write(b"x" * (1 << 20))
    limit = limits.DEFAULTS["AQUAGROWTH_CSV_MAX_LINE_BYTES"]
    assert findings(folder) == [
        f"feeding.csv:2:-: a line longer than {limit} bytes (AQUAGROWTH_CSV_MAX_LINE_BYTES); "
        "the rest of the file is not read"
    ]


def console_import(env_dir: Path, folder: Path) -> subprocess.CompletedProcess:
    """``aquagrowth import FOLDER`` on its own SQLite database; killed after 20 s."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["AQUAGROWTH_VAR"] = str(env_dir)
    command = [sys.executable, "-m", "aquagrowth.cli"]
    migrate = subprocess.run([*command, "migrate", "-v0"], env=env, timeout=120, check=False)
    assert migrate.returncode == 0
    return subprocess.run(
        [*command, "import", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


@pytest.mark.parametrize(
    ("make", "what"),
    [
        pytest.param(lambda path: path.symlink_to("/dev/zero"), "a device", id="/dev/zero"),
        pytest.param(os.mkfifo, "a FIFO", id="FIFO"),
    ],
)
def test_devices_and_fifos_are_refused_without_hanging(farm, tmp_path, make, what):
    folder = tmp_path / "in"
    folder.mkdir()
    make(folder / "feeding.csv")
    expected = f"feeding.csv:1:-: not a regular file ({what}); only regular CSV files are read"

    done = console_import(tmp_path / "var", folder)  # raises TimeoutExpired if it hangs

    assert done.returncode == 1, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert findings(folder) == [expected]


def test_a_bad_assignment_row_is_reported_once(farm, tmp_path):
    # The stay's stage is unknown: its events, transfers, samples and fish name it and
    # would each add a "no stay" finding; they are not judged again.
    bad_stay = "FO-2024-01,VM-01,2024-05-01"
    folder = write_csv(
        tmp_path / "in",
        {
            "assignments": "batch,container,assignment_date,departure_date,stage\n"
            f"{bad_stay},,Grilse\n",
            "mortality": MORTALITY
            + "".join(f"{bad_stay},2024-05-{d:02},1,\n" for d in range(2, 9)),
            "feeding": "batch,container,feeding_date,amount_kg\n"
            + "".join(f"FO-2024-01,VM-01,2024-05-{d:02},10\n" for d in range(2, 9)),
            "samples": "batch,container,assignment_date,sample_date,sample_size,avg_weight_g\n"
            f"{bad_stay},2024-05-03,2,150\n",
            "fish": "batch,container,assignment_date,sample_date,fish_number,weight_g\n"
            f"{bad_stay},2024-05-03,1,140\n{bad_stay},2024-05-03,2,160\n",
            "transfers": "batch,source_container,source_assignment_date,dest_container,"
            "dest_assignment_date,execution_date,transferred_count\n"
            "FO-2024-01,S01-B-01,2024-03-31,VM-01,2024-05-01,2024-05-01,1000\n",
        },
    )
    assert findings(folder) == [
        "assignments.csv:2:stage: no stage 'Atlantic salmon / Grilse' in the files or the database"
    ]


def test_a_database_refusal_names_the_row_not_its_chunk(farm, tmp_path, settings, monkeypatch):
    # Loosen the checks so that a count the tables cannot hold passes them: the database
    # refuses it, and the report names its line (in the second chunk of 5000 rows).
    monkeypatch.setattr(limits, "DATABASE_INTEGER_MAX", 10**30)
    settings.AQUAGROWTH_MAX_FISH_COUNT = 10**30
    rows = [f"{STAY},2024-01-05,1,\n"] * 5001 + [f"{STAY},2024-01-06,{10**20},\n"]
    folder = write_csv(tmp_path / "in", {"mortality": MORTALITY + "".join(rows)})

    (finding,) = findings(folder)

    assert finding.startswith("mortality.csv:5003:-: the database refused this row: ")
    assert "INSERT" not in finding and "\n" not in finding


def test_a_database_refusal_in_a_farms_first_file_of_a_kind_names_the_row(
    farm, tmp_path, settings, monkeypatch
):
    # Into an empty table the blocks go to one open COPY as they are checked (PostgreSQL);
    # the database refuses the chunk at its end, and the report still names the line, in
    # the second block of 4096 rows, and nothing is stored.
    m.MortalityEvent.objects.all().delete()
    monkeypatch.setattr(limits, "DATABASE_INTEGER_MAX", 10**30)
    settings.AQUAGROWTH_MAX_FISH_COUNT = 10**30
    rows = [f"{STAY},2024-01-05,1,\n"] * 5001 + [f"{STAY},2024-01-06,{10**20},\n"]
    rows += [f"{STAY},2024-01-07,1,\n"] * 10
    folder = write_csv(tmp_path / "in", {"mortality": MORTALITY + "".join(rows)})

    (finding,) = findings(folder)

    assert finding.startswith("mortality.csv:5003:-: the database refused this row: ")
    assert not m.MortalityEvent.objects.exists()


FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+1+2", "-2+3", "\tx", "\rx", "'=quoted", "'ok"]


def test_formula_cells_are_neutralised_on_export_and_read_back_exactly(farm, tmp_path):
    stay = m.Assignment.objects.get(batch__number="FO-2024-01", container__name="S01-A-01")
    for day, cause in enumerate(FORMULAS, start=2):
        m.MortalityEvent.objects.create(
            batch=stay.batch,
            assignment=stay,
            event_date=dt.date(2024, 1, day),
            count=1,
            cause=cause,
        )
    export_farm(tmp_path / "out")
    text = (tmp_path / "out" / "mortality.csv").read_text(encoding="utf-8")
    for cause in FORMULAS:
        assert f",{cause}" not in text.replace(f",'{cause}", "")  # never a formula's start
    assert ",'=cmd|' /C calc'!A0" in text and ",'@SUM(A1:A9)" in text

    causes = list(m.MortalityEvent.objects.values_list("cause", flat=True))
    m.MortalityEvent.objects.all().delete()
    only = tmp_path / "only"
    only.mkdir()
    (tmp_path / "out" / "mortality.csv").rename(only / "mortality.csv")
    result = import_farm(only)
    assert result.ok, [str(e) for e in result.errors]
    assert sorted(m.MortalityEvent.objects.values_list("cause", flat=True)) == sorted(causes)

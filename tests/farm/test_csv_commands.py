"""The import and export commands: what they print and their exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aquagrowth.farm import models as m
from tests.farm.conftest import table_counts, wipe_farm, write_csv


def run(*argv: str) -> int:
    """Run ``aquagrowth ARGV`` on the test database; its exit status.

    ``call_command`` rather than the console entry, which closes the database connection
    (and so the test's transaction) on its way out; a failure is a ``CommandError``,
    whose ``returncode`` is the status the console entry exits with.
    """
    try:
        call_command(*argv)
    except CommandError as error:
        sys.stderr.write(f"{error}\n")
        return error.returncode
    return 0


def console(env_dir: Path, *argv: str) -> subprocess.CompletedProcess:
    """The real ``aquagrowth`` console command on its own SQLite database in ``env_dir``."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["AQUAGROWTH_VAR"] = str(env_dir)
    return subprocess.run(
        [sys.executable, "-m", "aquagrowth.cli", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_console_command_exits_1_on_bad_rows_and_0_on_a_clean_import(tmp_path):
    assert console(tmp_path, "migrate", "-v0").returncode == 0
    bad = write_csv(tmp_path / "bad", {"geographies": "name,area_km2\nNorway,3\n"})
    good = write_csv(tmp_path / "good", {"geographies": "name\nNorway\n"})

    failed = console(tmp_path, "import", str(bad))
    assert failed.returncode == 1
    assert "geographies.csv:1:area_km2: unknown column" in failed.stderr

    done = console(tmp_path, "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "geographies.csv" in done.stdout
    # A shared record given again exactly as stored is accepted and not stored twice.
    again = console(tmp_path, "import", str(good))
    assert again.returncode == 0, again.stderr
    assert "0 rows stored (1 already stored, unchanged)" in again.stdout
    assert console(tmp_path, "export", str(tmp_path / "out")).returncode == 0
    assert (tmp_path / "out" / "geographies.csv").read_text() == "name\nNorway\n"


def test_import_of_bad_rows_exits_non_zero_and_lists_them(farm, tmp_path, capsys):
    folder = write_csv(
        tmp_path / "bad",
        {"harvests": "batch,container,assignment_date,harvest_date,count\n"},
    )
    counts = table_counts()
    assert run("import", str(folder)) == 1
    err = capsys.readouterr().err
    assert "harvests.csv:1:live_weight_kg: missing column" in err
    assert "nothing was stored" in err
    assert table_counts() == counts


def test_import_prints_counts_and_the_recomputes_to_run(farm, tmp_path, capsys):
    folder = write_csv(
        tmp_path / "good",
        {
            "mortality": (
                "batch,container,assignment_date,event_date,count\n"
                "FO-2024-01,S01-B-01,2024-03-31,2024-04-10,12\n"
            )
        },
    )
    assert run("import", str(folder)) == 0
    out = capsys.readouterr().out
    assert "mortality.csv" in out and "1 rows stored" in out
    assert "aquagrowth recompute --batch FO-2024-01 --since 2024-04-10" in out


def test_imported_counts_print_the_recompute_of_their_batch(farm, tmp_path, capsys):
    folder = write_csv(
        tmp_path / "counts",
        {
            "population_counts": (
                "batch,container,assignment_date,count_date,count,method\n"
                "FO-2023-07,VM-01,2024-02-01,2024-05-30,4910,treatment\n"
            )
        },
    )
    assert run("import", str(folder)) == 0
    out = capsys.readouterr().out
    assert "population_counts.csv" in out and "1 rows stored" in out
    assert "aquagrowth recompute --batch FO-2023-07 --since 2024-05-30" in out


def test_import_check_stores_nothing(farm, tmp_path, capsys):
    folder = write_csv(
        tmp_path / "good",
        {"geographies": "name\nNorway\n"},
    )
    assert run("import", "--check", str(folder)) == 0
    assert "every row is valid" in capsys.readouterr().out
    assert not m.Geography.objects.filter(name="Norway").exists()


def test_import_of_a_missing_folder_is_a_bad_argument(db, tmp_path, capsys):
    # Status 2 as for every bad argument; 1 is kept for findings in the data.
    assert run("import", str(tmp_path / "nowhere")) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_export_then_import_through_the_commands(farm, tmp_path, capsys):
    folder = tmp_path / "farm"
    assert run("export", str(folder), "--batch", "FO-2024-01") == 0
    assert "transfers.csv" in capsys.readouterr().out
    wipe_farm()
    assert run("import", str(folder)) == 0
    assert list(m.Batch.objects.values_list("number", flat=True)) == ["FO-2024-01"]
    assert m.TransferAction.objects.count() == 2


def test_export_refuses_to_overwrite_and_unknown_batches(farm, tmp_path, capsys):
    folder = tmp_path / "farm"
    assert run("export", str(folder)) == 0
    assert run("export", str(folder)) == 2
    assert "already holds" in capsys.readouterr().err
    assert run("export", str(tmp_path / "other"), "--batch", "FO-1999-99") == 2
    assert "no batch FO-1999-99" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "phrases"),
    [
        ("import", ["file:line:column: reason", "nothing is stored", "--check", "DIR"]),
        ("export", ["--batch NUMBER", "empty database", "DIR"]),
    ],
)
def test_help_explains_the_command(command, phrases, tmp_path):
    shown = console(tmp_path, command, "--help")
    assert shown.returncode == 0
    out = " ".join(shown.stdout.split())
    for phrase in phrases:
        assert phrase in out

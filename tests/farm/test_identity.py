"""Sent twice, never stored twice: identity, repeats, updates and undo of an import."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio import export_farm, import_farm
from aquagrowth.farm.csvio.identity import RepeatPolicy
from aquagrowth.farm.csvio.importing import ImportOptions
from aquagrowth.farm.csvio.undo import UndoRefused, undo_run
from tests.farm.conftest import farm_content, table_counts, write_csv

FEEDING_HEADER = "batch,container,feeding_date,amount_kg,source,external_id\n"


def feed_kg() -> float:
    return m.FeedingEvent.objects.aggregate(kg=Sum("amount_kg"))["kg"]


def test_an_export_imported_into_its_own_farm_changes_nothing(farm, tmp_path):
    export_farm(tmp_path / "farm")
    before, counts = farm_content(), table_counts()

    result = import_farm(tmp_path / "farm")

    assert result.ok, [str(e) for e in result.errors]
    assert result.run_id is None and not result.changed
    assert result.already_stored["feeding"] == 2 and result.already_stored["batches"] == 2
    assert farm_content() == before and table_counts() == counts


def test_the_same_file_twice_is_reported_by_line_and_not_stored_again(farm, tmp_path):
    rows = "batch,container,feeding_date,amount_kg\nFO-2024-01,S01-B-01,2024-04-03,2.5\n"
    assert import_farm(write_csv(tmp_path / "first", {"feeding": rows})).ok
    kg = feed_kg()

    again = import_farm(write_csv(tmp_path / "again", {"feeding": rows}))

    assert [(e.file, e.line) for e in again.errors] == [("feeding.csv", 2)]
    assert "the same event is already stored" in again.errors.kept[0].reason
    assert "--skip-repeats" in again.errors.kept[0].reason
    assert feed_kg() == kg


def test_an_overlapping_export_reports_only_the_overlap_and_options_decide(farm, tmp_path):
    overlap = (
        "batch,container,feeding_date,amount_kg\n"
        "FO-2024-01,S01-B-01,2024-04-02,1.25\n"  # stored by the farm
        "FO-2024-01,S01-B-01,2024-04-06,3.0\n"  # new
    )
    folder = write_csv(tmp_path / "month", {"feeding": overlap})
    reported = import_farm(folder)
    assert [e.line for e in reported.errors] == [2]
    kg = feed_kg()

    skipped = import_farm(folder, options=ImportOptions(repeats=RepeatPolicy(skip=True)))
    assert skipped.ok and skipped.stored["feeding"] == 1
    assert skipped.repeats_skipped["feeding"] == 1
    assert feed_kg() == pytest.approx(kg + 3.0)

    allowed = import_farm(
        write_csv(
            tmp_path / "twice",
            {"feeding": overlap.splitlines()[0] + "\n" + overlap.splitlines()[1] + "\n"},
        ),
        options=ImportOptions(repeats=RepeatPolicy(allow=True)),
    )
    assert allowed.ok and allowed.stored["feeding"] == 1
    assert feed_kg() == pytest.approx(kg + 3.0 + 1.25)


def test_an_event_sent_again_with_its_identity_is_unchanged_or_an_update(farm, tmp_path):
    sent = FEEDING_HEADER + "FO-2024-01,S01-B-01,2024-04-03,410,feedsys,F-1\n"
    first = import_farm(write_csv(tmp_path / "a", {"feeding": sent}))
    assert first.ok and first.stored["feeding"] == 1
    event = m.FeedingEvent.objects.get(source="feedsys", external_id="F-1")

    same = import_farm(write_csv(tmp_path / "b", {"feeding": sent}))
    assert same.ok and same.stored["feeding"] == 0 and same.already_stored["feeding"] == 1
    assert same.run_id is None

    corrected = sent.replace(",410,", ",395,")
    changed = import_farm(write_csv(tmp_path / "c", {"feeding": corrected}))

    assert changed.ok and changed.stored["feeding"] == 0 and changed.updated["feeding"] == 1
    assert changed.updates_said == [
        f"feeding.csv:2: updates feeding {event.pk}: amount_kg 410 -> 395"
    ]
    event.refresh_from_db()
    assert event.amount_kg == 395 and m.FeedingEvent.objects.filter(source="feedsys").count() == 1
    change = m.EventChange.objects.get(event_id=event.pk)
    assert (change.action, change.before["amount_kg"], change.after["amount_kg"]) == (
        "update",
        410,
        395,
    )
    assert change.run_id == changed.run_id and change.via == "csv"
    assert changed.recompute_since == {farm["batch"].pk: dt.date(2024, 4, 3)}


def test_a_reading_is_keyed_by_sensor_and_time(farm, tmp_path):
    header = "container,parameter,reading_time,value,sensor\n"
    stored = m.EnvironmentalReading.objects.filter(sensor__serial="T-A01").first()
    row = f"S01-A-01,temperature,{stored.reading_time.isoformat()},{stored.value!r},T-A01\n"
    same = import_farm(write_csv(tmp_path / "same", {"readings": header + row}))
    assert same.ok and same.stored["readings"] == 0 and same.already_stored["readings"] == 1

    changed = row.replace(f",{stored.value!r},", ",7.25,")
    updated = import_farm(write_csv(tmp_path / "new", {"readings": header + changed}))
    assert updated.ok and updated.updated["readings"] == 1
    stored.refresh_from_db()
    assert stored.value == 7.25


def test_an_undone_import_leaves_the_farm_as_before(farm, tmp_path):
    before, counts = farm_content(), table_counts()
    files = {
        "batches": (
            "number,species,start_date,geography\n"
            "FO-2024-09,Atlantic salmon,2024-02-01,Faroe Islands\n"
        ),
        "assignments": (
            "batch,container,assignment_date,stage,population_count,avg_weight_g\n"
            "FO-2024-09,S01-A-01,2024-05-01,Fry,5000,1.0\n"
        ),
        "mortality": (
            "batch,container,assignment_date,event_date,count\n"
            "FO-2024-09,S01-A-01,2024-05-01,2024-05-02,4\n"
        ),
        "feeding": FEEDING_HEADER + "FO-2024-01,S01-B-01,2024-04-03,410,feedsys,F-1\n",
    }
    first = import_farm(write_csv(tmp_path / "first", files))
    assert first.ok, [str(e) for e in first.errors]
    correction = FEEDING_HEADER + "FO-2024-01,S01-B-01,2024-04-03,395,feedsys,F-1\n"
    second = import_farm(write_csv(tmp_path / "second", {"feeding": correction}))
    assert second.updated["feeding"] == 1

    with pytest.raises(UndoRefused, match="changed or deleted since"):
        undo_run(first.run_id)  # the feeding it stored was updated by the second import
    undo_run(second.run_id)
    assert m.FeedingEvent.objects.get(external_id="F-1").amount_kg == 410
    undo_run(first.run_id)

    assert farm_content() == before
    assert m.ImportRun.objects.get(pk=first.run_id).state == "undone"
    with pytest.raises(UndoRefused, match="already undone"):
        undo_run(first.run_id)
    counts_now = table_counts()
    for audit in ("ImportRun", "ImportedRecord", "EventChange"):
        counts_now.pop(audit), counts.pop(audit)
    assert counts_now == counts


def test_the_command_lists_runs_undoes_them_and_says_updates(farm, tmp_path, capsys):
    sent = FEEDING_HEADER + "FO-2024-01,S01-B-01,2024-04-03,410,feedsys,F-1\n"
    call_command("import", str(write_csv(tmp_path / "a", {"feeding": sent})))
    out = capsys.readouterr().out
    run = m.ImportRun.objects.get()
    assert f"Import run {run.pk} (undo: aquagrowth import --undo {run.pk})" in out

    call_command("import", str(write_csv(tmp_path / "b", {"feeding": sent})))
    assert "Nothing changed." in capsys.readouterr().out
    corrected = sent.replace(",410,", ",395,")
    call_command("import", str(write_csv(tmp_path / "c", {"feeding": corrected})))
    assert "updates feeding" in capsys.readouterr().out

    call_command("import", "--runs", "--json")
    listed = capsys.readouterr().out
    assert '"via": "csv"' in listed and listed.count('"run":') == 2

    with pytest.raises(CommandError) as refused:
        call_command("import", "--undo", "999999")
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="not undone"):
        call_command("import", "--undo", str(run.pk))
    assert m.FeedingEvent.objects.filter(external_id="F-1").exists()


def test_an_undo_that_would_take_later_records_with_it_is_refused(farm, tmp_path):
    first = import_farm(
        write_csv(tmp_path / "area", {"sea_areas": "geography,name\nFaroe Islands,Kaldbak\n"})
    )
    pens = "name,kind,volume_m3,geography,sea_area\nKB-01,pen,40000,Faroe Islands,Kaldbak\n"
    second = import_farm(write_csv(tmp_path / "pens", {"containers": pens}))
    assert first.ok and second.ok
    content = farm_content()

    with pytest.raises(UndoRefused, match="hold records stored since"):
        undo_run(first.run_id)  # the sea area's delete would take the later pen with it

    assert farm_content() == content
    undo_run(second.run_id)
    undo_run(first.run_id)
    assert not m.SeaArea.objects.filter(name="Kaldbak").exists()

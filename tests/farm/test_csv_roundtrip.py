"""Export then import into an empty database gives the same farm."""

from __future__ import annotations

import datetime as dt

from aquagrowth.farm import models as m
from aquagrowth.farm.csvio import export_farm, import_farm
from tests.farm.conftest import farm_content, wipe_farm


def test_export_then_import_into_an_empty_database_gives_the_same_farm(farm, tmp_path):
    before = farm_content()
    written = export_farm(tmp_path / "farm")
    assert written["readings"] == 4 and written["transfers"] == 2
    assert written["population_counts"] == 4

    wipe_farm()
    assert all(not rows for rows in farm_content().values())
    result = import_farm(tmp_path / "farm")

    assert result.ok, [str(error) for error in result.errors]
    assert farm_content() == before
    # Exported again, the files are byte for byte the same: nothing drifts in a round trip.
    export_farm(tmp_path / "again")
    for path in sorted((tmp_path / "farm").iterdir()):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_round_trip_keeps_which_scenario_is_in_force(farm, tmp_path):
    export_farm(tmp_path / "farm")
    wipe_farm()
    import_farm(tmp_path / "farm")
    batch = m.Batch.objects.get(number="FO-2024-01")
    assert batch.scenario_in_force().name == "Plan 2024"
    batch.pinned_scenario = None
    batch.save()
    # Without the pin the newest scenario rules, so created_at must have survived too.
    assert batch.scenario_in_force().name == "Warm"


def test_export_of_one_batch_holds_only_its_records(farm, tmp_path):
    written = export_farm(tmp_path / "one", ["FO-2023-07"])
    assert written["batches"] == 1
    assert written["assignments"] == 1
    assert written["mortality"] == 0 and written["transfers"] == 0
    assert written["population_counts"] == 2
    # Shared records travel whole, so the batch imports into a farm without them.
    assert written["containers"] == 4 and written["species"] == 1
    # The pen's reading during the stay goes along; the one months after it does not.
    assert written["readings"] == 1

    wipe_farm()
    result = import_farm(tmp_path / "one")
    assert result.ok, [str(error) for error in result.errors]
    assert list(m.Batch.objects.values_list("number", flat=True)) == ["FO-2023-07"]
    harvest = m.Harvest.objects.get()
    assert (harvest.count, harvest.live_weight_kg) == (4900, 24_500.0)
    assert m.EnvironmentalReading.objects.get().reading_time == dt.datetime(
        2024, 3, 1, tzinfo=dt.UTC
    )


def test_a_batch_exported_from_one_farm_imports_into_a_farm_with_the_same_containers(
    farm, tmp_path
):
    export_farm(tmp_path / "one", ["FO-2023-07"])
    m.Batch.objects.filter(number="FO-2023-07").delete()
    kept = farm_content()

    result = import_farm(tmp_path / "one")

    assert result.ok, [str(error) for error in result.errors]
    assert result.already_stored["containers"] == 4
    assert result.stored["containers"] == 0
    after = farm_content()
    assert after["Batch"] == sorted(
        [
            *kept["Batch"],
            ("FO-2023-07", "Atlantic salmon", None, dt.date(2023, 7, 1), "harvested", None),
        ],
        key=repr,
    )
    assert after["Container"] == kept["Container"]


def test_a_generated_farm_survives_the_round_trip(db, tmp_path):
    from aquagrowth.generator.service import build_farm

    build_farm("tiny", seed=1, truth=False, progress=False)
    before = farm_content()
    assert len(before["TransferAction"]) > 10 and len(before["EnvironmentalReading"]) > 1000
    export_farm(tmp_path / "farm")
    wipe_farm()

    result = import_farm(tmp_path / "farm")

    assert result.ok, [str(error) for error in result.errors][:5]
    assert farm_content() == before

"""The per-day temperature table always says what the readings say.

The engine reads temperature from it, so a reading saved, moved or deleted in the admin
or by code, and every bulk load, must leave it equal to the readings' own daily means.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from aquagrowth.farm import models as m

START = dt.datetime(2024, 3, 1, 6, tzinfo=dt.UTC)


def expected_days() -> dict[tuple[int, dt.date], tuple[float | None, int, int]]:
    """Daily (mean of valid, valid count, rejected count) computed here from the readings."""
    days: dict[tuple[int, dt.date], list[float]] = defaultdict(list)
    for r in m.EnvironmentalReading.objects.filter(parameter__code="temperature"):
        days[r.container_id, r.reading_time.astimezone(dt.UTC).date()].append(r.value)
    out = {}
    for key, values in days.items():
        valid = [v for v in values if -2 <= v <= 35]
        out[key] = (
            sum(valid) / len(valid) if valid else None,
            len(valid),
            len(values) - len(valid),
        )
    return out


def stored_days() -> dict[tuple[int, dt.date], tuple[float | None, int, int]]:
    return {
        (t.container_id, t.date): (t.mean_c, t.readings, t.rejected)
        for t in m.ContainerDayTemperature.objects.all()
    }


def assert_in_step() -> None:
    want, got = expected_days(), stored_days()
    assert got.keys() == want.keys()
    for key, (mean, valid, rejected) in want.items():
        assert got[key][1:] == (valid, rejected), key
        assert got[key][0] == pytest.approx(mean) if mean is not None else got[key][0] is None


def test_saved_moved_and_deleted_readings_keep_the_days_in_step(hall_containers):
    temperature = m.EnvironmentalParameter.objects.create(
        code="temperature", name="Water temperature", unit="degC"
    )
    oxygen = m.EnvironmentalParameter.objects.create(code="oxygen", name="Oxygen", unit="mg/l")
    tray = hall_containers[0]
    readings = [
        m.EnvironmentalReading.objects.create(
            container=tray,
            parameter=temperature,
            reading_time=START + dt.timedelta(hours=h),
            value=v,
        )
        for h, v in ((0, 8.0), (4, 9.0), (8, 99.9), (24, 10.0))
    ]
    m.EnvironmentalReading.objects.create(
        container=tray, parameter=oxygen, reading_time=START, value=11.0
    )
    assert stored_days()[tray.id, START.date()] == (8.5, 2, 1)
    assert_in_step()

    readings[1].reading_time += dt.timedelta(days=1)  # moved to the next day
    readings[1].save()
    assert stored_days()[tray.id, START.date()] == (8.0, 1, 1)
    assert_in_step()

    readings[0].delete()
    readings[1].delete()
    assert stored_days()[tray.id, START.date()] == (None, 0, 1)
    assert_in_step()


def test_a_generated_farm_has_its_days_summed(db):
    from aquagrowth.generator.service import build_farm

    build_farm("tiny", seed=3, truth=False, progress=False)
    assert m.ContainerDayTemperature.objects.exists()
    assert_in_step()


def test_imported_readings_have_their_days_summed(db, tmp_path):
    from aquagrowth.farm.csvio.exporting import export_farm
    from aquagrowth.farm.csvio.importing import import_farm
    from aquagrowth.generator.service import build_farm, clear_farm

    build_farm("tiny", seed=4, truth=False, progress=False)
    export_farm(tmp_path)
    clear_farm()
    assert not m.ContainerDayTemperature.objects.exists()
    result = import_farm(tmp_path)
    assert not result.errors and result.stored["readings"] > 0
    assert m.ContainerDayTemperature.objects.exists()
    assert_in_step()

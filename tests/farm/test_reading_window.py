"""The farm's export and import windows of readings follow the engine's interpolation reach."""

from __future__ import annotations

from aquagrowth.engine.core.temperature import INTERPOLATION_REACH_DAYS
from aquagrowth.farm.csvio.kinds.events import READING_WINDOW_DAYS


def test_readings_travel_with_a_batch_as_far_as_the_engine_interpolates():
    assert READING_WINDOW_DAYS == INTERPOLATION_REACH_DAYS

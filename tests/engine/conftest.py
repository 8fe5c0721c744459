"""The two engines every rule is checked against: the plain reference and the fast core."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from aquagrowth.engine.core.inputs import BatchInputs
from aquagrowth.engine.core.outputs import DailyStates
from tests.engine.reference import reference_assimilate

FAST_ENGINE = Path(__file__).resolve().parents[2] / "aquagrowth/engine/core/assimilate.py"

Engine = Callable[[BatchInputs], DailyStates]


def fast_engine() -> Engine:
    """The fast core's entry point; the test is skipped while the module does not exist.

    Once the file exists it is imported normally, so a broken module fails loudly
    instead of being skipped.
    """
    if not FAST_ENGINE.exists():
        pytest.skip("fast engine not written yet (aquagrowth/engine/core/assimilate.py)")
    return importlib.import_module("aquagrowth.engine.core.assimilate").assimilate


@pytest.fixture(params=["reference", "fast"])
def engine(request) -> Engine:
    return reference_assimilate if request.param == "reference" else fast_engine()

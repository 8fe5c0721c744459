"""The two engines every rule is checked against: the plain reference and the fast core."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.inputs import BatchInputs
from aquagrowth.engine.core.outputs import DailyStates
from tests.engine.reference import reference_assimilate

Engine = Callable[[BatchInputs], DailyStates]


@pytest.fixture(params=["reference", "fast"])
def engine(request) -> Engine:
    return reference_assimilate if request.param == "reference" else assimilate

"""The two engines every rule is checked against: the plain reference and the fast core.

Each is called as ``engine(inputs)`` for the real farm's rules (the default) or
``engine(inputs, rules="book")`` for the book-only rules before counts.
"""

from __future__ import annotations

from typing import Protocol

import pytest

from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.inputs import BatchInputs
from aquagrowth.engine.core.outputs import DailyStates
from tests.engine.reference import reference_assimilate


class Engine(Protocol):
    def __call__(self, inputs: BatchInputs, rules: str = "reconciled") -> DailyStates: ...


def _fast(inputs: BatchInputs, rules: str = "reconciled") -> DailyStates:
    if rules == "reconciled":
        return assimilate(inputs)
    return assimilate(inputs, rules=rules)


@pytest.fixture(params=["reference", "fast"])
def engine(request) -> Engine:
    return reference_assimilate if request.param == "reference" else _fast

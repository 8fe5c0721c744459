"""Records the loader passes on although they are not the batch's: the core's validation,
the one place that reports bad input, names them and leaves them out.

The loader marks a record naming another batch's assignment, or a feeding in a container
the batch never used, with position ``OTHER`` and the database id it names. Only the
fast core meets such records (the reference engine reads records the loader never marks).
"""

from __future__ import annotations

import dataclasses

import pytest

from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.inputs import OTHER, ContainerDays, DayEvents, floats, ints
from tests.engine.test_rules import _assert_untouched, _one_tank, kinds


def _marked(**fields) -> dict:
    return {
        name: ints(values) if name != "amount" else floats(values)
        for name, values in fields.items()
    }


@pytest.mark.parametrize("day", [2, 5, 9])
def test_an_event_naming_another_batchs_assignment_is_named_and_ignored(day):
    inputs = _one_tank()
    foreign = DayEvents(
        **_marked(assignment=[OTHER], day=[day], count=[10], amount=[0.0], first_id=[77]),
        assignment_id=ints([4242]),
    )
    s = assimilate(dataclasses.replace(inputs, mortality=foreign, batch_number="B-1"))
    _assert_untouched(s)
    assert kinds(s) == ["event_outside_assignment"]
    finding = s.findings[0]
    assert (finding.record_id, finding.assignment_id, finding.day) == (77, 4242, day)
    assert "mortality record 77" in finding.message and "assignment 4242" in finding.message
    assert "batch B-1" in finding.message and f"day {day + 1}" in finding.message


@pytest.mark.parametrize(("day", "kg"), [(2, 5.0), (9, 5.0), (2, -1.0)])
def test_feed_in_a_container_the_batch_never_used_is_named_and_ignored(day, kg):
    inputs = _one_tank()
    foreign = ContainerDays(
        container=ints([OTHER]),
        day=ints([day]),
        value=floats([kg]),
        count=ints([1]),
        container_id=ints([99]),
    )
    s = assimilate(dataclasses.replace(inputs, feed=foreign))
    _assert_untouched(s)
    assert kinds(s) == ["feed_outside_assignment"]
    message = s.findings[0].message
    assert "container 99" in message and f"day {day + 1}" in message and "never" in message

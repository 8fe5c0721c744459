"""Records of a batch that name another batch's assignment or a container the batch never
used: reported once (by the engine core, which the loader hands them to), the rest computed."""

from __future__ import annotations

import datetime as dt

from aquagrowth.engine.runner import recompute_batch
from aquagrowth.farm import models as m
from tests.recompute.conftest import START, TODAY, build_batch
from tests.recompute.test_recompute import stored


def test_records_of_another_batch_or_container_are_named_and_ignored(stages, fry_containers):
    ours = build_batch("SC-OURS", stages, fry_containers[:3])
    theirs = build_batch("SC-THEIRS", stages, fry_containers[3:])
    recompute_batch(ours.id, today=TODAY)
    before = stored(ours)

    foreign = theirs.assignments.order_by("assignment_date", "id").first()
    day = START + dt.timedelta(days=5)
    dead = m.MortalityEvent.objects.create(batch=ours, assignment=foreign, event_date=day, count=7)
    never_used = fry_containers[5]
    m.FeedingEvent.objects.create(batch=ours, container=never_used, feeding_date=day, amount_kg=3.0)
    result = recompute_batch(ours.id, today=TODAY)

    assert result.ok, result.error
    assert stored(ours) == before
    mortality = [f for f in result.findings if f.startswith("event_outside_assignment")]
    assert len(mortality) == 1
    assert f"record {dead.id}" in mortality[0] and f"assignment {foreign.id}" in mortality[0]
    assert "SC-OURS" in mortality[0] and day.isoformat() in mortality[0]
    feed = [f for f in result.findings if f.startswith("feed_outside_assignment")]
    assert len(feed) == 1
    assert f"container {never_used.id}" in feed[0] and day.isoformat() in feed[0]
    assert "SC-OURS" in feed[0]

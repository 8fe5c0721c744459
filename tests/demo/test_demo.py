"""The main job: build the farm if the database is empty, recompute, verify, report."""

from __future__ import annotations

import pytest

from aquagrowth.demo.service import DemoError, run_demo
from aquagrowth.engine.models import DailyState, WeightModelFit

pytestmark = pytest.mark.django_db


class Steps:
    """A report that notes which steps it was told of, in order."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def building(self, profile, seed) -> None:
        self.seen.append(f"building {profile} {seed}")

    def built(self, summary) -> None:
        self.seen.append(f"built {summary.batches}")

    def fitted(self, fit) -> None:
        self.seen.append("fitted")

    def recomputed(self, recompute) -> None:
        self.seen.append(f"recomputed {len(recompute.results)}")

    def verified(self, verification) -> None:
        self.seen.append(f"verified {verification.batches}")


def test_an_empty_database_is_built_then_recomputed_and_verified():
    first = Steps()
    outcome = run_demo(first, profile="tiny", seed=1, workers=1)
    assert first.seen == ["building tiny 1", "built 2", "fitted", "recomputed 2", "verified 2"]
    assert WeightModelFit.objects.count() == 1, "the farm's own parameters, stored"
    assert not outcome.recompute.failed
    assert outcome.verification.states == DailyState.objects.count() > 0
    assert outcome.verification.accuracy, "scored against the generator's ground truth"

    # A farm is there: it is never rebuilt, only recomputed and verified again.
    again = Steps()
    assert run_demo(again, profile="tiny", seed=1, workers=1).built is None
    assert again.seen == ["recomputed 2", "verified 2"]  # neither rebuilt nor refitted


def test_a_farm_that_cannot_be_built_is_a_demo_error():
    with pytest.raises(DemoError, match="no profile 'nope'"):
        run_demo(Steps(), profile="nope", workers=1)

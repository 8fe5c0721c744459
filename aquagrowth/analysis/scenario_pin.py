"""Pinning a batch's scenario from the page or the API: the scenarios to choose from,
the change itself (recorded), and the recompute it asks for (docs/api.md, "Pinning a
scenario").

The pin is saved and recorded in one transaction; the recompute is queued after it
commits, so a broker that is down never loses the pin: the answer then says the
recompute could not be queued, and the failed run left behind is the batch's note for
its next recompute and the nightly run (:mod:`aquagrowth.distributed.runs`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from aquagrowth.analysis import projections, series
from aquagrowth.distributed.dispatch import enqueue_recompute
from aquagrowth.distributed.tasks import NotQueued
from aquagrowth.engine.runner import RecomputeOptions
from aquagrowth.engine.scenario import read_scenario, read_stages
from aquagrowth.farm.models import Batch, Scenario, ScenarioPinChange

TRIGGER = "pin"
"""The trigger of the recompute a pin asks for (a RecomputeRun's ``trigger``)."""
HISTORY = 20
"""How many of the batch's latest pin changes an answer lists."""


def plan_harvest_date(batch: Batch, scenario: Scenario, stages=None) -> dt.date | None:
    """The day ``scenario``'s plan reaches its harvest weight, from the batch's egg
    inputs (None: no egg input, or not within the projection's horizon)."""
    planned = read_scenario(batch, stages, chosen=scenario)
    plan = projections.scenario_projection(batch, planned)
    if plan is None or not len(plan["avg_weight_g"]):
        return None
    if not plan["avg_weight_g"][-1] >= scenario.harvest_weight_g:
        return None
    day = series.day_dates(plan["day_number"][-1:], batch.start_date)[0]
    return dt.date.fromisoformat(str(np.datetime_as_string(day, unit="D")))


def scenarios_of(batch: Batch) -> list[dict]:
    """The batch's scenarios, newest first, each with its plan's harvest day and whether
    it is pinned or in force."""
    chosen = list(batch.scenarios.order_by("-created_at", "-id"))
    in_force = batch.pinned_scenario_id or (chosen[0].id if chosen else None)
    stages = read_stages(batch.species_id) if chosen else None
    return [
        {
            "id": s.id,
            "name": s.name,
            "created_at": s.created_at,
            "harvest_weight_g": s.harvest_weight_g,
            "harvest_date": plan_harvest_date(batch, s, stages),
            "pinned": s.id == batch.pinned_scenario_id,
            "in_force": s.id == in_force,
        }
        for s in chosen
    ]


def history(batch: Batch) -> list[dict]:
    """The batch's latest pin changes, newest first."""
    changes = ScenarioPinChange.objects.filter(batch=batch).order_by("-at", "-pk")[:HISTORY]
    return [
        {
            "at": c.at,
            "who": c.who_name,
            "before": {"id": c.before_id, "name": c.before_name} if c.before_name else None,
            "after": {"id": c.after_id, "name": c.after_name} if c.after_name else None,
            "task_id": c.task_id,
            "recompute_queued": c.recompute_queued,
        }
        for c in changes
    ]


@dataclass(frozen=True)
class PinOutcome:
    """What a pin did: whether anything changed, and the recompute it asked for."""

    changed: bool
    needed: bool = False
    task_id: str = ""
    queued: bool = False
    detail: str = ""


def _save_pin(
    batch: Batch, scenario: Scenario | None, user
) -> tuple[ScenarioPinChange | None, bool]:
    """Store the pin and its record in one transaction (the batch's row locked, so two
    managers pinning at once are recorded one after the other); the record and whether
    the scenario in force changed. None when the pin was already that one."""
    with transaction.atomic():
        row = Batch.objects.select_for_update().get(pk=batch.pk)
        before = row.pinned_scenario
        if (before.id if before else None) == (scenario.id if scenario else None):
            return None, False
        was_in_force = row.scenario_in_force()
        row.pinned_scenario = scenario
        row.save(update_fields=["pinned_scenario"])
        now_in_force = row.scenario_in_force()
        change = ScenarioPinChange.objects.create(
            batch=row,
            who=user if user is not None and user.is_authenticated else None,
            who_name=getattr(user, "username", "") or "",
            before=before,
            before_name=before.name if before else "",
            after=scenario,
            after_name=scenario.name if scenario else "",
        )
    batch.pinned_scenario = scenario
    return change, (was_in_force and was_in_force.id) != (now_in_force and now_in_force.id)


def pin(batch: Batch, scenario: Scenario | None, user) -> PinOutcome:
    """Pin ``scenario`` on ``batch`` (None: unpin, the newest is in force), record it and
    queue the batch's recompute when the scenario in force changed.

    The engine's daily states rest on the scenario in force (growth past the last
    sample, modelled deaths, the profile's temperature on days without a measurement),
    so the whole batch is recomputed. ``scenario`` must be one of the batch's.
    """
    change, in_force_changed = _save_pin(batch, scenario, user)
    if change is None:
        return PinOutcome(changed=False, detail="Nothing changed: that plan was pinned already.")
    if not in_force_changed:
        return PinOutcome(
            changed=True,
            detail="Saved. The plan in force is the same, so nothing needs recomputing.",
        )
    try:
        task_id = enqueue_recompute(batch.id, RecomputeOptions(trigger=TRIGGER))
    except NotQueued as exc:
        # The failed run stored with the reason is the batch's note for its next recompute.
        return PinOutcome(
            changed=True,
            needed=True,
            detail=(
                f"Saved, but the recompute could not be queued ({exc}). The figures that "
                "rest on the plan change after the batch's next recompute (the nightly run "
                "takes it), or press Recompute in a minute."
            ),
        )
    ScenarioPinChange.objects.filter(pk=change.pk).update(task_id=task_id, recompute_queued=True)
    return PinOutcome(
        changed=True,
        needed=True,
        task_id=task_id,
        queued=True,
        detail="Saved. The batch's daily states are being recomputed with the new plan.",
    )

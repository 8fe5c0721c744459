"""Pinning a batch's scenario through the API: managers only, of their sites; each change
recorded; the growth answer names the new plan at once; a recompute queued (or, with
the broker down, the pin kept and the answer saying the recompute was not queued)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches

from aquagrowth.analysis import answer_cache
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.farm import models as m
from tests import access, farm_builder
from tests.analysis.conftest import START, build_batch
from tests.distributed.brokers import FrozenServer, broker_at, refused_port

PLAN_B = {"Egg&Alevin": (3.0, 1.1, 0.002), "Fry": (3.2, 1.1, 0.002), "Parr": (3.4, 1.2, 0.001)}


def url(batch) -> str:
    return f"/api/v1/batches/{batch.id}/scenario/"


def put(client, batch, scenario):
    body = {"scenario": scenario.id if isinstance(scenario, m.Scenario) else scenario}
    return client.put(url(batch), body, content_type="application/json")


@pytest.fixture
def plans(growth_batch, stages) -> tuple[m.Scenario, m.Scenario]:
    """The batch's Plan A, and a newer Plan B that grows faster (in force, unpinned)."""
    plan_a = growth_batch.scenarios.get(name="Plan A")
    plan_b = farm_builder.scenario(
        growth_batch, stages, PLAN_B, [(1, 10.0), (400, 12.0)], name="Plan B"
    )
    return plan_a, plan_b


@pytest.fixture
def answers_cached(settings):
    """The growth answers kept in a cache of this test's own (this process's memory)."""
    cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pin"}
    settings.CACHES = {**settings.CACHES, "answers": cache}
    answer_cache.reset_failures()
    yield
    caches["answers"].clear()


@pytest.fixture
def planner(client, manager):
    client.force_login(manager)
    return client


def test_a_viewer_reads_the_scenarios_but_may_not_pin(api, growth_batch, plans):
    plan_a, _ = plans
    body = api.get(url(growth_batch)).json()
    assert [s["name"] for s in body["scenarios"]] == ["Plan B", "Plan A"]  # newest first
    assert [s["in_force"] for s in body["scenarios"]] == [True, False]
    assert body["pinned_scenario"] is None and body["history"] == []
    response = put(api, growth_batch, plan_a)
    assert response.status_code == 403
    assert "managers" in response.json()["detail"]
    growth_batch.refresh_from_db()
    assert growth_batch.pinned_scenario_id is None
    assert not m.ScenarioPinChange.objects.exists()


def test_an_operator_may_not_pin(client, growth_batch, plans):
    client.force_login(access.person("feeder", "operator", stations=["S01"]))
    assert put(client, growth_batch, plans[0]).status_code == 403


def test_anonymous_may_not_read_or_pin(client, growth_batch, plans):
    assert client.get(url(growth_batch)).status_code in (401, 403)
    assert put(client, growth_batch, plans[0]).status_code in (401, 403)


def test_another_sites_batch_is_404_even_to_a_manager(client, growth_batch, plans):
    client.force_login(access.person("north", "manager", stations=["S09"]))
    assert client.get(url(growth_batch)).status_code == 404
    assert put(client, growth_batch, plans[0]).status_code == 404
    growth_batch.refresh_from_db()
    assert growth_batch.pinned_scenario_id is None


def test_a_scenario_of_another_batch_is_a_400_naming_the_field(
    planner, growth_batch, plans, species, stages, containers
):
    other = build_batch("FO-2024-02", START + dt.timedelta(days=1), species, stages, containers)
    foreign = other.scenarios.get()
    response = put(planner, growth_batch, foreign)
    assert response.status_code == 400
    assert response.json() == {
        "scenario": [f"Scenario {foreign.id} is not one of batch FO-2024-01's scenarios."]
    }
    for bad in ("Plan A", 0, 2**64):
        response = put(planner, growth_batch, bad)
        assert response.status_code == 400 and "scenario" in response.json()
    assert planner.put(url(growth_batch), {}, content_type="application/json").status_code == 400
    assert not m.ScenarioPinChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_manager_pins_and_it_is_recorded_and_recomputed(planner, manager, growth_batch, plans):
    plan_a, _ = plans
    response = put(planner, growth_batch, plan_a)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True
    assert body["pinned_scenario"] == plan_a.id
    assert {s["name"]: (s["pinned"], s["in_force"]) for s in body["scenarios"]} == {
        "Plan A": (True, True),
        "Plan B": (False, False),
    }
    [change] = body["history"]
    assert change["who"] == "planner"
    assert change["before"] is None  # none pinned: the newest was in force
    assert change["after"] == {"id": plan_a.id, "name": "Plan A"}
    stored = m.ScenarioPinChange.objects.get()
    assert (stored.who, stored.before, stored.after) == (manager, None, plan_a)
    # The recompute it queued ran (in this process, as without a broker): one run.
    recompute = body["recompute"]
    assert recompute["queued"] is True and recompute["task_id"] == stored.task_id
    run = RecomputeRun.objects.get(task_id=recompute["task_id"])
    assert (run.batch_id, run.trigger, run.status) == (growth_batch.id, "pin", RecomputeStatus.OK)
    assert run.since is None  # the whole batch: every day rests on the plan in force

    # Unpinned: back to the newest; the second change says what it was before.
    body = put(planner, growth_batch, None).json()
    assert body["pinned_scenario"] is None
    assert [s["in_force"] for s in body["scenarios"]] == [True, False]
    latest = body["history"][0]
    assert latest["before"] == {"id": plan_a.id, "name": "Plan A"} and latest["after"] is None
    assert m.ScenarioPinChange.objects.count() == 2
    assert RecomputeRun.objects.filter(trigger="pin").count() == 2


def test_pinning_the_pinned_one_changes_nothing(planner, growth_batch, plans):
    plan_a, _ = plans
    put(planner, growth_batch, plan_a)
    body = put(planner, growth_batch, plan_a).json()
    assert body["changed"] is False and body["recompute"]["queued"] is False
    assert m.ScenarioPinChange.objects.count() == 1


def test_pinning_the_newest_needs_no_recompute(planner, growth_batch, plans):
    _, plan_b = plans
    body = put(planner, growth_batch, plan_b).json()
    assert body["changed"] is True and body["pinned_scenario"] == plan_b.id
    assert body["recompute"] == {
        "needed": False,
        "queued": False,
        "task_id": None,
        "detail": "Saved. The plan in force is the same, so nothing needs recomputing.",
    }
    assert m.ScenarioPinChange.objects.get().after == plan_b


def test_the_growth_answer_names_the_new_plan_at_once(planner, growth_batch, plans, answers_cached):
    plan_a, _ = plans
    growth = f"/api/v1/batches/{growth_batch.id}/growth/"
    first = planner.get(growth, HTTP_ACCEPT="application/json")
    assert first.json()["scenario"]["name"] == "Plan B"
    again = planner.get(growth, HTTP_ACCEPT="application/json")
    assert again["X-Answer-Cache"] == "hit", again.headers  # the cache holds it
    weights_b = first.json()["scenario_projection"]["avg_weight_g"]

    put(planner, growth_batch, plan_a)

    after = planner.get(growth, HTTP_ACCEPT="application/json")
    assert after["X-Answer-Cache"] == "miss"
    assert after.json()["scenario"] | {"stages": None} == {
        "id": plan_a.id,
        "name": "Plan A",
        "harvest_weight_g": plan_a.harvest_weight_g,
        "stages": None,
        "pinned": True,
    }
    assert after.json()["scenario_projection"]["avg_weight_g"] != weights_b
    # A browser that kept the old answer gets the new one, not a 304.
    again = planner.get(growth, HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again.json()["scenario"]["name"] == "Plan A"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["refused", "frozen"])
def test_with_the_broker_down_the_pin_is_saved_and_the_answer_says_so(
    planner, growth_batch, plans, broker
):
    plan_a, _ = plans
    server = FrozenServer() if broker == "frozen" else None
    port = server.port if server else refused_port()
    try:
        with broker_at(f"redis://127.0.0.1:{port}/0"):
            response = put(planner, growth_batch, plan_a)
    finally:
        if server:
            server.close()
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["pinned_scenario"] == plan_a.id
    growth_batch.refresh_from_db()
    assert growth_batch.pinned_scenario_id == plan_a.id
    assert body["recompute"]["queued"] is False and body["recompute"]["task_id"] is None
    assert body["recompute"]["needed"] is True
    assert "could not be queued" in body["recompute"]["detail"]
    assert "Traceback" not in body["recompute"]["detail"]
    change = m.ScenarioPinChange.objects.get()
    assert change.recompute_queued is False
    # The failed run is the batch's note: its next recompute takes the whole batch.
    [run] = RecomputeRun.objects.filter(batch=growth_batch)
    assert (run.status, run.trigger, run.since) == (RecomputeStatus.FAILED, "pin", None)


def test_the_changes_are_listed_in_the_admin_where_the_pin_is_not_edited(
    client, planner, growth_batch, plans
):
    plan_a, _ = plans
    put(planner, growth_batch, plan_a)
    client.force_login(access.person("ops", None, is_staff=True, is_superuser=True))
    listed = client.get("/admin/farm/scenariopinchange/").content.decode()
    assert "planner" in listed and "Plan A" in listed and "FO-2024-01" in listed
    change = m.ScenarioPinChange.objects.get()
    shown = client.get(f"/admin/farm/scenariopinchange/{change.pk}/change/")
    assert shown.status_code == 200 and "Plan A" in shown.content.decode()
    batch_page = client.get(f"/admin/farm/batch/{growth_batch.pk}/change/").content.decode()
    assert 'name="pinned_scenario"' not in batch_page  # shown, not edited
    assert "Plan A" in batch_page

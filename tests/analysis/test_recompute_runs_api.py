"""The recompute runs of a batch, as the page polls them: status, times, rows, and what
went wrong in plain words; any role of the batch's sites, another site's batch 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aquagrowth.distributed.runs import NOT_QUEUED, describe
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from tests import access
from tests.analysis.test_schema_and_pages import _keys_against_schema

URL = "/api/v1/recompute/runs/"


def runs(client, batch, task=None):
    query = {"batch": batch.id} | ({"task": task} if task else {})
    return client.get(URL, query)


def failed_run(batch, error: str, task_id: str = "t-1") -> RecomputeRun:
    """A failed run as the workers store it (the error text for operators)."""
    now = timezone.now()
    return RecomputeRun.objects.create(
        batch=batch,
        trigger="api",
        task_id=task_id,
        started_at=now,
        finished_at=now + dt.timedelta(seconds=2),
        seconds=2.0,
        status=RecomputeStatus.FAILED,
        error=error,
    )


def a_traceback() -> str:
    try:
        {}["stage"]  # the failure itself
    except KeyError as exc:
        return describe(exc)
    raise AssertionError("unreachable")


@pytest.mark.django_db(transaction=True)
def test_a_queued_recompute_reads_done_with_its_run(client, manager, growth_batch):
    client.force_login(manager)
    queued = client.post("/api/v1/recompute/", {"batch": growth_batch.id}, "application/json")
    [task] = queued.json()["task_ids"]

    body = runs(client, growth_batch, task).json()

    assert (body["batch"], body["task_id"], body["state"]) == (growth_batch.id, task, "done")
    [run] = body["runs"]
    stored = RecomputeRun.objects.get(task_id=task)
    assert run["status"] == "ok" and run["error"] == ""
    assert run["rows"] == stored.rows > 0
    assert run["seconds"] == pytest.approx(stored.seconds, abs=1e-3)
    assert run["started_at"] and run["finished_at"]
    # Without a task: the batch's latest runs, the same one among them.
    every = runs(client, growth_batch).json()
    assert every["state"] is None and task in [r["task_id"] for r in every["runs"]]


def test_a_task_without_a_run_yet_is_queued(api, growth_batch):
    body = runs(api, growth_batch, "not-started-yet").json()
    assert body["state"] == "queued" and body["runs"] == []


def test_a_failure_is_told_in_words_without_the_traceback(api, growth_batch):
    error = a_traceback()
    assert "Traceback" in error and 'File "' in error  # what operators keep
    failed_run(growth_batch, error)
    body = runs(api, growth_batch, "t-1").json()
    assert body["state"] == "failed"
    words = body["runs"][0]["error"]
    assert words.startswith("The recompute stopped on an error (KeyError: 'stage').")
    assert "tell your administrator" in words
    assert "Traceback" not in str(body) and 'File "' not in str(body)


@pytest.mark.parametrize(
    ("error", "state", "words"),
    [
        (f"{NOT_QUEUED}redis://127.0.0.1:1/0: OperationalError: refused", "failed", "task queue"),
        ("OperationalError: server closed the connection\n(retrying)", "retrying", "tried again"),
        ("batch lock not had: OperationalError: lock timeout", "failed", "Try again in a minute"),
    ],
)
def test_known_failures_have_their_own_words(api, growth_batch, error, state, words):
    failed_run(growth_batch, error)
    body = runs(api, growth_batch, "t-1").json()
    assert body["state"] == state
    assert words in body["runs"][0]["error"]
    assert "127.0.0.1" not in body["runs"][0]["error"]


def test_a_running_task_reads_running(api, growth_batch):
    RecomputeRun.objects.create(
        batch=growth_batch,
        trigger="pin",
        task_id="t-2",
        started_at=timezone.now(),
        status=RecomputeStatus.RUNNING,
    )
    body = runs(api, growth_batch, "t-2").json()
    assert body["state"] == "running"
    assert body["runs"][0]["finished_at"] is None and body["runs"][0]["seconds"] is None


def test_another_sites_batch_is_404(client, growth_batch):
    failed_run(growth_batch, "ValueError: x")
    client.force_login(access.person("north", "manager", stations=["S09"]))
    assert runs(client, growth_batch, "t-1").status_code == 404
    assert runs(client, growth_batch).status_code == 404


def test_anonymous_is_refused(client, growth_batch):
    assert client.get(URL, {"batch": growth_batch.id}).status_code in (401, 403)


def test_bad_queries_name_the_parameter(api, growth_batch):
    assert api.get(URL).json() == {"batch": ["This field is required."]}
    assert api.get(URL, {"batch": "x"}).status_code == 400
    assert api.get(URL, {"batch": 999999}).status_code == 404


def test_both_answers_are_the_schema_they_declare(api, manager, client, growth_batch):
    failed_run(growth_batch, a_traceback())
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    def declared(path: str, method: str) -> dict:
        ok = schema["paths"][path][method]["responses"]["200"]
        return ok["content"]["application/json"]["schema"]

    answer = runs(api, growth_batch, "t-1").json()
    runs_schema = declared("/api/v1/recompute/runs/", "get")
    assert _keys_against_schema(answer, runs_schema, components, "runs") == []
    params = {p["name"] for p in schema["paths"]["/api/v1/recompute/runs/"]["get"]["parameters"]}
    assert params == {"batch", "task"}
    pin_path = "/api/v1/batches/{id}/scenario/"
    answer = api.get(f"/api/v1/batches/{growth_batch.id}/scenario/").json()
    assert _keys_against_schema(answer, declared(pin_path, "get"), components, "pin") == []
    client.force_login(manager)
    plan = growth_batch.scenarios.get()
    answer = client.put(
        f"/api/v1/batches/{growth_batch.id}/scenario/", {"scenario": plan.id}, "application/json"
    ).json()
    assert answer["history"], "a change to check the history's shape with"
    assert _keys_against_schema(answer, declared(pin_path, "put"), components, "pin") == []
    request = schema["paths"][pin_path]["put"]["requestBody"]["content"]["application/json"]
    body = components[request["schema"]["$ref"].rsplit("/", 1)[1]]
    assert body["properties"]["scenario"]["nullable"] is True

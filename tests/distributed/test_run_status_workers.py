"""What the growth page polls, with a real worker (PostgreSQL and Redis): a recompute
queued through the API reads queued while no worker has started it, then running or
done, never going back, and ends done with its run's rows and seconds; the page says
so, in headless Chromium, and reloads its figures."""

from __future__ import annotations

import time

import pytest

from aquagrowth.engine.locks import LOCK_NAMESPACE, batch_lock_key
from aquagrowth.engine.models import RecomputeRun
from tests import access
from tests.analysis.browser_tools import DESKTOP, signed_in, wait_ready
from tests.distributed.conftest import wait_until
from tests.distributed.test_workers import advisory_waiters

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ORDER = ["queued", "running", "done"]


def test_a_recompute_on_a_worker_reads_queued_then_done(
    start_worker, side_connection, farm_batch, client
):
    batch, _, _ = farm_batch
    start_worker("status")
    client.force_login(access.person("planner", "manager", stations=["S01"]))
    # Another recompute holds the batch: the worker takes the task and waits for it.
    key = (LOCK_NAMESPACE, batch_lock_key(batch.pk))
    side_connection.execute("SELECT pg_advisory_lock(%s, %s)", key)
    queued = client.post("/api/v1/recompute/", {"batch": batch.pk}, "application/json")
    assert queued.status_code == 202, queued.content
    [task] = queued.json()["task_ids"]
    url = f"/api/v1/recompute/runs/?batch={batch.pk}&task={task}"
    wait_until(lambda: advisory_waiters(side_connection, batch.pk) == 1, 30, "the worker waits")

    body = client.get(url).json()
    assert (body["state"], body["runs"]) == ("queued", [])

    side_connection.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if not seen or seen[-1] != body["state"]:
            seen.append(body["state"])
        if body["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    print(f"states seen by polling: {seen}")
    assert seen[-1] == "done", seen
    assert seen == sorted(seen, key=ORDER.index), f"went back: {seen}"
    [run] = body["runs"]
    stored = RecomputeRun.objects.get(task_id=task)
    assert (run["status"], run["trigger"], run["rows"]) == ("ok", "api", stored.rows)
    assert stored.rows > 0 and run["seconds"] > 0 and run["error"] == ""


@pytest.mark.browser
def test_the_page_follows_a_recompute_on_a_worker(
    start_worker, side_connection, farm_batch, browser, live_server
):
    batch, _, _ = farm_batch
    start_worker("page")
    access.person("planner", "manager", stations=["S01"])
    tab = signed_in(browser, live_server, "planner", DESKTOP)
    tab.goto(f"{live_server.url}/batches/{batch.pk}/growth/")
    wait_ready(tab)
    key = (LOCK_NAMESPACE, batch_lock_key(batch.pk))
    side_connection.execute("SELECT pg_advisory_lock(%s, %s)", key)

    tab.click("#recompute")

    wait_until(lambda: advisory_waiters(side_connection, batch.pk) == 1, 30, "the worker waits")
    tab.wait_for_selector("#recompute-status [data-state=queued]")
    assert "waiting for a worker" in tab.inner_text("#recompute-status")
    assert tab.locator("#recompute").is_disabled()  # one recompute followed at a time
    side_connection.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    tab.wait_for_selector("#recompute-status [data-state=done]", timeout=30_000)
    wait_ready(tab)  # the figures reloaded
    assert "Recompute done at" in tab.inner_text("#recompute-status")
    assert tab.evaluate("window.growthData.batch.last_state_date")
    assert not tab.locator("#recompute").is_disabled()
    assert tab.errors == []
    tab.context.close()

"""Operators see each batch's last recompute, and a failure's error, in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.farm import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    user = User.objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(user)
    return client


def run(batch, status, minutes_ago, **fields) -> RecomputeRun:
    started = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return RecomputeRun.objects.create(
        batch=batch, trigger="event", started_at=started, status=status, **fields
    )


def test_the_batch_list_shows_the_last_recompute_of_each_batch(operator_client, batch, species):
    run(batch, RecomputeStatus.OK, 60, seconds=3.0, rows=999)
    run(batch, RecomputeStatus.OK, 5, seconds=1.25, rows=4321)
    never = m.Batch.objects.create(number="FO-NEVER", species=species, start_date=batch.start_date)
    page = operator_client.get("/admin/farm/batch/").content.decode()
    assert "1.2 s, 4,321 rows" in page
    assert "999 rows" not in page, "only the latest run is shown"
    assert never.number in page and "never" in page


def test_a_failed_last_recompute_shows_its_error_in_the_list_and_on_the_batch(
    operator_client, batch
):
    run(batch, RecomputeStatus.OK, 60, seconds=3.0, rows=999)
    error = "Traceback ...\nOperationalError: canceling statement due to lock timeout"
    run(batch, RecomputeStatus.FAILED, 1, error=error)
    listing = operator_client.get("/admin/farm/batch/").content.decode()
    assert "failed" in listing and "canceling statement due to lock timeout" in listing
    detail = operator_client.get(f"/admin/farm/batch/{batch.pk}/change/").content.decode()
    assert "recent recomputes" in detail.lower()
    assert "999" in detail and "lock timeout" in detail


def test_the_admin_action_recomputes_the_selected_batches(
    operator_client, batch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(
            "/admin/farm/batch/",
            {"action": "recompute_selected", "_selected_action": [batch.pk]},
        )
    [recorded] = RecomputeRun.objects.filter(batch=batch)
    assert recorded.trigger == "admin"


@pytest.mark.django_db(transaction=True)
def test_the_admin_action_on_a_dead_broker_says_so_and_stores_the_failures(
    operator_client, batch, broker_down
):
    page = operator_client.post(
        "/admin/farm/batch/",
        {"action": "recompute_selected", "_selected_action": [batch.pk]},
        follow=True,
    ).content.decode()
    assert "1 recomputes not queued (broker unavailable)" in page
    [recorded] = RecomputeRun.objects.filter(batch=batch)
    assert (recorded.trigger, recorded.status) == ("admin", RecomputeStatus.FAILED)
    listing = operator_client.get("/admin/farm/batch/").content.decode()
    assert "not queued" in listing, "the list shows the reason"

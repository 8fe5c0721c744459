"""Queueing recomputes: only managers and admins (staff) may, and they get task ids back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

URL = "/api/v1/recompute/"


def test_anonymous_is_refused(client, growth_batch):
    response = client.post(URL, {"batch": growth_batch.id}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_a_viewer_is_forbidden(api, growth_batch):
    response = api.post(URL, {"batch": growth_batch.id}, content_type="application/json")
    assert response.status_code == 403


def test_manager_queues_a_batch(client, manager, growth_batch):
    client.force_login(manager)
    response = client.post(
        URL, {"batch": growth_batch.id, "start": "2024-01-10"}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["batch"] == growth_batch.id
    assert body["since"] == "2024-01-10"
    assert len(body["task_ids"]) == 1 and body["task_ids"][0]


def test_staff_queues_an_assignment_from_its_first_day(client, growth_batch):
    staff = User.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(staff)
    tank = growth_batch.assignments.get(container__name="S01-B-01")
    response = client.post(
        URL, {"assignment": tank.id, "start": "2024-01-02"}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["batch"] == growth_batch.id
    # Days before the tank existed cannot change by recomputing it.
    assert body["since"] == tank.assignment_date.isoformat()
    later = tank.assignment_date + dt.timedelta(days=5)
    response = client.post(
        URL, {"assignment": tank.id, "start": later.isoformat()}, content_type="application/json"
    )
    assert response.json()["since"] == later.isoformat()


@pytest.mark.parametrize("body", [{}, {"batch": "both"}, {"batch": 999999}])
def test_bad_requests_are_400(client, manager, growth_batch, body):
    client.force_login(manager)
    if body.get("batch") == "both":
        body = {"batch": growth_batch.id, "assignment": growth_batch.assignments.first().id}
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400


def test_get_is_not_allowed(client, manager):
    client.force_login(manager)
    assert client.get(URL).status_code == 405

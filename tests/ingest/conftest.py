"""A small batch, the roles of docs/data-in.md as users, and a client per user.

The batch (``tests.distributed.farm``): parr in tray S01-A-01 from 2024-01-01, all
moved on 2024-03-01 to tray S01-A-02 as smolt, which departs on 2024-06-01. Without a
broker the recompute a request queues runs in this process before the answer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from aquagrowth.farm import models as m
from aquagrowth.farm.signals import bulk_load
from tests.access import person
from tests.distributed.conftest import (  # noqa: F401 (fixtures)
    broker_down,
    broker_scheme,
    dead_broker,
)
from tests.distributed.farm import build_transfer_batch

PARR_TRAY, SMOLT_TRAY = "S01-A-01", "S01-A-02"
NUMBER = "FO-2024-01"


def url(kind: str) -> str:
    return f"/api/v1/events/{kind}/"


@pytest.fixture(autouse=True)
def fresh_pending_state():
    """In-process pending days and unsent windows never leak from one test to the next."""
    from aquagrowth.distributed import dispatch, pending

    pending._local_store = pending.LocalPendingStore()
    dispatch._unsent.windows.clear()
    yield
    dispatch._unsent.windows.clear()


@pytest.fixture
def farm(species, stages, hall_containers) -> tuple[m.Batch, m.Assignment, m.Assignment]:
    """The batch, its parr stay and its smolt stay, built with triggers off."""
    with bulk_load():
        return build_transfer_batch(species, stages, hall_containers)


@pytest.fixture
def as_user(db) -> Callable[[User], Client]:
    """A client that sends ``user``'s token, as a machine client does."""

    def client_of(user: User) -> Client:
        token, _ = Token.objects.get_or_create(user=user)
        return Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    return client_of


@pytest.fixture
def operator(db) -> User:
    """A feed system: the operator role at station S01, where the batch lives."""
    return person("feedsys", "operator", stations=["S01"])


@pytest.fixture
def api(as_user, operator) -> Client:
    """The client of a machine client with the operator role."""
    return as_user(operator)


def post(client: Client, kind: str, events, query: str = ""):
    """POST ``events`` (any JSON value) as a client sends them."""
    body = json.dumps(events)
    return client.post(url(kind) + query, body, content_type="application/json")


def feeding(
    day: dt.date = dt.date(2024, 2, 1),
    amount_kg: float = 2.5,
    external_id: str | None = "f-1",
    container: str = PARR_TRAY,
    **extra,
) -> dict:
    event = {
        "batch": NUMBER,
        "container": container,
        "feeding_date": day.isoformat(),
        "amount_kg": amount_kg,
        "feed_type": "Parr 2 mm",
        "source": "feedsys-north",
        "external_id": external_id,
    }
    return {**event, **extra}


def days(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(count)]

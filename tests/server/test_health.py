"""``/health/``: the database, the broker (one short try) and last night's recompute."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time

import pytest
from django.utils import timezone

from aquagrowth.engine.models import RecomputeRun, RecomputeStatus

SECRET = "broker-secret-pw"


@pytest.fixture
def frozen_port():
    """A socket that accepts connections and never answers (a frozen broker)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_healthy_without_a_login(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "mode": "in-process (no broker configured)"}
    assert body["nightly"] == {"status": "never"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("broker", ["frozen", "refused"])
def test_a_broker_that_does_not_answer_is_503_within_about_a_second(
    client, db, settings, frozen_port, broker
):
    port = frozen_port if broker == "frozen" else refused_port()
    settings.CELERY_BROKER_URL = f"redis://:{SECRET}@127.0.0.1:{port}/0"
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["broker"]["ok"] is False
    assert body["broker"]["error"] == ("timed out" if broker == "frozen" else "unreachable")
    assert body["database"]["ok"] is True
    text = response.content.decode()
    assert SECRET not in text and str(port) not in text and "redis" not in text


def test_a_real_redis_broker_answers(client, db, settings):
    url = os.environ.get("AQUAGROWTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    settings.CELERY_BROKER_URL = url
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["broker"]["ok"] is True


def test_last_nights_recompute_is_reported(client, batch, species):
    now = timezone.now()
    night = now - dt.timedelta(hours=20)

    def run(started, status, trigger="beat"):
        RecomputeRun.objects.create(batch=batch, trigger=trigger, started_at=started, status=status)

    run(night - dt.timedelta(days=1), RecomputeStatus.FAILED)  # the night before: over
    run(night, RecomputeStatus.OK)
    run(night + dt.timedelta(minutes=3), RecomputeStatus.FAILED)
    run(now, RecomputeStatus.FAILED, trigger="event")  # not the nightly sweep
    body = client.get("/health/").json()
    assert response_ok(body)
    nightly = body["nightly"]
    assert nightly["status"] == "failed"
    assert nightly["runs"] == {"ok": 1, "failed": 1}
    assert nightly["started_at"] == night.isoformat()
    assert nightly["hours_ago"] == pytest.approx(19.9, abs=0.2)


def response_ok(body) -> bool:
    """A failed night does not make the server unhealthy: it still answers."""
    return body["status"] == "ok"

"""Real Celery workers for the integration tests: subprocesses on PostgreSQL and Redis.

Workers get the test database by ``DATABASE_URL`` (the tests use
``django_db(transaction=True)`` so that they see committed data) and a Redis database
of their own as broker, result backend and pending store. The test process is switched
from in-process (eager) tasks to that broker for the test's duration.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection

from aquagrowth.farm.signals import bulk_load
from tests.distributed.brokers import FrozenServer, broker_at, refused_port
from tests.distributed.farm import build_transfer_batch

REDIS_URL = os.environ.get("AQUAGROWTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
VISIBILITY_TIMEOUT_S = 8
"""Short, so that a killed worker's task comes back within the test's patience."""

CELERY = str(Path(sys.executable).with_name("celery"))


def database_url() -> str:
    s = connection.settings_dict
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s.get('USER') or 'postgres'}{password}@{host}:{port}/{s['NAME']}"


def require_postgres_and_redis() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "real-worker tests need PostgreSQL (DATABASE_URL=postgres://...): worker "
            "processes must share the test database, and SQLite's in-test database cannot"
        )
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"real-worker tests need Redis at {REDIS_URL}: {exc}")


def require_redis() -> redis.Redis:
    """A client of the test's Redis database, emptied; skip the test without Redis."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")
    return client


@pytest.fixture
def redis_broker() -> Iterator[redis.Redis]:
    """This process sends to Redis (not in-process) while the test runs."""
    require_postgres_and_redis()
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        with broker_at(REDIS_URL):
            yield client
    finally:
        client.flushdb()


@pytest.fixture
def frozen_server() -> Iterator[FrozenServer]:
    """A broker host that accepts connections and never answers."""
    server = FrozenServer()
    yield server
    server.close()


@pytest.fixture(params=["redis", "amqp"])
def broker_scheme(request) -> str:
    """Each failure is tried with both brokers the docs name (kombu's transports)."""
    return request.param


@pytest.fixture(params=["frozen", "refused"])
def dead_broker(request, broker_scheme) -> Iterator[str]:
    """The URL of a broker that hangs or refuses (for ``broker_at``)."""
    if request.param == "frozen":
        server = FrozenServer()
        yield f"{broker_scheme}://127.0.0.1:{server.port}/0"
        server.close()
    else:
        yield f"{broker_scheme}://127.0.0.1:{refused_port()}/0"


@pytest.fixture
def broker_down(dead_broker) -> Iterator[str]:
    """This process sends to a broker that hangs or refuses for the whole test."""
    with broker_at(dead_broker):
        yield dead_broker


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool child): no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def start_worker(redis_broker, tmp_path) -> Iterator[Callable[[str], Worker]]:
    """Start ``celery -A aquagrowth worker -P prefork -c 1`` processes; stopped at teardown."""
    started: list[Worker] = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
        # Sweep for abandoned tasks every second instead of every 100 s.
        "CELERY_BROKER_TRANSPORT_OPTIONS": '{"unacked_restore_interval": 1, '
        '"unacked_restore_throttle": 1}',
        "AQUAGROWTH_LOG_LEVEL": "INFO",
        # A worker that hangs can be made to print its Python stack (kill -ABRT).
        "PYTHONFAULTHANDLER": "1",
    }

    def start(name: str) -> Worker:
        log_path = tmp_path / f"{name}.log"
        command = [
            CELERY, "-A", "aquagrowth", "worker", "-P", "prefork", "-c", "1",
            "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "-l", "INFO",
        ]  # fmt: skip
        with log_path.open("w") as log:
            process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(name, process, log_path)
        started.append(worker)
        deadline = time.monotonic() + 60
        while " ready." not in worker.log():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker {name} did not start:\n{worker.log()[-3000:]}")
            time.sleep(0.2)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def farm_batch(species, stages, hall_containers):
    """The two-assignment batch of ``tests.distributed.farm``, built with triggers off."""
    with bulk_load():
        return build_transfer_batch(species, stages, hall_containers)


@pytest.fixture
def side_connection() -> Iterator[psycopg.Connection]:
    """A second PostgreSQL session, as another process would hold it (autocommit)."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; on SQLite the batch lock is a no-op")
    with psycopg.connect(database_url(), autocommit=True) as conn:
        yield conn


def wait_until(condition: Callable[[], object], timeout_s: float, what: str) -> object:
    """Poll ``condition`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"not within {timeout_s} s: {what}")


@pytest.fixture(autouse=True)
def fresh_pending_state():
    """In-process pending days and unsent windows never leak from one test to the next."""
    from aquagrowth.distributed import dispatch, pending

    pending._local_store = pending.LocalPendingStore()
    dispatch._unsent.windows.clear()
    yield
    dispatch._unsent.windows.clear()

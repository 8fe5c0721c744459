"""PostgreSQL never hangs a web request: a connect timeout, and a statement timeout that
web requests get and long jobs (recompute, import, workers) do not."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connection
from django.db.utils import load_backend

from tests import access
from tests.distributed.brokers import FrozenServer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's timeouts"),
]


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_a_web_request_cuts_a_long_statement_and_other_work_is_not_cut(client, settings):
    settings.AQUAGROWTH_WEB_STATEMENT_TIMEOUT_S = 0.3
    assert statement_timeout() == "0", "outside requests (recompute, import) no limit"
    client.force_login(access.person("biologist", "viewer"))
    connection.close()  # the request opens its own session, as a server worker does

    assert client.get("/api/v1/batches/").status_code == 200

    # The session the request used keeps its limit: a statement past it is cancelled.
    assert statement_timeout() == "300ms"
    with pytest.raises(OperationalError, match="statement timeout"), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1)")
    connection.close()
    assert statement_timeout() == "0", "a new session outside a request has no limit"


def test_a_database_that_does_not_answer_fails_the_connection_in_seconds(settings):
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 5
    frozen = FrozenServer()
    wrapper_class = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper
    options = {**connection.settings_dict["OPTIONS"], "connect_timeout": 2}
    hung = wrapper_class({**connection.settings_dict, "PORT": frozen.port, "OPTIONS": options})
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError, match="timeout"):
            hung.ensure_connection()
    finally:
        frozen.close()
    assert time.monotonic() - started < 4

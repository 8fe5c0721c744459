"""A statement timeout for web requests (PostgreSQL): a request never holds a connection
and a server worker longer than ``AQUAGROWTH_WEB_STATEMENT_TIMEOUT_S`` per statement.

Only web requests get it. ``recompute``, ``import``, the demo and the Celery workers run
long statements by design (a farm's COPY, a year of states replaced in one transaction)
and keep the server's setting (none by default). The timeout is set once per database
session, on the first request that uses it, so a kept-alive connection
(``DATABASE_CONN_MAX_AGE``) pays one ``set_config`` in its life, not one per request.

A statement cut short raises ``OperationalError`` (``canceling statement due to statement
timeout``): the request fails with a 500 rather than hanging.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse

_in_request: ContextVar[bool] = ContextVar("aquagrowth_in_web_request", default=False)
_LIMITED = "_aquagrowth_limited_session"
"""The wrapper's attribute naming the driver connection whose timeout is set: a new
session (reconnect) is told again."""


def limit_statements(wrapper: BaseDatabaseWrapper) -> None:
    """Set the web statement timeout on ``wrapper``'s open session, once per session."""
    milliseconds = int(settings.AQUAGROWTH_WEB_STATEMENT_TIMEOUT_S * 1000)
    session = wrapper.connection
    if wrapper.vendor != "postgresql" or milliseconds <= 0 or session is None:
        return
    if getattr(wrapper, _LIMITED, None) is session:
        return
    with wrapper.cursor() as cursor:
        # Session-wide (false): it outlives this request's transactions.
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds}ms"])
    setattr(wrapper, _LIMITED, session)


def _on_connection_created(sender: type, connection: BaseDatabaseWrapper, **_: object) -> None:
    """A session opened while a request is served gets the timeout before its first
    statement."""
    if _in_request.get():
        limit_statements(connection)


connection_created.connect(_on_connection_created, dispatch_uid="aquagrowth.db.timeouts")


class StatementTimeoutMiddleware:
    """Mark the request as a web request, and limit the session it already holds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        """Django's middleware protocol."""
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Serve the request with its statements limited."""
        token = _in_request.set(True)
        try:
            limit_statements(connection)
            return self.get_response(request)
        finally:
            _in_request.reset(token)

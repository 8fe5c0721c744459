"""Brokers that fail as real ones do, without mocks: a frozen one and a refused one.

A frozen broker is a TCP server that accepts every connection and never answers a byte
(a Redis or RabbitMQ host that hangs, a half-open connection behind a firewall); a
refused one is a port nothing listens on (the broker is down, the host is up).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aquagrowth.celery import app


class FrozenServer:
    """Accepts connections on 127.0.0.1 and holds them open, silent, until closed."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="frozen-broker", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(conn)

    @property
    def connections(self) -> int:
        """How many clients connected (and got no answer)."""
        return len(self._held)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        for conn in self._held:
            conn.close()


def refused_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reset_app_connections() -> None:
    """Forget the app's pooled broker and result-backend connections (a new URL)."""
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def broker_at(url: str, result_backend: str | None = None) -> Iterator[None]:
    """This process sends its tasks to ``url`` (not in-process) within the block."""
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    backend = result_backend or (url if url.startswith("redis") else "rpc://")
    app.conf.update(broker_url=url, result_backend=backend, task_always_eager=False)
    reset_app_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_app_connections()

"""The production settings and server, as separate processes with environments of their own.

The tests' own process runs with DEBUG asked for (tests/settings.py); what a farm's
server does is only seen in a process started with the production environment: a
command (``aquagrowth check --deploy``) or the server itself (``aquagrowth serve``).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.analysis.conftest import api, containers, growth_batch, user  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]


def base_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment: none of this process's settings (DEBUG, the database)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env["PYTHONPATH"] = str(ROOT)  # this checkout, also when another is installed
    env["AQUAGROWTH_VAR"] = str(var_dir)
    env.update(extra)
    return env


def production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The production environment of docs/operations.md, behind a TLS proxy."""
    return base_env(
        var_dir,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="growth.farm.example,127.0.0.1",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://growth.farm.example",
        AQUAGROWTH_TLS_PROXY="1",
        **extra,
    )


def test_database_url() -> str:
    """The test database as a URL, for a server process to share it (data committed by a
    ``transactional_db`` test is visible to it): a file on SQLite, a name on PostgreSQL."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{s['USER'] or 'postgres'}{password}@{host}:{port}/{s['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def console(env: dict[str, str], *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``aquagrowth ARGV`` in a process with ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "aquagrowth.cli", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serving(env: dict[str, str], log_path: Path, *argv: str) -> Iterator[Server]:
    """``aquagrowth serve`` on a free port until the block ends; then SIGTERM, which must
    stop it gracefully (exit status 0) within its graceful timeout."""
    port = free_port()
    command = [sys.executable, "-m", "aquagrowth.cli", "serve", "--bind", f"127.0.0.1:{port}"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, "--workers", "2", *argv],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_listening(server)
        yield server
    finally:
        stopped = _stop(process)
    assert stopped == 0, f"serve did not stop gracefully ({stopped}):\n{server.log()[-3000:]}"


def _wait_until_listening(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"serve exited:\n{server.log()[-3000:]}")
        try:
            urllib.request.urlopen(f"{server.url}/health/", timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers (503 is an answer)
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"serve did not answer within 60 s:\n{server.log()[-3000:]}")


def _stop(process: subprocess.Popen) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the master: gunicorn's graceful stop
        try:
            return process.wait(40)
        except subprocess.TimeoutExpired:
            pass
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # nothing may outlive the test
    process.wait(10)
    return process.returncode

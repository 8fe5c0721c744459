"""The growth endpoint under load: 50 users on the production server, cache off and on.

Starts the production server as ``docs/operations.md`` runs it (gunicorn on
``aquagrowth.wsgi``, DEBUG off; by default what ``aquagrowth serve`` runs: sync workers,
2 x CPUs + 1 of them; ``--workers``, ``--worker-class`` and ``--threads`` try others)
twice on the same database: once with the answer cache switched off
(``AQUAGROWTH_ANSWER_CACHE=0``: every answer computed, the design before the cache) and
once with it on (Redis at ``--cache-url``). Logs in (a session, through the login form),
then per design:

- **empty cache**: the first request for each batch, one at a time (the server's cache
  is new: its key prefix is fresh), and a second request to show the warm answer;
- **load**: ``--clients`` closed-loop clients (each sends its next request when its
  answer has arrived), each asking for every batch's whole-life daily growth answer in
  turn (the page's first request) with ``Accept-Encoding: gzip``, for ``--seconds``;
  only full 200 answers count toward req/s and latency, 304s and errors are counted
  apart. ``--runs`` runs per design, alternating off and on so that both see the same
  machine; the median of the runs is the figure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ag_demo \\
        .venv/bin/python bench/api_bench.py --cache-url redis://127.0.0.1:6379/12
    .venv/bin/python bench/api_bench.py --database sqlite:////tmp/ag-demo/aquagrowth.sqlite3

The database must hold a computed farm (``bench/build_farm.py --profile demo --keep
--database NAME``, then ``aquagrowth recompute`` with its ``DATABASE_URL``), or give
``--build`` to build and compute the demo farm into it when it holds none.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gzip
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = "api-bench", secrets.token_urlsafe(12)
DESIGNS = {"off": "cache off (every answer computed)", "on": "cache on (Redis)"}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of a run")
    parser.add_argument("--runs", type=int, default=3, help="runs per design")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: serve's, 2 x CPUs + 1)"
    )
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (serve's default: sync)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--designs", default="off,on", help="which of off,on to run")
    parser.add_argument("--weekly", action="store_true", help="ask for weekly answers too")
    parser.add_argument("--build", action="store_true", help="build the demo farm if none")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="more server env"
    )
    return parser.parse_args()


# --- The database: a computed farm and a user ------------------------------------------


def prepare(options: argparse.Namespace) -> list[tuple[int, str, int]]:
    """(batch id, number, daily states) of each batch with states; makes the bench user."""
    if options.database:
        os.environ["DATABASE_URL"] = options.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
    # The settings refuse to start without a secret outside DEBUG: this process signs
    # nothing, a random one does.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    # This process reads the database between awaits (CPU of its backends): never
    # while a request of its own is in flight.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db.models import Count

    from aquagrowth.accounts import access
    from aquagrowth.engine.models import DailyState
    from aquagrowth.farm.models import FreshwaterStation, SeaArea

    call_command("migrate", verbosity=0)
    if options.build and not DailyState.objects.exists():
        build_demo()
    user, _ = User.objects.get_or_create(username=USER)
    user.set_password(PASSWORD)
    user.save()
    # A viewer of every site, as a biologist of the farm is (docs/data-in.md, "Sites").
    access.set_role(user, "viewer")
    access.grant_sites(user, [*FreshwaterStation.objects.all(), *SeaArea.objects.all()])
    rows = (
        DailyState.objects.values("batch_id", "batch__number")
        .annotate(states=Count("id"))
        .order_by("batch__number")
    )
    batches = [(r["batch_id"], r["batch__number"], r["states"]) for r in rows]
    if not batches:
        raise SystemExit("no computed batch in the database: see --build or the docstring")
    return batches


def build_demo() -> None:
    from aquagrowth.engine.runner import recompute_batches
    from aquagrowth.farm.models import Batch
    from aquagrowth.generator.service import build_farm

    started = time.perf_counter()
    build_farm("demo", seed=1, truth=False, progress=False)
    for _ in recompute_batches(Batch.objects.values_list("id", flat=True)):
        pass
    print(f"built and computed the demo farm in {time.perf_counter() - started:.1f} s")


def database_label() -> str:
    from django.db import connection

    return f"{connection.vendor} {connection.settings_dict['NAME']}"


# --- The production server -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In the child: gunicorn's master gets SIGTERM when this bench ends, however it ends
    (Linux's PR_SET_PDEATHSIG); elsewhere, ``Server.stop`` alone."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


@dataclass
class Server:
    """gunicorn on ``aquagrowth.wsgi`` with one design's environment."""

    design: str
    options: argparse.Namespace
    port: int = field(default_factory=free_port)
    # A fresh key prefix: this server starts with an empty cache.
    prefix: str = field(default_factory=lambda: f"api-bench-{uuid.uuid4().hex[:8]}")
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        o = self.options
        return [
            *(sys.executable, "-m", "gunicorn", "aquagrowth.wsgi:application"),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", str(o.workers)),
            *("--worker-class", o.worker_class, "--threads", str(o.threads)),
            *("--backlog", "2048", "--log-level", "warning"),
        ]

    def environment(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": self.secret,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on the loopback, as behind a TLS proxy: no redirect to https.
            "AQUAGROWTH_HTTPS": "0",
            "DATABASE_CONN_MAX_AGE": "600",
            "AQUAGROWTH_ANSWER_CACHE": "1" if self.design == "on" else "0",
            "AQUAGROWTH_CACHE_URL": self.options.cache_url,
            "AQUAGROWTH_CACHE_PREFIX": self.prefix,
            "AQUAGROWTH_CACHE_SECONDS": "3600",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(pair.split("=", 1) for pair in self.options.env)
        return env

    def start(self) -> None:
        # The login page names hashed static files: collected first, as `serve` does.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.environment(),
            check=True,
            timeout=120,
        )
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.environment(), preexec_fn=die_with_parent
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not listen within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- The clients ---------------------------------------------------------------------


async def log_in(server: Server) -> dict[str, str]:
    """Log in through the form; the headers every request then sends."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1, Secure or not
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(f"{server.url}/accounts/login/") as page:
            html = await page.text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        form = {"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": token}
        headers = {"Referer": f"{server.url}/accounts/login/"}
        async with session.post(
            f"{server.url}/accounts/login/", data=form, headers=headers, allow_redirects=False
        ) as answer:
            if answer.status != 302:
                raise SystemExit(f"login failed: {answer.status} {await answer.text()}")
        cookies = {c.key: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("login set no session cookie")
    return {
        "Cookie": f"sessionid={cookies['sessionid']}",
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
    }


@dataclass
class Tally:
    """What one run saw."""

    latencies_ms: list[float] = field(default_factory=list)
    bytes: int = 0
    not_modified: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def one(session, url: str, headers: dict, tally: Tally, deadline: float) -> None:
    started = time.perf_counter()
    try:
        async with session.get(url, headers=headers) as response:
            raw = await response.read()  # gzip bytes as sent: the client does not inflate
            status, encoding = response.status, response.headers.get("Content-Encoding")
    except (aiohttp.ClientError, TimeoutError) as exc:
        tally.error(type(exc).__name__)
        return
    ended = time.perf_counter()
    if ended > deadline:
        return  # finished after the run: not counted
    if status == 304:
        tally.not_modified += 1
    elif status != 200:
        tally.error(f"HTTP {status}")
    elif encoding != "gzip":
        tally.error("200 not gzipped")
    else:
        tally.latencies_ms.append((ended - started) * 1000)
        tally.bytes += len(raw)


async def client(session, urls, start, headers, tally, deadline) -> None:
    """A closed-loop user: the next request as soon as the answer has arrived."""
    i = start
    while time.perf_counter() < deadline:
        await one(session, urls[i % len(urls)], headers, tally, deadline)
        i += 1


async def load(server: Server, urls: list[str], headers: dict, clients: int, seconds: float):
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, auto_decompress=False
    ) as session:
        deadline = time.perf_counter() + seconds
        before = cpu_now(server)
        await asyncio.gather(
            *(client(session, urls, i, headers, tally, deadline) for i in range(clients))
        )
        tally.cpu_s = cpu_used(before, cpu_now(server))
    return tally


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (None: gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(server: Server) -> list[int]:
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def database_pids() -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (none on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def cpu_now(server: Server) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process: the server's, the database's, this client."""
    groups = {"server": server_pids(server), "database": database_pids(), "client": []}
    now = {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}
    now["client"] = {0: time.process_time()}
    return {name: {p: c for p, c in used.items() if c is not None} for name, used in now.items()}


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each group used between two readings (a process that ended in
    between is missed: the server keeps its database connections for the whole run)."""
    return {
        name: sum(c - before[name].get(pid, 0.0) for pid, c in after[name].items())
        for name in after
    }


async def first_requests(server: Server, batches, headers: dict) -> list[tuple[float, float]]:
    """Per batch, one at a time: the first request's and the second's milliseconds; each
    answer is checked (gzip, JSON, the batch asked for)."""
    timings = []
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        for batch_id, number, _ in batches:
            url = f"{server.url}/api/v1/batches/{batch_id}/growth/?granularity=daily"
            pair = []
            for _ in range(2):
                started = time.perf_counter()
                async with session.get(url, headers=headers) as response:
                    raw = await response.read()
                pair.append((time.perf_counter() - started) * 1000)
                assert response.status == 200, (response.status, raw[:200])
                answer = json.loads(gzip.decompress(raw))
                assert answer["batch"]["number"] == number, answer["batch"]
            timings.append(tuple(pair))
    return timings


async def warm_workers(server: Server, headers: dict, workers: int) -> None:
    """Each worker's first request imports the views, opens its database connection:
    spread a few concurrent cheap requests over the workers before any timing."""
    async with aiohttp.ClientSession() as session:

        async def poke(path: str) -> None:
            async with session.get(f"{server.url}{path}", headers=headers) as response:
                await response.read()

        paths = ["/api/v1/batches/", "/api/v1/batches/0/growth/"] * (4 * workers)
        await asyncio.gather(*(poke(p) for p in paths))


# --- Figures ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def figures(tally: Tally, seconds: float) -> dict:
    done = tally.latencies_ms
    return {
        "req_s": len(done) / seconds,
        "p50": percentile(done, 0.50),
        "p95": percentile(done, 0.95),
        "p99": percentile(done, 0.99),
        "kb": tally.bytes / max(len(done), 1) / 1024,
        "n304": tally.not_modified,
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors),
        **{f"{k}_ms": v * 1000 / max(len(done), 1) for k, v in tally.cpu_s.items()},
    }


def row(label: str, f: dict) -> str:
    return (
        f"{label:<26}{f['req_s']:>8.1f}{f['p50']:>9.0f}{f['p95']:>9.0f}{f['p99']:>9.0f}"
        f"{f['kb']:>8.1f}{f['n304']:>6}{f['errors']:>7}"
        f"{f['server_ms']:>8.1f}{f['database_ms']:>6.1f}{f['client_ms']:>6.1f}"
    )


HEADER = (
    f"{'':<26}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'kB':>8}{'304':>6}{'errors':>7}"
    f"{'srv':>8}{'db':>6}{'cli':>6}"
)
LEGEND = (
    "kB: gzip bytes per answer; srv, db, cli: CPU ms per 200 answer of the gunicorn "
    "processes, the PostgreSQL backends of the database, this client"
)


def median_of(runs: list[dict]) -> dict:
    keys = ("req_s", "p50", "p95", "p99", "kb", "n304", "errors")
    keys += ("server_ms", "database_ms", "client_ms")
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def forget_keys(server: Server) -> int:
    """Delete what this server put in Redis (its own prefix only)."""
    import redis

    prefix = server.prefix
    client = redis.Redis.from_url(server.options.cache_url, socket_timeout=5)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def print_cold(servers: dict[str, Server], cold: dict, batches) -> None:
    print("\nfirst request per batch, empty cache, one at a time (ms): first / second")
    print(f"{'batch':<14}{'states':>8}" + "".join(f"{d:>18}" for d in servers))
    for i, (_, number, states) in enumerate(batches):
        cells = "".join(f"{cold[d][i][0]:>10.0f} / {cold[d][i][1]:<5.0f}" for d in servers)
        print(f"{number:<14}{states:>8}{cells}")


async def measure(servers: dict[str, Server], batches, options) -> dict[str, list[dict]]:
    headers = {d: await log_in(s) for d, s in servers.items()}
    for d, server in servers.items():
        await warm_workers(server, headers[d], options.workers)
    cold = {d: await first_requests(s, batches, headers[d]) for d, s in servers.items()}
    print_cold(servers, cold, batches)
    grains = ("daily", "weekly") if options.weekly else ("daily",)
    paths = [f"/api/v1/batches/{b}/growth/?granularity={g}" for b, _, _ in batches for g in grains]
    for d, server in servers.items():  # the weekly answers warmed too
        async with aiohttp.ClientSession() as session:
            for path in paths:
                async with session.get(server.url + path, headers=headers[d]) as response:
                    await response.read()
    print(
        f"\n{options.clients} closed-loop clients, {options.seconds:.0f} s a run, "
        f"{len(paths)} URLs in turn (whole-life {' and '.join(grains)} answer of each batch)"
    )
    print(LEGEND)
    print(HEADER)
    runs: dict[str, list[dict]] = {d: [] for d in servers}
    for run in range(1, options.runs + 1):
        for d, server in servers.items():
            urls = [server.url + p for p in paths]
            tally = await load(server, urls, headers[d], options.clients, options.seconds)
            runs[d].append(figures(tally, options.seconds))
            extra = f"  load {load_average()}"
            kinds = runs[d][-1]["error_kinds"]
            print(row(f"{d}, run {run}", runs[d][-1]) + extra + (f"  {kinds}" if kinds else ""))
    return runs


def main() -> None:
    options = parse()
    batches = prepare(options)
    if options.workers is None:
        from aquagrowth.server.gunicorn import default_workers

        options.workers = default_workers()
    servers = {d: Server(d, options) for d in options.designs.split(",")}
    example = next(iter(servers.values()))
    print(f"database {database_label()}: {len(batches)} batches with daily states")
    print("server: DJANGO_DEBUG=0 DATABASE_CONN_MAX_AGE=600 " + " ".join(example.command()[1:]))
    print(f"cache: {options.cache_url}; {os.cpu_count()} cores, load average {load_average()}")
    try:
        for server in servers.values():
            server.start()
        runs = asyncio.run(measure(servers, batches, options))
    finally:
        for server in servers.values():
            server.stop()
    print(f"\nmedian of {options.runs} runs")
    print(HEADER)
    for d, results in runs.items():
        print(row(DESIGNS[d][:26], median_of(results)))
    if "on" in servers:
        forget_keys(servers["on"])
    print(f"\nload average at the end {load_average()} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

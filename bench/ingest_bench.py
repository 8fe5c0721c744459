"""Benchmark: a day of a farm's events through the event API, with two Celery workers.

Starts the production server (gunicorn on ``aquagrowth.wsgi``, DEBUG off) and two Celery
workers (``celery -A aquagrowth worker -P prefork -c 1`` each) on one PostgreSQL
database and a Redis broker, makes an operator of every site with a token (a machine
client), and measures from one client sending one request after the other on one
connection:

1. **a day of the farm**: for every active batch, on its last day of records, a
   feeding, a mortality count, a growth sample and four temperature readings per open
   stay, one request per kind; the seconds from the first request until every affected
   batch's daily states are current (no recompute pending, queued or running; every
   batch's last run ok);
2. **events per second**: feeding events (new identities, on the last 60 days of the
   open stays) in sequential requests of 1, 100 and 10,000 events, while the workers
   recompute what they touch.

    DATABASE_URL=postgres://postgres@127.0.0.1/aq_eventapi \\
        .venv/bin/python bench/ingest_bench.py --broker redis://127.0.0.1:6379/12

The database is migrated, and the farm built with the generator (``--profile``, demo
by default) and computed when it holds no batch. The broker's Redis database is emptied
first: give the bench one of its own.

3. **the CSV import** (``--csv DIR``, a farm exported by ``aquagrowth export``): the
   folder imported into an empty database (``--csv-database``, dropped and created
   again; PostgreSQL or a SQLite file), by columns and, with ``--per-row``, by the
   per-row path too, each in a child process: seconds, rows/s and peak memory (the
   child's maximum resident set). On PostgreSQL, then PostgreSQL's own COPY of the
   same event rows (ids resolved, read back from the tables by ``COPY TO``) into the
   same tables, with their indexes and keys, in one transaction::

    .venv/bin/python bench/ingest_bench.py --csv /tmp/demo \\
        --csv-database postgres://postgres@127.0.0.1/aq_csvbench --per-row
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
USER = "ingest-bench"
READING_HOURS = (1, 7, 13, 19)
WARM_UP_REQUESTS = 6
"""Empty requests before the clock starts, so that both server processes have served."""


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="demo", help="generator profile if empty")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1/aq_eventapi",
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12", help="Redis URL")
    parser.add_argument("--sizes", default="1,100,10000", help="events per request")
    parser.add_argument("--events", type=int, default=20000, help="events per size (at most)")
    parser.add_argument("--requests", type=int, default=200, help="requests per size (at most)")
    parser.add_argument("--csv", type=Path, help="time the import of this exported folder")
    parser.add_argument(
        "--csv-database",
        default="postgres://postgres@127.0.0.1/aq_csvbench",
        help="database the CSV import goes into (dropped first)",
    )
    parser.add_argument("--per-row", action="store_true", help="the per-row import too")
    parser.add_argument(
        "--copy-in-place",
        action="store_true",
        help="also COPY into the tables with their indexes and keys in place",
    )
    return parser.parse_args()


# --- The database: a computed farm and a machine client ---------------------------------


def prepare(options: argparse.Namespace) -> str:
    """Migrate, build and compute the farm when empty; the bench user's token."""
    os.environ["DATABASE_URL"] = options.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("AQUAGROWTH_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from aquagrowth.accounts import access
    from aquagrowth.farm.models import Batch, FreshwaterStation, SeaArea

    call_command("migrate", verbosity=0)
    if not Batch.objects.exists():
        build(options.profile, options.seed)
    user, _ = User.objects.get_or_create(username=USER)
    access.set_role(user, "operator")
    access.grant_sites(user, [*FreshwaterStation.objects.all(), *SeaArea.objects.all()])
    return access.token_of(user)


def build(profile: str, seed: int) -> None:
    from aquagrowth.engine.runner import recompute_batches
    from aquagrowth.farm.models import Batch
    from aquagrowth.generator.service import build_farm

    started = time.perf_counter()
    build_farm(profile, seed=seed, truth=False, progress=False)
    for _ in recompute_batches(Batch.objects.values_list("id", flat=True)):
        pass
    print(f"built and computed the {profile} farm in {time.perf_counter() - started:.1f} s")


@dataclass
class OpenStay:
    batch_id: int
    number: str
    container: str
    arrival: dt.date
    last_day: dt.date
    weight_g: float


def open_stays() -> list[OpenStay]:
    """The stays of active batches open on the batch's last day of feeding records."""
    from django.db.models import Max, Q

    from aquagrowth.engine.models import DailyState
    from aquagrowth.farm import models as m

    last = dict(
        m.FeedingEvent.objects.filter(batch__status=m.BatchStatus.ACTIVE)
        .values("batch_id")
        .annotate(day=Max("feeding_date"))
        .values_list("batch_id", "day")
    )
    stays = []
    for stay in m.Assignment.objects.filter(batch_id__in=list(last)).select_related(
        "batch", "container"
    ):
        day = last[stay.batch_id]
        if stay.assignment_date <= day and (
            stay.departure_date is None or day < stay.departure_date
        ):
            state = DailyState.objects.filter(Q(assignment=stay) & Q(date=day)).first()
            weight = state.avg_weight_g if state and state.avg_weight_g else 100.0
            stays.append(
                OpenStay(
                    stay.batch_id,
                    stay.batch.number,
                    stay.container.name,
                    stay.assignment_date,
                    day,
                    weight,
                )
            )
    return stays


# --- The events of a day ---------------------------------------------------------------


def day_of_events(stays: list[OpenStay], tag: str) -> dict[str, list[dict]]:
    """Per kind, the events of every open stay on its batch's last day."""
    events: dict[str, list[dict]] = {"feeding": [], "mortality": [], "samples": [], "readings": []}
    for n, stay in enumerate(stays):
        day = stay.last_day.isoformat()
        where = {"batch": stay.number, "container": stay.container}
        at = {**where, "assignment_date": stay.arrival.isoformat()}
        identity = {"source": "ingest-bench", "external_id": f"{tag}-{n}"}
        events["feeding"].append(
            {
                **where,
                "feeding_date": day,
                "feeding_time": "09:41",
                "amount_kg": 0.5 + n / 1e4,
                "feed_type": "bench",
                **identity,
            }
        )
        events["mortality"].append(
            {**at, "event_date": day, "count": 1 + n % 5, "cause": "bench", **identity}
        )
        events["samples"].append(
            {
                **at,
                "sample_date": day,
                "sample_size": 20,
                "avg_weight_g": round(stay.weight_g * 1.01, 3),
                "std_weight_g": round(stay.weight_g * 0.1, 3),
                **identity,
            }
        )
        for hour in READING_HOURS:
            events["readings"].append(
                {
                    "container": stay.container,
                    "parameter": "temperature",
                    "reading_time": f"{day}T{hour:02d}:13:00Z",
                    "value": 8.0 + (n % 7) / 10,
                }
            )
    return events


def feeding_events(stays: list[OpenStay], count: int, tag: str) -> list[dict]:
    """``count`` feeding events with new identities on the last 60 days of the stays."""
    made = []
    n = 0
    while len(made) < count:
        for stay in stays:
            day = stay.last_day - dt.timedelta(days=n % 60)
            if day >= stay.arrival:
                made.append(
                    {
                        "batch": stay.number,
                        "container": stay.container,
                        "feeding_date": day.isoformat(),
                        "amount_kg": 0.25 + len(made) / 1e6,
                        "source": "ingest-bench",
                        "external_id": f"{tag}-{len(made)}",
                    }
                )
            if len(made) == count:
                break
        n += 1
    return made


# --- The server, the workers, the client ----------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In the child: SIGTERM when this bench ends, however it ends (Linux)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def environment(options: argparse.Namespace) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": options.database,
        "CELERY_BROKER_URL": options.broker,
        "CELERY_RESULT_BACKEND": options.broker,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AQUAGROWTH_HTTPS": "0",
        "DATABASE_CONN_MAX_AGE": "600",
        "AQUAGROWTH_LOG_LEVEL": "WARNING",
    }
    return env


@dataclass
class Processes:
    started: list[subprocess.Popen] = field(default_factory=list)

    def start(self, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )  # fmt: skip
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_workers(processes: Processes, env: dict[str, str], count: int = 2) -> None:
    celery = str(Path(sys.executable).with_name("celery"))
    logs = []
    for index in range(count):
        log = ROOT / "var" / f"ingest-bench-worker-{index}.log"
        command = [
            celery, "-A", "aquagrowth", "worker", "-P", "prefork", "-c", "1",
            "-n", f"ingest{index}@%h", "--without-gossip", "--without-mingle", "-l", "INFO",
        ]  # fmt: skip
        worker = processes.start(command, {**env, "AQUAGROWTH_LOG_LEVEL": "INFO"}, log)
        logs.append((worker, log))
    for worker, log in logs:
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"a worker did not start; see {log}")
            time.sleep(0.2)


def start_server(processes: Processes, env: dict[str, str]) -> int:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "aquagrowth.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "300",
        "--log-level", "warning",
    ]  # fmt: skip
    server = processes.start(command, env, ROOT / "var" / "ingest-bench-server.log")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see var/ingest-bench-server.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return port
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not listen within 60 s")


class Client:
    """One machine client: one connection, one request after the other."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def post(self, kind: str, events: list[dict]) -> dict:
        self.connection.request("POST", f"/api/v1/events/{kind}/", json.dumps(events), self.headers)
        response = self.connection.getresponse()
        answer = json.loads(response.read())
        if response.status not in (200, 201):
            raise SystemExit(f"{kind}: HTTP {response.status}: {json.dumps(answer)[:2000]}")
        if not answer["recompute"]["queued"]:
            raise SystemExit(f"{kind}: recompute not queued: {answer['recompute']}")
        return answer


# --- The measurements ------------------------------------------------------------------


def settled(broker) -> bool:
    """No recompute pending (marked, not yet taken), queued or running (in flight)."""
    pending = next(broker.scan_iter("*:pending:*", count=1000), None)
    inflight = next(broker.scan_iter("*:inflight:*", count=1000), None)
    return pending is None and inflight is None and broker.llen("celery") == 0


def a_day(client: Client, stays: list[OpenStay], broker) -> dict:
    """Send a day's events kind by kind; wait until every affected state is current."""
    from aquagrowth.engine.models import RecomputeRun, RecomputeStatus

    events = day_of_events(stays, f"day-{uuid.uuid4().hex[:8]}")
    batches = {stay.batch_id for stay in stays}
    began_at = dt.datetime.now(dt.UTC)
    began = time.perf_counter()
    sent = 0
    per_kind = {}
    for kind, kind_events in events.items():
        asked = time.perf_counter()
        client.post(kind, kind_events)
        per_kind[kind] = (len(kind_events), time.perf_counter() - asked)
        sent += len(kind_events)
    answered = time.perf_counter() - began
    while not settled(broker):
        time.sleep(0.02)
    current = time.perf_counter() - began
    runs = RecomputeRun.objects.filter(batch_id__in=batches, started_at__gte=began_at)
    failed = runs.exclude(status=RecomputeStatus.OK).count()
    ran = set(runs.filter(status=RecomputeStatus.OK).values_list("batch_id", flat=True))
    return {
        "events": sent, "stays": len(stays), "batches": len(batches),
        "answered_s": answered, "current_s": current, "runs": runs.count(),
        "failed_runs": failed, "batches_not_recomputed": len(batches - ran), "per_kind": per_kind,
    }  # fmt: skip


def throughput(client: Client, stays: list[OpenStay], size: int, options) -> dict:
    """Events per second of sequential requests of ``size`` feeding events."""
    requests = max(1, min(options.requests, options.events // size))
    events = feeding_events(stays, requests * size, f"rate-{size}-{uuid.uuid4().hex[:8]}")
    seconds = []
    for index in range(requests):
        began = time.perf_counter()
        answer = client.post("feeding", events[index * size : (index + 1) * size])
        seconds.append(time.perf_counter() - began)
        assert answer["stored"] == size, answer
    total = sum(seconds)
    seconds.sort()
    return {
        "size": size, "requests": requests, "events": requests * size, "seconds": total,
        "events_per_s": requests * size / total, "median_ms": seconds[len(seconds) // 2] * 1000,
    }  # fmt: skip


def report(day: dict, rates: list[dict], database: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"a day of the farm ({database}): {day['events']} events of {day['stays']} open stays "
        f"in {day['batches']} batches, 4 requests; answered in {day['answered_s']:.2f} s, "
        f"every affected daily state current after [bold]{day['current_s']:.2f} s[/] "
        f"({day['runs']} recompute runs, {day['failed_runs']} failed, "
        f"{day['batches_not_recomputed']} batches not recomputed)"
    )
    console.print(
        "  per request: "
        + ", ".join(f"{kind} {n} in {s:.2f} s" for kind, (n, s) in day["per_kind"].items())
    )
    table = Table(title="feeding events, sequential requests from one client, 2 workers busy")
    for column in ("events/request", "requests", "events", "seconds", "events/s", "median ms"):
        table.add_column(column, justify="right")
    for rate in rates:
        table.add_row(
            f"{rate['size']}", f"{rate['requests']}", f"{rate['events']}",
            f"{rate['seconds']:.1f}", f"{rate['events_per_s']:.0f}", f"{rate['median_ms']:.0f}",
        )  # fmt: skip
    console.print(table)


# --- The CSV import against PostgreSQL's own COPY -------------------------------------

EVENT_TABLES = (
    "farm_transferaction",
    "farm_feedingevent",
    "farm_mortalityevent",
    "farm_growthsample",
    "farm_fishobservation",
    "farm_weighing",
    "farm_harvest",
    "farm_populationcount",
    "farm_environmentalreading",
)
IMPORT_CHILD = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
django.setup()
from pathlib import Path
from aquagrowth.farm.csvio.importing import ImportOptions, import_farm
folder = Path(sys.argv[1])
options = ImportOptions(by_columns=sys.argv[2] == "1", origin=str(folder))
result = import_farm(folder, options=options)
if not result.ok:
    sys.exit("; ".join(str(error) for error in list(result.errors)[:5]))
print(sum(result.stored.values()))
"""


def fresh_database(url: str) -> None:
    """Drop and create the database of ``url`` (a SQLite file: removed), then migrate."""
    if url.startswith("sqlite"):
        Path(url.split(":///", 1)[1]).unlink(missing_ok=True)
    else:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "aquagrowth.cli", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )


def timed_import(folder: Path, url: str, by_columns: bool) -> dict:
    """Import ``folder`` into a fresh database in a child process: seconds, rows, peak MB."""
    fresh_database(url)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("AQUAGROWTH_LOG_LEVEL", "WARNING")
    env["DJANGO_DEBUG"] = "0"  # no query log: it would grow with every statement
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", IMPORT_CHILD, str(folder), "1" if by_columns else "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"the import failed ({child.returncode})")
    rows = int(out.strip().splitlines()[-1])
    return {
        "path": "by columns" if by_columns else "per row",
        "seconds": seconds, "rows": rows, "rows_per_s": rows / seconds,
        "peak_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
    }  # fmt: skip


def timed_copy(url: str, rebuilt: bool) -> dict:
    """PostgreSQL's own COPY of the event rows the import stored, into the same tables,
    in one transaction: read out, emptied, copied back. ``rebuilt``: as a bulk load is
    best done (and the import does into an empty table), the tables' secondary indexes
    and foreign keys dropped first and made again after; else with them in place."""
    import psycopg

    dumps: dict[str, bytes] = {}
    with psycopg.connect(url) as connection:
        for table in EVENT_TABLES:
            with connection.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                dumps[table] = b"".join(bytes(chunk) for chunk in copy)
        rows = sum(dump.count(b"\n") for dump in dumps.values())
        connection.execute(f"TRUNCATE {', '.join(EVENT_TABLES)}")
        connection.commit()
        indexes = connection.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary",
            [list(EVENT_TABLES)],
        ).fetchall()
        keys = connection.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' AND t.relname = ANY(%s)",
            [list(EVENT_TABLES)],
        ).fetchall()
        connection.commit()
        began = time.perf_counter()
        with connection.transaction():
            if rebuilt:
                for table, name, _ in keys:
                    connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, _ in indexes:
                    connection.execute(f'DROP INDEX "{name}"')
            for table, dump in dumps.items():
                with connection.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    for start in range(0, len(dump), 1 << 20):
                        copy.write(dump[start : start + (1 << 20)])
            if rebuilt:
                connection.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for _, statement in indexes:
                    connection.execute(statement)
                for table, name, definition in keys:
                    connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        seconds = time.perf_counter() - began
    return {"seconds": seconds, "rows": rows, "rows_per_s": rows / seconds}


def csv_bench(options: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    runs = [timed_import(options.csv, options.csv_database, by_columns=True)]
    if options.per_row:
        runs.append(timed_import(options.csv, options.csv_database, by_columns=False))
        # The database left holds the per-row import's rows: import by columns again.
        runs.append(timed_import(options.csv, options.csv_database, by_columns=True))
    table = Table(title=f"import of {options.csv} into an empty {options.csv_database}")
    for column in ("path", "seconds", "rows", "rows/s", "import's CPU s", "peak MB"):
        table.add_column(column, justify="right")
    for run in runs:
        table.add_row(
            run["path"], f"{run['seconds']:.1f}", f"{run['rows']}",
            f"{run['rows_per_s']:.0f}", f"{run['cpu_s']:.0f}", f"{run['peak_mb']:.0f}",
        )  # fmt: skip
    console = Console()
    console.print(table)
    if not options.csv_database.startswith("sqlite"):
        fastest = min(run["seconds"] for run in runs if run["path"] == "by columns")
        for rebuilt, how in ((True, "indexes and keys made after"), (False, "in place")):
            if not rebuilt and not options.copy_in_place:
                continue
            copy = timed_copy(options.csv_database, rebuilt)
            console.print(
                f"PostgreSQL's own COPY of the same {copy['rows']} event rows ({how}): "
                f"{copy['seconds']:.1f} s ({copy['rows_per_s']:.0f} rows/s); the import by "
                f"columns took {fastest / copy['seconds']:.1f} times as long"
            )
    return 0


def main() -> int:
    options = parse()
    if options.csv is not None:
        return csv_bench(options)
    (ROOT / "var").mkdir(exist_ok=True)
    token = prepare(options)
    import redis
    from django.db import connection

    broker = redis.Redis.from_url(options.broker)
    broker.flushdb()
    stays = open_stays()
    if not stays:
        raise SystemExit("no open stay of an active batch with feeding records")
    processes = Processes()
    try:
        env = environment(options)
        start_workers(processes, env)
        client = Client(start_server(processes, env), token)
        for _ in range(WARM_UP_REQUESTS):
            # Each server process loads the API's code on its first request: not timed.
            client.post("feeding", [])
        day = a_day(client, stays, broker)
        rates = [throughput(client, stays, int(size), options) for size in options.sizes.split(",")]
        report(day, rates, f"{connection.vendor} {connection.settings_dict['NAME']}")
    finally:
        processes.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

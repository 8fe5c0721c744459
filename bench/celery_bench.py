"""Benchmark: a whole farm recomputed through Celery workers beside the in-process runner.

In one run, on the same farm and database: the runner in this process (1 and 2
processes), then ``recompute_farm_via_celery`` with 1 and with 2 worker processes
(``celery -A aquagrowth worker -P prefork -c 1`` each, as two machines would run them).
Prints seconds, batches per second and daily states per second of each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ag_bench_celery \\
        .venv/bin/python bench/celery_bench.py --profile tiny --broker redis://127.0.0.1:6379/7

The PostgreSQL database is created and migrated when missing, and the farm is built with
the generator (profile ``seed-scale`` by default) when it holds no batch. Tasks travel on
a queue of their own, so workers already serving the broker do not take them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUEUE = "aquagrowth-bench"


@dataclass
class Timing:
    mode: str
    seconds: float
    batches: int
    states: int
    failed: int


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="seed-scale", help="generator profile if empty")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--broker",
        default=os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0",
        help="broker URL (default: CELERY_BROKER_URL, else local Redis db 0)",
    )
    return parser.parse_args()


def ensure_postgres_database(url: str) -> None:
    """Create the database named by a postgres:// URL if the server has none of that name."""
    import psycopg
    from psycopg import sql

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def start_workers(count: int, broker: str) -> list[subprocess.Popen]:
    """Worker processes on the bench queue; returns once every one reports ready."""
    env = {**os.environ, "CELERY_BROKER_URL": broker, "AQUAGROWTH_LOG_LEVEL": "WARNING"}
    celery = str(Path(sys.executable).with_name("celery"))
    workers = []
    for index in range(count):
        log = open(ROOT / "var" / f"celery-bench-{index}.log", "w")  # noqa: SIM115
        command = [
            celery, "-A", "aquagrowth", "worker", "-P", "prefork", "-c", "1", "-Q", QUEUE,
            "-n", f"bench{index}@%h", "--without-gossip", "--without-mingle", "-l", "INFO",
        ]  # fmt: skip
        workers.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
    for index, worker in enumerate(workers):
        log_path = ROOT / "var" / f"celery-bench-{index}.log"
        deadline = time.monotonic() + 120
        while " ready." not in log_path.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                stop_workers(workers)
                raise SystemExit(f"worker {index} did not start; see {log_path}")
            time.sleep(0.2)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def main() -> int:
    args = parse()
    (ROOT / "var").mkdir(exist_ok=True)
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        ensure_postgres_database(database_url)
    os.environ["CELERY_BROKER_URL"] = args.broker
    # One log line per batch would bury the table.
    os.environ.setdefault("AQUAGROWTH_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from rich.console import Console
    from rich.table import Table

    from aquagrowth.celery import app
    from aquagrowth.distributed.dispatch import recompute_farm_via_celery
    from aquagrowth.engine.models import DailyState
    from aquagrowth.engine.runner import recompute_batches
    from aquagrowth.farm.models import Batch

    console = Console()
    app.conf.task_default_queue = QUEUE
    call_command("migrate", verbosity=0)
    if not Batch.objects.exists():
        from aquagrowth.generator.service import build_farm

        console.print(f"building the {args.profile} farm (seed {args.seed}) ...")
        build_farm(args.profile, seed=args.seed, truth=False)
    batch_ids = list(Batch.objects.order_by("id").values_list("id", flat=True))
    console.print(
        f"{len(batch_ids)} batches on {connection.vendor}, broker {args.broker.split('@')[-1]}"
    )

    timings: list[Timing] = []
    for processes in (1, 2):
        began = time.perf_counter()
        results = list(recompute_batches(batch_ids, workers=processes, trigger="cli"))
        timings.append(
            Timing(
                f"in-process runner, {processes} process{'es' if processes > 1 else ''}",
                time.perf_counter() - began,
                len(results),
                sum(r.rows for r in results),
                sum(1 for r in results if r.error),
            )
        )
    connections.close_all()
    expected_states = DailyState.objects.count()

    for count in (1, 2):
        workers = start_workers(count, args.broker)
        try:
            began = time.perf_counter()
            outcomes = recompute_farm_via_celery(batch_ids, None, progress=True)
            seconds = time.perf_counter() - began
        finally:
            stop_workers(workers)
        timings.append(
            Timing(
                f"celery, {count} worker{'s' if count > 1 else ''}",
                seconds,
                len(outcomes),
                sum(o.rows for o in outcomes),
                sum(1 for o in outcomes if o.status != "ok"),
            )
        )

    table = Table(title=f"recompute of {len(batch_ids)} batches ({expected_states:,} states)")
    for column in ("mode", "seconds", "batches/s", "states/s", "failed"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for t in timings:
        table.add_row(
            t.mode,
            f"{t.seconds:.2f}",
            f"{t.batches / t.seconds:.2f}",
            f"{t.states / t.seconds:,.0f}",
            str(t.failed),
        )
    console.print(table)
    return 1 if any(t.failed for t in timings) else 0


if __name__ == "__main__":
    raise SystemExit(main())

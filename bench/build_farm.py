"""Build a synthetic farm into a fresh PostgreSQL database and print how long it took.

    .venv/bin/python bench/build_farm.py                    # seed-scale, dropped at the end
    .venv/bin/python bench/build_farm.py --profile demo --keep --database ag_bench_demo

Creates the database (it must not exist), migrates it, builds the farm with
``build_farm`` and prints the rows by kind, the seconds spent simulating and loading,
rows per second and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="seed-scale", help="profile (default seed-scale)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="ag_bench_farm", help="database to create")
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-truth", action="store_true", help="skip the ground truth")
    return parser.parse_args()


def admin(server: str, statement: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def main() -> int:
    args = parse()
    admin(args.server, f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from aquagrowth.generator.service import build_farm

    console = Console()
    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - t0
        summary = build_farm(args.profile, seed=args.seed, truth=not args.no_truth)
    finally:
        connections.close_all()
        if not args.keep:
            admin(args.server, f'DROP DATABASE "{args.database}"')

    table = Table(title=f"{summary.profile} farm on PostgreSQL (seed {summary.seed})")
    table.add_column("rows of", style="bold")
    table.add_column("rows", justify="right")
    for name, count in summary.rows.items():
        table.add_row(name, f"{count:,}")
    total_rows = sum(summary.rows.values())
    table.add_row("events (all kinds)", f"{summary.events:,}", style="cyan")
    table.add_row("all rows", f"{total_rows:,}", style="cyan")
    table.add_section()
    table.add_row("batches", f"{summary.batches}")
    table.add_row("as of", summary.as_of)
    table.add_row("migrate (s)", f"{migrate_s:.1f}")
    table.add_row("simulate (s)", f"{summary.seconds_simulate:.1f}")
    table.add_row("load incl. indexes, key checks, commit (s)", f"{summary.seconds_load:.1f}")
    table.add_row("build total (s)", f"{summary.seconds_total:.1f}", style="bold")
    table.add_row("rows / s", f"{total_rows / summary.seconds_total:,.0f}")
    table.add_row("peak memory (MB)", f"{summary.peak_memory_mb:,.0f}")
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

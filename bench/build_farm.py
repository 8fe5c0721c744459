"""Build a synthetic farm into a fresh PostgreSQL database and print how long it took.

    .venv/bin/python bench/build_farm.py                    # seed-scale, dropped at the end
    .venv/bin/python bench/build_farm.py --profile demo --keep --database ag_bench_demo
    .venv/bin/python bench/build_farm.py --profile demo --perfect-records --hash

Creates the database (it must not exist), migrates it, builds the farm with
``build_farm`` and prints the rows by kind, the seconds spent simulating and loading,
rows per second and the peak resident memory of the process; for a real farm's records
the figures they are made to match (``docs/generator.md``): per harvested sea pen the
unexplained loss a farm reports and the truth's hidden loss, the counters' error, the
records missing or late, where the records end. ``--hash`` prints a SHA-256 of every
table (all rows in id order, ids included; the truth's columns added with the real
farm's records left out), so two builds, before and after a change, can be compared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
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
        "--server",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-truth", action="store_true", help="skip the ground truth")
    parser.add_argument(
        "--perfect-records",
        action="store_true",
        help="perfect records (the farm before them)",
    )
    parser.add_argument("--hash", action="store_true", help="print a hash of every table")
    return parser.parse_args()


TRUTH_COLUMNS_OF_REAL_RECORDS = ("deaths", "hidden_loss", "feed_kg")
"""Columns of ``generator_truedailystate`` added with the real farm's records: left out of
the hashes, so a perfect farm's hashes equal those of a build before them."""


def table_hashes(connection) -> list[tuple[str, int, str]]:
    """(table, rows, SHA-256 of its rows as COPY text in id order) of every farm and
    generator table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND (table_name LIKE 'farm%%' OR table_name LIKE 'generator%%') ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        hashes = []
        for table in tables:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position",
                [table],
            )
            names = [row[0] for row in cursor.fetchall()]
            if table == "generator_truedailystate":
                names = [n for n in names if n not in TRUTH_COLUMNS_OF_REAL_RECORDS]
            digest, rows = hashlib.sha256(), 0
            select = ", ".join(f'"{n}"' for n in names)
            order = '"id"' if "id" in names else select
            with cursor.cursor.copy(
                f"COPY (SELECT {select} FROM {table} ORDER BY {order}) TO STDOUT"
            ) as copy:
                for chunk in copy:
                    digest.update(chunk)
                    rows += bytes(chunk).count(b"\n")
            hashes.append((table, rows, digest.hexdigest()))
    return hashes


PEN_FIGURES = """
WITH harvested AS (
    SELECT assignment_id, SUM(count) AS fish FROM farm_harvest GROUP BY assignment_id
), counted_in AS (
    SELECT dest_assignment_id AS assignment_id, SUM(transferred_count) AS fish
    FROM farm_transferaction GROUP BY dest_assignment_id
), dead AS (
    SELECT assignment_id, SUM(count) AS fish FROM farm_mortalityevent GROUP BY assignment_id
), truth AS (
    SELECT t.assignment_id, SUM(t.hidden_loss) AS hidden,
           SUM(CASE WHEN t.date = a.assignment_date
                    THEN t.population + t.deaths + t.hidden_loss END) AS placed
    FROM generator_truedailystate t JOIN farm_assignment a ON a.id = t.assignment_id
    WHERE t.assignment_id IN (SELECT assignment_id FROM harvested)
    GROUP BY t.assignment_id
), treatments AS (
    SELECT assignment_id, COUNT(*) AS n FROM farm_populationcount GROUP BY assignment_id
)
SELECT 100.0 * (c.fish - COALESCE(d.fish, 0) - h.fish) / c.fish,
       100.0 * t.hidden / t.placed,
       100.0 * (c.fish - t.placed) / t.placed,
       COALESCE(n.n, 0)
FROM harvested h
JOIN counted_in c USING (assignment_id)
JOIN truth t USING (assignment_id)
LEFT JOIN dead d USING (assignment_id)
LEFT JOIN treatments n USING (assignment_id)
"""
"""Per harvested sea pen: the unexplained loss a farm reports (counted in - recorded dead
- harvested, % of counted in), the truth's hidden loss (% of the fish placed), the
counters' error on the fish placed (%), and the counted treatments."""

RECORD_GAPS = """
WITH days AS (
    SELECT t.batch_id, t.assignment_id, a.container_id, t.date, t.feed_kg, t.deaths
    FROM generator_truedailystate t
    JOIN farm_assignment a ON a.id = t.assignment_id
    JOIN farm_batch b ON b.id = t.batch_id
    JOIN (SELECT * FROM json_to_recordset(%s::json) AS e(number text, last date)) e
      ON e.number = b.number
    WHERE t.date <= e.last
)
SELECT
  COUNT(*) FILTER (WHERE feed_kg > 0 AND NOT EXISTS (
    SELECT 1 FROM farm_feedingevent f WHERE f.batch_id = days.batch_id
    AND f.container_id = days.container_id AND f.feeding_date = days.date)),
  COUNT(*) FILTER (WHERE feed_kg > 0),
  COUNT(*) FILTER (WHERE deaths > 0 AND NOT EXISTS (
    SELECT 1 FROM farm_mortalityevent e WHERE e.assignment_id = days.assignment_id
    AND e.event_date = days.date)),
  COUNT(*) FILTER (WHERE deaths > 0)
FROM days
"""
"""Up to each batch's last day of records: the truth's fed days without a feeding record,
of all fed days; days with deaths without a mortality record of their own (entered
late, or due after the records' end), of all such days."""


def real_farm_figures(connection, summary) -> Table:
    """The figures a real farm's records are made to match, from the database."""
    import numpy as np

    with connection.cursor() as cursor:
        cursor.execute(PEN_FIGURES)
        pens = np.array(cursor.fetchall(), dtype=float)
        ends = [{"number": n, "last": d.isoformat()} for n, d in summary.records_end.items()]
        cursor.execute(RECORD_GAPS, [json.dumps(ends)])
        unfed, fed, unentered, dying = cursor.fetchone()
    table = Table(title=f"a real farm's records: {summary.profile} (seed {summary.seed})")
    table.add_column("figure", style="bold")
    table.add_column("min / median / max", justify="right")
    labels = (
        "unexplained loss per harvested sea pen, %",
        "true non-registered loss per harvested sea pen, %",
        "counters' error on a sea pen's fish placed, %",
        "counted treatments per sea pen",
    )
    for column, label in enumerate(labels):
        if pens.size:
            low, mid, high = np.percentile(pens[:, column], [0, 50, 100])
            table.add_row(label, f"{low:.2f} / {mid:.2f} / {high:.2f}")
    table.add_row("harvested sea pens", f"{len(pens)}")
    table.add_row("fed days without a feeding record, %", f"{100 * unfed / max(fed, 1):.2f}")
    table.add_row(
        "days with deaths without a record of their own, %",
        f"{100 * unentered / max(dying, 1):.2f}",
    )
    as_of = np.datetime64(summary.as_of)
    lag = [(as_of - np.datetime64(end)).astype(int) for end in summary.records_end.values()]
    low, mid, high = np.percentile(lag, [0, 50, 100])
    table.add_row("records end, days before as-of", f"{low:.0f} / {mid:.0f} / {high:.0f}")
    table.caption = (
        "unexplained loss: counted in - recorded dead - harvested, % of counted in (as a farm "
        "reports it for ASC); true non-registered loss: the truth's hidden loss, % of the fish "
        "placed; days up to each batch's last day of records"
    )
    return table


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
        summary = build_farm(
            args.profile,
            seed=args.seed,
            truth=not args.no_truth,
            perfect_records=True if args.perfect_records else None,
        )
        hashes = table_hashes(connections["default"]) if args.hash else []
        figures = None
        if not summary.perfect_records and not args.no_truth:
            figures = real_farm_figures(connections["default"], summary)
    finally:
        connections.close_all()
        if not args.keep:
            admin(args.server, f'DROP DATABASE "{args.database}"')

    records = "perfect records" if summary.perfect_records else "a real farm's records"
    table = Table(title=f"{summary.profile} farm on PostgreSQL (seed {summary.seed}, {records})")
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
    if figures is not None:
        console.print(figures)
    for name, rows, digest in hashes:
        print(f"{name:36} {rows:>12,} {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: recompute a whole farm, and one batch after a new growth sample.

Prints total seconds, seconds per batch, daily states per second, queries per batch and
peak memory for the full recompute (median of ``--repeat`` runs), the incremental
recompute after a new growth sample (median and p95), and, on a sample of batches in
the same run, the vectorised engine against the plain per-day reference engine of the
tests (the simple, slow way of computing the same rows).

    DATABASE_URL=postgres://postgres@127.0.0.1/aquagrowth_bench \
        .venv/bin/python bench/recompute_bench.py --profile seed-scale --workers 2

The farm is built with the generator when the database holds no batch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(repeat: int, run, prepare=lambda: None) -> tuple[list[float], list]:
    """Seconds of ``repeat`` calls of ``run`` (each after ``prepare``), and the last results;
    exits if any batch failed."""
    runs, results = [], []
    for _ in range(repeat):
        prepare()
        started = time.perf_counter()
        results = run()
        runs.append(time.perf_counter() - started)
        failed = [r for r in results if not r.ok]
        if failed:
            raise SystemExit(f"{len(failed)} batches failed: {failed[0].error}")
    return runs, results


def report(title: str, runs: list[float], rows: int) -> None:
    seconds = statistics.median(runs)
    print(f"\n{title}")
    print(f"  total seconds        {seconds:10.2f}   (runs: {', '.join(f'{s:.2f}' for s in runs)})")
    print(f"  daily states / s     {rows / seconds:10,.0f}")


def empty_daily_states(connection) -> None:
    """A new farm's tables are fresh (its states, their fingerprints and the stays'
    summaries, so the farm's history starts empty too): on PostgreSQL a TRUNCATE gives
    the same, where a DELETE would leave the old pages to be searched for free space."""
    tables = ("farm_dailystate", "farm_statedigest", "engine_staysummary")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def compare_models(repeat: int, run, prepare, rows: int) -> None:
    """The empty-table recompute under each weight model, alternating run by run."""
    from aquagrowth.farm.models import FarmSettings

    settings = FarmSettings.current()
    kept = settings.weight_model
    seconds: dict[str, list[float]] = {"anchored": [], "smoothed": []}
    try:
        for _ in range(repeat):
            for model in seconds:
                settings.weight_model = model
                settings.save()
                runs, _ = timed(1, run, prepare)
                seconds[model] += runs
    finally:
        settings.weight_model = kept
        settings.save()
    for model, runs in seconds.items():
        report(f"into an empty table, weight model {model} (median of {repeat})", runs, rows)
    ratio = statistics.median(seconds["smoothed"]) / statistics.median(seconds["anchored"])
    print(f"  smoothed / anchored  {ratio:10.2f}")


def incremental_times(
    ids: list[int], end: dt.date, count: int, seed: int
) -> tuple[list[float], list[float], list[int]]:
    """Wall and CPU seconds (this process) and queries of ``count`` incremental
    recomputes, each after a new growth sample (3 days after a stored one of a batch
    drawn with ``seed``, 2 % heavier), taken away and recomputed again after."""
    from aquagrowth.engine.runner import recompute_batch
    from aquagrowth.farm import models as m
    from aquagrowth.farm.signals import bulk_load

    samples = list(
        m.GrowthSample.objects.filter(batch_id__in=ids)
        .order_by("id")
        .values_list("batch_id", "assignment_id", "sample_date", "avg_weight_g")
    )
    picked = random.Random(seed).sample(samples, min(count, len(samples)))
    walls, cpus, queries = [], [], []
    for batch_id, assignment_id, day, weight in picked:
        day = day + dt.timedelta(days=3)
        with bulk_load():
            new = m.GrowthSample.objects.create(
                batch_id=batch_id,
                assignment_id=assignment_id,
                sample_date=day,
                sample_size=30,
                avg_weight_g=weight * 1.02,
            )
        started, cpu = time.perf_counter(), time.process_time()
        result = recompute_batch(batch_id, since=day, end=end)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - started)
        queries.append(result.queries)
        assert result.ok, result.error
        with bulk_load():
            new.delete()
        recompute_batch(batch_id, since=day, end=end)
    return walls, cpus, queries


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def print_incremental(walls: list[float], cpus: list[float], queries: list[int]) -> None:
    print(f"  median ms            {1000 * statistics.median(walls):10.1f}")
    print(f"  p95 ms               {1000 * p95(walls):10.1f}")
    print(f"  CPU median ms        {1000 * statistics.median(cpus):10.1f}   (this process)")
    print(f"  queries per batch    {min(queries)}..{max(queries)}")


def compare_incremental(args) -> None:
    """The incremental recompute of this checkout against another's (``--against``),
    each on its own database, alternating round by round (which goes first alternates
    too), the same new samples for both in a round: one child process per round and
    checkout, so each imports its own code."""
    import json
    import subprocess

    sides = {
        "this": (str(ROOT), os.environ["DATABASE_URL"]),
        "against": (args.against, args.against_database),
    }
    got: dict[str, dict[str, list]] = {side: {"wall": [], "cpu": [], "q": []} for side in sides}
    print(f"load average before: {os.getloadavg()}")
    for round_ in range(args.rounds):
        order = list(sides) if round_ % 2 == 0 else list(sides)[::-1]
        for side in order:
            code, url = sides[side]
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--incremental-only",
                    "--json",
                    "--code",
                    code,
                    "--incremental",
                    str(args.incremental),
                    "--seed",
                    str(args.seed + round_),
                    "--end",
                    str(args.end or ""),
                ],
                env=os.environ | {"DATABASE_URL": url, "PYTHONPATH": code},
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()[-1]
            walls, cpus, queries = json.loads(out)
            got[side]["wall"].append(walls)
            got[side]["cpu"].append(cpus)
            got[side]["q"] += queries
            print(
                f"round {round_ + 1} {side:8s} wall median {1000 * statistics.median(walls):6.1f} "
                f"ms, p95 {1000 * p95(walls):6.1f}, CPU median "
                f"{1000 * statistics.median(cpus):5.1f} ms, queries {min(queries)}..{max(queries)}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}")
    for side, (code, url) in sides.items():
        walls = [w for r in got[side]["wall"] for w in r]
        cpus = [c for r in got[side]["cpu"] for c in r]
        print(f"\n{side} ({code}, {url.rsplit('/', 1)[-1]}): all {len(walls)} new samples")
        print_incremental(walls, cpus, got[side]["q"])
    ratio = statistics.median(w for r in got["this"]["wall"] for w in r) / statistics.median(
        w for r in got["against"]["wall"] for w in r
    )
    print(f"\nwall median, this / against: {ratio:.2f}")


def compare_reference(batch_ids: list[int], end: dt.date | None) -> None:
    """The vectorised engine against the plain per-day reference of the tests, on the
    same batches."""
    from aquagrowth.engine.core.assimilate import assimilate
    from aquagrowth.engine.load import load_batch
    from tests.engine.reference import reference_assimilate

    print(f"\nvectorised engine against the plain per-day reference ({len(batch_ids)} batches)")
    fast_t, slow_t, n_rows = 0.0, 0.0, 0
    for batch_id in batch_ids:
        inputs = load_batch(batch_id, end=end).inputs
        started = time.perf_counter()
        states = assimilate(inputs)
        fast_t += time.perf_counter() - started
        started = time.perf_counter()
        reference_assimilate(inputs)
        slow_t += time.perf_counter() - started
        n_rows += len(states)
    print(f"  rows                 {n_rows:10,d}")
    print(f"  vectorised s         {fast_t:10.3f}   ({n_rows / fast_t:,.0f} states/s)")
    print(f"  reference s          {slow_t:10.3f}   ({n_rows / slow_t:,.0f} states/s)")
    print(f"  ratio                {slow_t / fast_t:10.1f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="seed-scale", help="generator profile if empty")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--repeat", type=int, default=3, help="full recomputes to take the median of"
    )
    parser.add_argument("--incremental", type=int, default=20, help="incremental recomputes")
    parser.add_argument("--reference-batches", type=int, default=2)
    parser.add_argument(
        "--compare-models",
        action="store_true",
        help="also time the empty-table recompute under each weight model, alternating "
        "(the farm setting weight_model set for each run, restored after)",
    )
    parser.add_argument(
        "--end",
        type=lambda text: dt.date.fromisoformat(text) if text else None,
        help="last day computed (default: the farm's last reading, its 'today')",
    )
    parser.add_argument(
        "--incremental-only",
        action="store_true",
        help="only the incremental recompute (the farm's states computed first if none are)",
    )
    parser.add_argument(
        "--against",
        help="another checkout (e.g. /work/main): its incremental recompute on "
        "--against-database, alternating with this one's, --rounds rounds",
    )
    parser.add_argument("--against-database", help="DATABASE_URL for --against's rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against:
        compare_incremental(args)
        return
    if args.code:
        # A child of --against: import that checkout's code, not this one's.
        sys.path.insert(0, args.code)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
    os.environ.setdefault("AQUAGROWTH_TRIGGERS", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from aquagrowth.engine.models import DailyState
    from aquagrowth.engine.runner import recompute_batches
    from aquagrowth.farm import models as m

    call_command("migrate", verbosity=0)
    if not m.Batch.objects.exists():
        from aquagrowth.generator.service import build_farm

        print(f"building the {args.profile} farm ...", flush=True)
        build_farm(args.profile, seed=args.seed, progress=False)
    ids = list(m.Batch.objects.order_by("id").values_list("id", flat=True))
    if args.end is None:
        last = m.EnvironmentalReading.objects.order_by("-reading_time").first()
        args.end = last.reading_time.date() if last else dt.date.today()
    print(
        f"database: {connection.vendor}, {len(ids)} batches, workers: {args.workers}, "
        f"computed to {args.end}"
    )

    def recompute(**options):
        return lambda: list(recompute_batches(ids, end=args.end, workers=args.workers, **options))

    if args.incremental_only:
        if not DailyState.objects.exists():
            recompute()()
        walls, cpus, queries = incremental_times(ids, args.end, args.incremental, args.seed)
        if args.json:
            import json

            print(json.dumps([walls, cpus, queries]))
        else:
            print(f"\nincremental recompute after a new growth sample ({len(walls)} batches)")
            print_incremental(walls, cpus, queries)
        return
    # One untimed run first, so that the timed ones start from the stored states.
    recompute()()
    full, results = timed(args.repeat, recompute())
    rows = sum(r.rows for r in results)
    queries = sorted({r.queries for r in results})
    report(f"full recompute, nothing changed since the last (median of {args.repeat})", full, rows)
    print(f"  seconds per batch    {statistics.median(full) / len(ids):10.4f}")
    print(f"  daily states         {rows:10,d}")
    print(f"  rows written         {sum(r.written for r in results):10,d}")
    print(f"  queries per batch    {queries[0]}..{queries[-1]}")

    forced_s, forced = timed(args.repeat, recompute(force=True))
    report(
        f"full recompute, every row compared and rewritten where it differs (--force, "
        f"median of {args.repeat})",
        forced_s,
        rows,
    )

    fresh_s, _ = timed(args.repeat, recompute(), prepare=lambda: empty_daily_states(connection))
    report(
        f"full recompute into an empty table (a new farm, median of {args.repeat})", fresh_s, rows
    )
    # A batch the farm's history teaches from is computed in both phases of the run
    # (engine.history.teaching_order): its rows are written more than once, so the
    # check is the table's rows, not the rows written.
    stored = DailyState.objects.count()
    forced_rows = sum(r.rows for r in forced)
    if not stored == rows == forced_rows:
        raise SystemExit(
            f"rows differ: {stored:,d} in the table after the empty-table run, {rows:,d} "
            f"computed, {forced_rows:,d} compared by --force"
        )
    if args.compare_models:
        compare_models(args.repeat, recompute(), lambda: empty_daily_states(connection), rows)

    rng = random.Random(args.seed)
    walls, cpus, queries = incremental_times(ids, args.end, args.incremental, args.seed)
    print(f"\nincremental recompute after a new growth sample ({len(walls)} batches)")
    print_incremental(walls, cpus, queries)

    if args.reference_batches > 0:
        compare_reference(rng.sample(ids, min(args.reference_batches, len(ids))), args.end)

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak memory MB         {own:10.0f} (this process), {children:.0f} (largest worker)")


if __name__ == "__main__":
    main()

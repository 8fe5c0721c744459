"""The real farm's figures for the book-only rules and the reconciled ones, in one run.

    # a farm with its ground truth, kept (seed-scale by default; --profile demo is smaller):
    .venv/bin/python bench/build_farm.py --keep --database ag_real_farm
    # then, on that database (a name on --server, a postgres:// or sqlite:/// URL, or
    # the path of an SQLite file):
    .venv/bin/python bench/real_farm_bench.py --database ag_real_farm
    .venv/bin/python bench/real_farm_bench.py --database ag_real_farm --json

Reads every batch once and computes it in memory, nothing stored, under each rule set:
``book`` (``assimilate(inputs, rules="book")``: counts and the farm's history ignored,
the engine before them) and ``reconciled`` (the default). For each, the figures of
``aquagrowth verify --json`` (docs/engine.md, "Verification"), with the same code: the
daily errors against the generator's truth (``generator.accuracy``) and the harvest
figures, each harvested pen held out before its harvest (``engine.holdout``). The
reconciled rules' history is learned from the stays a harvest closed in this run's own
computation (it does not depend on them: a closed stretch takes no expected loss), cut
at each harvest day for the hold-outs. Prints a table (figure, book, reconciled,
reconciled / book), the seconds of each rule set (the farm's daily rows, the hold-outs),
rows per second and the peak memory of the process; ``--json`` prints one object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RULES = ("book", "reconciled")


def farm_parser(description: str) -> argparse.ArgumentParser:
    """The arguments of a bench that reads one farm in memory (this one and the weight
    models' and forecasts' benches): ``--database``, ``--server``, ``--end``, ``--json``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--database",
        required=True,
        help="a database name on --server, a postgres:// or sqlite:/// URL, or an SQLite file",
    )
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        help="last day computed (default: the truth's last day, else the last reading)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def open_farm(args: argparse.Namespace) -> dt.date:
    """Django set up on ``args``' database (no recompute triggered by a bench); the last
    day to compute: ``--end``, else :func:`farm_end`."""
    os.environ["DATABASE_URL"] = database_url(args.database, args.server)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")
    os.environ.setdefault("AQUAGROWTH_TRIGGERS", "0")
    import django

    django.setup()
    return args.end or farm_end()


def database_url(database: str, server: str) -> str:
    """``--database`` as a URL for ``DATABASE_URL``."""
    if "://" in database:
        return database
    if Path(database).is_file():
        return f"sqlite:///{Path(database).resolve()}"
    return f"{server}/{database}"


@dataclass
class RuleRun:
    """One rule set's figures and what they cost."""

    rules: str
    figures: dict = field(default_factory=dict)
    daily_seconds: float = 0.0
    daily_rows: int = 0
    holdout_seconds: float = 0.0
    holdout_rows: int = 0

    def as_json(self) -> dict:
        seconds = self.daily_seconds + self.holdout_seconds
        return {
            **self.figures,
            "seconds": seconds,
            "daily_seconds": self.daily_seconds,
            "daily_rows": self.daily_rows,
            "daily_rows_per_s": self.daily_rows / self.daily_seconds
            if self.daily_seconds
            else None,
            "holdout_seconds": self.holdout_seconds,
            "holdout_rows": self.holdout_rows,
            "holdout_rows_per_s": (
                self.holdout_rows / self.holdout_seconds if self.holdout_seconds else None
            ),
        }


def farm_end() -> dt.date:
    """The farm's 'today': the truth's last day (a generated farm's as-of), else its last
    temperature reading."""
    from django.db.models import Max

    from aquagrowth.farm import models as m
    from aquagrowth.generator.models import TrueDailyState

    last_truth = TrueDailyState.objects.aggregate(last=Max("date"))["last"]
    if last_truth is not None:
        return last_truth
    last = m.EnvironmentalReading.objects.order_by("-reading_time").first()
    return last.reading_time.date() if last else dt.date.today()


def learned_history(loaded: list) -> object:
    """The stays a harvest closed, from one reconciled computation of every batch in
    memory (their summaries do not depend on the history: a closed stay has no open
    stretch)."""
    from aquagrowth.engine.core.assimilate import assimilate
    from aquagrowth.engine.history import ClosedStays, closed_in_memory

    parts = []
    for batch in loaded:
        states = assimilate(batch.inputs)
        stage_ids = batch.stage_ids[batch.inputs.assignment_stage]
        parts.append(
            closed_in_memory(
                states.stays, stage_ids, batch.start_date, batch.species_id, batch.geography_id
            )
        )
    return ClosedStays.concat(parts)


def with_history(batch, closed) -> object:
    """The batch's inputs with the history ``closed`` teaches at the end of its days (as
    the loader learns it from the stored summaries)."""
    inputs = batch.inputs
    before = batch.start_date + dt.timedelta(days=inputs.n_days)
    rates = closed.rates(batch.species_id, batch.geography_id, batch.stage_ids, before)
    return replace(inputs, hidden_loss_rate_by_stage=rates)


class Truth:
    """The truth on the days of the farm's rows, read once: both rule sets compute the
    same rows (each stay's days), in the same order."""

    def __init__(self) -> None:
        self.read: tuple[np.ndarray, np.ndarray] | None = None
        self.seconds = 0.0

    def of(self, estimates) -> tuple[np.ndarray, np.ndarray]:
        from aquagrowth.generator import accuracy

        if self.read is None:
            started = time.perf_counter()
            self.read = accuracy.truth_on_the_days_of(estimates)
            self.seconds = time.perf_counter() - started
        assert len(self.read[0]) == len(estimates.date), "the rule sets' rows differ"
        return self.read


def run_rules(rules: str, loaded: list, closed, truth: Truth) -> RuleRun:
    """The figures of one rule set: every batch's daily rows scored against the truth,
    every harvested pen held out before its harvest."""
    from aquagrowth.engine import holdout
    from aquagrowth.engine.core.assimilate import assimilate
    from aquagrowth.engine.verify import estimates_in_memory, figures, realtime_states
    from aquagrowth.generator import accuracy

    run = RuleRun(rules)
    started = time.perf_counter()
    estimates, realtime = [], []
    for batch in loaded:
        # the farm's weight model, as the stored rows have it
        states = assimilate(
            with_history(batch, closed), rules=rules, weight_model=batch.weight_model
        )
        run.daily_rows += len(states.day)
        estimates.append(estimates_in_memory(batch, states))
    run.daily_seconds = time.perf_counter() - started
    scored = scored_now = None
    if run.daily_rows and accuracy.has_truth():
        joined = concat_estimates(estimates)
        scored = accuracy.score(joined, truth.of(joined))
        if rules == "reconciled":
            for batch in loaded:
                now = realtime_states(replace(batch, inputs=with_history(batch, closed)))
                realtime.append(estimates_in_memory(batch, now))
            joined_now = concat_estimates(realtime)
            scored_now = accuracy.score(joined_now, truth.of(joined_now))
    started = time.perf_counter()
    scores = []
    for batch in loaded:
        scores += holdout.score_batch(batch, closed, rules, batch.weight_model)
        run.holdout_rows += sum(
            held_rows(batch.inputs, pen.day) for pen in holdout.harvested_pens(batch.inputs)
        )
    run.holdout_seconds = time.perf_counter() - started
    run.figures = figures(
        scored.overall if scored else None,
        scored.stages if scored else [],
        holdout.HarvestFigures(scores),
        scored_now.overall if scored_now else None,
    )
    return run


def held_rows(inputs, last_day: int) -> int:
    """Rows of a hold-out through ``last_day``: every stay's days up to it."""
    stop = np.minimum(inputs.assignment_stop_day, last_day + 1)
    return int(np.maximum(stop - inputs.assignment_first_day, 0).sum())


def concat_estimates(parts: list):
    """The estimates of every batch as one ``accuracy.Estimates``."""
    from aquagrowth.generator import accuracy

    names = [f.name for f in fields(accuracy.Estimates)]
    return accuracy.Estimates(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})


SHOWN = (
    ("weight_error_median_pct", "daily weight error, median (%)"),
    ("weight_error_p95_pct", "daily weight error, p95 (%)"),
    ("population_error_median_pct", "daily population error, median (%)"),
    ("population_error_p95_pct", "daily population error, p95 (%)"),
    ("biomass_error_median_pct", "daily biomass error, median (%)"),
    ("biomass_error_p95_pct", "daily biomass error, p95 (%)"),
    ("harvest_pens", "harvested pens"),
    ("harvest_biomass_error_mean_abs_pct", "harvest biomass, mean abs error (%)"),
    ("harvest_pens_outside_3pct_share", "harvest pens outside +-3 % (share)"),
    ("harvest_population_error_mean_abs_pct", "harvest fish number, mean abs error (%)"),
    ("harvest_weight_error_mean_abs_pct", "harvest mean weight, mean abs error (%)"),
)
"""The figures of the table, by their ``verify --json`` key, in the order shown."""


def ratio(book, reconciled) -> float | None:
    """Reconciled over book (below 1: the reconciled rules err less); None where either
    is missing or the book's is 0."""
    if book is None or reconciled is None or book == 0:
        return None
    return reconciled / book


def print_table(runs: dict[str, RuleRun], context: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    book, rec = runs["book"], runs["reconciled"]
    table = Table(
        title=f"a real farm's figures: {context['batches']} batches on {context['database']}, "
        f"computed to {context['end']}"
    )
    for column in ("figure", "book", "reconciled", "reconciled / book"):
        table.add_column(column, justify="left" if column == "figure" else "right")

    def shown(value, digits=2) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    for key, label in SHOWN:
        b, r = book.figures[key], rec.figures[key]
        digits = 0 if key == "harvest_pens" else 2
        table.add_row(label, shown(b, digits), shown(r, digits), shown(ratio(b, r), 3))
    table.add_section()
    for label, of, digits in (
        ("seconds, the farm's daily rows", lambda run: run.daily_seconds, 2),
        ("daily rows / s", lambda run: run.daily_rows / run.daily_seconds, 0),
        ("seconds, the hold-outs", lambda run: run.holdout_seconds, 2),
        ("hold-out rows / s", lambda run: run.holdout_rows / max(run.holdout_seconds, 1e-9), 0),
    ):
        b, r = of(book), of(rec)
        table.add_row(label, shown(b, digits), shown(r, digits), shown(ratio(b, r), 3))
    table.caption = (
        f"read {context['batches']} batches in {context['load_seconds']:.1f} s, the truth in "
        f"{context['truth_seconds']:.1f} s; the reconciled rules' history learned in "
        f"{context['history_seconds']:.1f} s (a reconciled computation of every batch); "
        f"{book.daily_rows:,} daily rows, "
        f"{book.holdout_rows:,} hold-out rows per rule set; peak memory "
        f"{context['peak_memory_mb']:.0f} MB"
    )
    Console(width=120).print(table)


def measure(end: dt.date) -> tuple[dict[str, RuleRun], dict]:
    """Every batch read once and computed to ``end`` under each rule set, in memory: the
    runs by rule set, and what the run read and held (seconds, batches, peak memory)."""
    from aquagrowth.engine.load import load_batch
    from aquagrowth.farm import models as m

    started = time.perf_counter()
    ids = list(m.Batch.objects.order_by("id").values_list("id", flat=True))
    loaded = [load_batch(batch_id, end=end, today=end) for batch_id in ids]
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    closed = learned_history(loaded)
    history_seconds = time.perf_counter() - started
    truth = Truth()
    runs = {rules: run_rules(rules, loaded, closed, truth) for rules in RULES}
    return runs, {
        "end": end.isoformat(),
        "batches": len(ids),
        "load_seconds": load_seconds,
        "truth_seconds": truth.seconds,
        "history_seconds": history_seconds,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def as_json(runs: dict[str, RuleRun], context: dict) -> dict:
    """The run as one object: the context, each rule set's figures and costs, and the
    ratio reconciled / book of each figure of the table."""
    book, reconciled = runs["book"].figures, runs["reconciled"].figures
    return {
        **context,
        "rules": {rules: run.as_json() for rules, run in runs.items()},
        "ratio": {key: ratio(book[key], reconciled[key]) for key, _ in SHOWN},
    }


def main() -> int:
    args = farm_parser(__doc__.split("\n")[0]).parse_args()
    runs, context = measure(open_farm(args))
    context = {"database": args.database, **context}
    if args.json:
        print(json.dumps(as_json(runs, context), indent=2))
    else:
        print_table(runs, context)
    return 0


if __name__ == "__main__":
    sys.exit(main())

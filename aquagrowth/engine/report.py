"""Print a verification as tables a farm's biologist can read, or as one JSON object."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from aquagrowth.engine.holdout import HarvestFigures
from aquagrowth.engine.verify import Verification


def verification_json(result: Verification) -> str:
    """One JSON object with every key of docs/engine.md's Verification table."""
    return json.dumps(result.as_json(), indent=2)


def print_verification(result: Verification, console: Console) -> None:
    console.print(f"{result.batches} batches, {result.states:,} daily states")
    for title, problems in (
        ("assignment days without a row", result.missing_days),
        ("batch population increases (fish doubled)", result.population_increases),
        ("weight jumps without an anchor", result.weight_spikes),
    ):
        mark = "[green]none[/]" if not problems else f"[red]{len(problems)}[/]"
        console.print(f"{title}: {mark}")
        for line in problems[:10]:
            console.print(f"  {line}")
    if result.missing_days:
        console.print(
            "  rows missing where nothing changed since they were computed are restored by "
            "`aquagrowth recompute --force --batch NUMBER`"
        )
    print_harvest(result.harvest, console)
    if not result.accuracy:
        console.print("no ground truth to compare with")
        return
    table = Table(title="error against the generator's ground truth (%)")
    for column in (
        "stage",
        "rows",
        "weight median",
        "weight p95",
        "population median",
        "population p95",
        "biomass median",
        "biomass p95",
    ):
        table.add_column(column, justify="right")
    for acc in [*result.accuracy, result.overall]:
        table.add_row(
            acc.stage,
            f"{acc.rows:,}",
            f"{acc.weight_median_pct:.2f}",
            f"{acc.weight_p95_pct:.2f}",
            f"{acc.population_median_pct:.2f}",
            f"{acc.population_p95_pct:.2f}",
            f"{acc.biomass_median_pct:.2f}",
            f"{acc.biomass_p95_pct:.2f}",
        )
    console.print(table)


def print_harvest(harvest: HarvestFigures, console: Console) -> None:
    """The harvest figures: each harvested pen's estimate before its harvest against the
    harvest's count and weight (the industry's yardstick)."""
    if not harvest.pens:
        console.print("no harvested pen to score")
        return
    console.print(
        f"{harvest.pens} harvested pens: each one's estimate on its harvest day, made "
        "before the harvest, against the harvest:"
    )
    table = Table()
    table.add_column("figure")
    table.add_column("value", justify="right")
    for label, value in (
        ("biomass, mean absolute error (%)", harvest.biomass_error_mean_abs_pct),
        ("pens outside +-3 % biomass (share)", harvest.outside_3pct_share),
        ("fish number, mean absolute error (%)", harvest.population_error_mean_abs_pct),
        ("mean weight, mean absolute error (%)", harvest.weight_error_mean_abs_pct),
    ):
        table.add_row(label, "-" if value is None else f"{value:.2f}")
    console.print(table)
